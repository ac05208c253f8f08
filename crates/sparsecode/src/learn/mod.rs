//! Dictionary learners.
//!
//! One file per learner; the building blocks used elsewhere (the nn crate) are
//! [`ksvd::ksvd_update`] and [`online::online_step`].

pub mod ksvd;
pub mod online;
