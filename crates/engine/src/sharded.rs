//! The engine's state split by account across shards, for several worker threads at once.
//!
//! Each shard holds the accounts whose number hashes to it. A transfer locks the payer's and
//! the payee's shard (in shard order, so two threads never wait on each other in a circle)
//! and nothing else of the account state; transfers between other accounts go on in
//! parallel. The rules, the model, the fraud lists and the persons' recent calls are read by
//! every decision and changed rarely: they sit behind one reader-writer lock.
//!
//! Fed one event at a time in stream order, a sharded engine decides exactly as [`crate::Engine`]
//! does (tested); several threads feeding it at once decide each transfer on the state of
//! the events that came before it in that thread and whatever the others had recorded.

use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use foldhash::fast::FixedState;

use crate::event::{Event, Transfer};
use crate::neighbours::Neighbours;
use crate::ruleset::Ruleset;
use crate::{
    Book, Context, DEDUP_CAPACITY, Decision, Dedup, ListRow, Outcome, account_event, decide_in, event_key, model,
};

/// Stripes of the de-duplication memory: an event id locks one stripe.
const DEDUP_STRIPES: usize = 64;

/// Locks, going on when a thread panicked while holding the lock: the state is plain data,
/// and the worst a panic mid-transfer leaves is that one transfer recorded on one side only;
/// a stream that stopped for it would lose far more.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn read<T>(l: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(PoisonError::into_inner)
}

fn write<T>(l: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(PoisonError::into_inner)
}

/// The engine over `shards` account shards, shared by reference between threads.
pub struct ShardedEngine {
    ctx: RwLock<Context>,
    books: Vec<Mutex<Book>>,
    nb: Neighbours,
    dedup: Vec<Mutex<Dedup>>,
    decisions: AtomicU64,
    duplicates: AtomicU64,
}

impl ShardedEngine {
    /// A fresh engine with `shards` shards (at least one).
    pub fn new(ruleset: Arc<Ruleset>, shards: usize) -> Self {
        let n = shards.max(1) as u32;
        Self {
            ctx: RwLock::new(Context::new(ruleset)),
            books: {
                let watched = Book::unwatched();
                (0..n).map(|i| Mutex::new(Book::new(i, n, watched.clone()))).collect()
            },
            nb: Neighbours::default(),
            dedup: (0..DEDUP_STRIPES).map(|_| Mutex::new(Dedup::new(DEDUP_CAPACITY / DEDUP_STRIPES))).collect(),
            decisions: AtomicU64::new(0),
            duplicates: AtomicU64::new(0),
        }
    }

    /// Shards.
    pub fn shards(&self) -> usize {
        self.books.len()
    }

    /// The shard an account lives in.
    pub fn shard_of(&self, account: &str) -> usize {
        let mut h = FixedState::with_seed(0xacc7).build_hasher();
        h.write(account.as_bytes());
        (h.finish() % self.books.len() as u64) as usize
    }

    /// Swaps the ruleset; state is kept.
    pub fn set_ruleset(&self, r: Arc<Ruleset>) {
        write(&self.ctx).set_ruleset(r);
    }

    /// The ruleset in force.
    pub fn ruleset(&self) -> Arc<Ruleset> {
        read(&self.ctx).ruleset.clone()
    }

    /// Loads (or removes) the learned model.
    pub fn set_model(&self, m: Option<Arc<model::Model>>) {
        write(&self.ctx).model = m;
    }

    /// Runs a candidate in shadow beside the ones in force, or stops it (`None`).
    pub fn set_shadow(&self, sh: Option<crate::Shadow>) {
        write(&self.ctx).set_shadow(sh);
    }

    /// The shadow run in force, if any.
    pub fn shadow_run(&self) -> Option<i64> {
        read(&self.ctx).shadow.as_ref().map(|(sh, _)| sh.run)
    }

    /// Every fraud-list entry: kind, value, colour, valid from, valid to.
    pub fn list_entries(&self) -> Vec<ListRow> {
        read(&self.ctx).list_entries()
    }

    /// Decisions made.
    pub fn decisions(&self) -> u64 {
        self.decisions.load(Ordering::Relaxed)
    }

    /// Duplicate events ignored.
    pub fn duplicates(&self) -> u64 {
        self.duplicates.load(Ordering::Relaxed)
    }

    /// Accounts known, over all shards.
    pub fn accounts(&self) -> usize {
        self.books.iter().map(|b| lock(b).accounts.len()).sum()
    }

    /// Approximate bytes of account state over all shards.
    pub fn account_state_bytes(&self) -> usize {
        self.books.iter().map(|b| lock(b).state_bytes()).sum::<usize>() + self.nb.bytes()
    }

    /// Applies any event; transfers are decided.
    pub fn apply(&self, e: &Event) -> Outcome {
        self.apply_versioned(e).0
    }

