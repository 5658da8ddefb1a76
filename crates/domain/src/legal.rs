//! Legal timers of the Anti-Telecom and Online Fraud Law and the banks' emergency stop-payment
//! rules: computed from the moment a measure starts, never typed by a person.

use jiff::{Span, Timestamp};

/// An emergency stop-payment (紧急止付) lasts 48 hours.
pub const STOP_PAYMENT_HOURS: i64 = 48;
/// At most this many stop-payments per account and case.
pub const STOP_PAYMENT_MAX: u32 = 2;
/// A freeze (冻结) lasts six months and can be renewed.
pub const FREEZE_MONTHS: i64 = 6;

/// What the centre asks a bank to do, with the names people read.
pub const BANK_REQUEST_KINDS: [(&str, &str); 3] =
    [("stop_payment", "紧急止付"), ("freeze", "冻结"), ("return", "资金返还")];

/// Where a bank request stands, with the names people read.
pub const BANK_REQUEST_STATUSES: [(&str, &str); 3] =
    [("pending", "待银行执行"), ("executed", "已执行"), ("failed", "无法执行")];

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

/// A return of frozen money (资金返还) is announced this many days before the bank pays.
pub const RETURN_NOTICE_DAYS: i64 = 30;
/// After the notice, the bank completes the return within this many working days.
pub const RETURN_BANK_WORKING_DAYS: i64 = 3;
/// Approval levels that may approve a return: city level or above.
pub const RETURN_APPROVAL_LEVELS: [(&str, &str); 3] =
    [("city", "设区的市级公安机关"), ("province", "省级公安机关"), ("ministry", "公安部")];

/// The working-day calendar (`[calendar]`): weekends off, public holidays off, and the
/// weekend days worked in exchange (调休) on. Versioned, since the State Council publishes each
/// year's schedule in the autumn before.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorkCalendar {
    /// Version people cite (the year and notice it follows).
    pub version: String,
    /// Public holidays (weekdays and weekend days alike).
    pub holidays: Vec<jiff::civil::Date>,
    /// Weekend days that are working days.
    pub workdays: Vec<jiff::civil::Date>,
}

impl Default for WorkCalendar {
    /// The 2026 schedule of the State Council's notice (国办发明电〔2025〕号).
    fn default() -> Self {
        use jiff::civil::date;
        let span = |y: i16, m: i8, d0: i8, d1: i8| (d0..=d1).map(move |d| date(y, m, d));
        let mut holidays: Vec<jiff::civil::Date> = Vec::new();
        holidays.extend(span(2026, 1, 1, 3)); // 元旦
        holidays.extend(span(2026, 2, 15, 23)); // 春节
        holidays.extend(span(2026, 4, 4, 6)); // 清明节
        holidays.extend(span(2026, 5, 1, 5)); // 劳动节
        holidays.extend(span(2026, 6, 19, 21)); // 端午节
        holidays.extend(span(2026, 9, 25, 27)); // 中秋节
        holidays.extend(span(2026, 10, 1, 7)); // 国庆节
        let workdays = vec![
            date(2026, 1, 4),
            date(2026, 2, 14),
            date(2026, 2, 28),
            date(2026, 5, 9),
            date(2026, 9, 20),
            date(2026, 10, 10),
        ];
        Self { version: "2026".into(), holidays, workdays }
    }
}

impl WorkCalendar {
    /// Whether banks work on a day.
    pub fn is_working_day(&self, d: jiff::civil::Date) -> bool {
        if self.workdays.contains(&d) {
            return true;
        }
        if self.holidays.contains(&d) {
            return false;
        }
        !matches!(d.weekday(), jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday)
    }

    /// The `n`-th working day after `from` (`from` itself does not count).
    pub fn add_working_days(&self, from: jiff::civil::Date, n: i64) -> jiff::civil::Date {
        let mut d = from;
        let mut left = n.max(0);
        // A year has far fewer than 400 days off in a row; the bound only guards bad config.
        for _ in 0..(n.max(0) * 7 + 400) {
            if left == 0 {
                break;
            }
            d = d.tomorrow().unwrap_or(d);
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }
}

/// The timeline of an approved return: the notice runs 30 days from approval; the bank pays
/// by the third working day after the notice ends.
pub fn return_timeline(approved_on: jiff::civil::Date, cal: &WorkCalendar) -> (jiff::civil::Date, jiff::civil::Date) {
    let notice_ends = approved_on.checked_add(Span::new().days(RETURN_NOTICE_DAYS)).unwrap_or(approved_on);
    (notice_ends, cal.add_working_days(notice_ends, RETURN_BANK_WORKING_DAYS))
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

    #[test]
    fn working_days_skip_weekends_and_holidays_and_count_makeup_days() {
        use jiff::civil::date;
        let cal = WorkCalendar::default();
        // An ordinary Friday: Monday, Tuesday, Wednesday.
        assert_eq!(cal.add_working_days(date(2026, 11, 27), 3), date(2026, 12, 2));
        // Notice ends on 30 September: 1–7 October are off, 10 October (a Saturday) is worked.
        assert_eq!(cal.add_working_days(date(2026, 9, 30), 3), date(2026, 10, 10));
        // Spring Festival: 14 February (Saturday) is worked, 15–23 are off.
        assert_eq!(cal.add_working_days(date(2026, 2, 13), 2), date(2026, 2, 24));
        // Without the holiday the same count would end on 5 October: the calendar matters.
        let plain = WorkCalendar { version: "none".into(), holidays: vec![], workdays: vec![] };
        assert_eq!(plain.add_working_days(date(2026, 9, 30), 3), date(2026, 10, 5));
        let (notice, due) = return_timeline(date(2026, 8, 31), &cal);
        assert_eq!((notice, due), (date(2026, 9, 30), date(2026, 10, 10)));
    }
}
