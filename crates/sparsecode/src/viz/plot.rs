//! Line plots (loss curves) with `plotters`, drawn in memory and saved as PNG.

use super::font::{ensure_font, FAMILY};
use super::image_out::save_image_png;
use crate::{Error, Result};
use plotters::coord::ranged1d::{
    AsRangedCoord, DefaultFormatting, KeyPointHint, KeyPointWeight, Ranged, ValueFormatter,
};
use plotters::prelude::*;
use std::path::Path;

/// Picture size of every plot, pixels.
pub(crate) const PLOT_SIZE: (u32, u32) = (900, 600);

/// Matplotlib's "tab10" colours, used in turn for the series.
pub(crate) const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// One named curve of a line plot.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend entry.
    pub name: String,
    /// Abscissae (same length as `y`).
    pub x: Vec<f64>,
    /// Ordinates.
    pub y: Vec<f64>,
}

impl Series {
    /// A named series.
    pub fn new(name: impl Into<String>, x: Vec<f64>, y: Vec<f64>) -> Self {
        Self {
            name: name.into(),
            x,
            y,
        }
    }

    /// A series against its index `0, 1, 2, …` (e.g. loss per epoch).
    pub fn from_y(name: impl Into<String>, y: Vec<f64>) -> Self {
        let x = (0..y.len()).map(|i| i as f64).collect();
        Self::new(name, x, y)
    }
}

/// What a chart holds, independent of the y axis type.
pub(crate) enum Item {
    /// A polyline with a legend entry.
    Line {
        name: String,
        points: Vec<(f64, f64)>,
        color: RGBColor,
    },
    /// Filled translucent rectangles `(x0, y0, x1, y1)` plus their outline, one legend entry.
    Bars {
        name: String,
        rects: Vec<(f64, f64, f64, f64)>,
        color: RGBColor,
    },
}

/// A chart ready to draw.
pub(crate) struct Chart<'a> {
    pub title: &'a str,
    pub x_label: &'a str,
    pub y_label: &'a str,
    pub x_range: (f64, f64),
    pub y_range: (f64, f64),
    pub log_y: bool,
    pub items: Vec<Item>,
}

/// Draws a line plot of `series` (one colour each, legend with their names) and writes it as
/// a 900×600 PNG. With `log_y` the y axis is logarithmic and points with `y <= 0` are left
/// out; non-finite points are always left out (a diverged loss does not hide the rest).
///
/// Errors: no series, `x` and `y` of different lengths, no drawable point at all.
pub fn plot_lines(
    path: impl AsRef<Path>,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
    log_y: bool,
) -> Result<()> {
    if series.is_empty() {
        return Err(Error::Empty {
            what: "series".into(),
        });
    }
    let mut items = Vec::with_capacity(series.len());
    for (i, s) in series.iter().enumerate() {
        if s.x.len() != s.y.len() {
            return Err(Error::shape(
                format!("y of series {:?} (as long as x)", s.name),
                s.x.len(),
                s.y.len(),
            ));
        }
        let points: Vec<(f64, f64)> =
            s.x.iter()
                .zip(&s.y)
                .filter(|(x, y)| x.is_finite() && y.is_finite() && (!log_y || **y > 0.0))
                .map(|(&x, &y)| (x, y))
                .collect();
        items.push(Item::Line {
            name: s.name.clone(),
            points,
            color: PALETTE[i % PALETTE.len()],
        });
    }
    let pts = items.iter().flat_map(|it| match it {
        Item::Line { points, .. } => points.as_slice(),
        Item::Bars { .. } => &[],
    });
    let (mut xr, mut yr) = (
        (f64::INFINITY, f64::NEG_INFINITY),
        (f64::INFINITY, f64::NEG_INFINITY),
    );
    for &(x, y) in pts {
        xr = (xr.0.min(x), xr.1.max(x));
        yr = (yr.0.min(y), yr.1.max(y));
    }
    if xr.0 > xr.1 {
        let why = if log_y {
            "no finite point with y > 0 to draw on a log axis"
        } else {
            "no finite point to draw"
        };
        return Err(Error::param("series", why));
    }
    let chart = Chart {
        title,
        x_label,
        y_label,
        x_range: pad_range(xr, false, 0.0),
        y_range: pad_range(yr, log_y, 0.05),
        log_y,
        items,
    };
    render(path.as_ref(), chart)
}

