//! Case statistics (发案统计): the monthly figures of the statistics API and of the reports,
//! computed in one place so that a report and the API can never disagree for the same data.

use std::collections::BTreeMap;

use serde::Serialize;

/// One case as statistics read it.
#[derive(Debug, Clone, PartialEq)]
pub struct StatCase {
    /// Reported, stored ms.
    pub reported_at: i64,
    /// Police station name.
    pub station: String,
    /// The victim's village or community.
    pub jurisdiction: String,
    /// Its path in the jurisdiction tree.
    pub path: String,
    /// Fraud type id of the taxonomy.
    pub fraud_type: String,
    /// Victim's age band code; empty when unknown.
    pub age_band: String,
    /// How the fraudster first reached the victim; empty when unknown.
    pub contact_channel: String,
    /// Loss, fen.
    pub loss_fen: i64,
    /// Recovered, fen.
    pub recovered_fen: i64,
    /// Solved or closed.
    pub solved: bool,
    /// Suspects arrested.
    pub arrested: u64,
}

/// Cases and loss of a month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MonthPoint {
    /// Cases.
    pub cases: u64,
    /// Loss, fen.
    pub loss_fen: i64,
}

/// Cases and loss of one fraud type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TypeFigure {
    /// Fraud type id.
    pub fraud_type: String,
    /// Its Chinese name.
    pub name_zh: String,
    /// Cases.
    pub cases: u64,
    /// Loss, fen.
    pub loss_fen: i64,
}

/// One station's "four ups" (四上升) this month against the same month a year before.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FourUps {
    /// Station.
    pub station: String,
    /// Suspects arrested [this, a year before].
    pub arrested: [u64; 2],
    /// Solved cases [this, a year before].
    pub solved: [u64; 2],
    /// Solve rate in % with one decimal [this, a year before].
    pub solve_rate_pct: [f64; 2],
    /// Recovered money, fen [this, a year before].
    pub recovered_fen: [i64; 2],
    /// All four up.
    pub all_up: bool,
}

/// The month's statistics as the statistics API gives them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthStats {
    /// `YYYY-MM`.
    pub month: String,
    /// The 24 months up to `month`, oldest first.
    pub series: Vec<SeriesPoint>,
    /// Cases of the month.
    pub cases: u64,
    /// Loss of the month, fen.
    pub loss_fen: i64,
    /// Change on the month before in %, one decimal; null when the month before had none.
    pub mom_cases_pct: Option<f64>,
    /// Change of loss on the month before.
    pub mom_loss_pct: Option<f64>,
    /// Change on the same month a year before.
    pub yoy_cases_pct: Option<f64>,
    /// Change of loss on the same month a year before.
    pub yoy_loss_pct: Option<f64>,
    /// The month's cases by fraud type, by type id.
    pub by_type: Vec<TypeFigure>,
    /// The month's cases by victim age band ("unknown" when not recorded).
    pub by_age_band: BTreeMap<String, u64>,
    /// Per station, the four ups.
    pub four_ups: Vec<FourUps>,
}

/// One month of the series.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeriesPoint {
    /// `YYYY-MM`.
    pub month: String,
    /// Cases.
    pub cases: u64,
    /// Loss, fen.
    pub loss_fen: i64,
}

/// Change from `before` to `now` in %, one decimal; `None` when there was nothing before.
pub fn change_pct(now: f64, before: f64) -> Option<f64> {
    (before != 0.0).then(|| ((now - before) / before * 1000.0).round() / 10.0)
}

/// Share in %, one decimal; 0 for an empty whole.
pub fn share_pct(part: u64, whole: u64) -> f64 {
    if whole == 0 { 0.0 } else { (part as f64 / whole as f64 * 1000.0).round() / 10.0 }
}

