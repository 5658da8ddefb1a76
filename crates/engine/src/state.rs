//! Per-account state: lifetime counters and sliding windows of recent flows.
//!
//! PERFORMANCE-CRITICAL: read on every event. No I/O, no locks, no logging here; windows are
//! bounded in time (the longest window of any ruleset) and in length (so one hot account cannot
//! take unbounded memory).

use std::collections::VecDeque;

/// The longest window a rule may use: 30 days.
pub const MAX_WINDOW_S: i64 = 30 * 86_400;
/// At most this many flows per direction are kept per account; older ones are dropped first.
pub const MAX_FLOWS: usize = 2_048;

/// One transfer as seen from one account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flow {
    /// When.
    pub ts_ms: i64,
    /// How much, fen.
    pub amount_fen: i64,
    /// The account on the other side.
    pub counterparty: u32,
    /// The first transfer ever between these two accounts in this direction.
    pub new_pair: bool,
    /// The account on the other side had never transferred before this one (a fresh
    /// account's first move is what a laundering structure's members are made of).
    pub fresh: bool,
}

/// What the engine remembers of one account.
#[derive(Debug, Clone, Default)]
pub struct AccountState {
    /// First time it was seen in a transfer, or when it was opened.
    pub first_seen_ms: Option<i64>,
    /// `first_seen_ms` is the opening, announced by the bank (not only what the engine saw).
    pub opening_known: bool,
    /// Last transfer in or out.
    pub last_active_ms: Option<i64>,
    /// Transfers out, ever.
    pub out_n: u32,
    /// Transfers in, ever.
    pub in_n: u32,
    /// Amount out, ever (for the mean).
    pub out_sum_fen: i64,
    /// Recent outgoing flows, oldest first.
    pub outs: VecDeque<Flow>,
    /// Recent incoming flows, oldest first.
    pub ins: VecDeque<Flow>,
    /// Reactivated after dormancy by an account event.
    pub reactivated_ms: Option<i64>,
    /// Last outgoing transfer.
    pub last_out_ms: Option<i64>,
    /// Gap between the last two outgoing transfers (the account's rhythm).
    pub prev_out_gap_ms: Option<i64>,
    /// Last incoming transfer.
    pub last_in_ms: Option<i64>,
    /// Gap between the last two incoming transfers.
    pub prev_in_gap_ms: Option<i64>,
}

/// Summary of one direction's flows within a window.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct WindowAgg {
    /// Transfers.
    pub count: u32,
    /// Amount, fen.
    pub sum_fen: i64,
    /// Distinct counterparties.
    pub distinct: u32,
    /// Transfers that opened a new relationship (first between the two accounts).
    pub new_pairs: u32,
    /// Transfers whose counterparty had never transferred before.
    pub fresh: u32,
}

impl AccountState {
    /// Drops flows older than the longest window.
    pub fn evict(&mut self, now_ms: i64) {
        let cutoff = now_ms - MAX_WINDOW_S * 1000;
        while self.outs.front().is_some_and(|f| f.ts_ms < cutoff) {
            self.outs.pop_front();
        }
        while self.ins.front().is_some_and(|f| f.ts_ms < cutoff) {
            self.ins.pop_front();
        }
    }

    /// Records an outgoing transfer.
    pub fn push_out(&mut self, f: Flow) {
        self.touch(f.ts_ms);
        if let Some(l) = self.last_out_ms {
            self.prev_out_gap_ms = Some(f.ts_ms - l);
        }
        self.last_out_ms = Some(f.ts_ms);
        self.out_n += 1;
        self.out_sum_fen = self.out_sum_fen.saturating_add(f.amount_fen);
        if self.outs.len() == MAX_FLOWS {
            self.outs.pop_front();
        }
        self.outs.push_back(f);
    }

    /// Records an incoming transfer.
    pub fn push_in(&mut self, f: Flow) {
        self.touch(f.ts_ms);
        if let Some(l) = self.last_in_ms {
            self.prev_in_gap_ms = Some(f.ts_ms - l);
        }
        self.last_in_ms = Some(f.ts_ms);
        self.in_n += 1;
        if self.ins.len() == MAX_FLOWS {
            self.ins.pop_front();
        }
        self.ins.push_back(f);
    }

