//! The monthly ranking of police stations and the interviews it triggers.
//!
//! Rules (plans 篇六/篇十, 通报约谈): every month the stations are ranked on case count, loss and
//! cases per 10,000 residents; rank 1 is the highest (worst) value. Equal values share a rank
//! and the next rank skips (competition ranking, "1224"), so ties are ranked the same way every
//! time. A station "at the top" in a month holds rank 1 on the indicators the rule names (by
//! default all three) with a non-zero case count. Top two months running → interview of the
//! deputy chief (约谈分管所长); three or more → interview of the chief (约谈所长). A month without
//! a top position breaks the run. Per-10k uses the population in force in that month.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// One case as the ranking needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRow {
    /// Case id.
    pub case_id: String,
    /// Police station (code or name, as in the population table).
    pub station: String,
    /// Calendar month in China time, `YYYY-MM`.
    pub month: String,
    /// Loss in fen.
    pub loss_fen: i64,
}

/// Which top positions count for the escalation ladder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TopOn {
    /// Rank 1 on all three indicators (the plans' wording: 三项指标…处于最高位).
    All,
    /// Rank 1 on any of them.
    Any,
}

/// The versioned rules of the ranking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RankingRules {
    /// Version, stored with every result.
    pub version: String,
    /// Which top positions count.
    pub top_on: TopOn,
    /// Months running at the top that bring the deputy chief's interview.
    pub deputy_after: u32,
    /// Months running that bring the chief's interview.
    pub chief_after: u32,
}

impl Default for RankingRules {
    fn default() -> Self {
        Self { version: "2026.11-1".into(), top_on: TopOn::All, deputy_after: 2, chief_after: 3 }
    }
}

/// One station in one month's ranking.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct StationRank {
    /// Station.
    pub station: String,
    /// 发案数.
    pub cases: u32,
    /// 经济损失数, fen.
    #[serde(skip)]
    pub loss_fen: i64,
    /// 经济损失数, yuan.
    pub loss_yuan: f64,
    /// 万人发案数.
    pub per_10k: f64,
    /// Rank on cases (1 = most).
    pub rank_cases: u32,
    /// Rank on loss.
    pub rank_loss: u32,
    /// Rank on cases per 10,000 residents.
    pub rank_per_10k: u32,
    /// Residents used for per-10k (the population in force in that month).
    pub residents: i64,
}

/// One month's ranking.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthRanking {
    /// `YYYY-MM`.
    pub month: String,
    /// Stations, by rank on cases, then station.
    pub ranking: Vec<StationRank>,
}

/// What a run at the top brings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// 约谈分管所长.
    InterviewDeputy,
    /// 约谈所长.
    InterviewChief,
}

impl Action {
    /// Both interviews, the lighter first.
    pub const ALL: [Action; 2] = [Action::InterviewDeputy, Action::InterviewChief];

    /// The API name.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::InterviewDeputy => "interview_deputy",
            Action::InterviewChief => "interview_chief",
        }
    }

    /// The name people read.
    pub fn zh(self) -> &'static str {
        match self {
            Action::InterviewDeputy => "约谈分管所长",
            Action::InterviewChief => "约谈所长",
        }
    }
}

/// An interview due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Escalation {
    /// Station.
    pub station: String,
    /// The month that completed the run.
    pub month: String,
    /// The interview.
    pub action: Action,
    /// Months running at the top.
    #[serde(skip)]
    pub months_running: u32,
}

/// The whole result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ranking {
    /// Every calendar month from the first to the last with a case.
    pub months: Vec<MonthRanking>,
    /// Interviews due, in month order.
    pub escalations: Vec<Escalation>,
}

/// Cases per 10,000 residents as an exact fraction for comparing.
fn cmp_rate(a: &StationRank, b: &StationRank) -> Ordering {
    // a.cases / a.res vs b.cases / b.res, with residents > 0.
    (i128::from(a.cases) * i128::from(b.residents)).cmp(&(i128::from(b.cases) * i128::from(a.residents)))
}

