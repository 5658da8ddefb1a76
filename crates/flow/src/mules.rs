//! Mule-network analysis (跑分/洗钱账户研判): a batch job over a time window.
//!
//! It sees whole structures, which a per-transfer decision cannot: for every account active in
//! the window it measures fan-in and fan-out over *new* relationships (pairs that never
//! transacted before), membership of a cycle of new relationships, its part in scatter-gather
//! (one source → many intermediaries → one sink) and gather-scatter (many → hub → many)
//! shapes, pass-through of money, how new the account and its counterparties are, and links to
//! accounts confirmed earlier. A gradient-boosted tree model learned from confirmed accounts
//! turns these into a score; the structure found names the typology, and the transfers that
//! show it are the evidence.

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use gbt::Ensemble;

use crate::graph::TransferGraph;

const DAY_MS: i64 = 86_400_000;

/// A time window `[from_ms, to_ms)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Window {
    /// Start (inclusive), ms.
    pub from_ms: i64,
    /// End (exclusive), ms.
    pub to_ms: i64,
}

/// Names of the account features, in order.
pub const NAMES: [&str; N] = [
    "n_in",
    "n_out",
    "distinct_in",
    "distinct_out",
    "log_sum_in",
    "log_sum_out",
    "mean_in",
    "mean_out",
    "new_pair_in",
    "new_pair_out",
    "distinct_new_in",
    "distinct_new_out",
    "history_transfers",
    "age_days",
    "active_days",
    "distinct_weekdays",
    "pass_through",
    "cycle_size",
    "scatter_gather_source",
    "scatter_gather_sink",
    "scatter_gather_middle",
    "gather_scatter_hub",
    "fresh_counterparty_share",
    "confirmed_before",
    "days_since_confirmed",
    "confirmed_counterparties",
    "new_pair_share",
    "max_amount",
    "span_days",
    "counterparty_new_share",
    "payee_max_new_in",
    "payer_max_new_out",
    "neighbour_max_cycle",
    "fresh_new_counterparties",
    "confirmed_new_counterparties",
    "min_amount",
    "neighbour_max_scatter_gather",
    "confirmed_pair_transfers",
    "confirmed_count",
    "confirmed_period_days",
    "recently_confirmed_new_counterparties",
    "confirmed_schedule_due_days",
    "same_amount_max",
    "split_share_max",
    "gathered_share_max",
];
/// Number of account features.
pub const N: usize = 45;
/// A counterparty confirmed this recently before a new relationship with it is still part of
/// the same laundering run (structures last weeks and cross any window's start).
const RECENT_MS: i64 = 30 * DAY_MS;

/// What was confirmed before a window: accounts (with the time of their last confirmed
/// laundering transfer) and the pairs of accounts between which such a transfer went.
#[derive(Debug, Clone, Default)]
pub struct Confirmed {
    /// Per account index: last confirmed transfer time, `i64::MIN` when none.
    pub last_ms: Vec<i64>,
    /// (payer, payee) pairs with a confirmed transfer.
    pub pairs: HashSet<(u32, u32)>,
    /// Per account index: confirmed transfers and the time of the first.
    pub count_first: Vec<(u32, i64)>,
}

/// Features of one account in a window.
pub type Features = [f32; N];

/// The typology a structure shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Typology {
    /// Many new payers into one account.
    FanIn,
    /// One account to many new payees.
    FanOut,
    /// Money going round a ring of new relationships.
    Cycle,
    /// One source to many intermediaries to one sink.
    ScatterGather,
    /// Many sources into a hub that pays many.
    GatherScatter,
    /// One amount, to the cent, again and again through the account or its counterparty.
    EqualSplit,
    /// Trades with accounts confirmed before.
    LinkedToConfirmed,
    /// No single structure; the score comes from many weaker signals.
    Anomalous,
}

impl Typology {
    /// Chinese name for the UI and exports.
    pub fn name_zh(self) -> &'static str {
        match self {
            Typology::FanIn => "多对一归集",
            Typology::FanOut => "一对多分散",
            Typology::Cycle => "资金闭环",
            Typology::ScatterGather => "分散-归集",
            Typology::GatherScatter => "归集-分散",
            Typology::EqualSplit => "等额拆分",
            Typology::LinkedToConfirmed => "与已认定账户往来",
            Typology::Anomalous => "综合异常",
        }
    }

    /// Snake-case id.
    pub fn id(self) -> &'static str {
        match self {
            Typology::FanIn => "fan_in",
            Typology::FanOut => "fan_out",
            Typology::Cycle => "cycle",
            Typology::ScatterGather => "scatter_gather",
            Typology::GatherScatter => "gather_scatter",
            Typology::EqualSplit => "equal_split",
            Typology::LinkedToConfirmed => "linked_to_confirmed",
            Typology::Anomalous => "anomalous",
        }
    }
}