/// The statistics of `month` from the cases reported in the 24 months up to it (cases outside
/// are ignored). `None` when `month` is not `YYYY-MM`.
pub fn month_stats(rows: &[StatCase], month: &str) -> Option<MonthStats> {
    let first = crate::ranking::shift_month(month, -23)?;
    let months = crate::ranking::month_range(&first, month);
    let prev_month = crate::ranking::shift_month(month, -1)?;
    let year_ago = crate::ranking::shift_month(month, -12)?;
    let mut series: BTreeMap<String, MonthPoint> =
        months.iter().map(|m| (m.clone(), MonthPoint { cases: 0, loss_fen: 0 })).collect();
    let mut by_type: BTreeMap<String, (u64, i64)> = BTreeMap::new();
    let mut by_age: BTreeMap<String, u64> = BTreeMap::new();
    // station → [this month, a year before] of (cases, solved, recovered fen, arrested)
    let mut four: BTreeMap<&str, [(u64, u64, i64, u64); 2]> = BTreeMap::new();
    for r in rows {
        let Some(m) = domain::time::china_month(r.reported_at) else { continue };
        let Some(e) = series.get_mut(&m) else { continue };
        e.cases += 1;
        e.loss_fen = e.loss_fen.saturating_add(r.loss_fen);
        if m == month {
            let t = by_type.entry(r.fraud_type.clone()).or_default();
            t.0 += 1;
            t.1 = t.1.saturating_add(r.loss_fen);
            *by_age.entry(if r.age_band.is_empty() { "unknown".into() } else { r.age_band.clone() }).or_default() += 1;
        }
        let slot = if m == month {
            Some(0)
        } else if m == year_ago {
            Some(1)
        } else {
            None
        };
        if let Some(k) = slot {
            let e = &mut four.entry(r.station.as_str()).or_default()[k];
            e.0 += 1;
            e.1 += u64::from(r.solved);
            e.2 = e.2.saturating_add(r.recovered_fen);
            e.3 += r.arrested;
        }
    }
    let at = |m: &str| series.get(m).copied().unwrap_or(MonthPoint { cases: 0, loss_fen: 0 });
    let (this, prev, ago) = (at(month), at(&prev_month), at(&year_ago));
    let rate = |x: (u64, u64, i64, u64)| share_pct(x.1, x.0);
    Some(MonthStats {
        month: month.to_string(),
        cases: this.cases,
        loss_fen: this.loss_fen,
        mom_cases_pct: change_pct(this.cases as f64, prev.cases as f64),
        mom_loss_pct: change_pct(this.loss_fen as f64, prev.loss_fen as f64),
        yoy_cases_pct: change_pct(this.cases as f64, ago.cases as f64),
        yoy_loss_pct: change_pct(this.loss_fen as f64, ago.loss_fen as f64),
        series: series
            .iter()
            .map(|(m, p)| SeriesPoint { month: m.clone(), cases: p.cases, loss_fen: p.loss_fen })
            .collect(),
        by_type: by_type
            .into_iter()
            .map(|(t, (c, l))| TypeFigure {
                name_zh: domain::case::fraud_type_zh(&t).to_string(),
                fraud_type: t,
                cases: c,
                loss_fen: l,
            })
            .collect(),
        by_age_band: by_age,
        four_ups: four
            .into_iter()
            .map(|(st, [a, b])| FourUps {
                station: st.to_string(),
                arrested: [a.3, b.3],
                solved: [a.1, b.1],
                solve_rate_pct: [rate(a), rate(b)],
                recovered_fen: [a.2, b.2],
                all_up: a.3 > b.3 && a.1 > b.1 && rate(a) > rate(b) && a.2 > b.2,
            })
            .collect(),
    })
}

/// The figures of any period: what the semi-monthly analysis reads.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Summary {
    /// Cases.
    pub cases: u64,
    /// Loss, fen.
    pub loss_fen: i64,
    /// Recovered, fen.
    pub recovered_fen: i64,
    /// Solved or closed.
    pub solved: u64,
    /// By fraud type id: (cases, loss).
    pub by_type: BTreeMap<String, (u64, i64)>,
    /// By age band ("unknown" when not recorded).
    pub by_age_band: BTreeMap<String, u64>,
    /// By contact channel ("unknown" when not recorded).
    pub by_channel: BTreeMap<String, u64>,
    /// By station: (cases, loss).
    pub by_station: BTreeMap<String, (u64, i64)>,
    /// By village or community: (cases, loss).
    pub by_jurisdiction: BTreeMap<String, (u64, i64)>,
    /// Losses of single cases, fen, largest first.
    pub largest_losses: Vec<i64>,
}