    fn touch(&mut self, ts: i64) {
        if self.first_seen_ms.is_none() {
            self.first_seen_ms = Some(ts);
        }
        self.last_active_ms = Some(self.last_active_ms.map_or(ts, |l| l.max(ts)));
    }

    /// Never transferred yet.
    pub fn is_fresh(&self) -> bool {
        self.out_n == 0 && self.in_n == 0
    }

    /// Mean outgoing amount, fen.
    pub fn mean_out_fen(&self) -> Option<f64> {
        (self.out_n > 0).then(|| self.out_sum_fen as f64 / f64::from(self.out_n))
    }
}

/// Aggregates the flows within `window_s` before `now_ms` (inclusive of `now_ms`), optionally
/// counting one more flow to `extra` (the transfer being decided).
pub fn aggregate(flows: &VecDeque<Flow>, now_ms: i64, window_s: i64, extra: Option<(i64, u32)>) -> WindowAgg {
    let from = now_ms - window_s * 1000;
    let mut agg = WindowAgg::default();
    // Counterparties seen so far: a stack array covers almost every account; only busy
    // accounts spill into a heap vector, so the common case allocates nothing.
    let mut small = [0u32; 32];
    let mut big: Vec<u32> = Vec::new();
    let mut add = |amount: i64, cp: u32, agg: &mut WindowAgg| {
        agg.count += 1;
        agg.sum_fen = agg.sum_fen.saturating_add(amount);
        let n = agg.distinct as usize;
        let known = if n <= small.len() { small[..n].contains(&cp) } else { small.contains(&cp) || big.contains(&cp) };
        if !known {
            if n < small.len() {
                small[n] = cp;
            } else {
                big.push(cp);
            }
            agg.distinct += 1;
        }
    };
    for f in flows.iter().rev() {
        if f.ts_ms < from {
            break;
        }
        if f.ts_ms <= now_ms {
            add(f.amount_fen, f.counterparty, &mut agg);
            agg.new_pairs += u32::from(f.new_pair);
            agg.fresh += u32::from(f.fresh);
        }
    }
    if let Some((amount, cp)) = extra {
        add(amount, cp, &mut agg);
    }
    agg
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn many_counterparties_spill_correctly() {
        let mut st = AccountState::default();
        for i in 0..200u32 {
            st.push_in(Flow {
                ts_ms: i64::from(i) * 1000,
                amount_fen: 1,
                counterparty: i % 75,
                new_pair: i < 75,
                fresh: false,
            });
        }
        let agg = aggregate(&st.ins, 200_000, 1_000, Some((1, 74)));
        assert_eq!((agg.count, agg.distinct, agg.new_pairs), (201, 75, 75));
        let agg = aggregate(&st.ins, 200_000, 1_000, Some((1, 999)));
        assert_eq!(agg.distinct, 76);
    }

    proptest! {
        /// A window holds exactly the flows with from <= ts <= now: none inside is forgotten,
        /// none outside is kept, whatever the eviction did before.
        #[test]
        fn window_is_exact(ts in proptest::collection::vec(0i64..(40 * 86_400), 1..200), now_off in 0i64..(40 * 86_400), window in 1i64..MAX_WINDOW_S) {
            let mut ts = ts;
            ts.sort();
            let mut st = AccountState::default();
            for (i, t) in ts.iter().enumerate() {
                st.push_out(Flow { ts_ms: t * 1000, amount_fen: 100, counterparty: i as u32 % 7, new_pair: false, fresh: false });
            }
            let now = now_off.max(*ts.last().unwrap_or(&0)) * 1000;
            st.evict(now);
            let agg = aggregate(&st.outs, now, window, None);
            let expected: Vec<_> = ts.iter().enumerate().filter(|(_, t)| **t * 1000 >= now - window * 1000 && **t * 1000 <= now).collect();
            prop_assert_eq!(agg.count as usize, expected.len());
            prop_assert_eq!(agg.sum_fen, 100 * expected.len() as i64);
            let distinct: std::collections::HashSet<_> = expected.iter().map(|(i, _)| *i as u32 % 7).collect();
            prop_assert_eq!(agg.distinct as usize, distinct.len());
        }
    }
}