/// Everything measured on a window: the candidates (accounts active in it) and their features.
pub struct WindowView {
    /// The window.
    pub window: Window,
    /// Accounts active in the window.
    pub candidates: Vec<u32>,
    /// Features of each candidate.
    pub features: Vec<Features>,
    /// For each candidate, its new-relationship transfers in the window (ids), the evidence.
    pub evidence: Vec<Vec<u64>>,
    /// For each candidate, money in and out within the window (fen).
    pub flows_fen: Vec<(i64, i64)>,
}

#[derive(Default, Clone)]
struct Acc {
    n_in: u32,
    n_out: u32,
    sum_in: f64,
    sum_out: f64,
    in_fen: i64,
    out_fen: i64,
    new_in: u32,
    new_out: u32,
    max_amount: i64,
    min_amount: i64,
    first_ms: i64,
    last_ms: i64,
    days: Vec<i32>,
    cps: Vec<u32>,
    new_ins: Vec<u32>,
    new_outs: Vec<u32>,
    confirmed_pair: u32,
    recent_confirmed_new: u32,
    ins: Vec<u32>,
    outs: Vec<u32>,
    /// (counterparty, amount, outgoing) of each transfer in the window.
    legs: Vec<(u32, i64, bool)>,
    /// Amounts received in the window, sorted (from `legs`, once the window is read).
    amounts_in: Vec<i64>,
    /// Amounts sent in the window, sorted (from `legs`, once the window is read).
    amounts_out: Vec<i64>,
}

/// How often `amount` occurs in sorted `amounts`.
fn occurrences(amounts: &[i64], amount: i64) -> usize {
    amounts.partition_point(|x| *x <= amount) - amounts.partition_point(|x| *x < amount)
}

fn pair(a: u32, b: u32) -> u64 {
    (u64::from(a) << 32) | u64::from(b)
}

fn dedup<T: Ord>(v: &mut Vec<T>) {
    v.sort_unstable();
    v.dedup();
}

