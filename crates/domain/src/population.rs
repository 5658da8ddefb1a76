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

/// The population of every node of a subtree: its own figure when it has one in force, else the
/// sum of its children's (a town without a figure of its own counts its villages). `nodes` are
/// `(id, parent id, figure in force)`; parents outside the list are ignored.
pub fn rolled_up(nodes: &[(i64, Option<i64>, Option<i64>)]) -> std::collections::HashMap<i64, i64> {
    use std::collections::HashMap;
    let own: HashMap<i64, Option<i64>> = nodes.iter().map(|(id, _, f)| (*id, *f)).collect();
    let mut children: HashMap<i64, Vec<i64>> = HashMap::new();
    for (id, parent, _) in nodes {
        if let Some(p) = parent.filter(|p| own.contains_key(p)) {
            children.entry(p).or_default().push(*id);
        }
    }
    // Post-order without recursion: the tree can be deep enough that recursion is a risk.
    let mut out: HashMap<i64, i64> = HashMap::new();
    let roots: Vec<i64> =
        nodes.iter().filter(|(_, p, _)| p.is_none_or(|p| !own.contains_key(&p))).map(|(id, _, _)| *id).collect();
    for root in roots {
        let mut stack = vec![(root, false)];
        while let Some((id, done)) = stack.pop() {
            if done {
                let sum: i64 =
                    children.get(&id).map_or(0, |c| c.iter().map(|k| out.get(k).copied().unwrap_or(0)).sum());
                out.insert(id, own.get(&id).copied().flatten().unwrap_or(sum));
            } else {
                stack.push((id, true));
                for c in children.get(&id).into_iter().flatten() {
                    stack.push((*c, false));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    proptest! {
        /// With figures on the leaves only, every node counts the leaves under it; a node's own
        /// figure wins over its children's sum.
        #[test]
        fn roll_up_sums_leaves(leaves in proptest::collection::vec(0i64..100_000, 1..20), town_figure in proptest::option::of(0i64..1_000_000)) {
            // county 1 → towns 2, 3 → villages 10.. alternating between the towns.
            let mut nodes = vec![(1, None, None), (2, Some(1), town_figure), (3, Some(1), None)];
            for (k, n) in leaves.iter().enumerate() {
                nodes.push((10 + k as i64, Some(if k % 2 == 0 { 2 } else { 3 }), Some(*n)));
            }
            let r = rolled_up(&nodes);
            let under = |t: usize| leaves.iter().enumerate().filter(|(k, _)| k % 2 == t).map(|(_, n)| n).sum::<i64>();
            prop_assert_eq!(r[&3], under(1));
            prop_assert_eq!(r[&2], town_figure.unwrap_or(under(0)));
            prop_assert_eq!(r[&1], r[&2] + r[&3]);
        }
    }

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
