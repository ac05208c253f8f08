//! End-to-end tests of `sparsecode encode`: files in, files out, clear errors.

mod common;
use common::{assert_success, sparsecode};

use ndarray::{array, Array2, Ix1, Ix2};
use sparsecode::io::{read_npy, write_npy};

fn setup(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    // Orthonormal dictionary of 4 atoms in R^4 plus two correlated atoms.
    let d = array![
        [1.0, 0.0, 0.0, 0.0],
        [0.0, 1.0, 0.0, 0.0],
        [0.0, 0.0, 1.0, 0.0],
        [0.0, 0.0, 0.0, 1.0],
        [0.6, 0.8, 0.0, 0.0],
        [0.0, 0.0, 0.8, 0.6]
    ];
    let x = array![
        [0.0, 0.0, 3.0, 0.0],
        [1.2, 1.6, 0.0, 0.0],
        [0.0, -2.0, 0.0, 0.0]
    ];
    let dp = dir.join("D.npy");
    let xp = dir.join("X.npy");
    write_npy(&dp, &d).unwrap();
    write_npy(&xp, &x).unwrap();
    (dp, xp)
}

#[test]
fn omp_one_atom_recovers_planted_codes() {
    let dir = tempfile::tempdir().unwrap();
    let (dp, xp) = setup(dir.path());
    let out = dir.path().join("A.npy");
    let timing = dir.path().join("t.json");
    let st = sparsecode()
        .args(["encode", "-q", "--method", "omp", "--n-nonzero", "1"])
        .arg("--dictionary")
        .arg(&dp)
        .arg("--input")
        .arg(&xp)
        .arg("--output")
        .arg(&out)
        .arg("--timing-json")
        .arg(&timing)
        .status()
        .unwrap();
    assert!(st.success());
    let a: Array2<f64> = read_npy::<f64, Ix2>(&out).unwrap();
    assert_eq!(a.dim(), (3, 6));
    assert!((a[[0, 2]] - 3.0).abs() < 1e-12);
    assert!((a[[1, 4]] - 2.0).abs() < 1e-12);
    assert!((a[[2, 1]] + 2.0).abs() < 1e-12);
    assert_eq!(a.iter().filter(|v| **v != 0.0).count(), 3);
    let t: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&timing).unwrap()).unwrap();
    assert!(t["solve_seconds"].as_f64().unwrap() >= 0.0);
    assert_eq!(t["n_atoms"].as_u64().unwrap(), 6);
}

#[test]
fn every_method_runs_and_writes_codes_of_the_right_shape() {
    let dir = tempfile::tempdir().unwrap();
    let (dp, xp) = setup(dir.path());
    for method in [
        "omp",
        "lars",
        "lasso-lars",
        "ista",
        "fista",
        "admm",
        "lca",
        "iht",
        "threshold",
    ] {
        for dtype in ["f32", "f64"] {
            let out = dir.path().join(format!("A_{method}_{dtype}.npy"));
            let st = sparsecode()
                .args([
                    "encode",
                    "-q",
                    "--method",
                    method,
                    "--n-nonzero",
                    "2",
                    "--alpha",
                    "0.05",
                    "--dtype",
                    dtype,
                ])
                .arg("--dictionary")
                .arg(&dp)
                .arg("--input")
                .arg(&xp)
                .arg("--output")
                .arg(&out)
                .output()
                .unwrap();
            assert_success(&st, &format!("{method} {dtype}"));
            let a: Array2<f64> = read_npy::<f64, Ix2>(&out).unwrap();
            assert_eq!(a.dim(), (3, 6), "{method}");
            assert!(a.iter().all(|v| v.is_finite()), "{method}");
        }
    }
}

#[test]
fn intercept_output_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let (dp, xp) = setup(dir.path());
    let out = dir.path().join("A.npy");
    let icpt = dir.path().join("b.npy");
    let st = sparsecode()
        .args([
            "encode",
            "-q",
            "--method",
            "omp",
            "--n-nonzero",
            "1",
            "--fit-intercept",
            "--no-normalize",
        ])
        .arg("--dictionary")
        .arg(&dp)
        .arg("--input")
        .arg(&xp)
        .arg("--output")
        .arg(&out)
        .arg("--intercept-output")
        .arg(&icpt)
        .output()
        .unwrap();
    assert_success(&st, "");
    let b = read_npy::<f64, Ix1>(&icpt).unwrap();
    assert_eq!(b.len(), 3);
}

