//! One module per subcommand.

pub mod csc;
pub mod encode;
