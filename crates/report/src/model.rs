//! The content of a report, independent of its format: what is stored as the snapshot and what
//! every renderer reads. A snapshot renders to the same page, workbook and PDF every time.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Which report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 排名通报: the monthly ranking bulletin.
    Bulletin,
    /// 半月分析研判: the semi-monthly analysis of the case situation.
    Analysis,
    /// 工作简报: the briefing on work done.
    Briefing,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 3] = [Kind::Bulletin, Kind::Analysis, Kind::Briefing];

    /// The stored and API name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bulletin => "bulletin",
            Self::Analysis => "analysis",
            Self::Briefing => "briefing",
        }
    }

    /// The name people read.
    pub fn zh(self) -> &'static str {
        match self {
            Self::Bulletin => "排名通报",
            Self::Analysis => "半月分析研判",
            Self::Briefing => "工作简报",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }
}

/// A generated report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Which report.
    pub kind: Kind,
    /// The period's code: `YYYY-MM` or `YYYY-MM-1|2`.
    pub period: String,
    /// The period as people read it: `2026年10月`.
    pub period_zh: String,
    /// The area covered: 县 / 镇 / 派出所 name.
    pub scope_name: String,
    /// The issuing body (发文机关).
    pub issuer: String,
    /// Issue number (期号), `2026年第10期`.
    pub issue_no: String,
    /// Title.
    pub title: String,
    /// Cases registered after this instant (ms) are not in the figures.
    pub cutoff_ms: i64,
    /// Versions of the rules the figures were computed with (ranking, ladder, taxonomy, …).
    pub rule_versions: BTreeMap<String, String>,
    /// The key figures in sentences, generated from the data.
    pub summary: Vec<String>,
    /// The body.
    pub sections: Vec<Section>,
}

/// One numbered section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    /// Heading, without its number.
    pub heading: String,
    /// Text before the blocks.
    pub paragraphs: Vec<String>,
    /// Tables and charts.
    pub blocks: Vec<Block>,
}

/// A table or a chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    /// A table.
    Table(Table),
    /// A chart.
    Chart(Chart),
}

/// A table; in the workbook, one sheet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    /// Sheet name (at most 31 characters, unique in the report).
    pub sheet: String,
    /// Caption.
    pub caption: String,
    /// Columns.
    pub columns: Vec<Column>,
    /// Rows.
    pub rows: Vec<Vec<Cell>>,
    /// A total row, when the table has one.
    pub total: Option<Vec<Cell>>,
    /// A note under the table.
    pub note: Option<String>,
    /// Only in the workbook (a long series the page shows as a chart).
    #[serde(default)]
    pub sheet_only: bool,
}

/// A column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    /// Header (Chinese).
    pub header: String,
    /// How its numbers read.
    pub format: Format,
}

/// How the numbers of a column read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Text.
    Text,
    /// A whole number, `1,234`.
    Int,
    /// Money in yuan with two decimals (the cell holds yuan).
    Yuan,
    /// Money in 10,000 yuan with two decimals (the cell holds 10,000 yuan).
    WanYuan,
    /// A percentage with one decimal (the cell holds the percentage, 12.5 for 12.5 %).
    Pct,
    /// A rate with two decimals.
    Rate,
    /// A change of rank: positive = moved up (worse), shown with an arrow.
    RankChange,
}

/// A cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Cell {
    /// A number (read with its column's format).
    Num(f64),
    /// Text.
    Text(String),
    /// Nothing (no figure for the period, or no change to show).
    Empty,
}

impl Cell {
    /// A whole number.
    pub fn int(v: impl Into<i64>) -> Self {
        Cell::Num(v.into() as f64)
    }

    /// Text.
    pub fn text(v: impl Into<String>) -> Self {
        Cell::Text(v.into())
    }

    /// A number or nothing.
    pub fn opt(v: Option<f64>) -> Self {
        v.map_or(Cell::Empty, Cell::Num)
    }

    /// The cell as a reader sees it in a column of this format.
    pub fn display(&self, format: Format) -> String {
        match self {
            Cell::Empty => "—".into(),
            Cell::Text(s) => s.clone(),
            Cell::Num(v) => match format {
                Format::Text | Format::Int => group(format!("{:.0}", v)),
                Format::Yuan | Format::WanYuan => group(format!("{v:.2}")),
                Format::Pct => format!("{v:.1}%"),
                Format::Rate => format!("{v:.2}"),
                Format::RankChange => match *v as i64 {
                    0 => "—".into(),
                    k if k > 0 => format!("↑{k}"),
                    k => format!("↓{}", -k),
                },
            },
        }
    }
}

/// Thousands separators in the integer part of a formatted number.
fn group(s: String) -> String {
    let (sign, rest) = if let Some(r) = s.strip_prefix('-') { ("-", r) } else { ("", s.as_str()) };
    let (int, frac) = rest.split_once('.').map_or((rest, None), |(a, b)| (a, Some(b)));
    let mut out = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    match frac {
        Some(f) => format!("{sign}{out}.{f}"),
        None => format!("{sign}{out}"),
    }
}

/// A chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chart {
    /// Title.
    pub title: String,
    /// What it draws.
    pub kind: ChartKind,
    /// Labels (x axis, slices, areas or bars).
    pub labels: Vec<String>,
    /// One or two series of values, one value per label.
    pub series: Vec<Series>,
}

/// A named series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// Name (legend).
    pub name: String,
    /// Unit (axis).
    pub unit: String,
    /// Values, one per label.
    pub values: Vec<f64>,
}

/// The kinds of chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChartKind {
    /// Columns for the first series, a line for the second (a trend over periods).
    Trend,
    /// Horizontal bars, largest first (a ranking or a mix).
    Bars,
    /// Slices of a whole.
    Pie,
    /// Areas sized by the first series (a treemap).
    Treemap,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_read_as_people_write_them() {
        assert_eq!(Cell::Num(1234567.0).display(Format::Int), "1,234,567");
        assert_eq!(Cell::Num(-1234.5).display(Format::Yuan), "-1,234.50");
        assert_eq!(Cell::Num(12.34).display(Format::Pct), "12.3%");
        assert_eq!(Cell::Num(2.0).display(Format::RankChange), "↑2");
        assert_eq!(Cell::Num(-3.0).display(Format::RankChange), "↓3");
        assert_eq!(Cell::Num(0.0).display(Format::RankChange), "—");
        assert_eq!(Cell::Empty.display(Format::Int), "—");
        assert_eq!(Cell::Num(999.0).display(Format::Int), "999");
    }

    #[test]
    fn snapshot_round_trips() {
        let t = Block::Table(Table {
            sheet: "s".into(),
            caption: "c".into(),
            columns: vec![Column { header: "h".into(), format: Format::Int }],
            rows: vec![vec![Cell::Num(1.0)], vec![Cell::Text("x".into())], vec![Cell::Empty]],
            total: None,
            note: None,
            sheet_only: false,
        });
        let back: Block = serde_json::from_str(&serde_json::to_string(&t).expect("ser")).expect("de");
        assert_eq!(back, t);
    }
}