/// The figures of the cases reported in `[from_ms, to_ms)`.
pub fn summarize(rows: &[StatCase], from_ms: i64, to_ms: i64) -> Summary {
    let mut s = Summary::default();
    let or_unknown = |v: &str| if v.is_empty() { "unknown".to_string() } else { v.to_string() };
    for r in rows.iter().filter(|r| r.reported_at >= from_ms && r.reported_at < to_ms) {
        s.cases += 1;
        s.loss_fen = s.loss_fen.saturating_add(r.loss_fen);
        s.recovered_fen = s.recovered_fen.saturating_add(r.recovered_fen);
        s.solved += u64::from(r.solved);
        let t = s.by_type.entry(r.fraud_type.clone()).or_default();
        t.0 += 1;
        t.1 = t.1.saturating_add(r.loss_fen);
        *s.by_age_band.entry(or_unknown(&r.age_band)).or_default() += 1;
        *s.by_channel.entry(or_unknown(&r.contact_channel)).or_default() += 1;
        let st = s.by_station.entry(r.station.clone()).or_default();
        st.0 += 1;
        st.1 = t.1.saturating_add(r.loss_fen);
        let j = s.by_jurisdiction.entry(or_unknown(&r.jurisdiction)).or_default();
        j.0 += 1;
        j.1 += r.loss_fen;
        s.largest_losses.push(r.loss_fen);
    }
    s.largest_losses.sort_unstable_by(|a, b| b.cmp(a));
    s
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn case(month: &str, day: i8, station: &str, loss: i64, solved: bool) -> StatCase {
        let d: jiff::civil::Date = format!("{month}-{day:02}").parse().expect("date");
        let ms = d.to_zoned(domain::time::china()).expect("zoned").timestamp().as_millisecond();
        StatCase {
            reported_at: ms,
            station: station.into(),
            jurisdiction: "村".into(),
            path: "/1/2/".into(),
            fraud_type: "investment".into(),
            age_band: String::new(),
            contact_channel: String::new(),
            loss_fen: loss,
            recovered_fen: loss / 10,
            solved,
            arrested: u64::from(solved),
        }
    }

    #[test]
    fn month_on_month_and_year_on_year() {
        let rows = vec![
            case("2026-10", 1, "A", 100, true),
            case("2026-10", 31, "A", 300, false),
            case("2026-09", 30, "B", 100, false),
            case("2025-10", 5, "A", 50, false),
            // Outside the 24 months: ignored.
            case("2024-10", 5, "A", 50, false),
        ];
        let s = month_stats(&rows, "2026-10").expect("stats");
        assert_eq!((s.cases, s.loss_fen), (2, 400));
        assert_eq!(s.mom_cases_pct, Some(100.0));
        assert_eq!(s.yoy_loss_pct, Some(700.0));
        assert_eq!(s.series.len(), 24);
        assert_eq!(s.series.iter().map(|p| p.cases).sum::<u64>(), 4);
        let a = s.four_ups.iter().find(|f| f.station == "A").expect("A");
        assert_eq!(a.solved, [1, 0]);
        assert_eq!(a.solve_rate_pct, [50.0, 0.0]);
        assert_eq!(a.arrested, [1, 0]);
        assert!(a.all_up, "arrests, solved, rate and recoveries all up");
        assert_eq!(s.by_age_band.get("unknown"), Some(&2));
    }

    proptest! {
        /// Summaries of adjacent periods add up to the summary of their union.
        #[test]
        fn periods_add_up(days in proptest::collection::vec((1i8..=28, 0i64..1_000_000), 0..40)) {
            let rows: Vec<StatCase> = days.iter().map(|(d, l)| case("2026-03", *d, if d % 2 == 0 { "A" } else { "B" }, *l, d % 3 == 0)).collect();
            let h1 = domain::time::HalfMonth::parse("2026-03-1").and_then(|h| h.bounds()).expect("h1");
            let h2 = domain::time::HalfMonth::parse("2026-03-2").and_then(|h| h.bounds()).expect("h2");
            let (a, b, all) = (summarize(&rows, h1.0, h1.1), summarize(&rows, h2.0, h2.1), summarize(&rows, h1.0, h2.1));
            prop_assert_eq!(a.cases + b.cases, all.cases);
            prop_assert_eq!(a.loss_fen + b.loss_fen, all.loss_fen);
            prop_assert_eq!(all.cases as usize, rows.len());
            let m = month_stats(&rows, "2026-03").expect("stats");
            prop_assert_eq!(m.cases, all.cases);
            prop_assert_eq!(m.loss_fen, all.loss_fen);
        }
    }
}