/// Competition ranking, highest first: equal values share the rank, the next one skips.
fn rank_by(
    rows: &mut [StationRank],
    cmp: impl Fn(&StationRank, &StationRank) -> Ordering,
    set: impl Fn(&mut StationRank, u32),
) {
    let mut idx: Vec<usize> = (0..rows.len()).collect();
    idx.sort_by(|&i, &j| cmp(&rows[j], &rows[i]).then_with(|| rows[i].station.cmp(&rows[j].station)));
    let mut rank = 0u32;
    for (pos, &i) in idx.iter().enumerate() {
        if pos == 0 || cmp(&rows[idx[pos - 1]], &rows[i]) != Ordering::Equal {
            rank = pos as u32 + 1;
        }
        set(&mut rows[i], rank);
    }
}

/// The month `delta` months after `m` (before, when negative); `None` when `m` is not `YYYY-MM`
/// or the result leaves [`domain::time::YEARS`].
pub fn shift_month(m: &str, delta: i32) -> Option<String> {
    let (y, mo) = domain::time::parse_month(m)?;
    let k = (y * 12 + (mo - 1)).checked_add(delta)?;
    let y = k.div_euclid(12);
    domain::time::YEARS.contains(&y).then(|| format!("{:04}-{:02}", y, k.rem_euclid(12) + 1))
}

/// The months from `first` to `last`, inclusive (`YYYY-MM`).
pub fn month_range(first: &str, last: &str) -> Vec<String> {
    let (Some((mut y, mut m)), Some((ly, lm))) = (domain::time::parse_month(first), domain::time::parse_month(last))
    else {
        return vec![];
    };
    let mut out = Vec::new();
    while (y, m) <= (ly, lm) {
        out.push(format!("{y:04}-{m:02}"));
        m += 1;
        if m > 12 {
            m = 1;
            y += 1;
        }
    }
    out
}

/// Ranks every month. `stations` are all stations of the county (a station without cases still
/// takes part); `residents(station, month)` is the population in force in that month.
pub fn rank(
    cases: &[CaseRow],
    stations: &[String],
    residents: &dyn Fn(&str, &str) -> i64,
    rules: &RankingRules,
) -> Ranking {
    let mut per: BTreeMap<(&str, &str), (u32, i64)> = BTreeMap::new();
    for c in cases {
        let e = per.entry((c.month.as_str(), c.station.as_str())).or_default();
        e.0 += 1;
        e.1 += c.loss_fen;
    }
    let all: BTreeSet<&str> =
        stations.iter().map(String::as_str).chain(cases.iter().map(|c| c.station.as_str())).collect();
    let (Some(first), Some(last)) =
        (cases.iter().map(|c| c.month.as_str()).min(), cases.iter().map(|c| c.month.as_str()).max())
    else {
        return Ranking { months: vec![], escalations: vec![] };
    };
    let mut months = Vec::new();
    for month in month_range(first, last) {
        let mut rows: Vec<StationRank> = all
            .iter()
            .map(|s| {
                let (n, loss) = per.get(&(month.as_str(), *s)).copied().unwrap_or((0, 0));
                let res = residents(s, &month).max(1);
                StationRank {
                    station: s.to_string(),
                    cases: n,
                    loss_fen: loss,
                    loss_yuan: crate::money::fen_to_yuan(loss),
                    per_10k: (f64::from(n) * 10_000.0 / res as f64 * 10_000.0).round() / 10_000.0,
                    rank_cases: 0,
                    rank_loss: 0,
                    rank_per_10k: 0,
                    residents: res,
                }
            })
            .collect();
        rank_by(&mut rows, |a, b| a.cases.cmp(&b.cases), |r, k| r.rank_cases = k);
        rank_by(&mut rows, |a, b| a.loss_fen.cmp(&b.loss_fen), |r, k| r.rank_loss = k);
        rank_by(&mut rows, cmp_rate, |r, k| r.rank_per_10k = k);
        rows.sort_by(|a, b| a.rank_cases.cmp(&b.rank_cases).then_with(|| a.station.cmp(&b.station)));
        months.push(MonthRanking { month, ranking: rows });
    }
    let escalations = escalate(&months, rules);
    Ranking { months, escalations }
}

