//! Charts drawn as SVG on the server, so that pages need no script and print as they look:
//! a sparkline per unit, a rate bar, the trend of the report and the scatter of the engagement
//! page. Each chart carries a text alternative (`<title>`, `aria-label`).

use maud::{Markup, html};

/// Twelve months of rates as a small line; gaps where a month has no figure. With `open`, the
/// last month is the one in progress: the line ends at the month before, and the open month's
/// partial figure is a hollow dot, never read as a drop.
pub fn sparkline(values: &[Option<f64>], target: f64, label: &str, open: bool) -> Markup {
    let (w, h, pad) = (96.0, 22.0, 2.0);
    let n = values.len().max(2) as f64;
    let x = |i: usize| pad + (w - 2.0 * pad) * i as f64 / (n - 1.0);
    let y = |r: f64| h - pad - (h - 2.0 * pad) * r.clamp(0.0, 1.0);
    let closed = if open {
        &values[..values.len().saturating_sub(1)]
    } else {
        values
    };
    let mut segments: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for (i, v) in closed.iter().enumerate() {
        match v {
            Some(r) => segments.last_mut().map(|s| s.push((x(i), y(*r)))).unwrap_or_default(),
            None => segments.push(Vec::new()),
        }
    }
    let last = closed
        .iter()
        .enumerate()
        .rev()
        .find_map(|(i, v)| v.map(|r| (x(i), y(r))));
    let partial = if open {
        values.last().copied().flatten().map(|r| (x(values.len() - 1), y(r)))
    } else {
        None
    };
    html! {
        svg.spark width=(w) height=(h) viewBox={"0 0 " (w) " " (h)} role="img" aria-label=(label) {
            title { (label) }
            line.target x1=(pad) x2=(w - pad) y1=(y(target)) y2=(y(target)) {}
            @for s in segments.iter().filter(|s| !s.is_empty()) {
                @if s.len() == 1 {
                    circle cx=(s[0].0) cy=(s[0].1) r="1.5" {}
                } @else {
                    polyline points=(points(s)) {}
                }
            }
            @if let Some((lx, ly)) = last {
                circle.last cx=(lx) cy=(ly) r="2" {}
            }
            @if let Some((px, py)) = partial {
                circle.open cx=(px) cy=(py) r="2" {}
            }
        }
    }
}

fn points(s: &[(f64, f64)]) -> String {
    s.iter()
        .map(|(x, y)| format!("{x:.1},{y:.1}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A horizontal bar for a rate, with the target marked.
pub fn bar(rate: Option<f64>, target: f64, below: bool) -> Markup {
    let w = 80.0;
    html! {
        svg.bar width=(w) height="10" viewBox={"0 0 " (w) " 10"} aria-hidden="true" {
            rect.track x="0" y="1" width=(w) height="8" rx="2" {}
            @if let Some(r) = rate {
                rect class=(if below { "fill below" } else { "fill" }) x="0" y="1" width=(format!("{:.1}", w * r.clamp(0.0, 1.0))) height="8" rx="2" {}
            }
            line.target x1=(w * target) x2=(w * target) y1="0" y2="10" {}
        }
    }
}

/// One series of the trend chart.
#[derive(Debug, Clone)]
pub struct Series {
    pub label: String,
    pub values: Vec<Option<f64>>,
}

/// Monthly rates as lines on a 0–100% axis, with the target as a dashed line.
pub fn trend(months: &[String], series: &[Series], target: f64, label: &str) -> Markup {
    let (w, h) = (640.0, 220.0);
    let (left, right, top, bottom) = (40.0, 12.0, 12.0, 28.0);
    let n = months.len().max(2) as f64;
    let x = |i: usize| left + (w - left - right) * i as f64 / (n - 1.0);
    let y = |r: f64| top + (h - top - bottom) * (1.0 - r.clamp(0.0, 1.0));
    html! {
        svg.trend viewBox={"0 0 " (w) " " (h)} role="img" aria-label=(label) {
            title { (label) }
            @for pct in [0.0, 0.25, 0.5, 0.75, 1.0] {
                line.grid x1=(left) x2=(w - right) y1=(y(pct)) y2=(y(pct)) {}
                text.axis x=(left - 6.0) y=(y(pct) + 4.0) text-anchor="end" { (format!("{:.0}%", pct * 100.0)) }
            }
            line.target x1=(left) x2=(w - right) y1=(y(target)) y2=(y(target)) {}
            @for (i, m) in months.iter().enumerate() {
                text.axis x=(x(i)) y=(h - 8.0) text-anchor="middle" { (m) }
            }
            @for (k, s) in series.iter().enumerate() {
                @let pts: Vec<(f64, f64)> = s.values.iter().enumerate().filter_map(|(i, v)| v.map(|r| (x(i), y(r)))).collect();
                g class=(format!("series s{}", k % 6)) {
                    title { (s.label) }
                    polyline points=(points(&pts)) {}
                    @for (px, py) in &pts {
                        circle cx=(px) cy=(py) r="3" {}
                    }
                }
            }
        }
    }
}

/// One point of the scatter plot: a unit's completion rate and its score.
#[derive(Debug, Clone)]
pub struct Point {
    pub label: String,
    pub x: f64,
    pub y: f64,
}

/// Completion rate (x, 0–100%) against score (y, its own range), each point titled with its unit
/// so that it is named on hover.
pub fn scatter(points: &[Point], x_label: &str, y_label: &str, label: &str) -> Markup {
    scatter_with(points, |pct| format!("{:.0}%", pct * 100.0), x_label, y_label, label)
}

/// A scatter whose x (0 to 1 across the plot) is labelled by `x_tick` at 0, ¼, ½, ¾ and 1.
pub fn scatter_with(
    points: &[Point],
    x_tick: impl Fn(f64) -> String,
    x_label: &str,
    y_label: &str,
    label: &str,
) -> Markup {
    let (w, h) = (560.0, 360.0);
    let (left, right, top, bottom) = (52.0, 16.0, 16.0, 44.0);
    let (mut lo, mut hi) = points.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
        (lo.min(p.y), hi.max(p.y))
    });
    if !lo.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    if hi - lo < 1e-9 {
        (lo, hi) = (lo - 1.0, hi + 1.0);
    }
    let margin = (hi - lo) * 0.08;
    let (lo, hi) = (lo - margin, hi + margin);
    let x = |r: f64| left + (w - left - right) * r.clamp(0.0, 1.0);
    let y = |s: f64| top + (h - top - bottom) * (1.0 - (s - lo) / (hi - lo));
    let ticks: Vec<f64> = (0..=4).map(|i| lo + (hi - lo) * f64::from(i) / 4.0).collect();
    html! {
        svg.scatter viewBox={"0 0 " (w) " " (h)} role="img" aria-label=(label) {
            title { (label) }
            @for pct in [0.0, 0.25, 0.5, 0.75, 1.0] {
                line.grid x1=(x(pct)) x2=(x(pct)) y1=(top) y2=(h - bottom) {}
                text.axis x=(x(pct)) y=(h - bottom + 16.0) text-anchor="middle" { (x_tick(pct)) }
            }
            @for t in &ticks {
                line.grid x1=(left) x2=(w - right) y1=(y(*t)) y2=(y(*t)) {}
                text.axis x=(left - 6.0) y=(y(*t) + 4.0) text-anchor="end" { (format!("{t:.1}")) }
            }
            text.axis-label x=((left + w - right) / 2.0) y=(h - 6.0) text-anchor="middle" { (x_label) }
            text.axis-label x="12" y=((top + h - bottom) / 2.0) text-anchor="middle" transform={"rotate(-90 12 " ((top + h - bottom) / 2.0) ")"} { (y_label) }
            @for p in points {
                circle.point cx=(format!("{:.1}", x(p.x))) cy=(format!("{:.1}", y(p.y))) r="4" {
                    title { (p.label) }
                }
            }
        }
    }
}

/// One unit's bar in the ranked chart.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub rate: Option<f64>,
    /// The previous period's rate, drawn as a tick.
    pub previous: Option<f64>,
}

