//! Money from text: yuan with at most two decimals, to integer fen, without floating point.

/// A yuan amount that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not an amount in yuan with at most two decimals")]
pub struct BadAmount(pub String);

/// Parses `1234`, `1234.5`, `1234.56` (and a leading `+`) into fen; refuses negatives, more
/// than two decimals, thousands separators and anything else.
pub fn yuan_to_fen(s: &str) -> Result<i64, BadAmount> {
    let t = s.trim();
    let t = t.strip_prefix('+').unwrap_or(t);
    let bad = || BadAmount(s.to_string());
    let (int, frac) = match t.split_once('.') {
        Some((i, f)) => (i, f),
        None => (t, ""),
    };
    if int.is_empty()
        || !int.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 2
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || (t.contains('.') && frac.is_empty())
    {
        return Err(bad());
    }
    let yuan: i64 = int.parse().map_err(|_| bad())?;
    let cents: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().map_err(|_| bad())? * 10,
        _ => frac.parse().map_err(|_| bad())?,
    };
    yuan.checked_mul(100).and_then(|f| f.checked_add(cents)).filter(|f| *f <= domain::MAX_FEN).ok_or_else(bad)
}

/// Fen as yuan for display and JSON (exact for every amount below 2^53 fen).
pub fn fen_to_yuan(fen: i64) -> f64 {
    fen as f64 / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn amounts() {
        assert_eq!(yuan_to_fen("1234.56"), Ok(123_456));
        assert_eq!(yuan_to_fen("0.1"), Ok(10));
        assert_eq!(yuan_to_fen("500000"), Ok(50_000_000));
        for bad in ["-1", "1.234", "1,000", "", ".5", "5.", "abc", "1e3"] {
            assert!(yuan_to_fen(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn round_trip(fen in 0i64..10_000_000_000) {
            let text = format!("{}.{:02}", fen / 100, fen % 100);
            prop_assert_eq!(yuan_to_fen(&text), Ok(fen));
        }
    }
}
