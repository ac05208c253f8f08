//! One module per subcommand.

pub mod encode;
