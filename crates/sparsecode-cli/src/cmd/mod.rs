//! One module per subcommand.

pub mod analyze;
pub mod csc;
pub mod encode;
pub mod train;
pub mod train_omp;
