//! `sparsecode analyze` end to end on shipped data (small settings to stay fast).

mod common;
use common::{assert_success, sparsecode};

fn run(args: &[&str]) -> std::process::Output {
    sparsecode()
        .arg("analyze")
        .args(args)
        .output()
        .expect("run sparsecode")
}

#[test]
fn every_subcommand_writes_its_results() {
    let dir = tempfile::tempdir().unwrap();
    let d = |s: &str| dir.path().join(s).display().to_string();
    let cases: Vec<(Vec<String>, &str, &str)> = vec![
        (
            vec!["measures".into(), "--out".into(), d("m")],
            "m/measures.npz",
            "m/kurtosis_histogram.png",
        ),
        (
            vec!["threshold".into(), "--out".into(), d("t")],
            "t/threshold.npz",
            "t/kurtosis_vs_theta.png",
        ),
        (
            vec!["diff".into(), "--out".into(), d("d")],
            "d/diff.npz",
            "d/kurtosis_vs_tau.png",
        ),
        (
            vec![
                "omp".into(),
                "--samples".into(),
                "200".into(),
                "--ks".into(),
                "1,6,11,16".into(),
                "--out".into(),
                d("o"),
            ],
            "o/omp.npz",
            "o/reconstructions.png",
        ),
        (
            vec![
                "dictionary".into(),
                "--frames".into(),
                "100".into(),
                "--max-iter".into(),
                "3".into(),
                "--out".into(),
                d("k"),
            ],
            "k/dictionary.npz",
            "k/atoms_vs_pca.png",
        ),
        (
            vec![
                "dictionary".into(),
                "--frames".into(),
                "100".into(),
                "--max-iter".into(),
                "3".into(),
                "--fit-algorithm".into(),
                "cd".into(),
                "--positive-code".into(),
                "--positive-dict".into(),
                "--out".into(),
                d("kp"),
            ],
            "kp/dictionary.npz",
            "kp/atoms.png",
        ),
        (
            vec![
                "pca".into(),
                "--frames".into(),
                "200".into(),
                "--out".into(),
                d("p"),
            ],
            "p/pca.npz",
            "p/components.png",
        ),
    ];
    for (args, npz, png) in cases {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run(&a);
        assert_success(&out, &format!("{args:?}"));
        assert!(dir.path().join(npz).exists(), "{npz}");
        assert!(dir.path().join(png).exists(), "{png}");
    }
}

#[test]
fn bad_input_is_one_error_line() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.npy").display().to_string();
    let out = run(&["omp", "--input", &missing]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("error:") && err.trim().lines().count() == 1,
        "{err}"
    );
    let out = run(&["omp", "--ks", "500", "--samples", "100"]);
    assert!(!out.status.success());
    let out = run(&[
        "dictionary",
        "--frames",
        "50",
        "--transform-algorithm",
        "omp",
        "--positive-code",
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("positive") && err.trim().lines().count() == 1,
        "{err}"
    );
}
