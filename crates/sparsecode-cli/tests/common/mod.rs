//! Helpers shared by the CLI's integration tests (`mod common;`).

use std::path::{Path, PathBuf};

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
