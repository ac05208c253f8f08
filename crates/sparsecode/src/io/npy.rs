//! `.npy` files.
//!
//! The reader parses the header itself (a strict parser of numpy's dict literal), checks the
//! declared size against the bytes actually present and against the memory limit
//! ([`crate::validate::memory`]) *before* allocating anything, then converts the data
//! in small blocks into the float type asked for. A file whose header declares more data than
//! it holds is an error, not an allocation: no file can make a reader allocate more than the
//! file holds (times the widening from its dtype to `T`). What is rejected and why is listed
//! in `docs/input-limits.md`.

use crate::{validate, Error, Float, Result};
use ndarray::{Array, ArrayBase, Data, Dimension, IxDyn, ShapeBuilder};
use ndarray_npy::{WritableElement, WriteNpyExt};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

/// Longest header accepted (numpy's own reader refuses headers over 10,000 bytes unless told
/// otherwise; a header is a short dict).
pub const MAX_HEADER_BYTES: usize = 65_536;

/// Longest text entry (a numpy string) accepted: settings and notes, not data.
pub const MAX_TEXT_BYTES: usize = 1 << 24;

/// Reads an `.npy` file of any real numeric dtype (f32, f64, signed or unsigned integers,
/// bool; either byte order; C or Fortran order) into an array of `T` with dimension `D`
/// (e.g. `Ix2`). Fails with a one-line message naming the file if it is missing, not a
/// `.npy` file, truncated, larger than memory allows, of an unsupported dtype, or of another
/// number of dimensions.
pub fn read_npy<T: Float, D: Dimension>(path: impl AsRef<Path>) -> Result<Array<T, D>> {
    let path = path.as_ref();
    let file = File::open(path).map_err(|e| Error::file(path, format!("cannot open: {e}")))?;
    let len = file
        .metadata()
        .map_err(|e| Error::file(path, format!("cannot read: {e}")))?
        .len();
    let mut reader = BufReader::new(file);
    let arr = read_npy_from::<T, _>(&mut reader, Some(len), path)?;
    into_dim(arr, path)
}

/// Converts a dynamic-dimensional array to `D`, with an error that names the file.
pub(crate) fn into_dim<T, D: Dimension>(arr: Array<T, IxDyn>, path: &Path) -> Result<Array<T, D>> {
    let ndim = arr.ndim();
    let shape = arr.shape().to_vec();
    arr.into_dimensionality::<D>().map_err(|_| {
        let want = D::NDIM
            .map(|n| format!("{n}-D"))
            .unwrap_or_else(|| "n-D".into());
        Error::file(
            path,
            format!(
                "expected a {want} array, found {ndim}-D with shape {}",
                shape_text(&shape)
            ),
        )
    })
}

