//! Resident population kept as dated figures, so each period uses its own denominator.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// The resident population of one jurisdiction as of a date (常住人口).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PopulationFigure {
    /// The day from which the figure holds.
    pub as_of: Date,
    /// Number of residents.
    pub residents: i64,
}

/// The figure in force for a period that ends on `period_end` (inclusive): the latest figure
/// dated on or before that day. A ranking for March thus uses the figure published for March
/// (or the last one before it), never April's.
pub fn in_force(figures: &[PopulationFigure], period_end: Date) -> Option<PopulationFigure> {
    figures.iter().filter(|f| f.as_of <= period_end).max_by_key(|f| f.as_of).copied()
}

/// Cases per 10,000 residents (万人发案数), `None` when the population is unknown or zero.
pub fn per_10k(cases: i64, residents: i64) -> Option<f64> {
    (residents > 0).then(|| cases as f64 * 10_000.0 / residents as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    #[test]
    fn march_uses_march() {
        let figs = [
            PopulationFigure { as_of: date(2026, 1, 1), residents: 1000 },
            PopulationFigure { as_of: date(2026, 3, 1), residents: 1200 },
            PopulationFigure { as_of: date(2026, 4, 1), residents: 5000 },
        ];
        assert_eq!(in_force(&figs, date(2026, 3, 31)).map(|f| f.residents), Some(1200));
        assert_eq!(in_force(&figs, date(2026, 2, 28)).map(|f| f.residents), Some(1000));
        assert_eq!(in_force(&figs, date(2025, 12, 31)), None);
        assert_eq!(per_10k(3, 30_000), Some(1.0));
        assert_eq!(per_10k(3, 0), None);
    }

    proptest! {
        /// The figure in force is never dated after the period, and no later-dated figure
        /// that is still inside the period was skipped.
        #[test]
        fn in_force_is_latest_not_after(days in proptest::collection::vec(0i32..1000, 1..20), end in 0i32..1000) {
            let base = date(2024, 1, 1);
            let figs: Vec<_> = days.iter().enumerate().map(|(i, d)| PopulationFigure {
                as_of: base.checked_add(jiff::Span::new().days(*d)).expect("date"), residents: i as i64 }).collect();
            let end_d = base.checked_add(jiff::Span::new().days(end)).expect("date");
            match in_force(&figs, end_d) {
                Some(f) => {
                    prop_assert!(f.as_of <= end_d);
                    prop_assert!(figs.iter().all(|g| g.as_of > end_d || g.as_of <= f.as_of));
                }
                None => prop_assert!(figs.iter().all(|g| g.as_of > end_d)),
            }
        }
    }
}
