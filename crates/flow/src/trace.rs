//! Following money forward from an account (追踪资金流向).
//!
//! One pass over the transfers in time order from the start: an account is *reached* when
//! traced money first arrives; from then on its incoming money is kept as lots and each
//! outgoing transfer is attributed to those lots, first in first out or in proportion to the
//! traced share of the balance. Money never appears or vanishes: what an account passes on is
//! at most what reached it before. A transfer that leaves the traceable system (cash-out,
//! third-party payment, unknown bank) ends its branch. Because every transfer is looked at
//! once, a cycle of accounts cannot make the trace loop.
//!
//! Convention: lots are kept from the moment an account is reached; money it held before is
//! not known and is assumed to leave after the traced money (the investigators' reading, which
//! errs towards finding the money).

use std::collections::VecDeque;

use crate::graph::{Stop, TransferGraph};

/// How outgoing money is attributed to the money that came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// First in, first out: an outflow takes the oldest lots first.
    Fifo,
    /// Each outflow carries the traced share of the account's balance at that moment.
    Proportional,
}

/// Settings of a trace.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct TraceParams {
    /// Hops to follow from the start account.
    pub max_hops: u32,
    /// Attribution method.
    pub method: Method,
    /// Traced amounts below this (fen) are not followed further (dust).
    pub min_fen: i64,
    /// Look no further than this after the start (ms); `None`: to the end of the data.
    pub horizon_ms: Option<i64>,
}

impl Default for TraceParams {
    fn default() -> Self {
        Self { max_hops: 6, method: Method::Fifo, min_fen: 100, horizon_ms: Some(30 * 86_400_000) }
    }
}

/// An account the money reached.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TraceNode {
    /// Account index in the graph.
    pub account: u32,
    /// Hops from the start (0 = the start account).
    pub level: u32,
    /// When traced money first arrived (ms).
    pub first_in_ms: i64,
    /// Traced money that arrived (fen).
    pub traced_in_fen: i64,
    /// Traced money that left (fen).
    pub traced_out_fen: i64,
    /// Traced money estimated to be still there (fen).
    pub held_fen: i64,
    /// Money left the system here (the node is the cash-out, the platform or the foreign bank).
    pub stop: Option<Stop>,
    /// At the hop limit: its outflows were not followed, so `held_fen` is an upper bound.
    pub frontier: bool,
}

/// A transfer that carried traced money.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TraceEdge {
    /// Transfer id.
    pub id: u64,
    /// From (account index).
    pub from: u32,
    /// To (account index).
    pub to: u32,
    /// When (ms).
    pub ts_ms: i64,
    /// The whole transfer (fen).
    pub amount_fen: i64,
    /// The traced part of it (fen).
    pub traced_fen: i64,
    /// Hop number (1 = out of the start account).
    pub hop: u32,
}

/// The result: a tree, or a graph where money merges.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Trace {
    /// Reached accounts, the start first, then in the order they were reached.
    pub nodes: Vec<TraceNode>,
    /// Transfers that carried traced money, in time order.
    pub edges: Vec<TraceEdge>,
    /// Transfers looked at.
    pub scanned: usize,
}

impl Trace {
    /// Reached accounts ranked by what they still hold: where to freeze first.
    pub fn freeze_order(&self) -> Vec<&TraceNode> {
        let mut v: Vec<&TraceNode> =
            self.nodes.iter().filter(|n| n.level > 0 && n.stop.is_none() && n.held_fen > 0).collect();
        v.sort_by(|a, b| b.held_fen.cmp(&a.held_fen).then(a.level.cmp(&b.level)).then(a.account.cmp(&b.account)));
        v
    }
}

/// Per reached account: its lots (FIFO) or its balances (proportional).
#[derive(Default)]
struct Book {
    /// (traced, untraced) lots in arrival order.
    lots: VecDeque<(i64, i64)>,
    traced: i64,
    total: i64,
}

impl Book {
    fn receive(&mut self, traced: i64, untraced: i64) {
        self.traced += traced;
        self.total += traced + untraced;
        match self.lots.back_mut() {
            // Consecutive untraced lots merge; the queue stays short for busy accounts.
            Some(last) if traced == 0 && last.0 == 0 => last.1 += untraced,
            _ => self.lots.push_back((traced, untraced)),
        }
    }