/// `(3, 4)` as numpy prints shapes.
pub(crate) fn shape_text(shape: &[usize]) -> String {
    match shape {
        [n] => format!("({n},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Element type of a `.npy` file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Float,
    Int,
    Uint,
    Bool,
    /// numpy's `U` (UTF-32 text), `size` bytes = 4 per character.
    Unicode,
    /// numpy's `S` (bytes), `size` bytes.
    Bytes,
}

/// A parsed `descr`: kind, bytes per element and byte order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Dtype {
    kind: Kind,
    size: usize,
    big_endian: bool,
}

impl Dtype {
    fn parse(descr: &str) -> std::result::Result<Dtype, String> {
        let unsupported = || {
            format!(
                "unsupported dtype '{}': sparsecode reads float32/64, (u)int8-64 and bool arrays",
                printable(descr.as_bytes(), 20)
            )
        };
        let mut chars = descr.chars();
        let order = chars.next().ok_or_else(unsupported)?;
        let (big_endian, rest) = match order {
            '<' | '=' => (false, chars.as_str()),
            '|' => (false, chars.as_str()),
            '>' => (true, chars.as_str()),
            _ => (false, descr),
        };
        let mut rc = rest.chars();
        let kind = match rc.next() {
            Some('f') => Kind::Float,
            Some('i') => Kind::Int,
            Some('u') => Kind::Uint,
            Some('b') => Kind::Bool,
            Some('U') => Kind::Unicode,
            Some('S') => Kind::Bytes,
            Some('?') if rc.as_str().is_empty() => {
                return Ok(Dtype {
                    kind: Kind::Bool,
                    size: 1,
                    big_endian,
                })
            }
            _ => return Err(unsupported()),
        };
        let count: usize = rc.as_str().parse().map_err(|_| unsupported())?;
        let size = if kind == Kind::Unicode {
            count.checked_mul(4).ok_or_else(unsupported)?
        } else {
            count
        };
        let ok = match kind {
            Kind::Float => matches!(size, 4 | 8),
            Kind::Int | Kind::Uint => matches!(size, 1 | 2 | 4 | 8),
            Kind::Bool => size == 1,
            Kind::Unicode | Kind::Bytes => size <= MAX_TEXT_BYTES,
        };
        if !ok {
            return Err(unsupported());
        }
        Ok(Dtype {
            kind,
            size,
            big_endian,
        })
    }

    fn name(&self) -> String {
        match self.kind {
            Kind::Float => format!("float{}", self.size * 8),
            Kind::Int => format!("int{}", self.size * 8),
            Kind::Uint => format!("uint{}", self.size * 8),
            Kind::Bool => "bool".into(),
            Kind::Unicode => format!("str{}", self.size / 4),
            Kind::Bytes => format!("bytes{}", self.size),
        }
    }

    /// The value of one element stored in `b` (exactly `self.size` bytes).
    #[inline]
    fn value(&self, b: &[u8]) -> f64 {
        macro_rules! num {
            ($t:ty, $n:expr) => {{
                let mut a = [0u8; $n];
                a.copy_from_slice(b);
                if self.big_endian {
                    <$t>::from_be_bytes(a) as f64
                } else {
                    <$t>::from_le_bytes(a) as f64
                }
            }};
        }
        match (self.kind, self.size) {
            (Kind::Float, 8) => num!(f64, 8),
            (Kind::Float, _) => num!(f32, 4),
            (Kind::Int, 1) => b[0] as i8 as f64,
            (Kind::Int, 2) => num!(i16, 2),
            (Kind::Int, 4) => num!(i32, 4),
            (Kind::Int, _) => num!(i64, 8),
            (Kind::Uint, 1) => b[0] as f64,
            (Kind::Uint, 2) => num!(u16, 2),
            (Kind::Uint, 4) => num!(u32, 4),
            (Kind::Uint, _) => num!(u64, 8),
            (Kind::Bool, _) => {
                if b[0] != 0 {
                    1.0
                } else {
                    0.0
                }
            }
            (Kind::Unicode | Kind::Bytes, _) => f64::NAN, // refused before reading
        }
    }
}

/// The header of a `.npy` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Header {
    dtype: Dtype,
    fortran_order: bool,
    shape: Vec<usize>,
}

impl Header {
    /// A numpy string (text), not numbers.
    pub(crate) fn is_text(&self) -> bool {
        matches!(self.dtype.kind, Kind::Unicode | Kind::Bytes)
    }

    /// Number of elements, if it can be addressed.
    fn n_elems(&self) -> Option<usize> {
        self.shape
            .iter()
            .try_fold(1usize, |acc, &d| acc.checked_mul(d))
    }
}

/// How many data bytes a stream holds after its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Available {
    /// Exactly this many (a file, a stored archive member).
    Exactly(u64),
    /// At most this many (a compressed archive member).
    AtMost(u64),
    /// Not known: the data is read as it arrives.
    Unknown,
}

