//! Property ("fuzz") tests of the `.npy` / `.npz` readers on hostile input: arbitrary headers,
//! shapes, dtypes, version bytes, header lengths and bodies, and corrupted archives. Every
//! read must return (never panic, never abort) and must not allocate more than the file holds:
//! a counting allocator records the largest single allocation made during each read.
//!
//! The number of cases is bounded (`PROPTEST_CASES`, default 512 per property) so that CI runs
//! it in seconds; run with a larger value to fuzz longer.

use ndarray::{Ix2, IxDyn};
use proptest::prelude::*;
use sparsecode::io::{read_npy, read_npz, read_npz_array, read_npz_text};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::Write;

/// The system allocator, recording the largest request of the current thread.
struct Counting;

thread_local! {
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

fn note(size: usize) {
    let _ = LARGEST.try_with(|m| {
        if size > m.get() {
            m.set(size)
        }
    });
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f` and returns the largest single allocation it made on this thread.
fn largest_allocation(f: impl FnOnce()) -> usize {
    LARGEST.with(|m| m.set(0));
    f();
    LARGEST.with(|m| m.get())
}

/// What a reader may allocate for a file of `len` bytes: its header buffers (at most 64 KiB
/// of header, a few KiB of buffering, the zip reader's own tables) plus the data widened to
/// f64 (8 bytes per byte of file at worst, from uint8/bool).
fn allowance(len: usize) -> usize {
    (1 << 20) + 8 * len
}

fn descr() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("<f8".to_string()),
        Just("<f4".to_string()),
        Just(">f8".to_string()),
        Just("|u1".to_string()),
        Just("|b1".to_string()),
        Just("<i8".to_string()),
        Just(">u2".to_string()),
        Just("<U5".to_string()),
        Just("<U99999999999".to_string()),
        Just("|S3".to_string()),
        Just("<c16".to_string()),
        Just("<f2".to_string()),
        Just("O".to_string()),
        "[<>|=]?[a-zA-Z?][0-9]{0,3}",
    ]
}

fn dim() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u64..9).prop_map(|d| d.to_string()),
        Just("100000".to_string()),
        Just("1000000000".to_string()),
        Just("4294967296".to_string()),
        Just("18446744073709551615".to_string()),
        Just("99999999999999999999999".to_string()),
        Just("-1".to_string()),
        Just("3L".to_string()),
        "[0-9a-z ]{0,4}",
    ]
}

fn header_text() -> impl Strategy<Value = String> {
    (
        descr(),
        any::<bool>(),
        prop::collection::vec(dim(), 0..4),
        prop::collection::vec(any::<u8>(), 0..6),
        0usize..90,
        any::<bool>(),
    )
        .prop_map(|(d, f, dims, junk, at, inject)| {
            let shape = match dims.len() {
                1 => format!("({},)", dims[0]),
                _ => format!("({})", dims.join(", ")),
            };
            let fo = if f { "True" } else { "False" };
            let mut h = format!("{{'descr': '{d}', 'fortran_order': {fo}, 'shape': {shape}, }}");
            if inject {
                // raw bytes (control characters, quotes, braces) spliced into the dict
                let at = at.min(h.len());
                let at = (0..=at).rev().find(|&i| h.is_char_boundary(i)).unwrap_or(0);
                let junk: String = junk.iter().map(|&b| char::from(b)).collect();
                h.insert_str(at, &junk);
            }
            h
        })
}

fn npy_bytes(header: &str, version: u8, len_field: Option<u32>, body: &[u8]) -> Vec<u8> {
    let mut h = header.as_bytes().to_vec();
    h.push(b'\n');
    let mut out = b"\x93NUMPY".to_vec();
    out.push(version);
    out.push(0);
    let len = len_field.unwrap_or(h.len() as u32);
    if version == 1 {
        out.extend_from_slice(&(len as u16).to_le_bytes());
    } else {
        out.extend_from_slice(&len.to_le_bytes());
    }
    out.extend_from_slice(&h);
    out.extend_from_slice(body);
    out
}

fn npy_case() -> impl Strategy<Value = Vec<u8>> {
    (
        header_text(),
        prop_oneof![Just(1u8), Just(2u8), Just(3u8), any::<u8>()],
        prop_oneof![Just(None), any::<u32>().prop_map(Some)],
        prop::collection::vec(any::<u8>(), 0..200),
        prop_oneof![Just(None), (0usize..300).prop_map(Some)],
    )
        .prop_map(|(h, v, lf, body, cut)| {
            let mut b = npy_bytes(&h, v, lf, &body);
            if let Some(c) = cut {
                b.truncate(c);
            }
            b
        })
}

fn zip_of(members: &[(String, Vec<u8>, bool)]) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes, deflate) in members {
        let method = if *deflate {
            zip::CompressionMethod::Deflated
        } else {
            zip::CompressionMethod::Stored
        };
        zip.start_file(
            name.as_str(),
            SimpleFileOptions::default().compression_method(method),
        )
        .unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(512)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn npy_reader_survives_anything(bytes in npy_case()) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.npy");
        std::fs::write(&p, &bytes).unwrap();
        let big = largest_allocation(|| {
            let _ = read_npy::<f64, IxDyn>(&p);
            let _ = read_npy::<f32, Ix2>(&p);
        });
        prop_assert!(big <= allowance(bytes.len()), "allocated {big} bytes for a {}-byte file", bytes.len());
    }

    #[test]
    fn npz_reader_survives_anything(
        members in prop::collection::vec((npy_case(), any::<bool>()), 1..3),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
        cut in prop_oneof![Just(None), (0usize..2000).prop_map(Some)],
    ) {
        let named: Vec<_> = members
            .into_iter()
            .enumerate()
            .map(|(i, (b, d))| (format!("a{i}.npy"), b, d))
            .collect();
        let mut bytes = zip_of(&named);
        let n = bytes.len();
        for (at, v) in flips {
            bytes[at.index(n)] = v;
        }
        if let Some(c) = cut {
            bytes.truncate(c);
        }
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.npz");
        std::fs::write(&p, &bytes).unwrap();
        let big = largest_allocation(|| {
            let _ = read_npz::<f64>(&p);
            let _ = read_npz_array::<f32, Ix2>(&p, "a0");
            let _ = read_npz_text(&p, "a0");
        });
        prop_assert!(big <= allowance(1032 * bytes.len()), "allocated {big} bytes for a {}-byte archive", bytes.len());
    }
}

/// The cases of the reliability report, as fixtures: each is refused with one line.
#[test]
fn reported_hostile_headers_are_refused_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    for shape in ["(100000, 100000)", "(1000000000, 8)", "(6, 8, 100000000)"] {
        for descr in ["<f8", "<f4", "|u1", "<i2"] {
            let h = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
            let bytes = npy_bytes(&h, 1, None, &[0u8; 96]);
            let p = dir.path().join("h.npy");
            std::fs::write(&p, &bytes).unwrap();
            let mut msg = String::new();
            let big = largest_allocation(|| {
                msg = read_npy::<f64, IxDyn>(&p).unwrap_err().to_string();
            });
            assert!(big < 1 << 20, "{shape} {descr}: allocated {big}");
            assert!(msg.contains("truncated") && !msg.contains('\n'), "{msg}");
            let z = dir.path().join("h.npz");
            std::fs::write(&z, zip_of(&[("x.npy".into(), bytes.clone(), true)])).unwrap();
            let big = largest_allocation(|| {
                msg = read_npz::<f64>(&z).unwrap_err().to_string();
            });
            assert!(big < 1 << 20, "{shape} {descr} npz: allocated {big}");
            assert!(msg.contains("truncated"), "{msg}");
        }
    }
}

/// A file that declares exactly what it holds but more than memory allows is refused before
/// allocating (the limit is lowered through the environment variable for the test).
#[test]
fn a_declared_size_over_the_memory_limit_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("m.npy");
    let h = "{'descr': '|u1', 'fortran_order': False, 'shape': (4096, 64), }";
    std::fs::write(&p, npy_bytes(h, 1, None, &vec![7u8; 4096 * 64])).unwrap();
    // uint8 widened to f64 is 2 MiB; allow 1 MiB
    let e = temp_env(sparsecode::validate::MEMORY_LIMIT_ENV, "1048576", || {
        read_npy::<f64, Ix2>(&p).unwrap_err().to_string()
    });
    assert!(e.contains("needs 2.1 MB of memory"), "{e}");
    assert!(read_npy::<f64, Ix2>(&p).is_ok());
}

fn temp_env<R>(key: &str, value: &str, f: impl FnOnce() -> R) -> R {
    // This is the only test of the binary that sets the variable.
    std::env::set_var(key, value);
    let r = f();
    std::env::remove_var(key);
    r
}
