//! The real-time warning engine. It sees transfers, calls, account events and fraud-list
//! changes, and decides for every transfer — allow, warn or hold — with the rules that fired
//! and the values that fired them, in one pass over the ruleset.
//!
//! Pure: no I/O, no clocks (time comes with the events), no threads of its own. The server and
//! the CLI feed it: one stream in order through [`Engine`], or several threads at once through
//! [`sharded::ShardedEngine`].

pub mod decode;
pub mod event;
pub mod features;
pub mod learn;
pub mod model;
pub mod neighbours;
pub mod ruleset;
pub mod sharded;
pub mod state;

use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;

use event::{AccountEvent, AccountEventKind, CallRecord, Colour, Event, ListKind, ListOp, ListUpdate, Transfer};
use foldhash::fast::FixedState;
use ruleset::{RuleKind, Ruleset, Side};
use serde::Serialize;
use state::{AccountState, Flow, aggregate};

type Map<K, V> = HashMap<K, V, FixedState>;

/// What to do with a transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Let it through.
    Allow,
    /// Let it through and raise a warning for dispatch.
    Warn,
    /// Stop it and raise a warning.
    Hold,
}

impl Action {
    /// `allow` / `warn` / `hold`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Allow => "allow",
            Action::Warn => "warn",
            Action::Hold => "hold",
        }
    }
}

/// A rule that fired, with the value that made it fire.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fired {
    /// Rule id.
    pub rule: String,
    /// The observed value (count, amount in fen, seconds, score…).
    pub value: f64,
    /// Points it added.
    pub points: f64,
}

/// The answer for one transfer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    /// The transfer's event id.
    pub event_id: String,
    /// Allow, warn or hold.
    pub action: Action,
    /// The scenario that decided (highest relative to its thresholds), if any rule fired.
    pub scenario: Option<String>,
    /// Score of that scenario.
    pub score: f64,
    /// Every rule that fired.
    pub fired: Vec<Fired>,
    /// Ruleset version used.
    pub ruleset_version: String,
    /// Learned model version used, when a model is loaded.
    pub model_version: Option<String>,
    /// Model score, when a model is loaded.
    pub model_score: Option<f64>,
    /// What the candidate in shadow would have decided, when one runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shadow: Option<Box<ShadowDecision>>,
}

/// A candidate ruleset and model deciding beside the ones in force: its decisions are
/// recorded for comparison, never acted on.
#[derive(Clone)]
pub struct Shadow {
    /// Which shadow run (the store's id), carried into every shadow decision.
    pub run: i64,
    /// The candidate ruleset.
    pub ruleset: Arc<Ruleset>,
    /// The candidate model; none: its rules alone.
    pub model: Option<Arc<model::Model>>,
}

/// What the candidate in shadow would have decided for a transfer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShadowDecision {
    /// The shadow run it belongs to.
    pub run: i64,
    /// The candidate's decision (its `shadow` is always none).
    pub decision: Decision,
}

#[derive(Debug, Clone)]
struct ListEntry {
    colour: Colour,
    valid_from_ms: Option<i64>,
    valid_to_ms: Option<i64>,
    /// Where the listing came from (case number, bank, platform): what a person checks before
    /// lifting it.
    source: String,
    /// When it was listed.
    listed_ms: i64,
}

impl ListEntry {
    fn active(&self, at: i64) -> bool {
        in_validity(self.valid_from_ms, self.valid_to_ms, at)
    }
}

/// Whether `at` lies in a listing's validity window (`to` exclusive; `None`: open).
fn in_validity(from: Option<i64>, to: Option<i64>, at: i64) -> bool {
    from.is_none_or(|f| at >= f) && to.is_none_or(|t| at < t)
}

#[derive(Debug, Clone, Copy, Default)]
struct PersonState {
    last_listed_call_ms: Option<i64>,
    last_risky_call_ms: Option<i64>,
    risky_overseas: bool,
    risky_virtual: bool,
    risky_spoofed: bool,
}