/// Reads one `.npy` stream: header, checks, data. `available` is the number of bytes the
/// stream holds from its start (the file size), when known; `source` names it in errors.
pub(crate) fn read_npy_from<T: Float, R: Read>(
    reader: &mut R,
    available: Option<u64>,
    source: &Path,
) -> Result<Array<T, IxDyn>> {
    let (header, header_len) = read_npy_header(reader).map_err(|e| Error::file(source, e))?;
    let available = match available {
        Some(total) => Available::Exactly(total.saturating_sub(header_len as u64)),
        None => Available::Unknown,
    };
    read_npy_values(reader, &header, available, source)
}

/// Checks the size `header` declares against what the stream holds, then reads the values.
fn checked_size(header: &Header, available: Available, source: &Path) -> Result<usize> {
    let fail = |reason: String| Error::file(source, reason);
    let n_elems = header.n_elems().ok_or_else(|| {
        fail(format!(
            "header declares shape {}, more elements than can be addressed",
            shape_text(&header.shape)
        ))
    })?;
    let data_bytes = (n_elems as u128) * header.dtype.size as u128;
    let declared = || {
        format!(
            "the header declares shape {} of {} ({data_bytes} bytes of data)",
            shape_text(&header.shape),
            header.dtype.name()
        )
    };
    match available {
        Available::Exactly(present) if data_bytes > present as u128 => {
            return Err(fail(format!(
                "file truncated: {} but only {present} are present",
                declared()
            )))
        }
        Available::Exactly(present) if data_bytes < present as u128 => {
            return Err(fail(format!(
                "{} unexpected bytes after the data of shape {}",
                present as u128 - data_bytes,
                shape_text(&header.shape)
            )))
        }
        Available::AtMost(bound) if data_bytes > bound as u128 => {
            return Err(fail(format!(
                "file truncated: {} but the compressed entry can hold at most {bound}",
                declared()
            )))
        }
        _ => {}
    }
    Ok(n_elems)
}

/// Reads the numeric values that follow `header` in `reader` as `T`.
pub(crate) fn read_npy_values<T: Float, R: Read>(
    reader: &mut R,
    header: &Header,
    available: Available,
    source: &Path,
) -> Result<Array<T, IxDyn>> {
    let fail = |reason: String| Error::file(source, reason);
    if header.is_text() {
        return Err(fail(format!(
            "holds text ({}), not numbers",
            header.dtype.name()
        )));
    }
    let n_elems = checked_size(header, available, source)?;
    validate::memory(
        &format!(
            "{} (shape {} as {})",
            source.display(),
            shape_text(&header.shape),
            T::DTYPE
        ),
        n_elems as u128 * std::mem::size_of::<T>() as u128,
    )?;
    let data = read_values::<T, R>(reader, header, n_elems).map_err(fail)?;
    let shape = IxDyn(&header.shape);
    let arr = if header.fortran_order {
        Array::from_shape_vec(shape.f(), data)
    } else {
        Array::from_shape_vec(shape, data)
    };
    arr.map_err(|e| fail(format!("cannot shape the data: {e}")))
}

/// Reads a text entry: a numpy string of any shape with one element (`U` or `S`), or a 1-D
/// uint8 array of UTF-8 bytes.
pub(crate) fn read_text_values<R: Read>(
    reader: &mut R,
    header: &Header,
    available: Available,
    source: &Path,
) -> Result<String> {
    let fail = |reason: String| Error::file(source, reason);
    let n = checked_size(header, available, source)?;
    let is_u8 = header.dtype.kind == Kind::Uint && header.dtype.size == 1;
    if !(header.is_text() && n == 1 || is_u8 && header.shape.len() == 1) {
        return Err(fail(format!(
            "expected text, found {} of shape {}",
            header.dtype.name(),
            shape_text(&header.shape)
        )));
    }
    let bytes = n * header.dtype.size;
    if bytes > MAX_TEXT_BYTES {
        return Err(fail(format!(
            "text of {bytes} bytes is longer than {MAX_TEXT_BYTES}"
        )));
    }
    let mut buf = vec![0u8; bytes];
    reader
        .read_exact(&mut buf)
        .map_err(|e| fail(format!("file truncated: {e}")))?;
    let text = match header.dtype.kind {
        Kind::Unicode => buf
            .chunks_exact(4)
            .map(|c| {
                let mut a = [0u8; 4];
                a.copy_from_slice(c);
                let v = if header.dtype.big_endian {
                    u32::from_be_bytes(a)
                } else {
                    u32::from_le_bytes(a)
                };
                char::from_u32(v).ok_or_else(|| fail("text is not valid unicode".into()))
            })
            .collect::<Result<String>>()?
            .trim_end_matches('\0')
            .to_string(),
        _ => String::from_utf8(buf)
            .map_err(|_| fail("text is not valid UTF-8".into()))?
            .trim_end_matches('\0')
            .to_string(),
    };
    Ok(text)
}

