//! Time rules: stored in UTC milliseconds, shown in China time.

use jiff::{Timestamp, tz::TimeZone};

/// The zone every date a person sees is in.
pub fn china() -> TimeZone {
    // The bundled tzdb always has it; fall back to the fixed +08:00 offset China has used since 1991.
    TimeZone::get("Asia/Shanghai").unwrap_or_else(|_| TimeZone::fixed(jiff::tz::offset(8)))
}

/// Milliseconds since the Unix epoch, as stored.
pub fn to_millis(ts: Timestamp) -> i64 {
    ts.as_millisecond()
}

/// Formats stored milliseconds as China local time, `2026-03-01 08:00:00`.
pub fn format_china(millis: i64) -> String {
    match Timestamp::from_millisecond(millis) {
        Ok(ts) => ts.to_zoned(china()).strftime("%Y-%m-%d %H:%M:%S").to_string(),
        Err(_) => String::from("-"),
    }
}

/// The calendar month in China (`YYYY-MM`) of a stored instant.
pub fn china_month(millis: i64) -> Option<String> {
    china_date(millis).map(|d| format!("{:04}-{:02}", d.year(), d.month()))
}

/// The calendar date in China of a stored instant.
pub fn china_date(millis: i64) -> Option<jiff::civil::Date> {
    Timestamp::from_millisecond(millis).ok().map(|ts| ts.to_zoned(china()).date())
}

/// The years the platform reads: a month or year outside is refused, so that no arithmetic
/// on a caller's date leaves the calendar (or an index) behind.
pub const YEARS: std::ops::RangeInclusive<i32> = 1970..=2199;

/// Parses exactly `YYYY-MM` with the year in [`YEARS`].
pub fn parse_month(m: &str) -> Option<(i32, i32)> {
    let b = m.as_bytes();
    if b.len() != 7 || b[4] != b'-' || !b.iter().enumerate().all(|(i, c)| i == 4 || c.is_ascii_digit()) {
        return None;
    }
    let (y, mo): (i32, i32) = (m[..4].parse().ok()?, m[5..].parse().ok()?);
    (YEARS.contains(&y) && (1..=12).contains(&mo)).then_some((y, mo))
}

/// Bounds `[start, end)` in stored milliseconds of a China-time calendar month `YYYY-MM`.
pub fn month_bounds(month: &str) -> Option<(i64, i64)> {
    let (y, m) = parse_month(month)?;
    let d = jiff::civil::Date::new(y as i16, m as i8, 1).ok()?;
    let start = d.to_zoned(china()).ok()?;
    let end = start.checked_add(jiff::Span::new().months(1)).ok()?;
    Some((start.timestamp().as_millisecond(), end.timestamp().as_millisecond()))
}

/// How far an event's own time may lie from the clock of the server that receives it. A
/// transfer dated years ahead would push every window past today (the windows are rebuilt from
/// the latest event time after a restart); one from long ago decides nothing useful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct EventTimeWindow {
    /// Seconds an event may be older than now.
    pub past_s: i64,
    /// Seconds an event may be ahead of now (clock skew between systems).
    pub future_s: i64,
}

impl Default for EventTimeWindow {
    fn default() -> Self {
        // Thirty days back covers a bank's backlog after an outage; five minutes ahead, skew.
        Self { past_s: 30 * 86_400, future_s: 300 }
    }
}

impl EventTimeWindow {
    /// The time if it lies in the window around `now_ms`, else why not.
    pub fn check(&self, ts_ms: i64, now_ms: i64) -> Result<i64, String> {
        if ts_ms > now_ms.saturating_add(self.future_s.saturating_mul(1000)) {
            return Err(format!(
                "{} is more than {} s ahead of the server's clock",
                format_china(ts_ms),
                self.future_s
            ));
        }
        if ts_ms < now_ms.saturating_sub(self.past_s.saturating_mul(1000)) {
            return Err(format!("{} is more than {} days in the past", format_china(ts_ms), self.past_s / 86_400));
        }
        Ok(ts_ms)
    }
}

/// A month `YYYY-MM` as people write it: `2026年10月`.
pub fn month_zh(month: &str) -> String {
    let (y, m) = month.split_once('-').unwrap_or((month, ""));
    format!("{y}年{}月", m.trim_start_matches('0'))
}

/// A half of a month (半月), `YYYY-MM-1` (days 1–15) or `YYYY-MM-2` (16th to the end), the
/// period of the semi-monthly analysis.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HalfMonth {
    /// `YYYY-MM`.
    pub month: String,
    /// 1 or 2.
    pub half: u8,
}

