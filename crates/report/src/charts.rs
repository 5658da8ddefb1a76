//! Charts as a list of marks in SVG user units: the web page gets them as SVG, the PDF draws the
//! same marks as vector paths, so both show one drawing.

use std::f64::consts::{FRAC_PI_2, TAU};
use std::fmt::Write;

use crate::model::{Chart, ChartKind};

/// Width and height of every chart, in SVG user units (points in the PDF).
pub const WIDTH: f64 = 640.0;
/// Height of every chart.
pub const HEIGHT: f64 = 300.0;
const FONT: &str = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, sans-serif";
const PALETTE: [Rgb; 10] = [
    Rgb(0xc0, 0x39, 0x2b),
    Rgb(0x2e, 0x86, 0xc1),
    Rgb(0xd6, 0x89, 0x10),
    Rgb(0x23, 0x9b, 0x56),
    Rgb(0x7d, 0x3c, 0x98),
    Rgb(0x17, 0xa5, 0x89),
    Rgb(0xa0, 0x40, 0x00),
    Rgb(0x5d, 0x6d, 0x7e),
    Rgb(0xcb, 0x43, 0x35),
    Rgb(0x28, 0x74, 0xa6),
];
/// The colour of text and axes.
pub const INK: Rgb = Rgb(0x33, 0x33, 0x33);
const GRID: Rgb = Rgb(0xdd, 0xdd, 0xdd);
const WHITE: Rgb = Rgb(0xff, 0xff, 0xff);
const GREY: Rgb = Rgb(0x80, 0x80, 0x80);
/// The font size of labels, when a mark does not say otherwise.
pub const LABEL_SIZE: f64 = 11.0;

/// A colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// `#rrggbb`.
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    /// Components from 0 to 1, as PDF colour operators take them.
    pub fn unit(self) -> [f32; 3] {
        [f32::from(self.0) / 255.0, f32::from(self.1) / 255.0, f32::from(self.2) / 255.0]
    }
}

/// Where a text's x lies on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// x is the start.
    Start,
    /// x is the middle.
    Middle,
    /// x is the end.
    End,
}

/// One thing drawn, in SVG user units (y grows downwards; a text's y is its baseline).
#[derive(Debug, Clone, PartialEq)]
pub enum Mark {
    /// A filled rectangle, optionally outlined.
    Rect {
        /// Left.
        x: f64,
        /// Top.
        y: f64,
        /// Width.
        w: f64,
        /// Height.
        h: f64,
        /// Fill.
        fill: Rgb,
        /// Outline colour and width.
        stroke: Option<(Rgb, f64)>,
    },
    /// A straight line, or a line through several points.
    Line {
        /// The points, at least two.
        points: Vec<(f64, f64)>,
        /// Colour.
        stroke: Rgb,
        /// Width.
        width: f64,
    },
    /// A filled disc.
    Circle {
        /// Centre x.
        cx: f64,
        /// Centre y.
        cy: f64,
        /// Radius.
        r: f64,
        /// Fill.
        fill: Rgb,
    },
    /// A slice of a disc from angle `a0` to `a1` (radians, clockwise on the page from the x axis).
    Wedge {
        /// Centre x.
        cx: f64,
        /// Centre y.
        cy: f64,
        /// Radius.
        r: f64,
        /// Start angle.
        a0: f64,
        /// End angle.
        a1: f64,
        /// Fill.
        fill: Rgb,
        /// Outline colour (one unit wide).
        stroke: Rgb,
    },
    /// A line of text.
    Text {
        /// Anchor x.
        x: f64,
        /// Baseline.
        y: f64,
        /// The text.
        text: String,
        /// Where x lies on it.
        anchor: Anchor,
        /// Font size.
        size: f64,
        /// Bold.
        bold: bool,
        /// Colour.
        fill: Rgb,
    },
}