/// Measures every account active in `w`. `confirmed_ms[a]` is the last time account `a` was
/// party to a transfer confirmed as laundering *before* the window (none: `i64::MIN`); only
/// confirmations known at the window's start may be given.
pub fn measure(g: &TransferGraph, w: Window, confirmed: &Confirmed) -> WindowView {
    let confirmed_ms = &confirmed.last_ms[..];
    let n = g.len();
    let start = g.first_at(w.from_ms);
    let end = g.first_at(w.to_ms);
    // History: which pairs already traded, how busy and how old each account is.
    let mut seen: HashSet<u64> = HashSet::with_capacity(start);
    let mut hist_n = vec![0u32; n];
    let mut first_seen = vec![i64::MAX; n];
    for t in &g.transfers[..start] {
        seen.insert(pair(t.from, t.to));
        hist_n[t.from as usize] += 1;
        hist_n[t.to as usize] += 1;
        first_seen[t.from as usize] = first_seen[t.from as usize].min(t.ts_ms);
        first_seen[t.to as usize] = first_seen[t.to as usize].min(t.ts_ms);
    }
    let mut acc: HashMap<u32, Acc> = HashMap::with_capacity(n / 2);
    let mut new_edge_ids: HashMap<u32, Vec<u64>> = HashMap::new();
    for t in &g.transfers[start..end] {
        let is_new = seen.insert(pair(t.from, t.to));
        let known_pair = confirmed.pairs.contains(&(t.from, t.to));
        let day = (t.ts_ms.div_euclid(DAY_MS)) as i32;
        for (me, other, outgoing) in [(t.from, t.to, true), (t.to, t.from, false)] {
            let a = acc.entry(me).or_insert_with(|| Acc { first_ms: t.ts_ms, min_amount: i64::MAX, ..Acc::default() });
            a.last_ms = t.ts_ms;
            a.max_amount = a.max_amount.max(t.amount_fen);
            a.min_amount = a.min_amount.min(t.amount_fen);
            a.days.push(day);
            a.cps.push(other);
            a.confirmed_pair += u32::from(known_pair);
            a.legs.push((other, t.amount_fen, outgoing));
            if is_new && confirmed_ms.get(other as usize).is_some_and(|c| *c > i64::MIN && t.ts_ms - *c <= RECENT_MS) {
                a.recent_confirmed_new += 1;
            }
            if outgoing {
                a.n_out += 1;
                a.sum_out += t.amount_fen as f64 / 100.0;
                a.out_fen += t.amount_fen;
                a.outs.push(other);
                if is_new {
                    a.new_out += 1;
                    a.new_outs.push(other);
                }
            } else {
                a.n_in += 1;
                a.sum_in += t.amount_fen as f64 / 100.0;
                a.in_fen += t.amount_fen;
                a.ins.push(other);
                if is_new {
                    a.new_in += 1;
                    a.new_ins.push(other);
                }
            }
            if is_new {
                let ev = new_edge_ids.entry(me).or_default();
                if ev.len() < 20 {
                    ev.push(t.id);
                }
            }
        }
    }
    for a in acc.values_mut() {
        dedup(&mut a.days);
        dedup(&mut a.cps);
        dedup(&mut a.new_ins);
        dedup(&mut a.new_outs);
        dedup(&mut a.ins);
        dedup(&mut a.outs);
        let (outs, ins): (Vec<&(u32, i64, bool)>, Vec<_>) = a.legs.iter().partition(|l| l.2);
        a.amounts_in = ins.iter().map(|l| l.1).collect();
        a.amounts_out = outs.iter().map(|l| l.1).collect();
        a.amounts_in.sort_unstable();
        a.amounts_out.sort_unstable();
    }
    // Where money left the banking system (a cash machine, a payment platform) no account took
    // it: such an end collects from every withdrawer and would be named a fan-in, but there is
    // no mule there to stop.
    let exits: HashSet<u32> = g.transfers[start..end].iter().filter(|t| t.stop.is_some()).map(|t| t.to).collect();
    let mut candidates: Vec<u32> = acc.keys().copied().filter(|a| !exits.contains(a)).collect();
    candidates.sort_unstable();
    let cycle = cycle_sizes(&acc, n);
    let empty = Acc::default();
    let get = |x: u32| acc.get(&x).unwrap_or(&empty);
    // Shapes of new relationships, capped so that a busy hub cannot make this quadratic.
    const CAP: usize = 64;
    let two_paths = |s: u32, t: u32| -> usize {
        let outs = &get(s).new_outs;
        let ins = &get(t).new_ins;
        if outs.len() > CAP || ins.len() > CAP {
            return 0;
        }
        outs.iter().filter(|m| ins.binary_search(m).is_ok()).count()
    };
    let mut features: Vec<Features> = Vec::with_capacity(candidates.len());
    let mut evidence = Vec::with_capacity(candidates.len());
    let mut sg_any = vec![0u32; n];
    for &c in &candidates {
        let a = get(c);
        // Most paths of two new relationships from `c` to one account: as the source of a
        // scatter-gather (out, out) or its sink (in, in).
        let two_step = |first: &Vec<u32>, next: &dyn Fn(&Acc) -> &Vec<u32>| -> usize {
            if first.len() > CAP {
                return 0;
            }
            let mut count: HashMap<u32, usize> = HashMap::new();
            for m in first {
                let second = next(get(*m));
                if second.len() <= CAP {
                    for t in second.iter().filter(|t| **t != c) {
                        *count.entry(*t).or_default() += 1;
                    }
                }
            }
            count.values().copied().max().unwrap_or(0)
        };
        let sg_source = two_step(&a.new_outs, &|x| &x.new_outs);
        let sg_sink = two_step(&a.new_ins, &|x| &x.new_ins);
        let mut sg_mid = 0usize;
        if a.new_ins.len() <= 8 && a.new_outs.len() <= 8 {
            for s in &a.new_ins {
                for t in &a.new_outs {
                    if s != t {
                        sg_mid = sg_mid.max(two_paths(*s, *t));
                    }
                }
            }
        }
        let fresh = a.cps.iter().filter(|x| hist_n[**x as usize] == 0).count();
        let confirmed_cps =
            a.cps.iter().filter(|x| confirmed_ms.get(**x as usize).is_some_and(|t| *t > i64::MIN)).count();
        let cp_new_share = {
            let s: f64 = a
                .cps
                .iter()
                .map(|x| {
                    let b = get(*x);
                    let tot = b.n_in + b.n_out;
                    if tot == 0 { 0.0 } else { f64::from(b.new_in + b.new_out) / f64::from(tot) }
                })
                .sum();
            if a.cps.is_empty() { 0.0 } else { s / a.cps.len() as f64 }
        };
        let conf = confirmed_ms.get(c as usize).copied().unwrap_or(i64::MIN);
        // A laundering schedule that repeats (fan alerts pay at intervals) tends to go on.
        let (conf_n, conf_first) = confirmed.count_first.get(c as usize).copied().unwrap_or((0, i64::MIN));
        let conf_period = if conf_n >= 2 { ((conf - conf_first) / DAY_MS) as f32 / (conf_n - 1) as f32 } else { -1.0 };
        // When a repeating schedule would next fall due, in days from the window's start
        // (negative: already overdue when the window opens).
        let due =
            if conf_period > 0.0 { ((conf - w.from_ms) / DAY_MS) as f32 + conf_period } else { f32::from(i16::MAX) };
        let total = a.n_in + a.n_out;
        let weekdays: HashSet<i32> = a.days.iter().map(|d| d.rem_euclid(7)).collect();
        let age = if first_seen[c as usize] == i64::MAX {
            -1.0
        } else {
            ((w.from_ms - first_seen[c as usize]) / DAY_MS) as f32
        };
        sg_any[c as usize] = sg_source.max(sg_sink).max(sg_mid) as u32;
        let new_cps = a.new_ins.iter().chain(a.new_outs.iter());
        let fresh_new = new_cps.clone().filter(|x| hist_n[**x as usize] == 0).count();
        let confirmed_new =
            new_cps.clone().filter(|x| confirmed_ms.get(**x as usize).is_some_and(|t| *t > i64::MIN)).count();
        let payee_max_new_in = a.new_outs.iter().map(|x| get(*x).new_ins.len()).max().unwrap_or(0);
        let payer_max_new_out = a.new_ins.iter().map(|x| get(*x).new_outs.len()).max().unwrap_or(0);
        let nb_cycle = new_cps.clone().map(|x| cycle[*x as usize]).max().unwrap_or(0);
        // Money split into equal parts (等额拆分): one amount, to the cent, again and again.
        // Independent payments rarely repeat an amount exactly. On the account itself; as a
        // share it received of its payer's split; as a share it passes on (it received the
        // amount too) to a payee that collects it. Victims paying one fixed sum into a fraud
        // account are none of these: they did not receive it.
        let same_amount = {
            let mut all: Vec<i64> = a.amounts_in.iter().chain(&a.amounts_out).copied().collect();
            all.sort_unstable();
            all.chunk_by(|x, y| x == y).map(<[i64]>::len).max().unwrap_or(0)
        };
        let split_share = a
            .legs
            .iter()
            .filter(|l| !l.2)
            .map(|(o, amt, _)| occurrences(&get(*o).amounts_out, *amt))
            .max()
            .unwrap_or(0);
        let gathered_share = a
            .legs
            .iter()
            .filter(|(_, amt, out)| *out && occurrences(&a.amounts_in, *amt) > 0)
            .map(|(o, amt, _)| occurrences(&get(*o).amounts_in, *amt))
            .max()
            .unwrap_or(0);
        features.push([
            a.n_in as f32,
            a.n_out as f32,
            a.ins.len() as f32,
            a.outs.len() as f32,
            (1.0 + a.sum_in).ln() as f32,
            (1.0 + a.sum_out).ln() as f32,
            if a.n_in > 0 { (a.sum_in / f64::from(a.n_in)) as f32 } else { 0.0 },
            if a.n_out > 0 { (a.sum_out / f64::from(a.n_out)) as f32 } else { 0.0 },
            a.new_in as f32,
            a.new_out as f32,
            a.new_ins.len() as f32,
            a.new_outs.len() as f32,
            hist_n[c as usize] as f32,
            age,
            a.days.len() as f32,
            weekdays.len() as f32,
            if a.sum_in.max(a.sum_out) > 0.0 {
                (a.sum_in.min(a.sum_out) / a.sum_in.max(a.sum_out)) as f32
            } else {
                0.0
            },
            cycle[c as usize] as f32,
            sg_source as f32,
            sg_sink as f32,
            sg_mid as f32,
            (a.new_ins.len() * a.new_outs.len()) as f32,
            if a.cps.is_empty() { 0.0 } else { fresh as f32 / a.cps.len() as f32 },
            if conf > i64::MIN { 1.0 } else { 0.0 },
            if conf > i64::MIN { ((w.from_ms - conf) / DAY_MS) as f32 } else { -1.0 },
            confirmed_cps as f32,
            if total > 0 { (a.new_in + a.new_out) as f32 / total as f32 } else { 0.0 },
            a.max_amount as f32 / 100.0,
            ((a.last_ms - a.first_ms) / DAY_MS) as f32,
            cp_new_share as f32,
            payee_max_new_in as f32,
            payer_max_new_out as f32,
            nb_cycle as f32,
            fresh_new as f32,
            confirmed_new as f32,
            if a.min_amount == i64::MAX { 0.0 } else { a.min_amount as f32 / 100.0 },
            0.0,
            a.confirmed_pair as f32,
            conf_n as f32,
            conf_period,
            a.recent_confirmed_new as f32,
            due,
            same_amount as f32,
            split_share as f32,
            gathered_share as f32,
        ]);
        evidence.push(new_edge_ids.get(&c).cloned().unwrap_or_default());
    }
    // Second pass: the strongest scatter-gather part among an account's new counterparties.
    let nb_sg = NAMES.iter().position(|x| *x == "neighbour_max_scatter_gather").unwrap_or(N - 1);
    for (i, &c) in candidates.iter().enumerate() {
        let a = get(c);
        features[i][nb_sg] =
            a.new_ins.iter().chain(a.new_outs.iter()).map(|x| sg_any[*x as usize]).max().unwrap_or(0) as f32;
    }
    let flows_fen = candidates.iter().map(|c| get(*c)).map(|a| (a.in_fen, a.out_fen)).collect();
    WindowView { window: w, candidates, features, evidence, flows_fen }
}

