//! The rules of logging in (等保 2.0 三级 identification and authentication): how failed
//! attempts slow and then lock an account or an address, and what a password must be.

use crate::InvalidValue;

/// How failures of one key (an account or an address) are answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleRule {
    /// Failures answered at once.
    pub free: u32,
    /// At this many failures the key is locked for [`ThrottleRule::lock_ms`].
    pub lock_after: u32,
    /// How long a lock lasts, ms.
    pub lock_ms: i64,
    /// The longest back-off before the lock, ms (the back-off doubles from one second).
    pub max_backoff_ms: i64,
    /// Failures further apart than this start the count again, ms.
    pub forget_after_ms: i64,
}

/// Failures of one account: three free, then 1 s, 2 s, 4 s … and at ten a lock of 15 minutes.
pub const ACCOUNT: ThrottleRule = ThrottleRule {
    free: 3,
    lock_after: 10,
    lock_ms: 15 * 60_000,
    max_backoff_ms: 60_000,
    forget_after_ms: 30 * 60_000,
};

/// Failures from one address, counted once per account name it fails on within
/// [`ThrottleRule::forget_after_ms`] (see [`new_name_at_address`]): spraying one password over
/// many accounts is stopped here, while one account's typos, which [`ACCOUNT`] judges, are not
/// charged to everyone behind the same NAT (a police station's network).
pub const ADDRESS: ThrottleRule = ThrottleRule {
    free: 10,
    lock_after: 30,
    lock_ms: 15 * 60_000,
    max_backoff_ms: 60_000,
    forget_after_ms: 30 * 60_000,
};

/// The throttle key of an account.
pub fn account_key(username: &str) -> String {
    format!("user:{username}")
}

/// The throttle key of a source address.
pub fn address_key(ip: &str) -> String {
    format!("ip:{ip}")
}

/// The key that remembers that `username` failed from `ip`: not a throttle of its own, only
/// what [`new_name_at_address`] reads.
pub fn pair_key(ip: &str, username: &str) -> String {
    format!("{PAIR_PREFIX}{ip}|{username}")
}

/// The prefix of [`pair_key`]s, which lists of locks leave out.
pub const PAIR_PREFIX: &str = "pair:";

/// Whether a failure of an account from an address counts at the address: the first failure
/// of that name from there, or the first since the address forgot it. `pair` is the state of
/// the [`pair_key`].
pub fn new_name_at_address(pair: &Throttle, now_ms: i64) -> bool {
    pair.last_failure_ms == 0 || now_ms - pair.last_failure_ms > ADDRESS.forget_after_ms
}

/// Whom a throttle key holds back: an account (`true`) or an address, its name, and the rule
/// that judges it.
pub fn key_subject(key: &str) -> (bool, &str, ThrottleRule) {
    match key.strip_prefix("user:") {
        Some(name) => (true, name, ACCOUNT),
        None => (false, key.strip_prefix("ip:").unwrap_or(key), ADDRESS),
    }
}

/// The failure count of a key and until when it must wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Throttle {
    /// Failures in the current run.
    pub failures: u32,
    /// No attempt is judged before this instant, ms (0: none pending).
    pub blocked_until_ms: i64,
    /// The last failure, ms.
    pub last_failure_ms: i64,
}

/// Why an attempt is refused before its password is looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Slowed down: try again after this many ms (HTTP 429).
    Backoff(i64),
    /// Locked: try again after this many ms (HTTP 423).
    Locked(i64),
}

impl Refusal {
    /// Whole seconds to wait, rounded up (what `Retry-After` and the message say).
    pub fn wait_secs(self) -> i64 {
        let (Refusal::Backoff(ms) | Refusal::Locked(ms)) = self;
        (ms + 999) / 1000
    }
}

impl ThrottleRule {
    /// Whether an attempt at `now_ms` must wait.
    pub fn check(&self, t: &Throttle, now_ms: i64) -> Option<Refusal> {
        let wait = t.blocked_until_ms - now_ms;
        if wait <= 0 {
            return None;
        }
        Some(if t.failures >= self.lock_after { Refusal::Locked(wait) } else { Refusal::Backoff(wait) })
    }

    /// The state after a failed attempt at `now_ms`, and whether this failure started a lock
    /// (the one moment worth an audit entry).
    pub fn fail(&self, t: &Throttle, now_ms: i64) -> (Throttle, bool) {
        let failures = if now_ms - t.last_failure_ms > self.forget_after_ms { 1 } else { t.failures.saturating_add(1) };
        let blocked_until_ms = if failures >= self.lock_after {
            now_ms + self.lock_ms
        } else if failures > self.free {
            let doublings = (failures - self.free - 1).min(20);
            now_ms + (1000i64 << doublings).min(self.max_backoff_ms)
        } else {
            0
        };
        let locked_now = failures == self.lock_after;
        (Throttle { failures, blocked_until_ms, last_failure_ms: now_ms }, locked_now)
    }
}