/// A chart drawn: its size and its marks, back to front.
#[derive(Debug, Clone, PartialEq)]
pub struct Drawing {
    /// Width.
    pub width: f64,
    /// Height.
    pub height: f64,
    /// Marks, back to front.
    pub marks: Vec<Mark>,
}

impl Drawing {
    fn text(&mut self, x: f64, y: f64, text: impl Into<String>, anchor: Anchor, size: f64, fill: Rgb) {
        self.marks.push(Mark::Text { x, y, text: text.into(), anchor, size, bold: false, fill });
    }

    fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: Rgb) {
        self.marks.push(Mark::Rect { x, y, w, h, fill, stroke: None });
    }

    fn line(&mut self, points: Vec<(f64, f64)>, stroke: Rgb, width: f64) {
        self.marks.push(Mark::Line { points, stroke, width });
    }
}

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

/// The chart's marks.
pub fn draw(c: &Chart) -> Drawing {
    let h = height(c);
    let mut d = Drawing { width: WIDTH, height: h, marks: Vec::new() };
    d.rect(0.0, 0.0, WIDTH, h, WHITE);
    d.marks.push(Mark::Text {
        x: WIDTH / 2.0,
        y: 20.0,
        text: c.title.clone(),
        anchor: Anchor::Middle,
        size: 14.0,
        bold: true,
        fill: INK,
    });
    let empty = c.series.first().is_none_or(|x| x.values.iter().all(|v| *v == 0.0));
    if empty {
        d.text(WIDTH / 2.0, h / 2.0, "本期无数据", Anchor::Middle, LABEL_SIZE, GREY);
    } else {
        match c.kind {
            ChartKind::Trend => trend(&mut d, c),
            ChartKind::Bars => bars(&mut d, c),
            ChartKind::Pie => pie(&mut d, c),
            ChartKind::Treemap => treemap(&mut d, c),
        }
    }
    d
}

