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
