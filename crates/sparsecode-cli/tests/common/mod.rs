//! Helpers shared by the CLI's integration tests (`mod common;`; not every test file uses
//! every helper).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `sparsecode` binary under test.
pub fn sparsecode() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sparsecode"))
}

/// Fails the test, with `context` and the command's stderr, unless it succeeded.
#[track_caller]
pub fn assert_success(out: &Output, context: &str) {
    assert!(
        out.status.success(),
        "{context}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Three random grey images (`side` × `side`, from `seed`) written as PNG to `dir/images`,
/// the folder returned; small enough that `train` whitens them quickly.
pub fn random_images(dir: &Path, side: usize, seed: u64) -> PathBuf {
    use sparsecode::rng::{randn, rng_from_seed};
    let d = dir.join("images");
    std::fs::create_dir_all(&d).unwrap();
    let mut rng = rng_from_seed(seed);
    for i in 0..3 {
        let img = randn::<f64>(side, side, &mut rng);
        sparsecode::viz::save_gray_png(
            d.join(format!("im{i}.png")),
            img.view(),
            sparsecode::viz::Scale::MinMax,
        )
        .unwrap();
    }
    d
}