fn expect_error(args: &[&str], needle: &str) {
    let out = sparsecode().args(args).output().unwrap();
    assert!(!out.status.success(), "expected failure for {args:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(needle),
        "stderr of {args:?} lacks {needle:?}: {err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "one line expected: {err}");
}

#[test]
fn bad_inputs_give_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let (dp, xp) = setup(dir.path());
    let d = dp.to_str().unwrap();
    let x = xp.to_str().unwrap();
    let o = dir.path().join("A.npy");
    let o = o.to_str().unwrap();
    expect_error(
        &["encode", "-d", "/nonexistent/D.npy", "-i", x, "-o", o],
        "cannot open",
    );
    // k larger than the dimension
    expect_error(
        &["encode", "-q", "-d", d, "-i", x, "-o", o, "-k", "50"],
        "n_nonzero",
    );
    // wrong shapes: dictionary as signals
    let wrong = dir.path().join("W.npy");
    write_npy(&wrong, &Array2::<f64>::ones((2, 3))).unwrap();
    expect_error(
        &[
            "encode",
            "-q",
            "-d",
            d,
            "-i",
            wrong.to_str().unwrap(),
            "-o",
            o,
        ],
        "shape mismatch",
    );
    // NaN in the input
    let nan = dir.path().join("N.npy");
    write_npy(&nan, &array![[f64::NAN, 0.0, 0.0, 0.0]]).unwrap();
    expect_error(
        &[
            "encode",
            "-q",
            "-d",
            d,
            "-i",
            nan.to_str().unwrap(),
            "-o",
            o,
        ],
        "non-finite",
    );
    // zero atom
    let z = dir.path().join("Z.npy");
    write_npy(&z, &array![[0.0, 0.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0]]).unwrap();
    expect_error(
        &["encode", "-q", "-d", z.to_str().unwrap(), "-i", x, "-o", o],
        "zero norm",
    );
    // corrupt file
    let c = dir.path().join("C.npy");
    std::fs::write(&c, b"garbage").unwrap();
    expect_error(
        &["encode", "-q", "-d", c.to_str().unwrap(), "-i", x, "-o", o],
        "not a valid .npy",
    );
    // empty data
    let e = dir.path().join("E.npy");
    write_npy(&e, &Array2::<f64>::zeros((0, 4))).unwrap();
    expect_error(
        &["encode", "-q", "-d", d, "-i", e.to_str().unwrap(), "-o", o],
        "empty",
    );
    // negative penalty
    expect_error(
        &[
            "encode",
            "-q",
            "-d",
            d,
            "-i",
            x,
            "-o",
            o,
            "-m",
            "fista",
            "--alpha=-1",
        ],
        "lambda",
    );
}

/// `--chunk` is progress granularity only: codes are bit-identical for chunk 7, 64 and the
/// default (8192), for every solver, on more rows than the solvers' fixed block
/// (4096), so that the steps really split the input differently.
#[test]
fn chunk_does_not_change_codes() {
    use sparsecode::rng::{randn, rng_from_seed};
    let dir = tempfile::tempdir().unwrap();
    let mut rng = rng_from_seed(41);
    let d = randn::<f64>(12, 8, &mut rng);
    let x = randn::<f64>(sparsecode::encode::STOP_BLOCK_ROWS + 404, 8, &mut rng) * 0.5;
    let (dp, xp) = (dir.path().join("D.npy"), dir.path().join("X.npy"));
    write_npy(&dp, &d).unwrap();
    write_npy(&xp, &x).unwrap();
    let cases: [(&str, &[&str]); 7] = [
        ("omp", &["--n-nonzero", "3"]),
        // tolerances reached before the caps (but ADMM's), at different iterations per block
        ("fista", &["--tol", "1e-3", "--max-iter", "3000"]),
        ("fista", &["--variant", "paper"]),
        ("ista", &["--tol", "1e-2", "--max-iter", "3000"]),
        ("admm", &["--max-iter", "300"]),
        ("admm", &["--variant", "seed"]),
        ("lasso-lars", &[]),
    ];
    for (method, extra) in cases {
        let mut first: Option<Array2<f64>> = None;
        for chunk in ["7", "64", "8192"] {
            let out = dir.path().join(format!("A_{method}_{chunk}.npy"));
            let o = sparsecode()
                .args(["encode", "-q", "--method", method, "--alpha", "0.2"])
                .args(extra)
                .args(["--chunk", chunk])
                .arg("--dictionary")
                .arg(&dp)
                .arg("--input")
                .arg(&xp)
                .arg("--output")
                .arg(&out)
                .output()
                .unwrap();
            assert_success(&o, &format!("{method} {extra:?} --chunk {chunk}"));
            let a: Array2<f64> = read_npy::<f64, Ix2>(&out).unwrap();
            match &first {
                None => first = Some(a),
                Some(f) => {
                    let same = f
                        .iter()
                        .zip(a.iter())
                        .all(|(p, q)| p.to_bits() == q.to_bits());
                    let max = f
                        .iter()
                        .zip(a.iter())
                        .map(|(p, q)| (p - q).abs())
                        .fold(0.0f64, f64::max);
                    assert!(
                        same,
                        "{method} {extra:?}: --chunk {chunk} differs from --chunk 7 by up to {max:e}"
                    );
                }
            }
        }
    }
}