/// Size of the strongly connected component of new relationships each account is in (1 when
/// in none), by an iterative Tarjan so deep rings cannot overflow the stack.
fn cycle_sizes(acc: &HashMap<u32, Acc>, n: usize) -> Vec<u32> {
    const UNSEEN: u32 = u32::MAX;
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0u32; n];
    let mut on_stack = vec![false; n];
    let mut size = vec![1u32; n];
    let mut stack: Vec<u32> = Vec::new();
    let mut next = 0u32;
    let empty: Vec<u32> = Vec::new();
    let outs = |v: u32| acc.get(&v).map(|a| &a.new_outs).unwrap_or(&empty);
    let mut nodes: Vec<u32> = acc.keys().copied().collect();
    nodes.sort_unstable();
    for root in nodes {
        if index[root as usize] != UNSEEN {
            continue;
        }
        // (node, next child position)
        let mut call: Vec<(u32, usize)> = vec![(root, 0)];
        index[root as usize] = next;
        low[root as usize] = next;
        next += 1;
        stack.push(root);
        on_stack[root as usize] = true;
        while let Some(&mut (v, ref mut pos)) = call.last_mut() {
            let children = outs(v);
            if *pos < children.len() {
                let w = children[*pos];
                *pos += 1;
                if index[w as usize] == UNSEEN {
                    index[w as usize] = next;
                    low[w as usize] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w as usize] = true;
                    call.push((w, 0));
                } else if on_stack[w as usize] {
                    low[v as usize] = low[v as usize].min(index[w as usize]);
                }
                continue;
            }
            call.pop();
            if let Some(&(parent, _)) = call.last() {
                low[parent as usize] = low[parent as usize].min(low[v as usize]);
            }
            if low[v as usize] == index[v as usize] {
                let mut members = Vec::new();
                while let Some(x) = stack.pop() {
                    on_stack[x as usize] = false;
                    members.push(x);
                    if x == v {
                        break;
                    }
                }
                let s = members.len() as u32;
                for m in members {
                    size[m as usize] = s;
                }
            }
        }
    }
    size
}