/// Every unit's rate for the period as a horizontal bar, in the order given (the ranking), lowest
/// included: each named (a long name shortened, whole in its title), the target as a dashed line,
/// the previous period as a tick, a unit without data said in words.
pub fn ranked_bars(bars: &[Bar], target: f64, label: &str, no_data: &str) -> Markup {
    let (w, row, top, name_w, right) = (640.0, 22.0, 6.0, 190.0, 52.0);
    let h = top * 2.0 + row * bars.len().max(1) as f64;
    let x = |r: f64| name_w + (w - name_w - right) * r.clamp(0.0, 1.0);
    let short = |s: &str| {
        let chars: Vec<char> = s.chars().collect();
        if chars.len() > 14 {
            format!("{}…", chars[..13].iter().collect::<String>())
        } else {
            s.to_owned()
        }
    };
    html! {
        svg.bars viewBox={"0 0 " (w) " " (h)} role="img" aria-label=(label) {
            title { (label) }
            @for pct in [0.0, 0.5, 1.0] {
                line.grid x1=(x(pct)) x2=(x(pct)) y1=(top) y2=(h - top) {}
            }
            line.target x1=(x(target)) x2=(x(target)) y1=(top) y2=(h - top) {}
            @for (i, b) in bars.iter().enumerate() {
                @let y = top + row * i as f64;
                @let below = b.rate.is_some_and(|r| r < target);
                g.bar-row data-unit=(b.label) {
                    title { (b.label) }
                    text.axis x=(name_w - 8.0) y=(y + row * 0.68) text-anchor="end" { (short(&b.label)) }
                    @match b.rate {
                        Some(r) => {
                            rect class=(if below { "fill below" } else { "fill" }) x=(name_w) y=(y + 4.0)
                                width=(format!("{:.1}", x(r) - name_w)) height=(row - 8.0) rx="2" {}
                            text.axis x=(format!("{:.1}", x(r.max(b.previous.unwrap_or(0.0))) + 6.0)) y=(y + row * 0.68) { (format!("{:.1}%", r * 100.0)) }
                        }
                        None => {
                            text.axis.muted x=(name_w + 4.0) y=(y + row * 0.68) { (no_data) }
                        }
                    }
                    @if let Some(p) = b.previous {
                        line.previous x1=(format!("{:.1}", x(p))) x2=(format!("{:.1}", x(p))) y1=(y + 2.0) y2=(y + row - 2.0) {}
                    }
                }
            }
        }
    }
}
