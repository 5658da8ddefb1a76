//! Reports of the leading-group office (plans 篇十/篇十五): the monthly ranking bulletin (排名通报),
//! the semi-monthly analysis (半月分析研判) and the briefing (工作简报).
//!
//! [`build`] turns figures (already read from the store) into a [`model::Report`], the snapshot
//! that is stored and never recomputed; [`html`], [`xlsx`] and [`pdf`] render a snapshot. Pure
//! except for reading the font files in [`pdf::Fonts::load`].

pub mod build;
pub mod charts;
pub mod html;
pub mod model;
pub mod pdf;
pub mod xlsx;

use model::Report;

/// Section numbers as official documents write them.
pub const NUMERALS: [&str; 12] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"];

/// What can go wrong when rendering.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The CJK fonts are missing or unreadable.
    #[error("font: {0}")]
    Font(String),
    /// Typesetting failed.
    #[error("pdf: {0}")]
    Pdf(String),
    /// Writing the workbook failed.
    #[error("xlsx: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
}

/// A snapshot with what goes around it: the office's narrative, the draft mark and the date.
#[derive(Debug, Clone)]
pub struct Document<'a> {
    /// The generated content.
    pub report: &'a Report,
    /// The narrative the office wrote (paragraphs separated by blank lines).
    pub narrative: &'a str,
    /// `Some("草稿")` on everything not yet published.
    pub watermark: Option<&'a str>,
    /// The date under the signature, `2026年11月3日`.
    pub dated: String,
}

/// The rule versions in one line.
pub fn versions_line(r: &Report) -> String {
    r.rule_versions.iter().map(|(k, v)| format!("{k} {v}")).collect::<Vec<_>>().join("；")
}

/// The narrative's paragraphs: split at blank lines or single line breaks, trimmed.
pub fn narrative_paragraphs(text: &str) -> Vec<&str> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).collect()
}

/// A date as official documents write it: `2026年11月3日`.
pub fn date_zh(millis: i64) -> String {
    domain::time::china_date(millis).map(|d| format!("{}年{}月{}日", d.year(), d.month(), d.day())).unwrap_or_default()
}
