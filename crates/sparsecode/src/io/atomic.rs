//! Atomic file output: every file the library writes appears complete or not at all.

use crate::{Error, Result};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Writes `path` through `fill`: the bytes go to a temporary file beside it, which is flushed
/// and renamed over `path` only when `fill` succeeded; on any failure (a full disk, an error
/// of `fill`) the temporary file is removed and `path` is left as it was. The folder must exist
/// (see [`create_parent`]).
pub fn write_atomically(
    path: &Path,
    fill: impl FnOnce(&mut BufWriter<File>) -> Result<()>,
) -> Result<()> {
    match std::fs::metadata(path) {
        // A device or a pipe (`/dev/stdout`, a FIFO) cannot be replaced: write through it.
        Ok(meta) if !meta.is_file() && !meta.is_dir() => {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(|e| Error::file(path, format!("cannot open for writing: {e}")))?;
            let mut w = BufWriter::new(file);
            fill(&mut w)?;
            return w
                .flush()
                .map_err(|e| Error::file(path, format!("write failed: {e}")));
        }
        // Through a link to a file, replace the file, not the link.
        Ok(_) if path.is_symlink() => {
            let real = std::fs::canonicalize(path)
                .map_err(|e| Error::file(path, format!("cannot resolve link: {e}")))?;
            return write_atomically(&real, fill);
        }
        _ => {}
    }
    let tmp = temporary_name(path);
    let file = File::create(&tmp).map_err(|e| Error::file(path, format!("cannot create: {e}")))?;
    let mut w = BufWriter::new(file);
    let result = fill(&mut w).and_then(|()| {
        let file = w
            .into_inner()
            .map_err(|e| Error::file(path, format!("write failed: {}", e.error())))?;
        file.sync_all()
            .map_err(|e| Error::file(path, format!("write failed: {e}")))
    });
    let result = result.and_then(|()| {
        std::fs::rename(&tmp, path)
            .map_err(|e| Error::file(path, format!("cannot move into place: {e}")))
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Creates the folder `dir` (and its parents) if missing.
pub fn create_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::file(dir, format!("cannot create folder: {e}")))
}

/// Creates the folder of `path` (and its parents) if missing.
pub fn create_parent(path: &Path) -> Result<()> {
    match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) => create_dir(dir),
        None => Ok(()),
    }
}

/// Writes `bytes` to `path` atomically (see [`write_atomically`]).
pub fn write_bytes_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomically(path, |w| {
        w.write_all(bytes)
            .map_err(|e| Error::file(path, format!("write failed: {e}")))
    })
}

/// `dir/.name.partial-<pid>`: hidden, beside the target (so the rename stays on one file
/// system), distinct per process.
fn temporary_name(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.partial-{}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_fill_leaves_nothing_and_keeps_the_old_file() {
        let (dir, p) = crate::io::temp_path("a.bin");
        write_bytes_atomically(&p, b"old").unwrap();
        let e = write_atomically(&p, |w| {
            w.write_all(b"half").unwrap();
            Err(Error::param("x", "fails"))
        });
        assert!(e.is_err());
        assert_eq!(std::fs::read(&p).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_device_is_written_in_place_not_replaced() {
        use std::os::unix::fs::FileTypeExt;
        write_bytes_atomically(Path::new("/dev/null"), b"gone").unwrap();
        let meta = std::fs::metadata("/dev/null").unwrap();
        assert!(meta.file_type().is_char_device());
    }
}