/// A version-1 `.npy` file of a header dict and raw data bytes, the header padded with spaces
/// so that the data starts at a multiple of 64 bytes, as numpy writes it.
pub(crate) fn npy_bytes(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut h = dict.as_bytes().to_vec();
    while (10 + h.len() + 1) % 64 != 0 {
        h.push(b' ');
    }
    h.push(b'\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(h.len() as u16).to_le_bytes());
    out.extend_from_slice(&h);
    out.extend_from_slice(data);
    out
}

/// A `.npy` file holding `text` as a 0-d numpy unicode string (`<U{n}`).
pub(crate) fn text_npy_bytes(text: &str) -> Vec<u8> {
    let chars: Vec<char> = text.chars().collect();
    let dict = format!(
        "{{'descr': '<U{}', 'fortran_order': False, 'shape': (), }}",
        chars.len().max(1)
    );
    let mut data: Vec<u8> = chars
        .iter()
        .flat_map(|c| (*c as u32).to_le_bytes())
        .collect();
    if chars.is_empty() {
        data.extend_from_slice(&[0u8; 4]);
    }
    npy_bytes(&dict, &data)
}

/// Reads exactly `n` values, a block at a time, converting each to `T`. The output grows only
/// as data arrives (a stream that ends early is reported as truncated).
fn read_values<T: Float, R: Read>(
    reader: &mut R,
    header: &Header,
    n: usize,
) -> std::result::Result<Vec<T>, String> {
    const BLOCK: usize = 1 << 16;
    let size = header.dtype.size;
    let mut out: Vec<T> = Vec::with_capacity(n.min(BLOCK));
    let mut buf = vec![0u8; BLOCK.min(n) * size];
    let narrowing = T::BITS < 64;
    let mut done = 0usize;
    while done < n {
        let take = (n - done).min(BLOCK);
        let bytes = &mut buf[..take * size];
        reader.read_exact(bytes).map_err(|e| {
            if e.kind() == std::io::ErrorKind::UnexpectedEof {
                format!(
                    "file truncated: the header declares {n} values of {}, the data ends before value {}",
                    header.dtype.name(),
                    done + 1
                )
            } else {
                format!("read error: {e}")
            }
        })?;
        out.reserve(take);
        for (i, b) in bytes.chunks_exact(size).enumerate() {
            let v = header.dtype.value(b);
            let t = T::of(v);
            if narrowing && v.is_finite() && !num_traits::Float::is_finite(t) {
                return Err(format!(
                    "value {v:e} at flat index {} does not fit in float32 (use float64)",
                    done + i
                ));
            }
            out.push(t);
        }
        done += take;
    }
    // Nothing may follow the data in a stream of unknown length either.
    let mut extra = [0u8; 1];
    match reader.read(&mut extra) {
        Ok(0) => Ok(out),
        Ok(_) => Err("unexpected bytes after the data".into()),
        Err(e) => Err(format!("read error: {e}")),
    }
}

/// Reads and parses the magic string, version, and header dict. Returns the header and the
/// number of bytes it took (where the data starts).
pub(crate) fn read_npy_header<R: Read>(
    reader: &mut R,
) -> std::result::Result<(Header, usize), String> {
    let mut magic = [0u8; 8];
    read_prefix(reader, &mut magic)?;
    if &magic[..6] != b"\x93NUMPY" {
        return Err("not a valid .npy file: no \\x93NUMPY magic string".into());
    }
    let (len_bytes, utf8) = match magic[6] {
        1 => (2, false),
        2 => (4, false),
        3 => (4, true),
        v => return Err(format!("not a supported .npy file (format version {v})")),
    };
    let mut lb = [0u8; 4];
    read_prefix(reader, &mut lb[..len_bytes])?;
    let header_len = u32::from_le_bytes(lb) as usize;
    if header_len > MAX_HEADER_BYTES {
        return Err(format!(
            "not a valid .npy file: header of {header_len} bytes (at most {MAX_HEADER_BYTES})"
        ));
    }
    let mut text = vec![0u8; header_len];
    read_prefix(reader, &mut text)?;
    if !utf8 && !text.is_ascii() {
        return Err("not a valid .npy file: header is not ASCII".into());
    }
    let text = std::str::from_utf8(&text)
        .map_err(|_| "not a valid .npy file: header is not UTF-8".to_string())?;
    let header = parse_header(text).map_err(|e| format!("not a valid .npy file: header {e}"))?;
    Ok((header, 8 + len_bytes + header_len))
}

fn read_prefix<R: Read>(reader: &mut R, buf: &mut [u8]) -> std::result::Result<(), String> {
    reader.read_exact(buf).map_err(|e| {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            "not a valid .npy file: too short for a header".to_string()
        } else {
            format!("read error: {e}")
        }
    })
}