/// Whether a station is at the top of a month under the rules.
pub fn at_top(r: &StationRank, rules: &RankingRules) -> bool {
    if r.cases == 0 {
        return false;
    }
    let tops = [r.rank_cases == 1, r.rank_loss == 1, r.rank_per_10k == 1];
    match rules.top_on {
        TopOn::All => tops.iter().all(|x| *x),
        TopOn::Any => tops.iter().any(|x| *x),
    }
}

/// The escalation ladder over consecutive months.
pub fn escalate(months: &[MonthRanking], rules: &RankingRules) -> Vec<Escalation> {
    let mut run: BTreeMap<&str, u32> = BTreeMap::new();
    let mut out = Vec::new();
    for m in months {
        let mut next: BTreeMap<&str, u32> = BTreeMap::new();
        for r in &m.ranking {
            if at_top(r, rules) {
                let k = run.get(r.station.as_str()).copied().unwrap_or(0) + 1;
                next.insert(r.station.as_str(), k);
                let action = if k >= rules.chief_after {
                    Some(Action::InterviewChief)
                } else if k >= rules.deputy_after {
                    Some(Action::InterviewDeputy)
                } else {
                    None
                };
                if let Some(action) = action {
                    out.push(Escalation {
                        station: r.station.clone(),
                        month: m.month.clone(),
                        action,
                        months_running: k,
                    });
                }
            }
        }
        run = next;
    }
    out
}

