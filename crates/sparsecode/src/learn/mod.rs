//! Dictionary learners.
pub mod dictionary_learning;