/// Transfers of one identical amount that make an equal split (等额拆分) on their own, whatever
/// the model says. Independent payments of random size almost never repeat an amount to the
/// cent five times in a window, while a launderer splitting a sum over mules
/// does exactly that; the model, learned mostly from quiet mule accounts, underrates it on a
/// busy account whose other traffic is ordinary.
pub const EQUAL_SPLIT_MIN: f32 = 5.0;

/// The longest run of one amount through the account: on itself, in its payer's split, or at
/// the payee it passes its share to (the last three features: `same_amount_max`,
/// `split_share_max`, `gathered_share_max`).
pub fn equal_split(f: &Features) -> f32 {
    f[N - 3].max(f[N - 2]).max(f[N - 1])
}

/// Whether the account makes an equal split: flagged whatever the model says.
pub fn splits(f: &Features) -> bool {
    equal_split(f) >= EQUAL_SPLIT_MIN
}

/// Model scores of many accounts, with an equal split ranked above every score (`+∞`): what a
/// threshold for [`findings`] is chosen on.
pub fn ranking(model: &Model, fs: &[Features]) -> Vec<f64> {
    model.score_all(fs).into_iter().zip(fs).map(|(s, f)| if splits(f) { f64::INFINITY } else { s }).collect()
}

/// The structure an account's features show, strongest first.
pub fn typology(f: &Features) -> Typology {
    let fi = |name: &str| NAMES.iter().position(|x| *x == name).map(|i| f[i]).unwrap_or(0.0);
    if fi("cycle_size") >= 3.0 {
        Typology::Cycle
    } else if fi("scatter_gather_middle") >= 3.0
        || fi("scatter_gather_source") >= 3.0
        || fi("scatter_gather_sink") >= 3.0
    {
        Typology::ScatterGather
    } else if fi("distinct_new_in") >= 3.0 && fi("distinct_new_out") >= 3.0 {
        Typology::GatherScatter
    } else if fi("distinct_new_in") >= 3.0 && fi("distinct_new_in") >= fi("distinct_new_out") {
        Typology::FanIn
    } else if fi("distinct_new_out") >= 3.0 {
        Typology::FanOut
    } else if splits(f) {
        Typology::EqualSplit
    } else if fi("confirmed_counterparties") > 0.0 || fi("confirmed_before") > 0.0 {
        Typology::LinkedToConfirmed
    } else {
        Typology::Anomalous
    }
}