/// The calendar month in China time of an RFC 3339 instant with offset.
pub fn china_month(rfc3339: &str) -> Option<String> {
    let ts: jiff::Timestamp = rfc3339.trim().parse().ok()?;
    domain::time::china_month(ts.as_millisecond())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn case(station: &str, month: &str, loss_fen: i64) -> CaseRow {
        CaseRow {
            case_id: format!("{station}{month}{loss_fen}"),
            station: station.into(),
            month: month.into(),
            loss_fen,
        }
    }

    fn stations() -> Vec<String> {
        ["A", "B", "C"].iter().map(|s| s.to_string()).collect()
    }

    fn escalations(cases: &[CaseRow]) -> Vec<(String, String, Action)> {
        rank(cases, &stations(), &|_, _| 10_000, &RankingRules::default())
            .escalations
            .into_iter()
            .map(|e| (e.station, e.month, e.action))
            .collect()
    }

    #[test]
    fn two_months_at_the_top_bring_the_deputy_three_the_chief() {
        let mut cs = Vec::new();
        for m in ["2026-01", "2026-02", "2026-03", "2026-04"] {
            cs.push(case("A", m, 500_000));
            cs.push(case("A", m, 500_000));
            cs.push(case("B", m, 100_000));
        }
        let e = escalations(&cs);
        assert_eq!(
            e,
            vec![
                ("A".into(), "2026-02".into(), Action::InterviewDeputy),
                ("A".into(), "2026-03".into(), Action::InterviewChief),
                ("A".into(), "2026-04".into(), Action::InterviewChief)
            ]
        );
    }

    #[test]
    fn a_month_off_the_top_breaks_the_run() {
        let cs = vec![
            case("A", "2026-01", 9),
            case("A", "2026-01", 9),
            case("B", "2026-02", 9),
            case("B", "2026-02", 9),
            case("A", "2026-03", 9),
            case("A", "2026-03", 9),
        ];
        assert!(escalations(&cs).is_empty());
        // A month without any case in between also breaks it.
        let cs = vec![case("A", "2026-01", 9), case("A", "2026-03", 9)];
        assert!(escalations(&cs).is_empty());
    }

    #[test]
    fn per_10k_uses_the_population_of_that_month() {
        // B has fewer residents in February only: it tops per-10k in February, not January.
        let cs = vec![
            case("A", "2026-01", 1),
            case("A", "2026-01", 1),
            case("B", "2026-01", 1),
            case("A", "2026-02", 1),
            case("A", "2026-02", 1),
            case("B", "2026-02", 1),
        ];
        let res = |s: &str, m: &str| if s == "B" && m == "2026-02" { 1_000 } else { 10_000 };
        let r = rank(&cs, &stations(), &res, &RankingRules::default());
        let b = |mi: usize| r.months[mi].ranking.iter().find(|x| x.station == "B").cloned().expect("B");
        assert_eq!((b(0).rank_per_10k, b(1).rank_per_10k), (2, 1));
        assert_eq!(b(1).per_10k, 10.0);
    }

    #[test]
    fn ties_share_a_rank_and_the_next_skips() {
        let cs = vec![case("A", "2026-01", 5), case("B", "2026-01", 5)];
        let r = rank(&cs, &stations(), &|_, _| 10_000, &RankingRules::default());
        let ranks: Vec<(String, u32)> = r.months[0].ranking.iter().map(|x| (x.station.clone(), x.rank_cases)).collect();
        assert_eq!(ranks, vec![("A".into(), 1), ("B".into(), 1), ("C".into(), 3)]);
    }

    #[test]
    fn months_shift_across_years() {
        assert_eq!(shift_month("2026-02", -11).as_deref(), Some("2025-03"));
        assert_eq!(shift_month("2026-12", 1).as_deref(), Some("2027-01"));
        assert_eq!(shift_month("2026-13", 0), None);
        assert_eq!(shift_month("1970-01", -1), None, "before the years read");
        assert_eq!(shift_month("2026-01", i32::MIN), None);
        assert_eq!(shift_month("0001-01", 0), None);
        assert_eq!(month_range("2025-11", "2026-02"), ["2025-11", "2025-12", "2026-01", "2026-02"]);
    }

    #[test]
    fn china_months() {
        assert_eq!(china_month("2026-01-31T16:30:00Z").as_deref(), Some("2026-02"), "00:30 on 1 February in China");
        assert_eq!(china_month("2026-01-31T23:59:00+08:00").as_deref(), Some("2026-01"));
        assert_eq!(china_month("2026-01-31"), None);
    }

    proptest! {
        /// Ranks do not depend on the order of the input, ties always share a rank, and a
        /// higher value never ranks below a lower one.
        #[test]
        fn ranks_are_consistent(raw in proptest::collection::vec((0usize..5, 0u8..3, 0i64..5), 1..60), perm_seed in any::<u64>()) {
            let names = ["A", "B", "C", "D", "E"];
            let cs: Vec<CaseRow> = raw.iter().map(|(s, m, l)| case(names[*s], ["2026-01", "2026-02", "2026-03"][*m as usize], l * 100)).collect();
            let mut shuffled = cs.clone();
            let n = shuffled.len();
            for i in 0..n { shuffled.swap(i, (perm_seed as usize).wrapping_add(i * 7919) % n); }
            let all: Vec<String> = names.iter().map(|s| s.to_string()).collect();
            let res = |s: &str, _: &str| 1_000 + 1_000 * (s.as_bytes()[0] - b'A') as i64;
            let a = rank(&cs, &all, &res, &RankingRules::default());
            let b = rank(&shuffled, &all, &res, &RankingRules::default());
            prop_assert_eq!(&a, &b);
            for m in &a.months {
                for x in &m.ranking {
                    for y in &m.ranking {
                        if x.cases == y.cases { prop_assert_eq!(x.rank_cases, y.rank_cases); }
                        if x.cases > y.cases { prop_assert!(x.rank_cases < y.rank_cases); }
                        if x.loss_fen > y.loss_fen { prop_assert!(x.rank_loss < y.rank_loss); }
                        if x.loss_fen == y.loss_fen { prop_assert_eq!(x.rank_loss, y.rank_loss); }
                    }
                }
            }
        }
    }
}
