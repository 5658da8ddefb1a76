//! The rest of the supervision ladder: villages named in the monthly notice and listed for
//! rectification (挂牌整治), the full trace-back of large cases (全环节倒查), and the annual
//! evaluation (同比考核).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Settings of the ladder (`[ladder]` in the config file), with their own version: a notice
/// records the version it was issued under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LadderRules {
    /// Version people cite; change it with the numbers.
    pub version: String,
    /// Villages/communities named in each monthly notice (the top N by cases).
    pub notice_top_n: usize,
    /// Named this many times (within the look-back) → listed for rectification.
    pub rectify_after: usize,
    /// Months looked back for the count.
    pub lookback_months: usize,
    /// Days a listed unit has to rectify.
    pub rectify_days: i64,
    /// Loss from which a case needs a full trace-back review, fen (500,000 yuan).
    pub traceback_from_fen: i64,
}

impl LadderRules {
    /// Checks the settings.
    pub fn validate(&self) -> Result<(), String> {
        if self.notice_top_n == 0
            || self.rectify_after == 0
            || self.lookback_months == 0
            || self.rectify_days < 1
            || self.traceback_from_fen < 1
        {
            return Err(
                "notice_top_n, rectify_after, lookback_months, rectify_days and traceback_from_fen must be at least 1"
                    .into(),
            );
        }
        Ok(())
    }
}

impl Default for LadderRules {
    fn default() -> Self {
        Self {
            version: "2026.1".into(),
            notice_top_n: 5,
            rectify_after: 3,
            lookback_months: 12,
            rectify_days: 30,
            traceback_from_fen: 50_000_000,
        }
    }
}

/// The villages named in one month's notice: the top N by case count (ties by loss, then
/// key), only those with cases. The key is whatever names a village uniquely (its id).
pub fn named_in_notice<K: Ord + Clone>(cases_by_village: &BTreeMap<K, (u32, i64)>, n: usize) -> Vec<K> {
    let mut v: Vec<(&K, &(u32, i64))> = cases_by_village.iter().filter(|(_, (c, _))| *c > 0).collect();
    v.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(b.1.1.cmp(&a.1.1)).then(a.0.cmp(b.0)));
    v.into_iter().take(n).map(|(k, _)| k.clone()).collect()
}

/// Villages named at least `rectify_after` times in the notices given (month → named).
pub fn listed_for_rectification<K: Ord + Clone>(
    notices: &BTreeMap<String, Vec<K>>,
    rules: &LadderRules,
) -> Vec<(K, usize)> {
    let mut count: BTreeMap<&K, usize> = BTreeMap::new();
    for named in notices.values().rev().take(rules.lookback_months) {
        for v in named {
            *count.entry(v).or_default() += 1;
        }
    }
    let mut out: Vec<(K, usize)> =
        count.into_iter().filter(|(_, c)| *c >= rules.rectify_after).map(|(k, c)| (k.clone(), c)).collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    out
}

/// One station's year against the year before.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// Station.
    pub station: String,
    /// Cases this year / last year.
    pub cases: (u32, u32),
    /// Loss this year / last year, fen.
    pub loss_fen: (i64, i64),
    /// Cases per 10,000 residents this year.
    pub per_10k: f64,
    /// Case count up year on year.
    pub cases_up: bool,
    /// Loss up year on year.
    pub loss_up: bool,
    /// Highest per-10k rate of the county.
    pub highest_rate: bool,
    /// Eligible for the year's award (none of the three).
    pub award_eligible: bool,
}

/// The annual evaluation: count or loss up year on year, or the highest per-10k rate → no
/// award. `this`/`last`: station → (cases, loss fen); `residents`: station → population.
pub fn evaluate(
    this: &BTreeMap<String, (u32, i64)>,
    last: &BTreeMap<String, (u32, i64)>,
    residents: &BTreeMap<String, i64>,
) -> Vec<Evaluation> {
    let stations: std::collections::BTreeSet<&String> =
        this.keys().chain(last.keys()).chain(residents.keys()).collect();
    let rate = |s: &str| -> (u32, i64) {
        (this.get(s).map(|x| x.0).unwrap_or(0), residents.get(s).copied().unwrap_or(1).max(1))
    };
    // The highest rate by exact comparison of fractions; ties all count as highest.
    let best = stations
        .iter()
        .map(|s| rate(s))
        .filter(|(c, _)| *c > 0)
        .max_by(|a, b| (i128::from(a.0) * i128::from(b.1)).cmp(&(i128::from(b.0) * i128::from(a.1))));
    stations
        .into_iter()
        .map(|s| {
            let t = this.get(s).copied().unwrap_or((0, 0));
            let l = last.get(s).copied().unwrap_or((0, 0));
            let (c, r) = rate(s);
            let highest_rate =
                best.is_some_and(|(bc, br)| c > 0 && i128::from(c) * i128::from(br) == i128::from(bc) * i128::from(r));
            let cases_up = t.0 > l.0;
            let loss_up = t.1 > l.1;
            Evaluation {
                station: s.clone(),
                cases: (t.0, l.0),
                loss_fen: (t.1, l.1),
                per_10k: (f64::from(c) * 10_000.0 / r as f64 * 10_000.0).round() / 10_000.0,
                cases_up,
                loss_up,
                highest_rate,
                award_eligible: !(cases_up || loss_up || highest_rate),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(v: &[(&str, u32, i64)]) -> BTreeMap<String, (u32, i64)> {
        v.iter().map(|(k, c, l)| (k.to_string(), (*c, *l))).collect()
    }

    #[test]
    fn notices_and_rectification() {
        let named = named_in_notice(&m(&[("甲村", 3, 10), ("乙村", 3, 20), ("丙村", 1, 5), ("丁村", 0, 0)]), 2);
        assert_eq!(named, ["乙村", "甲村"], "ties broken by loss");
        let mut notices = BTreeMap::new();
        for (month, v) in [
            ("2026-01", vec!["甲村", "乙村"]),
            ("2026-02", vec!["甲村"]),
            ("2026-03", vec!["甲村", "丙村"]),
            ("2026-04", vec!["乙村"]),
        ] {
            notices.insert(month.to_string(), v.into_iter().map(str::to_string).collect());
        }
        assert_eq!(listed_for_rectification(&notices, &LadderRules::default()), vec![("甲村".to_string(), 3)]);
    }

    #[test]
    fn award_is_lost_by_any_of_three() {
        let res: BTreeMap<String, i64> =
            [("A", 10_000), ("B", 10_000), ("C", 1_000)].iter().map(|(k, v)| (k.to_string(), *v)).collect();
        let e = evaluate(
            &m(&[("A", 5, 100), ("B", 3, 500), ("C", 2, 10)]),
            &m(&[("A", 6, 200), ("B", 3, 400), ("C", 3, 20)]),
            &res,
        );
        let by = |s: &str| e.iter().find(|x| x.station == s).cloned().expect("station");
        assert!(by("A").award_eligible, "fewer cases, less loss, not the highest rate");
        assert!(by("B").loss_up && !by("B").award_eligible);
        assert!(by("C").highest_rate && !by("C").award_eligible, "20 per 10k is the highest");
    }
}
