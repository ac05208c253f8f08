//! `sparsecode train` end to end on tiny problems: outputs written, `--resume` continues
//! bit-identically, `--gabor-only`, clear errors.

mod common;
use common::sparsecode;

use std::path::Path;

const TINY: &[&str] = &[
    "train", "-q", "-T", "300", "-V", "100", "-C", "200", "-N", "16", "-p", "8", "-b", "50",
];

/// Three small random grey images (fast to whiten), written once per test.
fn images(dir: &Path) -> std::path::PathBuf {
    common::random_images(dir, 40, 1)
}

fn train(out: &Path, extra: &[&str]) {
    let imgs = images(out.parent().unwrap());
    let o = sparsecode()
        .args(TINY)
        .arg("--images")
        .arg(&imgs)
        .args(extra)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn read(path: &Path, key: &str) -> ndarray::ArrayD<f64> {
    sparsecode::io::read_npz::<f64>(path)
        .unwrap()
        .into_iter()
        .find(|(n, _)| n == key)
        .unwrap_or_else(|| panic!("no key {key}"))
        .1
}

#[test]
fn compressed_run_writes_outputs_and_resume_is_bit_identical() {
    let dir = tempfile::tempdir().unwrap();
    let full = dir.path().join("full");
    let part = dir.path().join("part");
    train(&full, &["-e", "2", "-c", "bdm", "-l", "2", "--no-gabor"]);
    for f in ["traindata.npz", "atoms.png", "atoms.gif", "losses.png"] {
        assert!(full.join(f).exists(), "{f}");
    }
    train(&part, &["-e", "1", "-c", "bdm", "-l", "2", "--no-gabor"]);
    let o = sparsecode()
        .args(["train", "-q", "--no-gabor", "--resume", "-e", "2", "--out"])
        .arg(&part)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (a, b) = (full.join("traindata.npz"), part.join("traindata.npz"));
    for key in ["phi", "train", "val", "compression_matrix", "state_atoms"] {
        assert_eq!(read(&a, key), read(&b, key), "{key}");
    }
    assert_eq!(read(&a, "phi").shape(), &[2, 64, 16]);
    assert_eq!(read(&a, "compression_matrix").shape(), &[32, 64]);
    // Gabor analysis of the result
    let o = sparsecode()
        .args(["train", "-q", "--gabor-only"])
        .arg(&a)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let g = full.join("gabor_fit.npz");
    for key in [
        "x0",
        "y0",
        "sigmax",
        "sigmay",
        "theta",
        "phase",
        "Lambda",
        "fit_error",
    ] {
        assert_eq!(read(&g, key).shape(), &[16], "{key}");
    }
    assert!(full.join("gabor_orientation.png").exists());
}

#[test]
fn online_learner_codes_with_lars_or_fista_on_the_same_objective() {
    let dir = tempfile::tempdir().unwrap();
    let mut losses = Vec::new();
    for coder in ["lars", "fista"] {
        let out = dir.path().join(coder);
        train(
            &out,
            &[
                "-e",
                "1",
                "--learner",
                "online",
                "--online-coder",
                coder,
                "--no-gabor",
            ],
        );
        let t = read(&out.join("traindata.npz"), "train");
        let last = *t.iter().last().unwrap();
        assert!(last.is_finite() && last > 0.0, "{coder}: {t:?}");
        losses.push(last);
    }
    // Both coders minimise ½‖x − aD‖² + λ‖a‖₁ (FISTA only approximately).
    assert!(
        (losses[0] - losses[1]).abs() <= 0.05 * losses[0],
        "{losses:?}"
    );
}

#[test]
fn bad_options_fail_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    for extra in [
        &["-c", "zip"][..],
        &["--learner", "magic"][..],
        &["-S", "newton"][..],
        &["--learner", "online", "--online-coder", "cd"][..],
        &["-c", "bdm", "-l", "3"][..],
        &["--compression-ratio", "1.5"][..],
    ] {
        let o = sparsecode()
            .args(TINY)
            .arg("--images")
            .arg(images(dir.path()))
            .args(extra)
            .arg("--out")
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(!o.status.success(), "{extra:?} should fail");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.starts_with("error:") && err.trim().lines().count() == 1,
            "{extra:?}: {err}"
        );
    }
    let o = sparsecode()
        .args(["train", "--images", "/nonexistent/folder", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!o.status.success());
    let o = sparsecode()
        .args(["train", "--resume", "--out"])
        .arg(dir.path().join("none"))
        .output()
        .unwrap();
    assert!(!o.status.success());
}
