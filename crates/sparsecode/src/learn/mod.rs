//! Dictionary learners.
