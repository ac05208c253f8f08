//! `sparsecode csc` end to end on tiny images.

mod common;
use common::{assert_success, sparsecode};

#[test]
fn synth_encode_learn_write_their_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = sparsecode()
        .args(["csc", "synth", "--size", "48", "--rho", "0.01", "--out"])
        .arg(d.join("s"))
        .output()
        .unwrap();
    assert_success(&out, "");
    for f in [
        "events.npy",
        "image.npy",
        "image.png",
        "events.png",
        "kernel.png",
    ] {
        assert!(d.join("s").join(f).exists(), "{f}");
    }
    for method in ["fista", "admm", "inverse"] {
        let out = sparsecode()
            .args([
                "csc", "encode", "--size", "48", "--rho", "0.01", "--iters", "20", "--lambda",
                "0.1", "--method", method, "--out",
            ])
            .arg(d.join(method))
            .output()
            .unwrap();
        assert_success(&out, method);
        for f in [
            "maps.npy",
            "reconstruction.png",
            "error.png",
            "errors.npy",
            "report.json",
        ] {
            assert!(d.join(method).join(f).exists(), "{method} {f}");
        }
    }
    // encode a given image with a given kernel bank.
    let out = sparsecode()
        .args([
            "csc",
            "learn",
            "--size",
            "24",
            "--iters",
            "2",
            "--n-kernels",
            "2",
            "--kernel-size",
            "4",
            "--out",
        ])
        .arg(d.join("l"))
        .output()
        .unwrap();
    assert_success(&out, "");
    for learner in ["fista", "admm"] {
        let out = sparsecode()
            .args([
                "csc",
                "learn",
                "--size",
                "16",
                "--iters",
                "2",
                "--n-kernels",
                "2",
                "--kernel-size",
                "3",
                "--learner",
                learner,
                "--out",
            ])
            .arg(d.join(format!("l-{learner}")))
            .output()
            .unwrap();
        assert_success(&out, "");
        assert!(d.join(format!("l-{learner}/kernels.png")).exists());
    }
    let out = sparsecode()
        .args(["csc", "learn", "--learner", "newton", "--out"])
        .arg(d.join("l-bad"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let out = sparsecode()
        .args(["csc", "encode", "--iters", "5", "--image"])
        .arg(d.join("s/image.npy"))
        .arg("--kernels")
        .arg(d.join("l/kernels.npy"))
        .arg("--out")
        .arg(d.join("e2"))
        .output()
        .unwrap();
    assert_success(&out, "");
    assert!(d.join("e2/maps.npy").exists());
    // The same ADMM in f64 and through `--f32`: the same objective to single precision.
    let objective = |extra: &[&str], dir: &str| -> f64 {
        let out = sparsecode()
            .args([
                "csc", "encode", "--method", "admm", "--iters", "30", "--lambda", "0.05",
            ])
            .args(extra)
            .arg("--image")
            .arg(d.join("s/image.npy"))
            .arg("--kernels")
            .arg(d.join("l/kernels.npy"))
            .arg("--out")
            .arg(d.join(dir))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        assert_success(&out, &text);
        let line = text
            .lines()
            .find(|l| l.contains("ms/iter); objective "))
            .unwrap_or_else(|| panic!("no objective line in {text}"));
        if extra.contains(&"--f32") {
            assert!(line.contains("admm (f32):"), "{line}");
        }
        let tail = line.split("objective ").nth(1).unwrap();
        tail.split(',').next().unwrap().trim().parse().unwrap()
    };
    let o64 = objective(&[], "e64");
    let o32 = objective(&["--f32"], "e32");
    assert!(
        o64 > 0.0 && ((o32 - o64) / o64).abs() < 1e-4,
        "f64 {o64} vs f32 {o32}"
    );
}

#[test]
fn bad_input_fails_with_one_line() {
    let out = sparsecode()
        .args(["csc", "encode", "--image", "/nonexistent/x.npy"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("error:") && err.trim().lines().count() == 1,
        "{err}"
    );
    let out = sparsecode()
        .args([
            "csc",
            "synth",
            "--size",
            "16",
            "--rho",
            "2",
            "--out",
            "/tmp/never",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("rho"));
}

/// `--rng numpy --seed 2020 --size 256` draws the post's own events: its printed threshold.
#[test]
fn synth_with_numpy_rng_prints_the_posts_threshold() {
    let dir = tempfile::tempdir().unwrap();
    let out = sparsecode()
        .args([
            "csc", "synth", "--size", "256", "--rng", "numpy", "--seed", "2020", "--out",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_success(&out, "");
    assert!(stdout.contains("66 events (threshold 11.2675)"), "{stdout}");
    let bad = sparsecode()
        .args([
            "csc",
            "synth",
            "--rng",
            "numpy",
            "--seed",
            "99999999999",
            "--out",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("2^32"), "{err}");
}
