//! Charts as SVG: the same drawing goes inline into the web page and, as an image, into the PDF.

use std::fmt::Write;

use crate::model::{Chart, ChartKind};

/// Width and height of every chart, in SVG user units (points in the PDF).
pub const WIDTH: f64 = 640.0;
/// Height of every chart.
pub const HEIGHT: f64 = 300.0;
const FONT: &str = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, sans-serif";
const PALETTE: [&str; 10] =
    ["#c0392b", "#2e86c1", "#d68910", "#239b56", "#7d3c98", "#17a589", "#a04000", "#5d6d7e", "#cb4335", "#2874a6"];
const INK: &str = "#333";
const GRID: &str = "#ddd";

/// Escapes text for SVG.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The height of a chart: bar charts grow with their bars, the others are [`HEIGHT`].
pub fn height(c: &Chart) -> f64 {
    match c.kind {
        ChartKind::Bars => 48.0 + 26.0 * c.labels.len().clamp(1, 12) as f64,
        _ => HEIGHT,
    }
}

/// The chart as a standalone SVG document.
pub fn svg(c: &Chart) -> String {
    let h = height(c);
    let mut s = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{h}" viewBox="0 0 {WIDTH} {h}" font-family="{FONT}" font-size="11" fill="{INK}"><rect width="{WIDTH}" height="{h}" fill="white"/><text x="{}" y="20" text-anchor="middle" font-size="14" font-weight="bold">{}</text>"#,
        WIDTH / 2.0,
        esc(&c.title)
    );
    let empty = c.series.first().is_none_or(|x| x.values.iter().all(|v| *v == 0.0));
    if empty {
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" text-anchor="middle" fill="gray">本期无数据</text>"#,
            WIDTH / 2.0,
            h / 2.0
        );
    } else {
        match c.kind {
            ChartKind::Trend => trend(&mut s, c),
            ChartKind::Bars => bars(&mut s, c),
            ChartKind::Pie => pie(&mut s, c),
            ChartKind::Treemap => treemap(&mut s, c),
        }
    }
    s.push_str("</svg>");
    s
}

/// A round upper bound for an axis and its step (1, 2 or 5 times a power of ten).
fn nice(max: f64) -> (f64, f64) {
    if max <= 0.0 {
        return (1.0, 0.25);
    }
    let raw = max / 4.0;
    let p = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * p).find(|st| *st >= raw).unwrap_or(10.0 * p);
    ((max / step).ceil() * step, step)
}

fn num(v: f64) -> String {
    if v.abs() >= 100.0 || v.fract() == 0.0 { format!("{v:.0}") } else { format!("{v:.1}") }
}