/// Bytes shown in a message: printable ASCII as is, anything else escaped, at most `max`.
pub(crate) fn printable(bytes: &[u8], max: usize) -> String {
    let mut s: String = bytes
        .iter()
        .take(max)
        .flat_map(|&b| std::ascii::escape_default(b))
        .map(char::from)
        .collect();
    if bytes.len() > max {
        s.push('…');
    }
    s
}

/// A value of the header's dict literal.
#[derive(Debug, Clone, PartialEq)]
enum Literal {
    Str(String),
    Bool(bool),
    Int(u64),
    Tuple(Vec<Literal>),
    Other,
}

/// Parses numpy's header, a Python dict literal such as
/// `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }`.
fn parse_header(text: &str) -> std::result::Result<Header, String> {
    let mut p = Parser {
        s: text.as_bytes(),
        i: 0,
    };
    let entries = p.dict()?;
    p.skip_ws();
    if p.i != p.s.len() {
        return Err(p.error("nothing may follow the dict"));
    }
    let get = |key: &str| entries.iter().find(|(k, _)| k == key).map(|(_, v)| v);
    let descr = match get("descr") {
        Some(Literal::Str(s)) => s.clone(),
        Some(_) => {
            return Err(
                "'descr' is not a simple dtype string (structured arrays are not supported)".into(),
            )
        }
        None => return Err("has no 'descr'".into()),
    };
    let fortran_order = match get("fortran_order") {
        Some(Literal::Bool(b)) => *b,
        Some(_) => return Err("'fortran_order' is not True or False".into()),
        None => return Err("has no 'fortran_order'".into()),
    };
    let shape = match get("shape") {
        Some(Literal::Tuple(items)) => items
            .iter()
            .map(|v| match v {
                Literal::Int(n) => usize::try_from(*n)
                    .map_err(|_| format!("dimension {n} of 'shape' is too large")),
                _ => Err("'shape' holds something other than non-negative integers".to_string()),
            })
            .collect::<std::result::Result<Vec<_>, _>>()?,
        Some(_) => return Err("'shape' is not a tuple".into()),
        None => return Err("has no 'shape'".into()),
    };
    if entries.len() != 3 {
        return Err("must have exactly the keys 'descr', 'fortran_order' and 'shape'".into());
    }
    Ok(Header {
        dtype: Dtype::parse(&descr)?,
        fortran_order,
        shape,
    })
}

