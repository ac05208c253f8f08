//! Library parameter names → the command-line flags a user typed, for error messages.

use sparsecode::Error;

/// Adds the flag to an [`Error::InvalidParameter`] whose library name is in `table`
/// (`lambda` → `lambda (--alpha)`), so that the one error line names what to change.
pub fn name_flag(e: Error, table: &[(&str, &str)]) -> Error {
    match e {
        Error::InvalidParameter { name, reason } => {
            match table.iter().find(|(lib, _)| *lib == name) {
                Some((_, flag)) => Error::InvalidParameter {
                    name: format!("{name} ({flag})"),
                    reason,
                },
                None => Error::InvalidParameter { name, reason },
            }
        }
        other => other,
    }
}