fn trend(s: &mut String, c: &Chart) {
    let (l, r, t, b) = (52.0, WIDTH - 56.0, 48.0, HEIGHT - 40.0);
    let n = c.labels.len().max(1) as f64;
    let slot = (r - l) / n;
    let bars = &c.series[0];
    let (max0, step0) = nice(bars.values.iter().copied().fold(0.0, f64::max));
    // Axis and grid of the first series.
    let mut k = 0.0;
    while k <= max0 + 1e-9 {
        let y = b - (b - t) * k / max0;
        let _ = write!(
            s,
            r#"<line x1="{l}" x2="{r}" y1="{y:.1}" y2="{y:.1}" stroke="{GRID}"/><text x="{}" y="{:.1}" text-anchor="end">{}</text>"#,
            l - 6.0,
            y + 4.0,
            num(k)
        );
        k += step0;
    }
    let _ = write!(s, r#"<text x="{l}" y="{}" text-anchor="middle">{}</text>"#, t - 12.0, esc(&bars.unit));
    for (i, v) in bars.values.iter().enumerate() {
        let h = (b - t) * v / max0;
        let x = l + slot * i as f64 + slot * 0.18;
        let last = i + 1 == bars.values.len();
        let _ = write!(
            s,
            r#"<rect x="{x:.1}" y="{:.1}" width="{:.1}" height="{h:.1}" fill="{}"/>"#,
            b - h,
            slot * 0.64,
            if last { PALETTE[0] } else { "#e6a19a" }
        );
        if slot > 18.0 || last {
            let _ = write!(
                s,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="9">{}</text>"#,
                x + slot * 0.32,
                b - h - 3.0,
                num(*v)
            );
        }
    }
    // Every label when they fit, else every other one.
    let every = if slot < 22.0 { 2 } else { 1 };
    for (i, lab) in c.labels.iter().enumerate() {
        if (c.labels.len() - 1 - i).is_multiple_of(every) {
            let _ = write!(
                s,
                r#"<text x="{:.1}" y="{}" text-anchor="middle" font-size="9">{}</text>"#,
                l + slot * (i as f64 + 0.5),
                b + 14.0,
                esc(lab)
            );
        }
    }
    if let Some(line) = c.series.get(1) {
        let (max1, step1) = nice(line.values.iter().copied().fold(0.0, f64::max));
        let mut k = 0.0;
        while k <= max1 + 1e-9 {
            let y = b - (b - t) * k / max1;
            let _ = write!(s, r#"<text x="{}" y="{:.1}" fill="{}">{}</text>"#, r + 6.0, y + 4.0, PALETTE[1], num(k));
            k += step1;
        }
        let _ = write!(
            s,
            r#"<text x="{r}" y="{}" text-anchor="middle" fill="{}">{}</text>"#,
            t - 12.0,
            PALETTE[1],
            esc(&line.unit)
        );
        let pts: Vec<String> = line
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{:.1},{:.1}", l + slot * (i as f64 + 0.5), b - (b - t) * v / max1))
            .collect();
        let _ =
            write!(s, r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>"#, pts.join(" "), PALETTE[1]);
        for p in &pts {
            let (x, y) = p.split_once(',').unwrap_or(("0", "0"));
            let _ = write!(s, r#"<circle cx="{x}" cy="{y}" r="2.5" fill="{}"/>"#, PALETTE[1]);
        }
    }
    // Legend.
    let _ = write!(
        s,
        r#"<rect x="{}" y="30" width="10" height="10" fill="{}"/><text x="{}" y="39">{}</text>"#,
        WIDTH / 2.0 - 120.0,
        PALETTE[0],
        WIDTH / 2.0 - 106.0,
        esc(&bars.name)
    );
    if let Some(line) = c.series.get(1) {
        let _ = write!(
            s,
            r#"<line x1="{}" x2="{}" y1="35" y2="35" stroke="{}" stroke-width="2"/><text x="{}" y="39">{}</text>"#,
            WIDTH / 2.0 + 10.0,
            WIDTH / 2.0 + 26.0,
            PALETTE[1],
            WIDTH / 2.0 + 30.0,
            esc(&line.name)
        );
    }
}

fn bars(s: &mut String, c: &Chart) {
    let vals = &c.series[0];
    let mut idx: Vec<usize> = (0..c.labels.len().min(vals.values.len())).collect();
    idx.sort_by(|&a, &b| vals.values[b].total_cmp(&vals.values[a]).then(a.cmp(&b)));
    idx.truncate(12);
    let (l, r, t, b) = (130.0, WIDTH - 60.0, 36.0, height(c) - 12.0);
    let row = ((b - t) / idx.len().max(1) as f64).min(26.0);
    let max = vals.values.iter().copied().fold(0.0, f64::max).max(1e-9);
    for (k, &i) in idx.iter().enumerate() {
        let y = t + row * k as f64;
        let w = (r - l) * vals.values[i] / max;
        let _ = write!(
            s,
            r#"<text x="{}" y="{:.1}" text-anchor="end">{}</text><rect x="{l}" y="{:.1}" width="{w:.1}" height="{:.1}" fill="{}"/><text x="{:.1}" y="{:.1}">{}{}</text>"#,
            l - 6.0,
            y + row * 0.62,
            esc(&c.labels[i]),
            y + row * 0.15,
            row * 0.7,
            if k == 0 { PALETTE[0] } else { PALETTE[1] },
            l + w + 4.0,
            y + row * 0.62,
            num(vals.values[i]),
            esc(&vals.unit)
        );
    }
}

fn pie(s: &mut String, c: &Chart) {
    let vals = &c.series[0];
    let total: f64 = vals.values.iter().sum();
    let (cx, cy, rad) = (170.0, HEIGHT / 2.0 + 12.0, 110.0);
    let mut idx: Vec<usize> = (0..c.labels.len().min(vals.values.len())).filter(|&i| vals.values[i] > 0.0).collect();
    idx.sort_by(|&a, &b| vals.values[b].total_cmp(&vals.values[a]).then(a.cmp(&b)));
    let mut a0 = -std::f64::consts::FRAC_PI_2;
    for (k, &i) in idx.iter().enumerate() {
        let frac = vals.values[i] / total;
        let a1 = a0 + frac * std::f64::consts::TAU;
        let colour = PALETTE[k % PALETTE.len()];
        if frac >= 0.9999 {
            let _ = write!(s, r#"<circle cx="{cx}" cy="{cy}" r="{rad}" fill="{colour}"/>"#);
        } else {
            let (x0, y0, x1, y1) = (cx + rad * a0.cos(), cy + rad * a0.sin(), cx + rad * a1.cos(), cy + rad * a1.sin());
            let large = u8::from(frac > 0.5);
            let _ = write!(
                s,
                r#"<path d="M{cx},{cy} L{x0:.2},{y0:.2} A{rad},{rad} 0 {large} 1 {x1:.2},{y1:.2} Z" fill="{colour}" stroke="white"/>"#
            );
        }
        if k < 14 {
            let ly = 44.0 + 17.0 * k as f64;
            let _ = write!(
                s,
                r#"<rect x="320" y="{:.1}" width="10" height="10" fill="{colour}"/><text x="336" y="{:.1}">{} {}{} ({:.1}%)</text>"#,
                ly - 9.0,
                ly,
                esc(&c.labels[i]),
                num(vals.values[i]),
                esc(&vals.unit),
                frac * 100.0
            );
        }
        a0 = a1;
    }
    let _ = write!(
        s,
        r#"<circle cx="{cx}" cy="{cy}" r="{}" fill="white"/><text x="{cx}" y="{}" text-anchor="middle" font-size="13">合计 {}{}</text>"#,
        rad * 0.5,
        cy + 5.0,
        num(total),
        esc(&vals.unit)
    );
}

/// A rectangle of the treemap.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    /// Left.
    pub x: f64,
    /// Top.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
}

/// Squarified treemap (Bruls, Huizing, van Wijk): areas proportional to `values` (sorted
/// largest first by the caller), laid out in rows that keep the rectangles close to square.
pub fn squarify(values: &[f64], area: Rect) -> Vec<Rect> {
    let total: f64 = values.iter().sum();
    if total <= 0.0 || values.is_empty() {
        return vec![];
    }
    let scale = area.w * area.h / total;
    let sizes: Vec<f64> = values.iter().map(|v| v * scale).collect();
    let mut out = Vec::with_capacity(values.len());
    let mut rest = area;
    let mut i = 0;
    while i < sizes.len() {
        let side = rest.w.min(rest.h);
        let worst = |row: &[f64]| {
            let sum: f64 = row.iter().sum();
            let (mx, mn) = row.iter().fold((0f64, f64::MAX), |(a, b), v| (a.max(*v), b.min(*v)));
            (side * side * mx / (sum * sum)).max(sum * sum / (side * side * mn))
        };
        let mut j = i + 1;
        while j < sizes.len() && worst(&sizes[i..=j]) <= worst(&sizes[i..j]) {
            j += 1;
        }
        let row = &sizes[i..j];
        let sum: f64 = row.iter().sum();
        let thick = sum / side;
        let mut off = 0.0;
        for v in row {
            let len = v / thick;
            out.push(if rest.w >= rest.h {
                Rect { x: rest.x, y: rest.y + off, w: thick, h: len }
            } else {
                Rect { x: rest.x + off, y: rest.y, w: len, h: thick }
            });
            off += len;
        }
        rest = if rest.w >= rest.h {
            Rect { x: rest.x + thick, y: rest.y, w: rest.w - thick, h: rest.h }
        } else {
            Rect { x: rest.x, y: rest.y + thick, w: rest.w, h: rest.h - thick }
        };
        i = j;
    }
    out
}

fn treemap(s: &mut String, c: &Chart) {
    let vals = &c.series[0];
    let mut idx: Vec<usize> = (0..c.labels.len().min(vals.values.len())).filter(|&i| vals.values[i] > 0.0).collect();
    idx.sort_by(|&a, &b| vals.values[b].total_cmp(&vals.values[a]).then(a.cmp(&b)));
    let values: Vec<f64> = idx.iter().map(|&i| vals.values[i]).collect();
    let max = values.first().copied().unwrap_or(1.0);
    let rects = squarify(&values, Rect { x: 8.0, y: 32.0, w: WIDTH - 16.0, h: HEIGHT - 40.0 });
    for (r, &i) in rects.iter().zip(&idx) {
        // Darker for more cases: the worst areas stand out.
        let t = vals.values[i] / max;
        let (cr, cg, cb) = (250.0 - 58.0 * t, 220.0 - 163.0 * t, 210.0 - 167.0 * t);
        let _ = write!(
            s,
            r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="rgb({cr:.0},{cg:.0},{cb:.0})" stroke="white" stroke-width="2"/>"#,
            r.x, r.y, r.w, r.h
        );
        let label = &c.labels[i];
        let fits = r.w > 11.0 * label.chars().count() as f64 + 6.0 && r.h > 30.0;
        if fits {
            let fill = if t > 0.5 { "#fff" } else { INK };
            let _ = write!(
                s,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="{fill}">{}</text><text x="{:.1}" y="{:.1}" text-anchor="middle" fill="{fill}" font-size="10">{}{}</text>"#,
                r.x + r.w / 2.0,
                r.y + r.h / 2.0 - 2.0,
                esc(label),
                r.x + r.w / 2.0,
                r.y + r.h / 2.0 + 12.0,
                num(vals.values[i]),
                esc(&vals.unit)
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::model::Series;

    proptest! {
        /// The treemap fills its area exactly, without overlap, each rectangle sized by its value.
        #[test]
        fn treemap_areas_are_proportional(mut values in proptest::collection::vec(0.5f64..1000.0, 1..30)) {
            values.sort_by(|a, b| b.total_cmp(a));
            let area = Rect { x: 0.0, y: 0.0, w: 600.0, h: 260.0 };
            let rects = squarify(&values, area);
            prop_assert_eq!(rects.len(), values.len());
            let total: f64 = values.iter().sum();
            for (r, v) in rects.iter().zip(&values) {
                prop_assert!((r.w * r.h - v / total * 600.0 * 260.0).abs() < 1e-6 * 600.0 * 260.0);
                prop_assert!(r.x >= -1e-6 && r.y >= -1e-6 && r.x + r.w <= 600.0 + 1e-6 && r.y + r.h <= 260.0 + 1e-6);
            }
            for (i, a) in rects.iter().enumerate() {
                for b in &rects[i + 1..] {
                    let ox = (a.x + a.w).min(b.x + b.w) - a.x.max(b.x);
                    let oy = (a.y + a.h).min(b.y + b.h) - a.y.max(b.y);
                    prop_assert!(ox <= 1e-6 || oy <= 1e-6, "overlap {:?} {:?}", a, b);
                }
            }
        }
    }

    #[test]
    fn charts_are_wellformed_and_escape_labels() {
        for kind in [ChartKind::Trend, ChartKind::Bars, ChartKind::Pie, ChartKind::Treemap] {
            let c = Chart {
                title: "a<b".into(),
                kind,
                labels: vec!["甲&乙".into(), "丙".into()],
                series: vec![
                    Series { name: "发案".into(), unit: "起".into(), values: vec![3.0, 1.0] },
                    Series { name: "损失".into(), unit: "万元".into(), values: vec![1.5, 0.5] },
                ],
            };
            let s = svg(&c);
            assert!(s.starts_with("<svg") && s.ends_with("</svg>"));
            assert!(s.contains("甲&amp;乙") || kind == ChartKind::Treemap, "{kind:?}");
            assert!(!s.contains("a<b"));
            assert!(!s.contains("NaN"), "{kind:?}: {s}");
        }
    }
}
