//! Notifications: when a failed delivery is tried again.

/// Longest wait between two attempts: a dead gateway is tried at least this often, forever.
pub const MAX_RETRY_MS: i64 = 10 * 60 * 1000;

/// The wait before attempt `attempts + 1` after `attempts` failures: `base_ms` doubled per
/// failure, capped at [`MAX_RETRY_MS`]. Never gives up: a notification is delivered or still
/// being tried, never dropped.
pub fn retry_delay_ms(attempts: i64, base_ms: i64) -> i64 {
    let base = base_ms.clamp(1, MAX_RETRY_MS);
    let shift = attempts.clamp(0, 30) as u32;
    base.saturating_mul(1i64 << shift).min(MAX_RETRY_MS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn doubles_then_caps() {
        assert_eq!(retry_delay_ms(0, 5_000), 5_000);
        assert_eq!(retry_delay_ms(1, 5_000), 10_000);
        assert_eq!(retry_delay_ms(3, 5_000), 40_000);
        assert_eq!(retry_delay_ms(60, 5_000), MAX_RETRY_MS);
    }

    proptest! {
        #[test]
        fn delay_is_positive_bounded_and_monotone(a in 0i64..100, base in 1i64..100_000) {
            let d = retry_delay_ms(a, base);
            prop_assert!((1..=MAX_RETRY_MS).contains(&d));
            prop_assert!(retry_delay_ms(a + 1, base) >= d);
        }
    }
}