/// A strict recursive-descent parser of the subset of Python literals numpy writes.
struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    const MAX_DEPTH: usize = 8;

    fn error(&self, what: &str) -> String {
        format!("{what} (at byte {})", self.i)
    }
    fn skip_ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }
    fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.s.get(self.i).copied()
    }
    fn expect(&mut self, c: u8) -> std::result::Result<(), String> {
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(self.error(&format!("expected '{}'", c as char)))
        }
    }
    fn dict(&mut self) -> std::result::Result<Vec<(String, Literal)>, String> {
        self.expect(b'{')?;
        let mut out = Vec::new();
        loop {
            if self.peek() == Some(b'}') {
                self.i += 1;
                return Ok(out);
            }
            let key = match self.value(0)? {
                Literal::Str(k) => k,
                _ => return Err(self.error("dict keys must be strings")),
            };
            self.expect(b':')?;
            let v = self.value(0)?;
            if out.iter().any(|(k, _)| *k == key) {
                return Err(self.error("repeated key"));
            }
            out.push((key, v));
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {}
                _ => return Err(self.error("expected ',' or '}'")),
            }
        }
    }
    fn value(&mut self, depth: usize) -> std::result::Result<Literal, String> {
        if depth > Self::MAX_DEPTH {
            return Err(self.error("nested too deeply"));
        }
        match self.peek() {
            Some(q @ (b'\'' | b'"')) => {
                self.i += 1;
                let start = self.i;
                while self.i < self.s.len() && self.s[self.i] != q {
                    if self.s[self.i] == b'\\' {
                        return Err(self.error("escapes in strings are not supported"));
                    }
                    self.i += 1;
                }
                if self.i >= self.s.len() {
                    return Err(self.error("unterminated string"));
                }
                let v = String::from_utf8_lossy(&self.s[start..self.i]).into_owned();
                self.i += 1;
                Ok(Literal::Str(v))
            }
            Some(open @ (b'(' | b'[')) => {
                let close = if open == b'(' { b')' } else { b']' };
                self.i += 1;
                let mut items = Vec::new();
                loop {
                    if self.peek() == Some(close) {
                        self.i += 1;
                        break;
                    }
                    items.push(self.value(depth + 1)?);
                    match self.peek() {
                        Some(b',') => self.i += 1,
                        Some(c) if c == close => {}
                        _ => {
                            return Err(self.error(&format!("expected ',' or '{}'", close as char)))
                        }
                    }
                }
                Ok(if open == b'(' {
                    Literal::Tuple(items)
                } else {
                    Literal::Other
                })
            }
            Some(c) if c.is_ascii_digit() => {
                let start = self.i;
                while self.i < self.s.len() && self.s[self.i].is_ascii_digit() {
                    self.i += 1;
                }
                let digits = std::str::from_utf8(&self.s[start..self.i]).unwrap_or("");
                let n: u64 = digits
                    .parse()
                    .map_err(|_| self.error("integer too large"))?;
                if self.s.get(self.i) == Some(&b'L') {
                    self.i += 1; // Python 2 long suffix
                }
                Ok(Literal::Int(n))
            }
            Some(c) if c.is_ascii_alphabetic() => {
                let start = self.i;
                while self.i < self.s.len() && self.s[self.i].is_ascii_alphanumeric() {
                    self.i += 1;
                }
                match &self.s[start..self.i] {
                    b"True" => Ok(Literal::Bool(true)),
                    b"False" => Ok(Literal::Bool(false)),
                    _ => Err(self.error("unknown name")),
                }
            }
            Some(b'-') => Err(self.error("negative numbers are not allowed")),
            Some(b'{') => Err(self.error("nested dicts are not supported")),
            Some(_) => Err(self.error("unexpected character")),
            None => Err(self.error("unexpected end of header")),
        }
    }
}