/// Shortest password.
pub const PASSWORD_MIN_CHARS: usize = 8;
/// Longest password (argon2 takes any length; the bound keeps hashing cheap).
pub const PASSWORD_MAX_CHARS: usize = 128;
/// Earlier passwords a new one may not repeat.
pub const PASSWORD_HISTORY: usize = 5;

/// Whether a password is strong enough: 8 to 128 characters, three of the four kinds
/// (lower case, upper case, digits, others), not containing the user name.
pub fn check_password(password: &str, username: &str) -> Result<(), InvalidValue> {
    let n = password.chars().count();
    if !(PASSWORD_MIN_CHARS..=PASSWORD_MAX_CHARS).contains(&n) {
        return Err(InvalidValue::new(
            "password",
            format!("must have {PASSWORD_MIN_CHARS} to {PASSWORD_MAX_CHARS} characters"),
        ));
    }
    let kinds = [
        password.chars().any(|c| c.is_lowercase()),
        password.chars().any(|c| c.is_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_alphanumeric()),
    ];
    if kinds.iter().filter(|k| **k).count() < 3 {
        return Err(InvalidValue::new(
            "password",
            "must mix three of: lower-case letters, upper-case letters, digits, symbols",
        ));
    }
    let user = username.trim().to_lowercase();
    if user.chars().count() >= 3 && password.to_lowercase().contains(&user) {
        return Err(InvalidValue::new("password", "must not contain the user name"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_address_counts_each_name_once_while_it_remembers_it() {
        let never = Throttle::default();
        assert!(new_name_at_address(&never, 1_000));
        let failed = Throttle { failures: 1, blocked_until_ms: 0, last_failure_ms: 1_000 };
        assert!(!new_name_at_address(&failed, 1_000 + ADDRESS.forget_after_ms));
        assert!(new_name_at_address(&failed, 1_001 + ADDRESS.forget_after_ms));
        assert_ne!(pair_key("10.0.0.1", "a"), pair_key("10.0.0.1", "b"));
        assert!(pair_key("10.0.0.1", "a").starts_with(PAIR_PREFIX));
    }

    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ten_failures_lock_the_account_once() {
        let (mut t, mut locks) = (Throttle::default(), 0);
        let mut now = 1_000_000;
        for i in 1..=12 {
            if let Some(r) = ACCOUNT.check(&t, now) {
                // A refused attempt is not a failure: it waits.
                let w = match r {
                    Refusal::Backoff(w) | Refusal::Locked(w) => w,
                };
                now += w;
            }
            let (next, locked) = ACCOUNT.fail(&t, now);
            t = next;
            locks += usize::from(locked);
            assert_eq!(t.failures, i);
        }
        assert_eq!(locks, 1, "the lock starts once");
        assert!(matches!(ACCOUNT.check(&t, now + 1), Some(Refusal::Locked(w)) if w > 14 * 60_000));
        assert_eq!(ACCOUNT.check(&t, now + ACCOUNT.lock_ms), None, "the lock ends");
    }

    #[test]
    fn throttle_keys_name_their_subject() {
        assert_eq!(key_subject(&account_key("officer")), (true, "officer", ACCOUNT));
        assert_eq!(key_subject(&address_key("10.1.2.3")), (false, "10.1.2.3", ADDRESS));
        assert_eq!(key_subject(&address_key("::1")), (false, "::1", ADDRESS));
    }

    #[test]
    fn quiet_time_forgets_failures() {
        let (t, _) = ACCOUNT
            .fail(&Throttle { failures: 8, blocked_until_ms: 0, last_failure_ms: 0 }, ACCOUNT.forget_after_ms + 1);
        assert_eq!(t.failures, 1);
    }

    #[test]
    fn passwords() {
        assert!(check_password("Demo@2026", "admin").is_ok());
        assert!(check_password("Passw0rd!", "officer_a").is_ok());
        assert!(check_password("password", "x").is_err(), "one kind");
        assert!(check_password("Ab1!", "x").is_err(), "short");
        assert!(check_password("Admin@2026", "admin").is_err(), "holds the user name");
        assert!(check_password("反诈中心Abc1", "x").is_ok(), "Chinese counts as another kind");
    }

    proptest! {
        #[test]
        fn back_off_never_shrinks_before_the_lock(steps in proptest::collection::vec(0i64..120_000, 1..40)) {
            let mut t = Throttle::default();
            let mut now = 10_000_000i64;
            let mut last_wait = 0;
            for gap in steps {
                now += gap;
                let (next, _) = ACCOUNT.fail(&t, now);
                let wait = next.blocked_until_ms.saturating_sub(now).max(0);
                if next.failures > t.failures && next.failures < ACCOUNT.lock_after { prop_assert!(wait >= last_wait); }
                prop_assert!(wait <= ACCOUNT.lock_ms);
                last_wait = if next.failures == 1 { 0 } else { wait };
                t = next;
            }
        }
    }
}