/// Widens a degenerate range and adds a margin (multiplicative on a log axis).
pub(crate) fn pad_range((lo, hi): (f64, f64), log: bool, margin: f64) -> (f64, f64) {
    if log {
        let (lo, hi) = if hi > lo {
            (lo, hi)
        } else {
            (lo / 2.0, hi * 2.0)
        };
        let f = (hi / lo).powf(margin);
        (lo / f, hi * f)
    } else {
        let (lo, hi) = if hi > lo {
            (lo, hi)
        } else {
            let d = if lo == 0.0 { 1.0 } else { lo.abs() * 0.5 };
            (lo - d, hi + d)
        };
        let d = (hi - lo) * margin;
        (lo - d, hi + d)
    }
}

/// A compact tick label: up to 4 significant digits, no trailing zeros, scientific notation
/// outside `[1e-3, 1e5)`.
pub(crate) fn tick_label(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 || !v.is_finite() {
        return if v.is_finite() {
            "0".into()
        } else {
            v.to_string()
        };
    }
    if (1e-3..1e5).contains(&a) {
        let decimals = (3 - a.log10().floor() as i32).max(0) as usize;
        let s = format!("{v:.decimals$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    } else {
        let s = format!("{v:.3e}");
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let m = if m.contains('.') {
            m.trim_end_matches('0').trim_end_matches('.')
        } else {
            m
        };
        format!("{m}e{e}")
    }
}

/// Draws `chart` in memory and writes it as PNG.
///
/// A log y axis is drawn as a linear axis of `log10 y` with ticks at 1, 2, 5 × 10^k (or
/// every decade when the range spans many), labelled with the values themselves.
pub(crate) fn render(path: &Path, mut chart: Chart<'_>) -> Result<()> {
    ensure_font()?;
    let (w, h) = PLOT_SIZE;
    let mut buf = vec![0u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
        let r = if chart.log_y {
            to_log10(&mut chart);
            let (lo, hi) = chart.y_range;
            let (major, minor) = log_ticks(lo, hi);
            let spec = LogAxis {
                lo,
                hi,
                major,
                minor,
            };
            draw(&root, &chart, spec, &|v: &f64| tick_label(10f64.powf(*v)))
        } else {
            let (lo, hi) = chart.y_range;
            draw(&root, &chart, lo..hi, &|v: &f64| tick_label(*v))
        };
        r.map_err(|e| Error::numerical("plot", e))?;
        root.present()
            .map_err(|e| Error::numerical("plot", e.to_string()))?;
    }
    let img = image::RgbImage::from_raw(w, h, buf)
        .ok_or_else(|| Error::numerical("plot", "buffer size"))?;
    save_image_png(path, &img)
}

/// A linear axis of `log10 y` whose tick marks are the given major (labelled, bold grid
/// line) and minor (light grid line) positions.
struct LogAxis {
    lo: f64,
    hi: f64,
    major: Vec<f64>,
    minor: Vec<f64>,
}

impl Ranged for LogAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let t = (value - self.lo) / (self.hi - self.lo);
        (limit.0 as f64 + t * (limit.1 - limit.0) as f64).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        match hint.weight() {
            KeyPointWeight::Bold => self.major.clone(),
            KeyPointWeight::Any => {
                let mut all = self.major.clone();
                all.extend_from_slice(&self.minor);
                all
            }
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

/// Replaces every ordinate (all positive) by its `log10`.
fn to_log10(chart: &mut Chart<'_>) {
    chart.y_range = (chart.y_range.0.log10(), chart.y_range.1.log10());
    for item in &mut chart.items {
        match item {
            Item::Line { points, .. } => points.iter_mut().for_each(|p| p.1 = p.1.log10()),
            Item::Bars { rects, .. } => rects.iter_mut().for_each(|r| {
                r.1 = r.1.log10();
                r.3 = r.3.log10();
            }),
        }
    }
}

/// Major and minor tick positions (in `log10` units) for a log axis over `[lo, hi]`.
pub(crate) fn log_ticks(lo: f64, hi: f64) -> (Vec<f64>, Vec<f64>) {
    let span = hi - lo;
    let majors_m: &[f64] = if span <= 1.2 {
        &[1.0, 2.0, 3.0, 5.0]
    } else if span <= 3.5 {
        &[1.0, 2.0, 5.0]
    } else {
        &[1.0]
    };
    let step = if span > 12.0 {
        (span / 8.0).ceil() as i64
    } else {
        1
    };
    let (mut major, mut minor) = (Vec::new(), Vec::new());
    for k in (lo.floor() as i64)..=(hi.ceil() as i64) {
        for m in 1..10 {
            let v = (m as f64).log10() + k as f64;
            if v < lo || v > hi {
                continue;
            }
            if majors_m.contains(&(m as f64)) && (m != 1 || k.rem_euclid(step) == 0) {
                major.push(v);
            } else if step == 1 {
                minor.push(v);
            }
        }
    }
    (major, minor)
}

fn draw<DB, YR>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    chart: &Chart<'_>,
    y_spec: YR,
    y_fmt: &dyn Fn(&f64) -> String,
) -> std::result::Result<(), String>
where
    DB: DrawingBackend,
    YR: AsRangedCoord<Value = f64>,
    YR::CoordDescType: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(err)?;
    let mut ctx = ChartBuilder::on(root)
        .caption(chart.title, (FAMILY, 24))
        .margin(12)
        .x_label_area_size(48)
        .y_label_area_size(80)
        .build_cartesian_2d(chart.x_range.0..chart.x_range.1, y_spec)
        .map_err(err)?;
    ctx.configure_mesh()
        .x_desc(chart.x_label)
        .y_desc(chart.y_label)
        .label_style((FAMILY, 15))
        .axis_desc_style((FAMILY, 17))
        .x_label_formatter(&|v| tick_label(*v))
        .y_label_formatter(y_fmt)
        .light_line_style(RGBColor(242, 242, 242))
        .bold_line_style(RGBColor(200, 200, 200))
        .draw()
        .map_err(err)?;
    for item in &chart.items {
        match item {
            Item::Line {
                name,
                points,
                color,
            } => {
                let c = *color;
                ctx.draw_series(LineSeries::new(points.iter().copied(), c.stroke_width(2)))
                    .map_err(err)?
                    .label(name.as_str())
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 24, y)], c.stroke_width(3))
                    });
            }
            Item::Bars { name, rects, color } => {
                let c = *color;
                ctx.draw_series(rects.iter().map(|&(x0, y0, x1, y1)| {
                    Rectangle::new([(x0, y0), (x1, y1)], c.mix(0.3).filled())
                }))
                .map_err(err)?;
                ctx.draw_series(rects.iter().map(|&(x0, y0, x1, y1)| {
                    Rectangle::new([(x0, y0), (x1, y1)], c.stroke_width(1))
                }))
                .map_err(err)?
                .label(name.as_str())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 18, y + 6)], c.mix(0.6).filled())
                });
            }
        }
    }
    ctx.configure_series_labels()
        .label_font((FAMILY, 15))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::tick_label;

    #[test]
    fn tick_labels_are_short() {
        assert_eq!(tick_label(0.7000000000000001), "0.7");
        assert_eq!(tick_label(500.0), "500");
        assert_eq!(tick_label(-0.25), "-0.25");
        assert_eq!(tick_label(0.0), "0");
        assert_eq!(tick_label(2.5e-6), "2.5e-6");
        assert_eq!(tick_label(1e6), "1e6");
        assert_eq!(tick_label(12345.678), "12346");
    }

    #[test]
    fn log_ticks_cover_the_range() {
        // 0.02 .. 1.3: majors 0.02, 0.05, 0.1, 0.2, 0.5, 1
        let (major, minor) = super::log_ticks(0.02f64.log10(), 1.3f64.log10());
        let vals: Vec<String> = major.iter().map(|v| tick_label(10f64.powf(*v))).collect();
        assert_eq!(vals, ["0.02", "0.05", "0.1", "0.2", "0.5", "1"]);
        assert!(minor.len() >= 10);
        // 20 decades: only some decades labelled
        let (major, _) = super::log_ticks(-10.0, 10.0);
        assert!(major.len() >= 3 && major.len() <= 11, "{major:?}");
    }
}