/// Training settings: the gradient-boosted trees' [`gbt::Fit`].
pub type TrainParams = gbt::Fit;

/// How the mule model is fitted unless told otherwise: positives are confirmed accounts, a few
/// hundred among thousands, learned with a deeper tree and small leaves.
pub const DEFAULT_PARAMS: TrainParams = TrainParams {
    trees: 120,
    depth: 6,
    shrinkage: 0.1,
    positive_weight: 3.0,
    max_negatives: 20_000,
    min_leaf: 3,
    bags: 5,
};

/// A model cannot be learned.
#[derive(Debug, thiserror::Error)]
pub enum MuleError {
    /// Only one class present.
    #[error("no confirmed and unconfirmed accounts to learn from (positives {pos}, negatives {neg})")]
    NoExamples {
        /// Positives.
        pos: usize,
        /// Negatives.
        neg: usize,
    },
}

/// The account model.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Model {
    gbdt: Ensemble,
    /// Settings it was learned with.
    pub params: TrainParams,
}

impl Model {
    /// Learns from accounts with known outcome.
    pub fn train(examples: &[(Features, bool)], params: TrainParams) -> Result<Self, MuleError> {
        let g = gbt::fit(examples, N, &params).map_err(|e| MuleError::NoExamples { pos: e.pos, neg: e.neg })?;
        Ok(Self { gbdt: g, params })
    }

    /// Scores of many accounts (0..1).
    pub fn score_all(&self, fs: &[Features]) -> Vec<f64> {
        self.gbdt.score_all(fs)
    }
}

/// An account found to act as a mule.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Finding {
    /// Account index.
    pub account: u32,
    /// Model score.
    pub score: f64,
    /// The structure it shows.
    pub typology: Typology,
    /// New-relationship transfers in the window that show it (ids, at most 20).
    pub evidence: Vec<u64>,
}

/// Scores every candidate of a measured window; those at or above `threshold`, and those that
/// make an equal split, are findings, strongest first.
pub fn findings(view: &WindowView, model: &Model, threshold: f64) -> Vec<Finding> {
    let scores = model.score_all(&view.features);
    let mut out: Vec<Finding> = scores
        .iter()
        .enumerate()
        .filter(|(i, s)| **s >= threshold || splits(&view.features[*i]))
        .map(|(i, s)| Finding {
            account: view.candidates[i],
            score: *s,
            typology: typology(&view.features[i]),
            evidence: view.evidence[i].clone(),
        })
        .collect();
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.account.cmp(&b.account)));
    out
}

