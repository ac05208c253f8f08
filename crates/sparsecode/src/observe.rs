//! Progress of long computations, reported to whoever runs them (a progress bar in the CLI,
//! a callback in Python), and the way for them to stop a run early.
//!
//! One contract for every long-running entry point: [`Observer::start`] once, then
//! [`Observer::step`] after each unit of work (an epoch, an iteration, a chunk of signals) with
//! a one-line summary. A step that returns `false` stops the run at that point with
//! [`crate::Error::Interrupted`]; what was checkpointed stays valid.

/// Receives the progress of a run.
pub trait Observer {
    /// Before the first step: `done` of `total` steps are already done (a resumed run).
    fn start(&mut self, _what: &str, _done: usize, _total: usize) {}
    /// After each step: `done` steps are done; `message` summarises the last one. Return
    /// `false` to stop the run.
    fn step(&mut self, _done: usize, _message: &str) -> bool {
        true
    }
    /// A note for the user (what was written, a remark on the result).
    fn note(&mut self, _message: &str) {}
}

/// An observer that ignores everything and never stops a run.
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;

impl Observer for Silent {}

/// Collects the notes (for tests and for front doors that print them at the end).
#[derive(Debug, Default, Clone)]
pub struct Notes(pub Vec<String>);

impl Observer for Notes {
    fn note(&mut self, message: &str) {
        self.0.push(message.to_string());
    }
}