/// A fraud-list entry as the engine holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListRow {
    /// Account, phone, URL or device.
    pub kind: ListKind,
    /// The listed value, in clear.
    pub value: String,
    /// Red (hold) or amber (raise the score).
    pub colour: Colour,
    /// From when it holds (UTC ms); `None`: always.
    pub valid_from_ms: Option<i64>,
    /// Until when it holds (UTC ms, exclusive); `None`: forever.
    pub valid_to_ms: Option<i64>,
    /// Where it came from.
    pub source: String,
    /// When it was listed (UTC ms).
    pub listed_ms: i64,
}

impl ListRow {
    /// In force at `at`: the same test the decisions use.
    pub fn active(&self, at: i64) -> bool {
        in_validity(self.valid_from_ms, self.valid_to_ms, at)
    }
}

/// How many recent event ids are remembered for de-duplication.
pub const DEDUP_CAPACITY: usize = 1 << 20;

/// What every decision reads besides the two accounts: rules, model, fraud lists and the
/// recent calls of persons. Shared by all shards.
pub(crate) struct Context {
    ruleset: Arc<Ruleset>,
    /// Scenario index of each rule, resolved once per ruleset instead of per firing.
    rule_scenario: Vec<Option<usize>>,
    model: Option<Arc<model::Model>>,
    /// The candidate in shadow, with its rules' scenario indexes.
    shadow: Option<(Shadow, Vec<Option<usize>>)>,
    persons: Map<String, PersonState>,
    lists: [Map<String, ListEntry>; 4],
}

/// The rules and model one decision is made with: the ones in force or the shadow's.
#[derive(Clone, Copy)]
struct Policy<'a> {
    ruleset: &'a Ruleset,
    rule_scenario: &'a [Option<usize>],
    model: Option<&'a Arc<model::Model>>,
}

/// The accounts of one shard: their states and the pairs they pay to. Account ids are global
/// across shards (`local * shards + shard`), so a counterparty id means the same account
/// whichever shard records it; with one shard the id is the local index.
pub(crate) struct Book {
    shard: u32,
    shards: u32,
    interner: Map<String, u32>,
    accounts: Vec<AccountState>,
    /// Transfers from payer to payee, kept in the payer's book.
    pairs: Map<(u32, u32), u32>,
    /// The earliest transfer the engine recorded (`i64::MAX` before the first): what it has
    /// not seen since then it could not have seen. Shared by the books of a sharded engine,
    /// since one shard's first transfer says nothing of how long the engine has watched.
    observed_from_ms: Arc<std::sync::atomic::AtomicI64>,
}

impl Book {
    fn new(shard: u32, shards: u32, observed_from_ms: Arc<std::sync::atomic::AtomicI64>) -> Self {
        Self { shard, shards, interner: Map::default(), accounts: Vec::new(), pairs: Map::default(), observed_from_ms }
    }

    /// A fresh watch start for [`Book::new`].
    fn unwatched() -> Arc<std::sync::atomic::AtomicI64> {
        Arc::new(std::sync::atomic::AtomicI64::new(i64::MAX))
    }

    /// Records that the engine watched a transfer at `ts_ms`.
    fn watched(&self, ts_ms: i64) {
        use std::sync::atomic::Ordering::Relaxed;
        // After the first transfers the start seldom moves: a load keeps the shared line clean.
        if ts_ms < self.observed_from_ms.load(Relaxed) {
            self.observed_from_ms.fetch_min(ts_ms, Relaxed);
        }
    }

    /// Seconds watched before `ts_ms`.
    fn watched_s(&self, ts_ms: i64) -> i64 {
        match self.observed_from_ms.load(std::sync::atomic::Ordering::Relaxed) {
            i64::MAX => 0,
            from => (ts_ms - from).max(0) / 1000,
        }
    }

    fn intern(&mut self, acct: &str) -> u32 {
        if let Some(i) = self.interner.get(acct) {
            return *i;
        }
        let id = self.accounts.len() as u32 * self.shards + self.shard;
        self.interner.insert(acct.to_string(), id);
        self.accounts.push(AccountState::default());
        id
    }

    fn state(&self, id: u32) -> &AccountState {
        &self.accounts[(id / self.shards) as usize]
    }

    fn state_mut(&mut self, id: u32) -> &mut AccountState {
        &mut self.accounts[(id / self.shards) as usize]
    }

