//! A few numbers about every account, readable from any shard without its lock: what a
//! transfer's features need to know about the *counterparties* of its payer and payee (is the
//! account that paid this payee today paying many others today too?). A bipartite burst of
//! ordinary payments and a gather hub collecting laundered money look the same from the payee
//! alone; the payers' other transfers of the day tell them apart.
//!
//! One `u64` per account, in chunks allocated on first use, so reads take no lock. Only the
//! thread that holds an account's shard writes its summary, so a load-modify-store loses no
//! update; readers in other shards see it as of their read.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

const CHUNK_BITS: u32 = 14;
const CHUNK: usize = 1 << CHUNK_BITS;
/// Chunks: 2^14 × 2^14 = 268 million accounts.
const CHUNKS: usize = 1 << 14;
/// Lifetime counts stop here (the features cap them at 64 anyway).
const MAX_N: u8 = 64;
const DAY_MS: i64 = 86_400_000;
/// China Standard Time is UTC+8 all year: "today" is the local calendar day.
const CST_OFFSET_MS: i64 = 8 * 3_600_000;

/// The counted part of one account.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Local calendar day of the last transfer (days since 1970-01-01, CST).
    pub day: u32,
    /// Transfers out, ever (capped).
    pub out_n: u8,
    /// Transfers in, ever (capped).
    pub in_n: u8,
    /// Transfers out on `day`.
    pub out_day: u8,
    /// Transfers in on `day`.
    pub in_day: u8,
}

impl Summary {
    fn pack(self) -> u64 {
        u64::from(self.day) << 32
            | u64::from(self.out_n) << 24
            | u64::from(self.in_n) << 16
            | u64::from(self.out_day) << 8
            | u64::from(self.in_day)
    }

    fn unpack(v: u64) -> Self {
        Self {
            day: (v >> 32) as u32,
            out_n: (v >> 24) as u8,
            in_n: (v >> 16) as u8,
            out_day: (v >> 8) as u8,
            in_day: v as u8,
        }
    }

    /// Transfers out on the local day of `ts_ms`.
    pub fn out_on(&self, ts_ms: i64) -> u8 {
        if self.day == day_of(ts_ms) { self.out_day } else { 0 }
    }

    /// Transfers in on the local day of `ts_ms`.
    pub fn in_on(&self, ts_ms: i64) -> u8 {
        if self.day == day_of(ts_ms) { self.in_day } else { 0 }
    }
}

/// The local (CST) calendar day of a time.
pub fn day_of(ts_ms: i64) -> u32 {
    (ts_ms + CST_OFFSET_MS).div_euclid(DAY_MS).clamp(0, i64::from(u32::MAX)) as u32
}

/// When the local (CST) calendar day of a time began, in ms since the epoch.
pub fn day_start_ms(ts_ms: i64) -> i64 {
    (ts_ms + CST_OFFSET_MS).div_euclid(DAY_MS) * DAY_MS - CST_OFFSET_MS
}

/// Summaries of every account, by global account id.
pub struct Neighbours {
    chunks: Box<[OnceLock<Box<[AtomicU64]>>]>,
}

impl Default for Neighbours {
    fn default() -> Self {
        Self { chunks: (0..CHUNKS).map(|_| OnceLock::new()).collect() }
    }
}

impl Neighbours {
    /// The slot of an account; its chunk is allocated only when `create` (a read of an
    /// account never written must not allocate).
    fn slot(&self, id: u32, create: bool) -> Option<&AtomicU64> {
        let chunk = self.chunks.get((id >> CHUNK_BITS) as usize)?;
        let c =
            if create { chunk.get_or_init(|| (0..CHUNK).map(|_| AtomicU64::new(0)).collect()) } else { chunk.get()? };
        c.get(id as usize & (CHUNK - 1))
    }

    /// The summary of an account (all zero when never seen).
    pub fn get(&self, id: u32) -> Summary {
        self.slot(id, false).map_or_else(Summary::default, |s| Summary::unpack(s.load(Ordering::Relaxed)))
    }

    /// Bytes held: the chunk table and the chunks allocated so far.
    pub fn bytes(&self) -> usize {
        let table = self.chunks.len() * std::mem::size_of::<OnceLock<Box<[AtomicU64]>>>();
        table + self.chunks.iter().filter(|c| c.get().is_some()).count() * CHUNK * std::mem::size_of::<AtomicU64>()
    }

    /// Counts a transfer `payer → payee` at `ts_ms`. The caller holds both accounts' shards.
    pub fn record(&self, payer: u32, payee: u32, ts_ms: i64) {
        let today = day_of(ts_ms);
        let bump = |id: u32, out: bool| {
            let Some(slot) = self.slot(id, true) else { return };
            let mut s = Summary::unpack(slot.load(Ordering::Relaxed));
            // A late event of an earlier day counts in the lifetime, not in today's tally.
            if today > s.day {
                s = Summary { day: today, out_day: 0, in_day: 0, ..s };
            }
            let on_today = today == s.day;
            let (n, on_day) = if out { (&mut s.out_n, &mut s.out_day) } else { (&mut s.in_n, &mut s.in_day) };
            *n = n.saturating_add(1).min(MAX_N);
            if on_today {
                *on_day = on_day.saturating_add(1);
            }
            slot.store(s.pack(), Ordering::Relaxed);
        };
        bump(payer, true);
        bump(payee, false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn counts_by_local_day() {
        let n = Neighbours::default();
        // 2024-01-01 23:00 CST and 2024-01-02 01:00 CST: two local days, one UTC day.
        let d1 = 1_704_121_200_000;
        let d2 = d1 + 2 * 3_600_000;
        n.record(1, 2, d1);
        n.record(1, 3, d1);
        assert_eq!((n.get(1).out_on(d1), n.get(1).out_n, n.get(2).in_on(d1)), (2, 2, 1));
        n.record(1, 2, d2);
        assert_eq!((n.get(1).out_on(d2), n.get(1).out_on(d1), n.get(1).out_n, n.get(2).in_n), (1, 0, 3, 2));
        assert_eq!(n.get(99_999_999), Summary::default());
        let one_chunk = n.bytes();
        let _ = n.get(CHUNK as u32 * 5);
        assert_eq!(n.bytes(), one_chunk, "a read allocates nothing");
        n.record(CHUNK as u32 * 5, 1, d2);
        assert_eq!(n.bytes(), one_chunk + CHUNK * 8);
    }

    proptest! {
        #[test]
        fn a_day_starts_at_local_midnight(ts in -1_000_000_000_000i64..4_000_000_000_000) {
            let start = day_start_ms(ts);
            prop_assert!(start <= ts && ts - start < DAY_MS);
            prop_assert_eq!((start + CST_OFFSET_MS).rem_euclid(DAY_MS), 0);
            prop_assert_eq!(i64::from(day_of(start)), i64::from(day_of(ts)));
        }

        #[test]
        fn pack_round_trips(day in any::<u32>(), a in any::<u8>(), b in any::<u8>(), c in any::<u8>(), d in any::<u8>()) {
            let s = Summary { day, out_n: a, in_n: b, out_day: c, in_day: d };
            prop_assert_eq!(Summary::unpack(s.pack()), s);
        }
    }
}