/// The threshold that maximises F1 of `scores` against `labels`, with that F1.
pub fn best_threshold(scores: &[f64], labels: &[bool]) -> (f64, f64) {
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|a, b| scores[*b].total_cmp(&scores[*a]));
    let pos = labels.iter().filter(|x| **x).count() as f64;
    let (mut tp, mut fp) = (0.0, 0.0);
    let (mut best, mut best_f1) = (0.5, 0.0);
    for (k, &i) in idx.iter().enumerate() {
        if labels[i] {
            tp += 1.0
        } else {
            fp += 1.0
        }
        // Only between distinct scores can a threshold separate.
        if k + 1 < idx.len() && scores[idx[k + 1]] == scores[i] {
            continue;
        }
        let f1 = if tp > 0.0 { 2.0 * tp / (2.0 * tp + fp + (pos - tp)) } else { 0.0 };
        if f1 > best_f1 {
            best_f1 = f1;
            best = match idx.get(k + 1) {
                Some(&j) => (scores[i] + scores[j]) / 2.0,
                None => scores[i],
            };
        }
    }
    (best, best_f1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::Transfer;

    fn g(edges: &[(u32, u32, i64)]) -> TransferGraph {
        let mut g = TransferGraph::new();
        for i in 0..20 {
            g.account(&format!("A{i}"), "");
        }
        for (k, (a, b, day)) in edges.iter().enumerate() {
            g.push(Transfer { id: k as u64, ts_ms: day * DAY_MS, from: *a, to: *b, amount_fen: 10_000, stop: None });
        }
        g.finish();
        g
    }

    fn feat(v: &WindowView, a: u32, name: &str) -> f32 {
        let i = v.candidates.iter().position(|x| *x == a).expect("candidate");
        v.features[i][NAMES.iter().position(|x| *x == name).expect("name")]
    }

    #[test]
    fn structures_are_recognised() {
        // A ring 1→2→3→4→1, a scatter-gather 5→{6,7,8}→9, a fan-in {10..14}→15; 0→16 traded
        // before the window, so it is not a new relationship.
        let mut e = vec![
            (0, 16, 1),
            (1, 2, 10),
            (2, 3, 11),
            (3, 4, 12),
            (4, 1, 13),
            (5, 6, 10),
            (5, 7, 10),
            (5, 8, 10),
            (6, 9, 12),
            (7, 9, 12),
            (8, 9, 12),
            (0, 16, 14),
        ];
        for s in 10..15 {
            e.push((s, 15, 11));
        }
        let v = measure(
            &g(&e),
            Window { from_ms: 5 * DAY_MS, to_ms: 20 * DAY_MS },
            &Confirmed { last_ms: vec![i64::MIN; 20], ..Confirmed::default() },
        );
        assert_eq!(feat(&v, 1, "cycle_size"), 4.0);
        assert_eq!(feat(&v, 5, "cycle_size"), 1.0);
        assert_eq!(feat(&v, 5, "scatter_gather_source"), 3.0);
        assert_eq!(feat(&v, 9, "scatter_gather_sink"), 3.0);
        assert_eq!(feat(&v, 6, "scatter_gather_middle"), 3.0);
        assert_eq!(feat(&v, 15, "distinct_new_in"), 5.0);
        assert_eq!(feat(&v, 0, "new_pair_out"), 0.0, "an old relationship is not new");
        let ty = |a: u32| typology(&v.features[v.candidates.iter().position(|x| *x == a).expect("c")]);
        assert_eq!((ty(2), ty(5), ty(15)), (Typology::Cycle, Typology::ScatterGather, Typology::FanIn));
    }

    #[test]
    fn where_money_leaves_the_banks_is_no_candidate() {
        // 1..=5 each take cash out at the same machine 6 (a cash-out), and pay 7 by transfer.
        let mut g = TransferGraph::new();
        for i in 0..8 {
            g.account(&format!("A{i}"), "");
        }
        for s in 1..6u32 {
            g.push(Transfer {
                id: u64::from(s),
                ts_ms: 10 * DAY_MS,
                from: s,
                to: 6,
                amount_fen: 10_000,
                stop: Some(crate::graph::Stop::CashOut),
            });
            g.push(Transfer {
                id: 100 + u64::from(s),
                ts_ms: 11 * DAY_MS,
                from: s,
                to: 7,
                amount_fen: 10_000,
                stop: None,
            });
        }
        g.finish();
        let v = measure(
            &g,
            Window { from_ms: 5 * DAY_MS, to_ms: 20 * DAY_MS },
            &Confirmed { last_ms: vec![i64::MIN; 8], ..Confirmed::default() },
        );
        assert!(!v.candidates.contains(&6), "the cash machine is not an account");
        assert_eq!(feat(&v, 7, "distinct_new_in"), 5.0);
        assert_eq!(feat(&v, 1, "new_pair_out"), 2.0, "the withdrawal still counts on the withdrawer's side");
    }

    #[test]
    fn an_equal_split_is_found_on_a_busy_account() {
        // 0 splits one sum into five equal parts over 1..=5, which all pass it on to 6; 6 is
        // busy with ordinary payments of other amounts, 7..=9 pay each other two equal amounts;
        // five victims 19..=23 each pay one fixed sum into 24.
        let mut e: Vec<(u32, u32, i64, i64)> = (1..=5).map(|m| (0, m, 10, 18_018)).collect();
        e.extend((1..=5).map(|m| (m, 6, 12, 18_018)));
        e.extend((0..30u32).map(|k| (10 + k % 8, 6, 11 + i64::from(k), 5_000 + 37 * i64::from(k))));
        e.extend([(7, 8, 10, 9_999), (8, 9, 11, 9_999), (9, 7, 12, 4_200)]);
        e.extend((19..=23).map(|v| (v, 24, 20, 500_000)));
        let mut g = TransferGraph::new();
        for i in 0..25 {
            g.account(&format!("A{i}"), "");
        }
        for (k, (a, b, day, fen)) in e.iter().enumerate() {
            g.push(Transfer { id: k as u64, ts_ms: day * DAY_MS, from: *a, to: *b, amount_fen: *fen, stop: None });
        }
        g.finish();
        let v = measure(
            &g,
            Window { from_ms: 5 * DAY_MS, to_ms: 60 * DAY_MS },
            &Confirmed { last_ms: vec![i64::MIN; 25], ..Confirmed::default() },
        );
        assert_eq!(feat(&v, 6, "same_amount_max"), 5.0);
        assert_eq!(feat(&v, 3, "same_amount_max"), 2.0, "in and out once each");
        assert_eq!((feat(&v, 3, "split_share_max"), feat(&v, 3, "gathered_share_max")), (5.0, 5.0));
        assert_eq!(feat(&v, 8, "same_amount_max"), 2.0);
        assert_eq!(
            (feat(&v, 8, "split_share_max"), feat(&v, 8, "gathered_share_max")),
            (1.0, 1.0),
            "7 sent it once, 9 received it once"
        );
        assert_eq!(
            (feat(&v, 20, "split_share_max"), feat(&v, 20, "gathered_share_max")),
            (0.0, 0.0),
            "a victim received nothing"
        );
        // A model that finds nothing: only the rule speaks, and only for the split.
        let mut ex: Vec<(Features, bool)> = (0..20).map(|k| ([k as f32; N], k % 2 == 0)).collect();
        ex.push(([0.0; N], false));
        let model = Model::train(&ex, TrainParams { trees: 2, bags: 1, ..DEFAULT_PARAMS }).expect("model");
        let mut found: Vec<u32> = findings(&v, &model, f64::INFINITY).iter().map(|f| f.account).collect();
        found.sort_unstable();
        assert_eq!(found, vec![0, 1, 2, 3, 4, 5, 6, 24], "the split, and the account the victims paid");
        let rank = ranking(&model, &v.features);
        assert!(v.candidates.iter().zip(&rank).all(|(c, r)| (*r == f64::INFINITY) == (*c <= 6 || *c == 24)));
        let i6 = v.candidates.iter().position(|c| *c == 6).expect("6");
        assert_eq!(typology(&v.features[i6]), Typology::ScatterGather, "the sink of the split");
    }

    #[test]
    fn the_best_threshold_separates() {
        let (t, f1) = best_threshold(&[0.9, 0.8, 0.3, 0.2], &[true, true, false, false]);
        assert!((0.3..0.8).contains(&t), "{t}");
        assert!((f1 - 1.0).abs() < 1e-9);
    }
}