    fn pair(&self, a: u32, b: u32) -> u32 {
        self.pairs.get(&(a, b)).copied().unwrap_or(0)
    }

    fn state_bytes(&self) -> usize {
        let flow = std::mem::size_of::<state::Flow>();
        let per: usize = self
            .accounts
            .iter()
            .map(|a| std::mem::size_of::<AccountState>() + (a.outs.capacity() + a.ins.capacity()) * flow)
            .sum();
        // Hash-map entries: key, value and about one control byte, at the maps' load factor.
        let names: usize = self.interner.keys().map(|k| k.capacity() + std::mem::size_of::<String>() + 4 + 1).sum();
        let pairs = self.pairs.capacity() * (std::mem::size_of::<(u32, u32)>() + 4 + 1);
        per + names + pairs
    }
}

/// The two accounts of a transfer as a decision sees them.
pub(crate) struct Sides<'a> {
    pub(crate) a: u32,
    pub(crate) b: u32,
    pub(crate) payer: &'a AccountState,
    pub(crate) payee: &'a AccountState,
    /// Earlier transfers payer → payee.
    pub(crate) pair_ab: u32,
    /// Earlier transfers payee → payer.
    pub(crate) pair_ba: u32,
    /// Summaries of every account, for the counterparties' counterparties.
    pub(crate) nb: &'a neighbours::Neighbours,
    /// How long, in seconds, the payer's book has watched transfers before this one.
    pub(crate) watched_s: i64,
}

/// Recent event ids, for de-duplication.
struct Dedup {
    seen: HashSet<u64, FixedState>,
    order: VecDeque<u64>,
    capacity: usize,
}

fn event_key(id: &str) -> u64 {
    let mut h = FixedState::with_seed(0x5eed).build_hasher();
    h.write(id.as_bytes());
    h.finish()
}

impl Dedup {
    fn new(capacity: usize) -> Self {
        Self { seen: HashSet::default(), order: VecDeque::new(), capacity }
    }

    /// Whether a key was seen before; remembers it if not.
    fn first_time(&mut self, key: u64) -> bool {
        if !self.seen.insert(key) {
            return false;
        }
        self.order.push_back(key);
        if self.order.len() > self.capacity
            && let Some(old) = self.order.pop_front()
        {
            self.seen.remove(&old);
        }
        true
    }
}

/// The engine's state for the whole stream, on one thread. [`sharded::ShardedEngine`] holds
/// the same state split by account for several threads.
pub struct Engine {
    ctx: Context,
    book: Book,
    nb: neighbours::Neighbours,
    dedup: Dedup,
    /// Decisions made.
    pub decisions: u64,
    /// Duplicate events ignored.
    pub duplicates: u64,
}

fn list_slot(k: ListKind) -> usize {
    match k {
        ListKind::Account => 0,
        ListKind::Phone => 1,
        ListKind::Url => 2,
        ListKind::Device => 3,
    }
}

fn scenario_map(r: &Ruleset) -> Vec<Option<usize>> {
    r.rules.iter().map(|x| r.scenario_index(&x.scenario)).collect()
}

/// What applying an event produced.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// A transfer was decided.
    Decided(Decision),
    /// A non-transfer event changed the state.
    Applied,
    /// The event id was seen before; nothing changed.
    Duplicate,
}

impl Context {
    fn new(ruleset: Arc<Ruleset>) -> Self {
        Self {
            rule_scenario: scenario_map(&ruleset),
            ruleset,
            model: None,
            shadow: None,
            persons: Map::default(),
            lists: Default::default(),
        }
    }

    fn set_ruleset(&mut self, r: Arc<Ruleset>) {
        self.rule_scenario = scenario_map(&r);
        self.ruleset = r;
    }

    fn set_shadow(&mut self, sh: Option<Shadow>) {
        self.shadow = sh.map(|sh| {
            let m = scenario_map(&sh.ruleset);
            (sh, m)
        });
    }