/// Writes an array as `.npy` (C order, little-endian), creating parent folders. The file is
/// written under a temporary name and renamed when complete, so a failed write (a full disk)
/// leaves nothing behind, not a truncated file.
pub fn write_npy<A, S, D>(path: impl AsRef<Path>, array: &ArrayBase<S, D>) -> Result<()>
where
    A: WritableElement,
    S: Data<Elem = A>,
    D: Dimension,
{
    let path = path.as_ref();
    super::atomic::create_parent(path)?;
    super::atomic::write_atomically(path, |w| {
        array
            .write_npy(w)
            .map_err(|e| Error::file(path, format!("write failed: {e}")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array2, Ix1, Ix2};

    use super::npy_bytes as raw_npy;

    fn read_bytes(bytes: &[u8]) -> Result<Array<f64, IxDyn>> {
        let (_dir, p) = crate::io::temp_path("x.npy");
        std::fs::write(&p, bytes).unwrap();
        read_npy::<f64, IxDyn>(&p)
    }

    #[test]
    fn round_trip_and_dtype_conversion() {
        let (dir, p) = crate::io::temp_path("a.npy");
        let a = array![[1.5f32, 2.0], [3.0, -4.0]];
        write_npy(&p, &a).unwrap();
        let b: Array2<f64> = read_npy(&p).unwrap();
        assert_eq!(b, a.mapv(|v| v as f64));
        let c: Array2<f32> = read_npy(&p).unwrap();
        assert_eq!(c, a);
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "no temporary file is left behind");
    }

    #[test]
    fn fortran_order_reads_correctly() {
        let (_dir, p) = crate::io::temp_path("f.npy");
        let a = array![[1.0f64, 2.0, 3.0], [4.0, 5.0, 6.0]];
        let f = a.t().as_standard_layout().to_owned().reversed_axes(); // Fortran-ordered copy
        assert!(f.t().is_standard_layout());
        write_npy(&p, &f).unwrap();
        let b: Array2<f64> = read_npy(&p).unwrap();
        assert_eq!(b, a);
    }

    #[test]
    fn every_integer_dtype_and_byte_order() {
        let v = raw_npy(
            "{'descr': '>i2', 'fortran_order': False, 'shape': (3,), }",
            &[0x00, 0x01, 0xff, 0xfe, 0x01, 0x00],
        );
        assert_eq!(
            read_bytes(&v).unwrap().into_raw_vec_and_offset().0,
            vec![1.0, -2.0, 256.0]
        );
        let v = raw_npy(
            "{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }",
            &[7, 255],
        );
        assert_eq!(
            read_bytes(&v).unwrap().into_raw_vec_and_offset().0,
            vec![7.0, 255.0]
        );
        let v = raw_npy(
            "{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }",
            &[0, 3],
        );
        assert_eq!(
            read_bytes(&v).unwrap().into_raw_vec_and_offset().0,
            vec![0.0, 1.0]
        );
        let v = raw_npy(
            "{\"descr\": \"<u8\", \"fortran_order\": False, \"shape\": (1L,)}",
            &5u64.to_le_bytes(),
        );
        assert_eq!(
            read_bytes(&v).unwrap().into_raw_vec_and_offset().0,
            vec![5.0]
        );
    }

    #[test]
    fn a_huge_declared_shape_is_refused_before_allocating() {
        // 192 bytes declaring 80 GB: the reader must answer from the header and the file size.
        let v = raw_npy(
            "{'descr': '<f8', 'fortran_order': False, 'shape': (100000, 100000), }",
            &[0u8; 64],
        );
        let e = read_bytes(&v).unwrap_err().to_string();
        assert!(
            e.contains("file truncated") && e.contains("(100000, 100000)"),
            "{e}"
        );
        let v = raw_npy(
            "{'descr': '<f8', 'fortran_order': False, 'shape': (6, 8, 100000000), }",
            &[],
        );
        assert!(read_bytes(&v)
            .unwrap_err()
            .to_string()
            .contains("file truncated"));
        let v = raw_npy(
            "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296), }",
            &[],
        );
        assert!(read_bytes(&v)
            .unwrap_err()
            .to_string()
            .contains("more elements"));
    }

    #[test]
    fn a_stream_of_unknown_length_grows_only_with_its_data() {
        let v = raw_npy(
            "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 8), }",
            &[0u8; 80],
        );
        let e = read_npy_from::<f64, _>(&mut &v[..], None, Path::new("s"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("file truncated"), "{e}");
    }

    #[test]
    fn f32_overflow_is_named() {
        let v = raw_npy(
            "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }",
            &[1.0f64.to_le_bytes(), 1e300f64.to_le_bytes()].concat(),
        );
        let (_dir, p) = crate::io::temp_path("big.npy");
        std::fs::write(&p, &v).unwrap();
        let e = read_npy::<f32, Ix1>(&p).unwrap_err().to_string();
        assert!(e.contains("does not fit in float32"), "{e}");
        assert!(read_npy::<f64, Ix1>(&p).is_ok());
    }

    #[test]
    fn clear_errors() {
        let (dir, missing) = crate::io::temp_path("missing.npy");
        assert!(read_npy::<f64, Ix2>(&missing)
            .unwrap_err()
            .to_string()
            .contains("cannot open"));
        let junk = dir.path().join("junk.npy");
        std::fs::write(&junk, b"this is not numpy").unwrap();
        let e = read_npy::<f64, Ix2>(&junk).unwrap_err().to_string();
        assert!(e.contains("not a valid .npy file"), "{e}");
        let empty = dir.path().join("empty.npy");
        std::fs::write(&empty, b"").unwrap();
        let e = read_npy::<f64, Ix2>(&empty).unwrap_err().to_string();
        assert!(e.contains("too short"), "{e}");
        let v = dir.path().join("v.npy");
        write_npy(&v, &array![1.0f64, 2.0]).unwrap();
        let e = read_npy::<f64, Ix2>(&v).unwrap_err().to_string();
        assert!(
            e.contains("expected a 2-D array") && e.contains("(2,)"),
            "{e}"
        );
        assert!(read_npy::<f64, Ix1>(&v).is_ok());
    }

    #[test]
    fn header_errors_are_one_line_without_raw_bytes() {
        for dict in [
            "{'descr': '<f8', 'fortran_order': False, 'shape': (2,\x07\x1b[31m), }",
            "{'descr': '<c16', 'fortran_order': False, 'shape': (2,), }",
            "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (2,), }",
            "{'descr': '<f8', 'fortran_order': False, 'shape': (-2,), }",
            "{'descr': '<f8', 'fortran_order': False}",
            "{'descr': '<f8', 'fortran_order': False, 'shape': (((((((((((2,)))))))))), }",
        ] {
            let e = read_bytes(&raw_npy(dict, &[0u8; 16]))
                .unwrap_err()
                .to_string();
            assert!(
                !e.contains('\n') && !e.chars().any(|c| c.is_control()),
                "{e:?}"
            );
        }
    }

    #[test]
    fn truncated_file_is_an_error() {
        let (_dir, p) = crate::io::temp_path("t.npy");
        write_npy(&p, &Array2::<f64>::ones((10, 10))).unwrap();
        let bytes = std::fs::read(&p).unwrap();
        std::fs::write(&p, &bytes[..bytes.len() - 16]).unwrap();
        assert!(read_npy::<f64, Ix2>(&p).is_err());
        std::fs::write(&p, [&bytes[..], &[0u8; 8]].concat()).unwrap();
        let e = read_npy::<f64, Ix2>(&p).unwrap_err().to_string();
        assert!(e.contains("unexpected bytes"), "{e}");
    }
}