/// The chart as a standalone SVG document.
pub fn svg(c: &Chart) -> String {
    let d = draw(c);
    let (w, h) = (d.width, d.height);
    let mut s = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="{FONT}" font-size="{LABEL_SIZE}" fill="{}">"#,
        INK.hex()
    );
    for m in &d.marks {
        let _ = match m {
            Mark::Rect { x, y, w, h, fill, stroke } => {
                let outline = stroke.map(|(c, sw)| format!(r#" stroke="{}" stroke-width="{sw}""#, c.hex()));
                write!(
                    s,
                    r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" fill="{}"{}/>"#,
                    fill.hex(),
                    outline.unwrap_or_default()
                )
            }
            Mark::Line { points, stroke, width } => {
                let pts: Vec<String> = points.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
                write!(
                    s,
                    r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="{width}"/>"#,
                    pts.join(" "),
                    stroke.hex()
                )
            }
            Mark::Circle { cx, cy, r, fill } => {
                write!(s, r#"<circle cx="{cx:.1}" cy="{cy:.1}" r="{r}" fill="{}"/>"#, fill.hex())
            }
            Mark::Wedge { cx, cy, r, a0, a1, fill, stroke } => {
                let (x0, y0, x1, y1) = (cx + r * a0.cos(), cy + r * a0.sin(), cx + r * a1.cos(), cy + r * a1.sin());
                let large = u8::from(a1 - a0 > std::f64::consts::PI);
                write!(
                    s,
                    r#"<path d="M{cx},{cy} L{x0:.2},{y0:.2} A{r},{r} 0 {large} 1 {x1:.2},{y1:.2} Z" fill="{}" stroke="{}"/>"#,
                    fill.hex(),
                    stroke.hex()
                )
            }
            Mark::Text { x, y, text, anchor, size, bold, fill } => {
                let anchor = match anchor {
                    Anchor::Start => "",
                    Anchor::Middle => r#" text-anchor="middle""#,
                    Anchor::End => r#" text-anchor="end""#,
                };
                let size = if *size == LABEL_SIZE { String::new() } else { format!(r#" font-size="{size}""#) };
                let weight = if *bold { r#" font-weight="bold""# } else { "" };
                let fill = if *fill == INK { String::new() } else { format!(r#" fill="{}""#, fill.hex()) };
                write!(s, r#"<text x="{x:.1}" y="{y:.1}"{anchor}{size}{weight}{fill}>{}</text>"#, esc(text))
            }
        };
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

fn trend(d: &mut Drawing, c: &Chart) {
    let (l, r, t, b) = (52.0, WIDTH - 56.0, 48.0, HEIGHT - 40.0);
    let n = c.labels.len().max(1) as f64;
    let slot = (r - l) / n;
    let bars = &c.series[0];
    let (max0, step0) = nice(bars.values.iter().copied().fold(0.0, f64::max));
    // Axis and grid of the first series.
    let mut k = 0.0;
    while k <= max0 + 1e-9 {
        let y = b - (b - t) * k / max0;
        d.line(vec![(l, y), (r, y)], GRID, 1.0);
        d.text(l - 6.0, y + 4.0, num(k), Anchor::End, LABEL_SIZE, INK);
        k += step0;
    }
    d.text(l, t - 12.0, bars.unit.clone(), Anchor::Middle, LABEL_SIZE, INK);
    for (i, v) in bars.values.iter().enumerate() {
        let h = (b - t) * v / max0;
        let x = l + slot * i as f64 + slot * 0.18;
        let last = i + 1 == bars.values.len();
        d.rect(x, b - h, slot * 0.64, h, if last { PALETTE[0] } else { Rgb(0xe6, 0xa1, 0x9a) });
        if slot > 18.0 || last {
            d.text(x + slot * 0.32, b - h - 3.0, num(*v), Anchor::Middle, 9.0, INK);
        }
    }
    // Every label when they fit, else every other one.
    let every = if slot < 22.0 { 2 } else { 1 };
    for (i, lab) in c.labels.iter().enumerate() {
        if (c.labels.len() - 1 - i).is_multiple_of(every) {
            d.text(l + slot * (i as f64 + 0.5), b + 14.0, lab.clone(), Anchor::Middle, 9.0, INK);
        }
    }
    if let Some(line) = c.series.get(1) {
        let (max1, step1) = nice(line.values.iter().copied().fold(0.0, f64::max));
        let mut k = 0.0;
        while k <= max1 + 1e-9 {
            let y = b - (b - t) * k / max1;
            d.text(r + 6.0, y + 4.0, num(k), Anchor::Start, LABEL_SIZE, PALETTE[1]);
            k += step1;
        }
        d.text(r, t - 12.0, line.unit.clone(), Anchor::Middle, LABEL_SIZE, PALETTE[1]);
        let pts: Vec<(f64, f64)> = line
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| (l + slot * (i as f64 + 0.5), b - (b - t) * v / max1))
            .collect();
        if pts.len() > 1 {
            d.line(pts.clone(), PALETTE[1], 2.0);
        }
        for (cx, cy) in pts {
            d.marks.push(Mark::Circle { cx, cy, r: 2.5, fill: PALETTE[1] });
        }
    }
    // Legend.
    d.rect(WIDTH / 2.0 - 120.0, 30.0, 10.0, 10.0, PALETTE[0]);
    d.text(WIDTH / 2.0 - 106.0, 39.0, bars.name.clone(), Anchor::Start, LABEL_SIZE, INK);
    if let Some(line) = c.series.get(1) {
        d.line(vec![(WIDTH / 2.0 + 10.0, 35.0), (WIDTH / 2.0 + 26.0, 35.0)], PALETTE[1], 2.0);
        d.text(WIDTH / 2.0 + 30.0, 39.0, line.name.clone(), Anchor::Start, LABEL_SIZE, INK);
    }
}

fn bars(d: &mut Drawing, c: &Chart) {
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
        d.text(l - 6.0, y + row * 0.62, c.labels[i].clone(), Anchor::End, LABEL_SIZE, INK);
        d.rect(l, y + row * 0.15, w, row * 0.7, if k == 0 { PALETTE[0] } else { PALETTE[1] });
        let value = format!("{}{}", num(vals.values[i]), vals.unit);
        d.text(l + w + 4.0, y + row * 0.62, value, Anchor::Start, LABEL_SIZE, INK);
    }
}

fn pie(d: &mut Drawing, c: &Chart) {
    let vals = &c.series[0];
    let total: f64 = vals.values.iter().sum();
    let (cx, cy, r) = (170.0, HEIGHT / 2.0 + 12.0, 110.0);
    let mut idx: Vec<usize> = (0..c.labels.len().min(vals.values.len())).filter(|&i| vals.values[i] > 0.0).collect();
    idx.sort_by(|&a, &b| vals.values[b].total_cmp(&vals.values[a]).then(a.cmp(&b)));
    let mut a0 = -FRAC_PI_2;
    for (k, &i) in idx.iter().enumerate() {
        let frac = vals.values[i] / total;
        let a1 = a0 + frac * TAU;
        let fill = PALETTE[k % PALETTE.len()];
        if frac >= 0.9999 {
            d.marks.push(Mark::Circle { cx, cy, r, fill });
        } else {
            d.marks.push(Mark::Wedge { cx, cy, r, a0, a1, fill, stroke: WHITE });
        }
        if k < 14 {
            let ly = 44.0 + 17.0 * k as f64;
            d.rect(320.0, ly - 9.0, 10.0, 10.0, fill);
            let text = format!("{} {}{} ({:.1}%)", c.labels[i], num(vals.values[i]), vals.unit, frac * 100.0);
            d.text(336.0, ly, text, Anchor::Start, LABEL_SIZE, INK);
        }
        a0 = a1;
    }
    d.marks.push(Mark::Circle { cx, cy, r: r * 0.5, fill: WHITE });
    d.text(cx, cy + 5.0, format!("合计 {}{}", num(total), vals.unit), Anchor::Middle, 13.0, INK);
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

fn treemap(d: &mut Drawing, c: &Chart) {
    let vals = &c.series[0];
    let mut idx: Vec<usize> = (0..c.labels.len().min(vals.values.len())).filter(|&i| vals.values[i] > 0.0).collect();
    idx.sort_by(|&a, &b| vals.values[b].total_cmp(&vals.values[a]).then(a.cmp(&b)));
    let values: Vec<f64> = idx.iter().map(|&i| vals.values[i]).collect();
    let max = values.first().copied().unwrap_or(1.0);
    let rects = squarify(&values, Rect { x: 8.0, y: 32.0, w: WIDTH - 16.0, h: HEIGHT - 40.0 });
    for (r, &i) in rects.iter().zip(&idx) {
        // Darker for more cases: the worst areas stand out.
        let t = vals.values[i] / max;
        let fill = Rgb((250.0 - 58.0 * t) as u8, (220.0 - 163.0 * t) as u8, (210.0 - 167.0 * t) as u8);
        d.marks.push(Mark::Rect { x: r.x, y: r.y, w: r.w, h: r.h, fill, stroke: Some((WHITE, 2.0)) });
        let label = &c.labels[i];
        let fits = r.w > 11.0 * label.chars().count() as f64 + 6.0 && r.h > 30.0;
        if fits {
            let ink = if t > 0.5 { WHITE } else { INK };
            let (mx, my) = (r.x + r.w / 2.0, r.y + r.h / 2.0);
            d.text(mx, my - 2.0, label.clone(), Anchor::Middle, LABEL_SIZE, ink);
            d.text(mx, my + 12.0, format!("{}{}", num(vals.values[i]), vals.unit), Anchor::Middle, 10.0, ink);
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