    /// The rules and model in force.
    fn live(&self) -> Policy<'_> {
        Policy { ruleset: &self.ruleset, rule_scenario: &self.rule_scenario, model: self.model.as_ref() }
    }

    /// Whether any decision needs the features (a model in force or in shadow).
    fn needs_features(&self) -> bool {
        self.model.is_some() || self.shadow.as_ref().is_some_and(|(sh, _)| sh.model.is_some())
    }

    /// Applies the events every shard shares: calls and fraud-list changes (others are not
    /// the context's to apply).
    fn apply_shared(&mut self, e: &Event) {
        match e {
            Event::Call(c) => self.observe_call(c),
            Event::List(l) => self.list_update(l),
            Event::Transfer(_) | Event::Account(_) => {}
        }
    }

    /// Records a call or SMS against the callee.
    fn observe_call(&mut self, c: &CallRecord) {
        let listed = self.listed(ListKind::Phone, &c.caller, c.ts_ms).is_some();
        let risky = c.overseas || c.virtual_operator || c.spoofed;
        if !listed && !risky {
            return;
        }
        let p = self.persons.entry(c.callee.clone()).or_default();
        if listed {
            p.last_listed_call_ms = Some(c.ts_ms);
        }
        if risky {
            p.last_risky_call_ms = Some(c.ts_ms);
            p.risky_overseas = c.overseas;
            p.risky_virtual = c.virtual_operator;
            p.risky_spoofed = c.spoofed;
        }
    }

    fn list_update(&mut self, l: &ListUpdate) {
        let m = &mut self.lists[list_slot(l.kind)];
        match l.op {
            ListOp::Add => {
                m.insert(
                    l.value.clone(),
                    ListEntry {
                        colour: l.colour,
                        valid_from_ms: l.valid_from_ms,
                        valid_to_ms: l.valid_to_ms,
                        source: l.source.clone(),
                        listed_ms: l.ts_ms,
                    },
                );
            }
            ListOp::Remove => {
                m.remove(&l.value);
            }
        }
    }

    fn list_entries(&self) -> Vec<ListRow> {
        let kinds = [ListKind::Account, ListKind::Phone, ListKind::Url, ListKind::Device];
        let mut out = Vec::new();
        for k in kinds {
            for (v, e) in &self.lists[list_slot(k)] {
                out.push(ListRow {
                    kind: k,
                    value: v.clone(),
                    colour: e.colour,
                    valid_from_ms: e.valid_from_ms,
                    valid_to_ms: e.valid_to_ms,
                    source: e.source.clone(),
                    listed_ms: e.listed_ms,
                });
            }
        }
        out.sort_by(|a, b| (list_slot(a.kind), &a.value).cmp(&(list_slot(b.kind), &b.value)));
        out
    }

    fn listed(&self, kind: ListKind, value: &str, at: i64) -> Option<Colour> {
        self.lists[list_slot(kind)].get(value).filter(|e| e.active(at)).map(|e| e.colour)
    }
}

fn account_event(book: &mut Book, a: &AccountEvent) {
    let i = book.intern(&a.account);
    let st = book.state_mut(i);
    match a.kind {
        AccountEventKind::Opened => {
            st.first_seen_ms = Some(a.ts_ms);
            st.opening_known = true;
        }
        AccountEventKind::Reactivated => st.reactivated_ms = Some(a.ts_ms),
        AccountEventKind::Closed => {}
    }
}