    /// Applies any event and tells which ruleset it met: for a transfer, the one it was
    /// decided with, even when another thread swaps the ruleset at that moment.
    pub fn apply_versioned(&self, e: &Event) -> (Outcome, Arc<Ruleset>) {
        let key = event_key(e.id());
        if !lock(&self.dedup[(key % DEDUP_STRIPES as u64) as usize]).first_time(key) {
            self.duplicates.fetch_add(1, Ordering::Relaxed);
            return (Outcome::Duplicate, self.ruleset());
        }
        match e {
            Event::Transfer(t) => {
                let ctx = read(&self.ctx);
                (Outcome::Decided(self.decide_with(&ctx, t)), ctx.ruleset.clone())
            }
            Event::Account(a) => {
                account_event(&mut lock(&self.books[self.shard_of(&a.account)]), a);
                (Outcome::Applied, self.ruleset())
            }
            other => {
                let mut ctx = write(&self.ctx);
                ctx.apply_shared(other);
                (Outcome::Applied, ctx.ruleset.clone())
            }
        }
    }

    /// Decides a transfer not seen before (callers that de-duplicate themselves may call
    /// this directly), locking only its payer's and payee's shards.
    pub fn decide_new(&self, t: &Transfer) -> Decision {
        self.decide_with(&read(&self.ctx), t)
    }

