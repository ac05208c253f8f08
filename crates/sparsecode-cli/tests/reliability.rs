//! Regression tests of the reliability report (hostile files, honest outputs, messages,
//! consistency): each case gives one `error:` line naming what to change, exits 1 (never 134),
//! and leaves no output behind.

mod common;
use common::sparsecode;

use ndarray::{array, Array2};
use sparsecode::io::{write_npy, NpzArchive, NpzValue};
use std::path::{Path, PathBuf};
use std::process::Output;

fn run(args: &[&str]) -> Output {
    sparsecode().args(args).output().unwrap()
}

/// Fails with exit status 1 and one `error:` line containing every needle.
fn fails_with(args: &[&str], needles: &[&str]) {
    let o = run(args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
    assert!(
        err.starts_with("error:") && err.trim().lines().count() == 1,
        "{args:?}: {err}"
    );
    assert!(
        !err.trim().chars().any(|c| c.is_control()),
        "control bytes echoed: {err:?}"
    );
    for n in needles {
        assert!(err.contains(n), "{args:?}: {err} lacks {n:?}");
    }
}

/// A `.npy` of raw header text and body.
fn raw_npy(path: &Path, dict: &str, body: &[u8]) {
    let mut h = dict.as_bytes().to_vec();
    h.push(b'\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(h.len() as u16).to_le_bytes());
    out.extend_from_slice(&h);
    out.extend_from_slice(body);
    std::fs::write(path, out).unwrap();
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|r| r.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default()
}

#[test]
fn a_tiny_file_declaring_80_gb_is_one_error_line_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let huge = d.join("huge.npy");
    raw_npy(
        &huge,
        "{'descr': '<f8', 'fortran_order': False, 'shape': (100000, 100000), }",
        &[0u8; 64],
    );
    let ok_d = d.join("D.npy");
    write_npy(&ok_d, &array![[1.0, 0.0], [0.0, 1.0]]).unwrap();
    let o = d.join("A.npy");
    fails_with(
        &["encode", "-q", "-d", s(&huge), "-i", s(&ok_d), "-o", s(&o)],
        &["huge.npy", "truncated", "(100000, 100000)"],
    );
    fails_with(
        &["encode", "-q", "-d", s(&ok_d), "-i", s(&huge), "-o", s(&o)],
        &["truncated"],
    );
    fails_with(
        &[
            "analyze",
            "measures",
            "--input",
            s(&huge),
            "--out",
            s(&d.join("m")),
        ],
        &["truncated"],
    );
    fails_with(
        &[
            "csc",
            "encode",
            "--image",
            s(&huge),
            "--out",
            s(&d.join("c")),
        ],
        &["truncated"],
    );
    // the same inside an archive: --gabor-only and --resume
    let mut npz = Vec::new();
    {
        use std::io::Write;
        let bytes = std::fs::read(&huge).unwrap();
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(&mut npz));
        // valid settings (numpy bytes string), then the hostile dictionary record
        let settings =
            serde_json::to_string(&sparsecode::pipeline::localized::LocalizedConfig::default())
                .unwrap();
        let sp = d.join("settings.npy");
        raw_npy(
            &sp,
            &format!(
                "{{'descr': '|S{}', 'fortran_order': False, 'shape': (), }}",
                settings.len()
            ),
            settings.as_bytes(),
        );
        z.start_file("settings.npy", zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(&std::fs::read(&sp).unwrap()).unwrap();
        z.start_file("phi.npy", zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(&bytes).unwrap();
        z.finish().unwrap();
    }
    let run_dir = d.join("run");
    std::fs::create_dir_all(&run_dir).unwrap();
    std::fs::write(run_dir.join("traindata.npz"), &npz).unwrap();
    fails_with(
        &[
            "train",
            "-q",
            "--gabor-only",
            s(&run_dir.join("traindata.npz")),
        ],
        &["traindata.npz:phi", "truncated"],
    );
    fails_with(
        &["train", "-q", "--resume", "--out", s(&run_dir)],
        &["truncated"],
    );
    assert!(!o.exists());
}

#[test]
fn sizes_given_as_arguments_are_checked_before_work() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s");
    fails_with(
        &["csc", "synth", "--size", "100000", "--out", s(&out)],
        &["100000×100000", "memory"],
    );
    fails_with(
        &["csc", "synth", "--size", "1", "--out", s(&out)],
        &["--size", "at least 8"],
    );
    assert!(!out.exists(), "nothing written: {:?}", files_in(&out));
}

#[test]
fn a_run_record_is_a_dictionary_and_a_transposed_one_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // a square dictionary of unit-norm rows whose columns are not unit-norm
    let h = 0.5f64.sqrt();
    let atoms = array![[1.0, 0.0, 0.0], [h, h, 0.0], [0.0, h, h]];
    let x = array![[1.0, 2.0, 3.0], [0.5, -1.0, 0.0]];
    let xp = d.join("X.npy");
    write_npy(&xp, &x).unwrap();
    // the record stores phi (epochs × features × atoms) and 'dictionary' (atoms as rows)
    let mut phi = ndarray::Array3::<f64>::zeros((1, 3, 3));
    phi.index_axis_mut(ndarray::Axis(0), 0).assign(&atoms.t());
    let rec = sparsecode::learn::record::TrainRecord {
        dictionaries: vec![atoms.clone()],
        time: vec![1.0],
        train: vec![1.0],
        val: vec![1.0],
        settings: "{}".into(),
        ..Default::default()
    };
    let rp = d.join("traindata.npz");
    rec.save(&rp).unwrap();
    let from_record = d.join("A1.npy");
    let o = run(&[
        "encode",
        "-q",
        "-m",
        "omp",
        "-k",
        "1",
        "-d",
        s(&rp),
        "-i",
        s(&xp),
        "-o",
        s(&from_record),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rows = d.join("D.npy");
    write_npy(&rows, &atoms).unwrap();
    let from_rows = d.join("A2.npy");
    let o = run(&[
        "encode",
        "-q",
        "-m",
        "omp",
        "-k",
        "1",
        "-d",
        s(&rows),
        "-i",
        s(&xp),
        "-o",
        s(&from_rows),
    ]);
    assert!(o.status.success());
    let a1: Array2<f64> = sparsecode::io::read_npy(&from_record).unwrap();
    let a2: Array2<f64> = sparsecode::io::read_npy(&from_rows).unwrap();
    assert_eq!(a1, a2);
    // phi[-1] passed as is: columns are atoms, warned about
    let cols = d.join("phi_last.npy");
    write_npy(&cols, &atoms.t().to_owned()).unwrap();
    let o = run(&[
        "encode",
        "-q",
        "-m",
        "omp",
        "-k",
        "1",
        "-d",
        s(&cols),
        "-i",
        s(&xp),
        "-o",
        s(&d.join("A3.npy")),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("looks transposed"), "{err}");
}

#[test]
fn outputs_are_not_written_when_an_argument_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let dp = d.join("D.npy");
    write_npy(&dp, &array![[1.0, 0.0], [0.0, 1.0]]).unwrap();
    let a = d.join("A.npy");
    fails_with(
        &[
            "encode",
            "-q",
            "-d",
            s(&dp),
            "-i",
            s(&dp),
            "-o",
            s(&a),
            "--intercept-output",
            s(&d.join("b.npy")),
        ],
        &["--intercept-output", "--fit-intercept"],
    );
    assert!(!a.exists());
    // into a folder that cannot be created: an error, and no temporary file anywhere
    let blocked = d.join("file");
    std::fs::write(&blocked, b"x").unwrap();
    fails_with(
        &[
            "encode",
            "-q",
            "-d",
            s(&dp),
            "-i",
            s(&dp),
            "-o",
            s(&blocked.join("A.npy")),
        ],
        &["cannot create"],
    );
    let leftovers: Vec<_> = files_in(d)
        .into_iter()
        .filter(|p| p.to_string_lossy().contains("partial"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn messages_name_the_flag_and_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let empty = d.join("empty.npy");
    std::fs::write(&empty, b"").unwrap();
    let dp = d.join("D.npy");
    write_npy(&dp, &array![[1.0, 0.0], [0.0, 1.0]]).unwrap();
    let o = d.join("A.npy");
    fails_with(
        &["encode", "-q", "-d", s(&empty), "-i", s(&dp), "-o", s(&o)],
        &["empty.npy", "too short"],
    );
    // control bytes in a header are not echoed
    let ctl = d.join("ctl.npy");
    raw_npy(
        &ctl,
        "{'descr': '<f8', 'fortran_order': False, 'shape': (2,\x07\x1b[31m), }",
        &[0u8; 16],
    );
    fails_with(
        &["encode", "-q", "-d", s(&ctl), "-i", s(&dp), "-o", s(&o)],
        &["ctl.npy", "header"],
    );
    // a float64 value beyond float32 when computing in f32
    let big = d.join("big.npy");
    write_npy(&big, &array![[1e300, 0.0], [0.0, 1.0]]).unwrap();
    fails_with(
        &[
            "encode",
            "-q",
            "--dtype",
            "f32",
            "-d",
            s(&dp),
            "-i",
            s(&big),
            "-o",
            s(&o),
        ],
        &["does not fit in float32"],
    );
    // a tiny but non-zero atom is normalised, not called zero
    let tiny = d.join("tiny.npy");
    write_npy(&tiny, &array![[1e-200, 0.0], [0.0, 1.0]]).unwrap();
    let r = run(&[
        "encode",
        "-q",
        "-m",
        "omp",
        "-k",
        "1",
        "-d",
        s(&tiny),
        "-i",
        s(&dp),
        "-o",
        s(&o),
    ]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    // a solver parameter names its flag
    fails_with(
        &[
            "encode",
            "-q",
            "-m",
            "fista",
            "--alpha=-1",
            "-d",
            s(&dp),
            "-i",
            s(&dp),
            "-o",
            s(&o),
        ],
        &["--alpha"],
    );
    // lars refuses k > n_features as omp does
    fails_with(
        &[
            "encode",
            "-q",
            "-m",
            "lars",
            "-k",
            "5",
            "-d",
            s(&dp),
            "-i",
            s(&dp),
            "-o",
            s(&o),
        ],
        &["--n-nonzero", "n_features (2)"],
    );
    // the summary line names the method as typed, not its Debug name
    let r = run(&[
        "encode",
        "-m",
        "omp",
        "-k",
        "1",
        "-d",
        s(&dp),
        "-i",
        s(&dp),
        "-o",
        s(&o),
    ]);
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(err.contains("with omp in") && !err.contains("Omp"), "{err}");
}

#[test]
fn convolutional_coding_refuses_zero_kernels() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let k = d.join("k.npy");
    write_npy(&k, &ndarray::Array3::<f64>::zeros((2, 3, 3))).unwrap();
    fails_with(
        &[
            "csc",
            "encode",
            "--size",
            "16",
            "--kernels",
            s(&k),
            "--iters",
            "2",
            "--out",
            s(&d.join("o")),
        ],
        &["kernel 0 is all zeros"],
    );
}

/// Three tiny grey images for `train`.
fn images(dir: &Path) -> std::path::PathBuf {
    common::random_images(dir, 32, 3)
}

const TINY: &[&str] = &[
    "train",
    "-q",
    "-T",
    "200",
    "-N",
    "8",
    "-b",
    "50",
    "--no-gabor",
];

#[test]
fn train_checks_its_options_and_resume_keeps_its_record() {
    fn args(v: &[String]) -> Vec<&str> {
        v.iter().map(String::as_str).collect()
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let imgs = images(d);
    let out = d.join("run");
    let with = |extra: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = TINY.iter().map(|x| x.to_string()).collect();
        v.extend([
            "--images".into(),
            s(&imgs).into(),
            "--out".into(),
            s(&out).into(),
        ]);
        v.extend(extra.iter().map(|x| x.to_string()));
        v
    };
    fails_with(&args(&with(&["-e", "0"])), &["--epochs", "at least 1"]);
    fails_with(&args(&with(&["-p", "1"])), &["--patch-size", "at least 2"]);
    fails_with(&args(&with(&["-V", "0"])), &["--val-samples"]);
    assert!(!out.exists(), "nothing written before the checks");
    let o = run(&args(&with(&["-e", "1", "-p", "6", "-V", "50"])));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rec = out.join("traindata.npz");
    // settings are a numpy string; the record has the dictionary with atoms as rows
    let settings = sparsecode::io::read_npz_text(&rec, "settings").unwrap();
    assert!(settings.contains("\"dict_count\": 8"), "{settings}");
    let dict: Array2<f64> = sparsecode::io::read_npz_array(&rec, "dictionary").unwrap();
    assert_eq!(dict.dim(), (8, 36));
    // --resume with a different -N, or no new epoch, is refused
    fails_with(
        &[
            "train",
            "-q",
            "--resume",
            "-N",
            "16",
            "-e",
            "2",
            "--out",
            s(&out),
        ],
        &["--resume", "--dict-count 16 (recorded: 8)"],
    );
    fails_with(
        &["train", "-q", "--resume", "-e", "1", "--out", s(&out)],
        &["--epochs", "already has 1 epochs"],
    );
    // the same value as recorded is fine
    let o = run(&[
        "train",
        "-q",
        "--no-gabor",
        "--resume",
        "-N",
        "8",
        "-e",
        "2",
        "--out",
        s(&out),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // --gabor-only writes where --out says
    let g = d.join("gabor");
    let o = run(&["train", "-q", "--gabor-only", s(&rec), "--out", s(&g)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(g.join("gabor_fit.npz").exists());
    assert!(!out.join("gabor_fit.npz").exists());
}

#[test]
fn analysis_records_store_integer_metadata_as_integers() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("pca");
    let o = run(&["analyze", "pca", "--out", s(&out)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // the raw .npy member of frame_shape is int64
    let f = std::fs::File::open(out.join("pca.npz")).unwrap();
    let mut z = zip::ZipArchive::new(f).unwrap();
    let mut m = z.by_name("frame_shape.npy").unwrap();
    let mut head = vec![0u8; 64];
    std::io::Read::read_exact(&mut m, &mut head).unwrap();
    assert!(String::from_utf8_lossy(&head).contains("<i8"));
    let _ = NpzArchive::new().add("x", NpzValue::integer(1));
}