/// Runs `f` on the two sides of a transfer whose payer is in `book_a` and payee in `book_b`
/// (`None`: the same book), then records the transfer in both: after `f`, so that a transfer
/// never explains itself.
fn with_sides<R>(
    nb: &neighbours::Neighbours,
    book_a: &mut Book,
    mut book_b: Option<&mut Book>,
    t: &Transfer,
    f: impl FnOnce(&Sides<'_>) -> R,
) -> R {
    let a = book_a.intern(&t.payer);
    let b = match book_b.as_deref_mut() {
        Some(bb) => bb.intern(&t.payee),
        None => book_a.intern(&t.payee),
    };
    book_a.state_mut(a).evict(t.ts_ms);
    match book_b.as_deref_mut() {
        Some(bb) => bb.state_mut(b).evict(t.ts_ms),
        None => book_a.state_mut(b).evict(t.ts_ms),
    }
    let (out, payer_fresh, payee_fresh) = {
        let pb: &Book = book_b.as_deref().unwrap_or(book_a);
        let sides = Sides {
            a,
            b,
            payer: book_a.state(a),
            payee: pb.state(b),
            pair_ab: book_a.pair(a, b),
            pair_ba: pb.pair(b, a),
            nb,
            watched_s: book_a.watched_s(t.ts_ms),
        };
        (f(&sides), sides.payer.is_fresh(), sides.payee.is_fresh())
    };
    book_a.watched(t.ts_ms);
    let n = book_a.pairs.entry((a, b)).or_insert(0);
    let new_pair = *n == 0;
    *n += 1;
    book_a.state_mut(a).push_out(Flow {
        ts_ms: t.ts_ms,
        amount_fen: t.amount_fen,
        counterparty: b,
        new_pair,
        fresh: payee_fresh,
    });
    let fb = Flow { ts_ms: t.ts_ms, amount_fen: t.amount_fen, counterparty: a, new_pair, fresh: payer_fresh };
    match book_b {
        Some(bb) => bb.state_mut(b).push_in(fb),
        None => book_a.state_mut(b).push_in(fb),
    }
    nb.record(a, b, t.ts_ms);
    out
}

/// Decides a transfer against the two books and records it.
fn decide_in(
    ctx: &Context,
    nb: &neighbours::Neighbours,
    book_a: &mut Book,
    book_b: Option<&mut Book>,
    t: &Transfer,
) -> Decision {
    with_sides(nb, book_a, book_b, t, |s| {
        // Features feed only the model; without one they are not computed on the hot path.
        let feats = ctx.needs_features().then(|| features::compute(s, t));
        let mut d = evaluate(ctx, ctx.live(), s, t, feats.as_ref());
        // The shadow sees the very state the decision in force saw, before it is recorded.
        if let Some((sh, rule_scenario)) = &ctx.shadow {
            let p = Policy { ruleset: &sh.ruleset, rule_scenario, model: sh.model.as_ref() };
            d.shadow = Some(Box::new(ShadowDecision { run: sh.run, decision: evaluate(ctx, p, s, t, feats.as_ref()) }));
        }
        d
    })
}

impl Engine {
    /// A fresh engine with a ruleset.
    pub fn new(ruleset: Arc<Ruleset>) -> Self {
        Self {
            ctx: Context::new(ruleset),
            book: Book::new(0, 1, Book::unwatched()),
            nb: neighbours::Neighbours::default(),
            dedup: Dedup::new(DEDUP_CAPACITY),
            decisions: 0,
            duplicates: 0,
        }
    }

    /// Swaps the ruleset; state is kept.
    pub fn set_ruleset(&mut self, r: Arc<Ruleset>) {
        self.ctx.set_ruleset(r);
    }

    /// The ruleset in force.
    pub fn ruleset(&self) -> &Arc<Ruleset> {
        &self.ctx.ruleset
    }

    /// The learned model, when one is loaded.
    pub fn model(&self) -> Option<&Arc<model::Model>> {
        self.ctx.model.as_ref()
    }

    /// Loads (or removes) the learned model.
    pub fn set_model(&mut self, m: Option<Arc<model::Model>>) {
        self.ctx.model = m;
    }

    /// Runs a candidate in shadow beside the ones in force, or stops it (`None`).
    pub fn set_shadow(&mut self, sh: Option<Shadow>) {
        self.ctx.set_shadow(sh);
    }

    /// Accounts known.
    pub fn accounts(&self) -> usize {
        self.book.accounts.len()
    }

    /// Approximate bytes of state held for accounts (windows, counters, names, pairs, neighbour
    /// summaries): what an active account costs.
    pub fn account_state_bytes(&self) -> usize {
        self.book.state_bytes() + self.nb.bytes()
    }

    /// Applies any event; transfers are decided.
    pub fn apply(&mut self, e: &Event) -> Outcome {
        if !self.dedup.first_time(event_key(e.id())) {
            self.duplicates += 1;
            return Outcome::Duplicate;
        }
        match e {
            Event::Transfer(t) => Outcome::Decided(self.decide_new(t)),
            Event::Account(a) => {
                account_event(&mut self.book, a);
                Outcome::Applied
            }
            other => {
                self.ctx.apply_shared(other);
                Outcome::Applied
            }
        }
    }

    /// Every fraud-list entry: kind, value, colour, valid from, valid to.
    pub fn list_entries(&self) -> Vec<ListRow> {
        self.ctx.list_entries()
    }

    /// Decides a transfer that has not been seen before (callers that de-duplicate
    /// themselves may call this directly), then records it in the state.
    pub fn decide_new(&mut self, t: &Transfer) -> Decision {
        self.decisions += 1;
        decide_in(&self.ctx, &self.nb, &mut self.book, None, t)
    }

    /// Decides a transfer and gives the features it was decided on (computed whether or not
    /// a model is loaded: the state before the transfer), then records it. For learning from
    /// the event log; no de-duplication.
    pub fn decide_with_features(&mut self, t: &Transfer) -> (Decision, features::Features) {
        self.decisions += 1;
        let ctx = &self.ctx;
        with_sides(&self.nb, &mut self.book, None, t, |s| {
            let f = features::compute(s, t);
            (evaluate(ctx, ctx.live(), s, t, Some(&f)), f)
        })
    }

    /// Records a transfer without deciding (history replay for windows; training).
    pub fn observe_transfer(&mut self, t: &Transfer) -> features::Features {
        with_sides(&self.nb, &mut self.book, None, t, |s| features::compute(s, t))
    }
}

/// One pass over every rule of the ruleset for a transfer.
fn evaluate(
    ctx: &Context,
    policy: Policy<'_>,
    sides: &Sides<'_>,
    t: &Transfer,
    feats: Option<&features::Features>,
) -> Decision {
    let rs = policy.ruleset;
    // Scenarios are few: scores live on the stack (a ruleset is checked to have at most 16).
    let mut scores = [0.0f64; crate::ruleset::MAX_SCENARIOS];
    let mut fired = Vec::new();
    let mut force_hold = false;
    let (a, b, payer, payee) = (sides.a, sides.b, sides.payer, sides.payee);
    let person = t.payer_person.as_deref().and_then(|p| ctx.persons.get(p));
    let model_score = policy.model.zip(feats).map(|(m, f)| m.score(f));
    for (ri, r) in rs.rules.iter().enumerate() {
        if !r.enabled {
            continue;
        }
        let hit: Option<f64> = match &r.kind {
            RuleKind::ListPayee { colour } => {
                let c = ctx.listed(ListKind::Account, &t.payee, t.ts_ms);
                if c == Some(*colour) && *colour == Colour::Red {
                    force_hold = true;
                }
                (c == Some(*colour)).then_some(1.0)
            }
            RuleKind::ListDevice { colour } => t
                .device_id
                .as_deref()
                .and_then(|d| ctx.listed(ListKind::Device, d, t.ts_ms))
                .filter(|c| c == colour)
                .map(|_| 1.0),
            RuleKind::ListedCallBefore { window_s } => person
                .and_then(|p| p.last_listed_call_ms)
                .map(|c| (t.ts_ms - c) / 1000)
                .filter(|secs| (0..=*window_s).contains(secs))
                .map(|s| s as f64),
            RuleKind::RiskyCallBefore { window_s, overseas, virtual_operator, spoofed } => person
                .filter(|p| {
                    (*overseas && p.risky_overseas)
                        || (*virtual_operator && p.risky_virtual)
                        || (*spoofed && p.risky_spoofed)
                })
                .and_then(|p| p.last_risky_call_ms)
                .map(|c| (t.ts_ms - c) / 1000)
                .filter(|secs| (0..=*window_s).contains(secs))
                .map(|s| s as f64),
            RuleKind::DistinctCounterparties { side, window_s, min, new_only } => {
                let agg = match side {
                    Side::Payee => aggregate(&payee.ins, t.ts_ms, *window_s, Some((t.amount_fen, a))),
                    Side::Payer => aggregate(&payer.outs, t.ts_ms, *window_s, Some((t.amount_fen, b))),
                };
                // Each pair is new once, so the new pairs in the window are distinct new
                // counterparties; this transfer adds one when it opens its pair.
                let n = if *new_only { agg.new_pairs + u32::from(sides.pair_ab == 0) } else { agg.distinct };
                (n >= *min && (!*new_only || sides.watched_s >= rs.warm_up_s)).then_some(f64::from(n))
            }
            RuleKind::PayerCount { window_s, min } => {
                let agg = aggregate(&payer.outs, t.ts_ms, *window_s, Some((t.amount_fen, b)));
                (agg.count >= *min).then_some(f64::from(agg.count))
            }
            RuleKind::PayerSum { window_s, min_fen } => {
                let agg = aggregate(&payer.outs, t.ts_ms, *window_s, Some((t.amount_fen, b)));
                (agg.sum_fen >= *min_fen).then_some(agg.sum_fen as f64)
            }
            RuleKind::PassThrough { window_s, ratio, min_share } => {
                let inflow = aggregate(&payer.ins, t.ts_ms, *window_s, None).sum_fen as f64;
                let amt = t.amount_fen as f64;
                (inflow > 0.0 && amt > 0.0 && inflow >= ratio * amt && amt >= min_share * inflow).then_some(inflow)
            }
            RuleKind::NewAccount { side, age_s } => {
                let st = if *side == Side::Payee { payee } else { payer };
                let age = st.first_seen_ms.map(|f| (t.ts_ms - f) / 1000);
                // An age the engine only saw for itself says "new" once it has watched long
                // enough to have seen the account before; an opening the bank announced says
                // it at once.
                let seen_long_enough = st.opening_known || sides.watched_s >= rs.warm_up_s;
                match age {
                    None if seen_long_enough => Some(0.0),
                    Some(s) if s < *age_s && seen_long_enough => Some(s as f64),
                    _ => None,
                }
            }
            RuleKind::DormantWoken { side, idle_s } => {
                let st = if *side == Side::Payee { payee } else { payer };
                let idle = st.last_active_ms.map(|l| (t.ts_ms - l) / 1000);
                let woken = st.reactivated_ms.is_some_and(|r| t.ts_ms - r < idle_s * 1000);
                match idle {
                    Some(s) if s >= *idle_s => Some(s as f64),
                    _ if woken => Some(0.0),
                    _ => None,
                }
            }
            RuleKind::FirstToPayee { min_history } => {
                (payer.out_n >= *min_history && sides.pair_ab == 0).then_some(f64::from(payer.out_n))
            }
            RuleKind::AmountSpike { factor, min_history } => payer
                .mean_out_fen()
                .filter(|m| payer.out_n >= *min_history && *m > 0.0 && t.amount_fen as f64 >= factor * m)
                .map(|m| t.amount_fen as f64 / m),
            RuleKind::Model { min_score } => model_score.filter(|s| s >= min_score),
        };
        if let Some(value) = hit {
            let points = if matches!(r.kind, RuleKind::Model { .. }) { r.weight * value } else { r.weight };
            if let Some(si) = policy.rule_scenario.get(ri).copied().flatten() {
                scores[si] += points;
            }
            fired.push(Fired { rule: r.id.clone(), value, points });
        }
    }
    let mut action = if force_hold { Action::Hold } else { Action::Allow };
    let mut best: Option<(usize, f64)> = None;
    for (si, s) in rs.scenarios.iter().enumerate() {
        let sc = scores[si];
        let a = if sc >= s.hold {
            Action::Hold
        } else if sc >= s.warn {
            Action::Warn
        } else {
            Action::Allow
        };
        action = action.max(a);
        let rel = sc / s.warn;
        if sc > 0.0 && best.is_none_or(|(_, r)| rel > r) {
            best = Some((si, rel));
        }
    }
    Decision {
        event_id: t.event_id.clone(),
        action,
        scenario: best.map(|(si, _)| rs.scenarios[si].id.clone()),
        score: best.map(|(si, _)| scores[si]).unwrap_or(0.0),
        fired,
        ruleset_version: rs.version.clone(),
        model_version: policy.model.map(|m| m.version.clone()),
        model_score,
        shadow: None,
    }
}

#[cfg(test)]
mod tests;
