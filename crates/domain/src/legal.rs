//! Legal timers of the Anti-Telecom and Online Fraud Law and the banks' emergency stop-payment
//! rules: computed from the moment a measure starts, never typed by a person.

use jiff::{Span, Timestamp};

/// An emergency stop-payment (紧急止付) lasts 48 hours.
pub const STOP_PAYMENT_HOURS: i64 = 48;
/// At most this many stop-payments per account and case.
pub const STOP_PAYMENT_MAX: u32 = 2;
/// A freeze (冻结) lasts six months and can be renewed.
pub const FREEZE_MONTHS: i64 = 6;

/// When a stop-payment started at `start_ms` ends.
pub fn stop_payment_until(start_ms: i64) -> i64 {
    start_ms + STOP_PAYMENT_HOURS * 3_600_000
}

/// When a freeze started at `start_ms` ends: six calendar months later in China time (31 August
/// + 6 months is the last day of February).
pub fn freeze_until(start_ms: i64) -> i64 {
    let Ok(ts) = Timestamp::from_millisecond(start_ms) else { return start_ms };
    let z = ts.to_zoned(crate::time::china());
    z.checked_add(Span::new().months(FREEZE_MONTHS)).map(|e| e.timestamp().as_millisecond()).unwrap_or(start_ms)
}

/// Whether another stop-payment may be requested after `done` of them on the same account and case.
pub fn may_stop_payment_again(done: u32) -> bool {
    done < STOP_PAYMENT_MAX
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(s: &str) -> i64 {
        s.parse::<Timestamp>().map(|t| t.as_millisecond()).expect("timestamp")
    }

    #[test]
    fn timers() {
        assert_eq!(stop_payment_until(ms("2026-11-27T10:00:00+08:00")), ms("2026-11-29T10:00:00+08:00"));
        assert_eq!(freeze_until(ms("2026-08-31T09:00:00+08:00")), ms("2027-02-28T09:00:00+08:00"));
        assert!(may_stop_payment_again(1) && !may_stop_payment_again(2));
    }
}