impl HalfMonth {
    /// Parses `YYYY-MM-1` / `YYYY-MM-2`.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let (month, half) = s.rsplit_once('-')?;
        let half: u8 = half.parse().ok()?;
        (matches!(half, 1 | 2) && month_bounds(month).is_some() && month.len() == 7)
            .then(|| Self { month: month.to_string(), half })
    }

    /// The half containing a stored instant.
    pub fn of(millis: i64) -> Option<Self> {
        let d = china_date(millis)?;
        Some(Self { month: format!("{:04}-{:02}", d.year(), d.month()), half: if d.day() <= 15 { 1 } else { 2 } })
    }

    /// Bounds `[start, end)` in stored milliseconds.
    pub fn bounds(&self) -> Option<(i64, i64)> {
        let (a, b) = month_bounds(&self.month)?;
        let d: jiff::civil::Date = format!("{}-16", self.month).parse().ok()?;
        let mid = d.to_zoned(china()).ok()?.timestamp().as_millisecond();
        Some(if self.half == 1 { (a, mid) } else { (mid, b) })
    }

    /// The half `delta` halves away.
    pub fn shift(&self, delta: i32) -> Option<Self> {
        let (y, m) = self.month.split_once('-')?;
        let (y, m): (i32, i32) = (y.parse().ok()?, m.parse().ok()?);
        let k = (y * 12 + m - 1) * 2 + i32::from(self.half) - 1 + delta;
        let (mk, h) = (k.div_euclid(2), k.rem_euclid(2));
        Some(Self { month: format!("{:04}-{:02}", mk.div_euclid(12), mk.rem_euclid(12) + 1), half: h as u8 + 1 })
    }

    /// `2026年10月上半月`.
    pub fn zh(&self) -> String {
        format!("{}{}半月", month_zh(&self.month), if self.half == 1 { "上" } else { "下" })
    }
}

impl std::fmt::Display for HalfMonth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.month, self.half)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        /// A month from a query string: any text is an answer, never a panic; what is accepted
        /// is a real month of the supported years, and its bounds are one month apart.
        #[test]
        fn months_of_any_text(s in "\\PC{0,10}", y in any::<i32>(), m in any::<i32>()) {
            let _ = month_bounds(&s);
            let text = format!("{y:04}-{m:02}");
            match month_bounds(&text) {
                Some((a, b)) => {
                    prop_assert!(YEARS.contains(&y) && (1..=12).contains(&m), "{text}");
                    prop_assert!(b > a && b - a >= 28 * 86_400_000 && b - a <= 31 * 86_400_000, "{text}: {a}..{b}");
                }
                None => prop_assert!(!(YEARS.contains(&y) && (1..=12).contains(&m) && text.len() == 7), "{text}"),
            }
        }

        /// Any instant, however far, formats without a panic.
        #[test]
        fn any_instant_formats(ms in any::<i64>()) {
            let _ = format_china(ms);
            let _ = china_date(ms);
        }
    }

    #[test]
    fn event_times_far_from_now_are_refused() {
        let w = EventTimeWindow::default();
        let now = 1_800_000_000_000;
        assert_eq!(w.check(now, now), Ok(now));
        assert!(w.check(now + 299_000, now).is_ok());
        assert!(w.check(253_402_300_799_000, now).is_err(), "the year 9999");
        assert!(w.check(now - 31 * 86_400_000, now).is_err());
        assert!(w.check(i64::MIN, now).is_err() && w.check(i64::MAX, now).is_err());
    }

    #[test]
    fn months_outside_the_years_or_the_format_are_refused() {
        for bad in ["0001-01", "9999-12", "2026-13", "2026-00", "2026-1", "+026-01", "2026-01-01", "２０２６-01", ""]
        {
            assert_eq!(month_bounds(bad), None, "{bad}");
        }
        assert!(month_bounds("2026-02").is_some());
        assert_eq!(parse_month("1970-01"), Some((1970, 1)));
    }

    #[test]
    fn halves_cover_the_month_without_gap() {
        let h1 = HalfMonth::parse("2026-02-1").expect("parse");
        let h2 = h1.shift(1).expect("shift");
        assert_eq!(h2.to_string(), "2026-02-2");
        let (a, b) = h1.bounds().expect("bounds");
        let (c, d) = h2.bounds().expect("bounds");
        assert_eq!(b, c);
        assert_eq!(month_bounds("2026-02"), Some((a, d)));
        assert_eq!(HalfMonth::of(b - 1), Some(h1.clone()));
        assert_eq!(HalfMonth::of(c), Some(h2.clone()));
        assert_eq!(h1.shift(-1).map(|h| h.to_string()).as_deref(), Some("2026-01-2"));
        assert_eq!(
            HalfMonth::parse("2026-01-1").and_then(|h| h.shift(-2)).map(|h| h.to_string()).as_deref(),
            Some("2025-12-1")
        );
        assert_eq!(h2.zh(), "2026年2月下半月");
        assert_eq!(month_zh("2026-10"), "2026年10月");
        assert!(HalfMonth::parse("2026-02-3").is_none());
        assert!(HalfMonth::parse("2026-13-1").is_none());
    }
}
