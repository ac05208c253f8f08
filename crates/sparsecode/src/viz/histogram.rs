//! Histograms of several data sets on common bins.

use super::plot::{pad_range, render, Chart, Item, PALETTE};
use crate::{Error, Result};
use std::path::Path;

/// Draws the histograms of `data` (name, values) on `bins` common, equal-width bins spanning
/// all finite values, overlaid as translucent bars with a legend, and writes a 900×600 PNG.
/// Bar heights are counts. With `log_y` the count axis is logarithmic (empty bins are not
/// drawn). Non-finite values are left out.
///
/// Errors: `bins == 0`, no data set, no finite value at all.
pub fn plot_histograms(
    path: impl AsRef<Path>,
    title: &str,
    x_label: &str,
    data: &[(String, Vec<f64>)],
    bins: usize,
    log_y: bool,
) -> Result<()> {
    plot_histograms_in(path, title, x_label, data, bins, log_y, None)
}

/// [`plot_histograms`] with the bins spanning `range` (lo < hi, finite) when given, instead
/// of the data's extent: values outside are left out, and data sets without any value (or
/// none at all) give empty axes rather than an error, so a figure always has the same,
/// readable axis.
///
/// Errors: `bins == 0`, a bad range; without a range as [`plot_histograms`].
pub fn plot_histograms_in(
    path: impl AsRef<Path>,
    title: &str,
    x_label: &str,
    data: &[(String, Vec<f64>)],
    bins: usize,
    log_y: bool,
    range: Option<(f64, f64)>,
) -> Result<()> {
    if bins == 0 {
        return Err(Error::param("bins", "must be >= 1"));
    }
    if let Some((lo, hi)) = range {
        if !(lo.is_finite() && hi.is_finite() && lo < hi) {
            return Err(Error::param(
                "range",
                format!("must be finite with lo < hi, got ({lo}, {hi})"),
            ));
        }
    }
    if data.is_empty() && range.is_none() {
        return Err(Error::Empty {
            what: "histogram data".into(),
        });
    }
    let (lo, hi) = range.unwrap_or_else(|| {
        data.iter()
            .flat_map(|(_, v)| v.iter())
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            })
    });
    if lo > hi {
        return Err(Error::param("data", "no finite value to histogram"));
    }
    let (lo, hi) = if hi > lo {
        (lo, hi)
    } else {
        (lo - 0.5, hi + 0.5)
    };
    let width = (hi - lo) / bins as f64;
    let floor = if log_y { 0.5 } else { 0.0 };
    let mut items = Vec::with_capacity(data.len());
    let mut max_count = 0usize;
    for (i, (name, values)) in data.iter().enumerate() {
        let counts = histogram_counts(values, lo, hi, bins);
        max_count = max_count.max(counts.iter().copied().max().unwrap_or(0));
        let rects = counts
            .iter()
            .enumerate()
            .filter(|(_, &c)| c > 0)
            .map(|(b, &c)| {
                let x0 = lo + b as f64 * width;
                (x0, floor, x0 + width, c as f64)
            })
            .collect();
        items.push(Item::Bars {
            name: name.clone(),
            rects,
            color: PALETTE[i % PALETTE.len()],
        });
    }
    let y_range = if log_y {
        (floor, (max_count.max(1) as f64) * 2.0)
    } else {
        (
            0.0,
            pad_range((0.0, max_count.max(1) as f64), false, 0.05).1,
        )
    };
    let chart = Chart {
        title,
        x_label,
        y_label: "count",
        x_range: (lo, hi),
        y_range,
        log_y,
        items,
    };
    render(path.as_ref(), chart)
}

/// Counts of the finite `values` in `bins` equal bins of `[lo, hi]` (the last bin closed, as
/// numpy's `histogram`).
pub(crate) fn histogram_counts(values: &[f64], lo: f64, hi: f64, bins: usize) -> Vec<usize> {
    let mut counts = vec![0usize; bins];
    let width = (hi - lo) / bins as f64;
    for &v in values.iter().filter(|v| v.is_finite()) {
        if v < lo || v > hi {
            continue;
        }
        let b = (((v - lo) / width) as usize).min(bins - 1);
        counts[b] += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::histogram_counts;

    #[test]
    fn counts_like_numpy() {
        // np.histogram([0, 0.1, 0.5, 0.99, 1.0], bins=2, range=(0, 1)) -> [2, 3]
        let c = histogram_counts(&[0.0, 0.1, 0.5, 0.99, 1.0, f64::NAN], 0.0, 1.0, 2);
        assert_eq!(c, vec![2, 3]);
    }
}