    fn decide_with(&self, ctx: &Context, t: &Transfer) -> Decision {
        let (ia, ib) = (self.shard_of(&t.payer), self.shard_of(&t.payee));
        let d = if ia == ib {
            decide_in(ctx, &self.nb, &mut lock(&self.books[ia]), None, t)
        } else {
            // Lower shard first: a fixed order, so no two threads each hold what the other waits for.
            let (mut ga, mut gb) = if ia < ib {
                let ga = lock(&self.books[ia]);
                (ga, lock(&self.books[ib]))
            } else {
                let gb = lock(&self.books[ib]);
                (lock(&self.books[ia]), gb)
            };
            decide_in(ctx, &self.nb, &mut ga, Some(&mut gb), t)
        };
        self.decisions.fetch_add(1, Ordering::Relaxed);
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Engine;
    use crate::event::{CallKind, CallRecord, Channel, Colour, ListKind, ListOp, ListUpdate};
    use proptest::prelude::*;

    fn transfer(id: usize, ts: i64, payer: usize, payee: usize, fen: i64) -> Event {
        Event::Transfer(Transfer {
            event_id: format!("t{id}"),
            ts_ms: ts,
            payer: format!("62220000{payer:04}"),
            payer_bank: String::new(),
            payee: format!("62220000{payee:04}"),
            payee_bank: String::new(),
            amount_fen: fen,
            channel: Channel::Mobile,
            payer_person: Some(format!("1380000{:04}", payer % 5)),
            device_id: None,
            ip: None,
        })
    }

    /// A stream of transfers among a few accounts (so windows, pairs and fan-in fill up),
    /// with calls, list entries and repeated ids mixed in.
    fn stream(raw: &[(u8, u8, u8, u16)]) -> Vec<Event> {
        let mut ts = 0i64;
        let mut out = Vec::new();
        for (i, (kind, x, y, v)) in raw.iter().enumerate() {
            ts += i64::from(*v) * 1_000;
            let (x, y) = (usize::from(*x % 12), usize::from(*y % 12));
            out.push(match kind % 10 {
                0 => Event::Call(CallRecord {
                    event_id: format!("c{i}"),
                    ts_ms: ts,
                    caller: "+85212345678".into(),
                    callee: format!("1380000{:04}", x % 5),
                    duration_s: 60,
                    kind: CallKind::Call,
                    overseas: true,
                    virtual_operator: false,
                    spoofed: false,
                }),
                1 => Event::List(ListUpdate {
                    event_id: format!("l{i}"),
                    ts_ms: ts,
                    op: ListOp::Add,
                    kind: ListKind::Account,
                    value: format!("62220000{y:04}"),
                    colour: if x % 2 == 0 { Colour::Red } else { Colour::Amber },
                    source: "case".into(),
                    valid_from_ms: None,
                    valid_to_ms: Some(ts + 3_600_000),
                }),
                2 if i > 0 => transfer(i - 1, ts, x, y, 100),
                _ => transfer(i, ts, x, y, i64::from(*v) * 100 + 1),
            });
        }
        out
    }

    /// A small model that leans on the features read across shards (the counterparties'
    /// transfers of the day and ever), so that a shard reading the wrong summaries scores
    /// differently from a lone engine.
    fn across_shards_model() -> Arc<crate::model::Model> {
        use crate::features::{N, NAMES};
        let at = |n: &str| NAMES.iter().position(|x| *x == n).expect("feature");
        let (day, life) = (at("payee_in_1d_payer_out_1d_max"), at("payer_in_30d_payer_in_n_max"));
        let examples: Vec<_> = (0..400u32)
            .map(|i| {
                let mut f = [0f32; N];
                f[day] = (i % 7) as f32 - 1.0;
                f[life] = (i % 11) as f32 - 1.0;
                (f, f[day] >= 2.0 || f[life] >= 5.0)
            })
            .collect();
        let p = crate::model::TrainParams { trees: 20, depth: 3, min_leaf: 1, bags: 1, ..crate::model::DEFAULT_PARAMS };
        Arc::new(crate::model::Model::train(&examples, p).expect("model"))
    }

    proptest! {
        /// With a model, its features included, four shards decide as one engine.
        #[test]
        fn shards_score_as_one_engine(raw in proptest::collection::vec((0u8..10, 0u8..12, 0u8..12, 0u16..600), 1..200)) {
            let rs = Arc::new(Ruleset::default_ruleset());
            let m = across_shards_model();
            let mut one = Engine::new(rs.clone());
            one.set_model(Some(m.clone()));
            let four = ShardedEngine::new(rs, 4);
            four.set_model(Some(m));
            for e in stream(&raw) {
                prop_assert_eq!(one.apply(&e), four.apply(&e));
            }
        }

        /// Fed in stream order, four shards decide every event as one engine does: same
        /// actions, same rules fired with the same values, same duplicates.
        #[test]
        fn shards_decide_as_one_engine(raw in proptest::collection::vec((0u8..10, 0u8..12, 0u8..12, 0u16..600), 1..300)) {
            let rs = Arc::new(Ruleset::default_ruleset());
            let mut one = Engine::new(rs.clone());
            let four = ShardedEngine::new(rs, 4);
            for e in stream(&raw) {
                prop_assert_eq!(one.apply(&e), four.apply(&e));
            }
            prop_assert_eq!(one.decisions, four.decisions());
            prop_assert_eq!(one.duplicates, four.duplicates());
            prop_assert_eq!(one.accounts(), four.accounts());
        }
    }

    /// Four threads decide at once, each on its own accounts: every thread's decisions equal
    /// those of a lone engine fed the same events, and a red-listed payee is held whichever
    /// thread pays it.
    #[test]
    fn threads_on_their_own_accounts_decide_as_alone() {
        let rs = Arc::new(Ruleset::default_ruleset());
        let shared = ShardedEngine::new(rs.clone(), 8);
        let red = Event::List(ListUpdate {
            event_id: "red".into(),
            ts_ms: 0,
            op: ListOp::Add,
            kind: ListKind::Account,
            value: "RED".into(),
            colour: Colour::Red,
            source: "case".into(),
            valid_from_ms: None,
            valid_to_ms: None,
        });
        assert_eq!(shared.apply(&red), Outcome::Applied);
        let per_thread: Vec<Vec<Event>> = (0..4usize)
            .map(|k| {
                (0..2_000usize)
                    .map(|i| {
                        let payee = if i % 500 == 499 { "RED".to_string() } else { format!("T{k}-{}", (i * 7) % 40) };
                        Event::Transfer(Transfer {
                            event_id: format!("k{k}-{i}"),
                            ts_ms: i as i64 * 30_000,
                            payer: format!("T{k}-{}", i % 40),
                            payer_bank: String::new(),
                            payee,
                            payee_bank: String::new(),
                            amount_fen: 10_000 + (i as i64 % 17) * 1_000,
                            channel: Channel::Online,
                            payer_person: None,
                            device_id: None,
                            ip: None,
                        })
                    })
                    .collect()
            })
            .collect();
        let results: Vec<Vec<Outcome>> = std::thread::scope(|s| {
            let hs: Vec<_> = per_thread
                .iter()
                .map(|evs| s.spawn(|| evs.iter().map(|e| shared.apply(e)).collect::<Vec<_>>()))
                .collect();
            hs.into_iter().map(|h| h.join().expect("thread")).collect()
        });
        for (evs, got) in per_thread.iter().zip(&results) {
            let mut alone = Engine::new(rs.clone());
            alone.apply(&red);
            // The red payee is shared by all threads: compare only what does not depend on
            // the others' transfers to it.
            for (e, g) in evs.iter().zip(got) {
                let want = alone.apply(e);
                match (e, g, want) {
                    (Event::Transfer(t), Outcome::Decided(d), _) if t.payee == "RED" => {
                        assert_eq!(d.action, crate::Action::Hold, "{d:?}")
                    }
                    (_, g, want) => assert_eq!(g, &want),
                }
            }
        }
        assert_eq!(shared.decisions(), 8_000);
    }
}