    /// Takes `amount` out; returns the traced part.
    fn pay(&mut self, amount: i64, method: Method) -> i64 {
        let out = match method {
            Method::Fifo => {
                let mut left = amount;
                let mut traced = 0;
                while left > 0 {
                    let Some(front) = self.lots.front_mut() else { break };
                    let t = front.0.min(left);
                    front.0 -= t;
                    left -= t;
                    traced += t;
                    let u = front.1.min(left);
                    front.1 -= u;
                    left -= u;
                    if front.0 == 0 && front.1 == 0 {
                        self.lots.pop_front();
                    }
                }
                traced
            }
            Method::Proportional => {
                if self.total <= 0 {
                    0
                } else {
                    let paid = amount.min(self.total);
                    // Rounded down: attribution never creates money.
                    ((i128::from(paid) * i128::from(self.traced)) / i128::from(self.total)) as i64
                }
            }
        };
        let paid = amount.min(self.total);
        self.traced -= out;
        self.total -= paid;
        out
    }
}

const NONE: u32 = u32::MAX;

/// Traces the money that left `origin` from `since_ms` on.
pub fn trace(g: &TransferGraph, origin: u32, since_ms: i64, p: &TraceParams) -> Trace {
    let mut node_of = vec![NONE; g.len()];
    let mut books: Vec<Book> = Vec::new();
    let mut out = Trace::default();
    out.nodes.push(TraceNode {
        account: origin,
        level: 0,
        first_in_ms: since_ms,
        traced_in_fen: 0,
        traced_out_fen: 0,
        held_fen: 0,
        stop: None,
        frontier: false,
    });
    books.push(Book::default());
    if let Some(slot) = node_of.get_mut(origin as usize) {
        *slot = 0;
    }
    let end_ms = p.horizon_ms.map(|h| since_ms.saturating_add(h)).unwrap_or(i64::MAX);
    let start = g.first_at(since_ms);
    for t in &g.transfers[start..] {
        if t.ts_ms > end_ms {
            break;
        }
        out.scanned += 1;
        let src = node_of.get(t.from as usize).copied().unwrap_or(NONE);
        let mut traced = 0;
        if src != NONE {
            let n = &out.nodes[src as usize];
            if n.stop.is_none() && !n.frontier {
                traced = if src == 0 {
                    // Everything the start account sends from the start time is the traced money.
                    t.amount_fen
                } else {
                    books[src as usize].pay(t.amount_fen, p.method)
                };
            }
        }
        let dst = node_of.get(t.to as usize).copied().unwrap_or(NONE);
        if traced < p.min_fen.max(1) {
            // Untraced money into a reached account joins its lots.
            if dst != NONE && dst != 0 {
                books[dst as usize].receive(0, t.amount_fen);
            }
            if traced > 0 && src != NONE {
                // Dust leaves the account but is not followed.
                out.nodes[src as usize].traced_out_fen += traced;
            }
            continue;
        }
        let hop = out.nodes[src as usize].level + 1;
        out.nodes[src as usize].traced_out_fen += traced;
        let dst = if dst == NONE {
            let i = out.nodes.len() as u32;
            out.nodes.push(TraceNode {
                account: t.to,
                level: hop,
                first_in_ms: t.ts_ms,
                traced_in_fen: 0,
                traced_out_fen: 0,
                held_fen: 0,
                stop: t.stop,
                frontier: t.stop.is_none() && hop >= p.max_hops,
            });
            books.push(Book::default());
            if let Some(slot) = node_of.get_mut(t.to as usize) {
                *slot = i;
            }
            i
        } else {
            dst
        };
        out.edges.push(TraceEdge {
            id: t.id,
            from: t.from,
            to: t.to,
            ts_ms: t.ts_ms,
            amount_fen: t.amount_fen,
            traced_fen: traced,
            hop,
        });
        if dst != 0 {
            out.nodes[dst as usize].traced_in_fen += traced;
            books[dst as usize].receive(traced, t.amount_fen - traced);
        }
    }
    for n in out.nodes.iter_mut().skip(1) {
        n.held_fen = if n.stop.is_some() { 0 } else { n.traced_in_fen - n.traced_out_fen };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::Transfer;
    use proptest::prelude::*;

    fn graph(edges: &[(u32, u32, i64, i64, Option<Stop>)], accounts: u32) -> TransferGraph {
        let mut g = TransferGraph::new();
        for i in 0..accounts {
            g.account(&format!("A{i}"), "bank");
        }
        for (k, (from, to, ts, amt, stop)) in edges.iter().enumerate() {
            g.push(Transfer { id: k as u64, ts_ms: *ts, from: *from, to: *to, amount_fen: *amt, stop: *stop });
        }
        g.finish();
        g
    }

    fn node(t: &Trace, a: u32) -> Option<&TraceNode> {
        t.nodes.iter().find(|n| n.account == a)
    }

    #[test]
    fn layers_are_followed_and_what_stays_is_held() {
        // Victim 0 → 1 (10,000) → 2 (6,000) and 3 (3,000); 1 keeps 1,000.
        let g = graph(
            &[(0, 1, 10, 10_000, None), (1, 2, 20, 6_000, None), (1, 3, 30, 3_000, None), (2, 4, 40, 6_000, None)],
            5,
        );
        let t = trace(&g, 0, 0, &TraceParams::default());
        assert_eq!(node(&t, 1).map(|n| (n.level, n.held_fen)), Some((1, 1_000)));
        assert_eq!(node(&t, 2).map(|n| (n.level, n.held_fen)), Some((2, 0)));
        assert_eq!(node(&t, 4).map(|n| (n.level, n.held_fen)), Some((3, 6_000)));
        assert_eq!(t.freeze_order().first().map(|n| n.account), Some(4));
    }

    #[test]
    fn a_transfer_before_the_money_arrived_is_not_followed() {
        let g = graph(&[(1, 2, 5, 5_000, None), (0, 1, 10, 10_000, None), (1, 3, 20, 4_000, None)], 4);
        let t = trace(&g, 0, 0, &TraceParams::default());
        assert!(node(&t, 2).is_none(), "1 paid 2 before the money came");
        assert_eq!(node(&t, 3).map(|n| n.traced_in_fen), Some(4_000));
    }

    #[test]
    fn a_cash_out_ends_the_branch() {
        let g =
            graph(&[(0, 1, 10, 10_000, None), (1, 2, 20, 10_000, Some(Stop::CashOut)), (2, 3, 30, 10_000, None)], 4);
        let t = trace(&g, 0, 0, &TraceParams::default());
        let cash = node(&t, 2).expect("cash-out node");
        assert_eq!((cash.stop, cash.held_fen, cash.traced_out_fen), (Some(Stop::CashOut), 0, 0));
        assert!(node(&t, 3).is_none(), "nothing is followed past a cash-out");
    }

    #[test]
    fn a_cycle_ends() {
        let g = graph(
            &[
                (0, 1, 10, 10_000, None),
                (1, 2, 20, 9_000, None),
                (2, 1, 30, 8_000, None),
                (1, 2, 40, 8_000, None),
                (2, 1, 50, 7_000, None),
            ],
            3,
        );
        let t = trace(&g, 0, 0, &TraceParams::default());
        assert_eq!(t.edges.len(), 5);
        assert_eq!(t.nodes.len(), 3);
    }

    #[test]
    fn fifo_takes_the_oldest_lot_first() {
        // 1 gets 5,000 clean... no: reached first by 3,000 traced, then 5,000 untraced.
        let g = graph(&[(0, 1, 10, 3_000, None), (9, 1, 15, 5_000, None), (1, 2, 20, 4_000, None)], 10);
        let fifo = trace(&g, 0, 0, &TraceParams::default());
        assert_eq!(node(&fifo, 2).map(|n| n.traced_in_fen), Some(3_000));
        let prop = trace(&g, 0, 0, &TraceParams { method: Method::Proportional, ..TraceParams::default() });
        assert_eq!(node(&prop, 2).map(|n| n.traced_in_fen), Some(1_500));
    }

    proptest! {
        /// Attribution never creates money: no account passes on more traced money than
        /// reached it before it left, and nothing leaves before it arrived.
        #[test]
        fn attribution_conserves_money(
            edges in proptest::collection::vec((0u32..8, 0u32..8, 0i64..1_000, 1i64..100_000, proptest::bool::weighted(0.1)), 1..80),
            proportional in any::<bool>(),
            hops in 1u32..7,
        ) {
            let edges: Vec<_> = edges.into_iter().filter(|e| e.0 != e.1).map(|(a, b, ts, amt, cash)| (a, b, ts, amt, cash.then_some(Stop::CashOut))).collect();
            let g = graph(&edges, 8);
            let p = TraceParams { max_hops: hops, method: if proportional { Method::Proportional } else { Method::Fifo }, min_fen: 1, horizon_ms: None };
            let t = trace(&g, 0, 0, &p);
            for n in t.nodes.iter().skip(1) {
                prop_assert!(n.traced_out_fen <= n.traced_in_fen, "{n:?}");
                prop_assert!(n.held_fen >= 0);
                prop_assert!(n.level <= hops);
                if n.stop.is_some() { prop_assert_eq!(n.traced_out_fen, 0); }
            }
            // Running check in time order: out of an account never exceeds in so far.
            let mut bal = std::collections::HashMap::<u32, i64>::new();
            for e in &t.edges {
                if e.from != 0 {
                    let b = bal.entry(e.from).or_default();
                    *b -= e.traced_fen;
                    prop_assert!(*b >= 0, "account {} passed on money it had not received yet", e.from);
                }
                prop_assert!(e.traced_fen <= e.amount_fen);
                *bal.entry(e.to).or_default() += e.traced_fen;
            }
        }
    }
}
