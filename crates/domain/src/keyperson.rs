//! Key-person files (重点人员一人一档): categories, control measures with their legal limits,
//! appeals, the seven carers (七包一管控) and the visit plan.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::InvalidValue;
use crate::prevention::code_enum;

code_enum! {
    /// Why a person is on file; a person may be in several.
    KeyPersonCategory, "categories" {
        HighRisk => "high_risk", "高风险人员";
        TwoCards => "two_cards", "涉两卡人员";
        Returnee => "returnee", "缅北等境外回流人员";
        PriorOffender => "prior_offender", "前科人员";
    }
}

code_enum! {
    /// A control measure on a key person.
    MeasureKind, "kind" {
        CardRestriction => "card_restriction", "限制办卡及非柜面业务";
        CreditRecord => "credit_record", "纳入信用记录";
        ExitBan => "exit_ban", "限制出境";
    }
}

code_enum! {
    /// The seven carers of one key person (七包一管控).
    CarerRole, "role" {
        TownCadre => "town_cadre", "镇(街道)包案干部";
        StationLeader => "station_leader", "派出所所领导";
        VillageCadre => "village_cadre", "村(居)干部";
        CommunityOfficer => "community_officer", "社区民警";
        GridWorker => "grid_worker", "网格员";
        Informant => "informant", "信息员";
        CloseRelative => "close_relative", "近亲属";
    }
}

code_enum! {
    /// What a visit of a key person was.
    VisitKind, "kind" {
        Visit => "visit", "走访帮教";
        PersuadeReturn => "persuade_return", "劝返联系";
        Returned => "returned", "已劝返归国";
    }
}

/// Parses a list of categories: at least one, none twice.
pub fn categories(items: &[String]) -> Result<Vec<KeyPersonCategory>, InvalidValue> {
    let mut out = Vec::new();
    for s in items {
        let c = KeyPersonCategory::parse(s)?;
        if !out.contains(&c) {
            out.push(c);
        }
    }
    if out.is_empty() {
        return Err(InvalidValue::new("categories", "at least one category"));
    }
    Ok(out)
}

/// Checks a measure's period against the law: an exit ban lasts six months to three years
/// (反电信网络诈骗法 第三十六条); the other measures at most three years. The end is the last
/// day in force.
pub fn check_measure(kind: MeasureKind, starts: Date, ends: Date) -> Result<(), InvalidValue> {
    if ends < starts {
        return Err(InvalidValue::new("ends_on", "ends before it starts"));
    }
    let months = |n: i32| starts.checked_add(jiff::Span::new().months(n)).map(|d| d.yesterday().unwrap_or(d));
    let max = months(36).map_err(|_| InvalidValue::new("ends_on", "out of range"))?;
    if ends > max {
        return Err(InvalidValue::new("ends_on", format!("{} lasts at most three years (until {max})", kind.zh())));
    }
    if kind == MeasureKind::ExitBan {
        let min = months(6).map_err(|_| InvalidValue::new("ends_on", "out of range"))?;
        if ends < min {
            return Err(InvalidValue::new(
                "ends_on",
                format!("an exit ban lasts at least six months (until {min} or later)"),
            ));
        }
    }
    Ok(())
}

/// Where a measure stands on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeasureState {
    /// Starts later.
    Scheduled,
    /// In force.
    InForce,
    /// Lifted (an appeal passed, or the deciding authority lifted it).
    Lifted,
    /// Past its last day.
    Expired,
}

impl MeasureState {
    /// Every state, in the order of a measure's life.
    pub const ALL: [MeasureState; 4] =
        [MeasureState::Scheduled, MeasureState::InForce, MeasureState::Lifted, MeasureState::Expired];

    /// The API name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Scheduled => "scheduled",
            Self::InForce => "in_force",
            Self::Lifted => "lifted",
            Self::Expired => "expired",
        }
    }

    /// The name people read.
    pub fn zh(self) -> &'static str {
        match self {
            Self::Scheduled => "未生效",
            Self::InForce => "执行中",
            Self::Lifted => "已解除",
            Self::Expired => "已到期",
        }
    }
}

/// The state of a measure on `today`; a lifting wins over everything from the day it happened.
pub fn measure_state(starts: Date, ends: Date, lifted_on: Option<Date>, today: Date) -> MeasureState {
    match lifted_on {
        Some(l) if l <= today => MeasureState::Lifted,
        _ if today < starts => MeasureState::Scheduled,
        _ if today > ends => MeasureState::Expired,
        _ => MeasureState::InForce,
    }
}

/// The day the next visit is due: the interval after the last visit, or after the file was
/// opened when nobody has visited yet.
pub fn next_visit_due(opened: Date, last_visit: Option<Date>, every_days: i64) -> Date {
    let from = last_visit.map_or(opened, |v| v.max(opened));
    from.checked_add(jiff::Span::new().days(every_days.max(1))).unwrap_or(from)
}

/// Carers' roles not yet filled.
pub fn missing_carers(present: &[CarerRole]) -> Vec<CarerRole> {
    CarerRole::ALL.iter().copied().filter(|r| !present.contains(r)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    #[test]
    fn exit_ban_is_six_months_to_three_years() {
        let s = date(2026, 3, 1);
        assert!(check_measure(MeasureKind::ExitBan, s, date(2026, 8, 31)).is_ok());
        assert!(check_measure(MeasureKind::ExitBan, s, date(2026, 8, 30)).is_err());
        assert!(check_measure(MeasureKind::ExitBan, s, date(2029, 2, 28)).is_ok());
        assert!(check_measure(MeasureKind::ExitBan, s, date(2029, 3, 1)).is_err());
        assert!(check_measure(MeasureKind::CardRestriction, s, date(2026, 4, 1)).is_ok());
        assert!(check_measure(MeasureKind::CreditRecord, s, date(2026, 2, 1)).is_err());
    }

    #[test]
    fn lifting_ends_the_measure_at_once() {
        let (s, e) = (date(2026, 1, 1), date(2027, 1, 1));
        assert_eq!(measure_state(s, e, None, date(2026, 6, 1)), MeasureState::InForce);
        assert_eq!(measure_state(s, e, Some(date(2026, 6, 1)), date(2026, 6, 1)), MeasureState::Lifted);
        assert_eq!(measure_state(s, e, None, date(2027, 1, 2)), MeasureState::Expired);
        assert_eq!(measure_state(s, e, None, date(2025, 12, 31)), MeasureState::Scheduled);
    }

    #[test]
    fn categories_need_one_and_drop_repeats() {
        assert!(categories(&[]).is_err());
        let c = categories(&["two_cards".into(), "涉两卡人员".into(), "returnee".into()]).unwrap_or_default();
        assert_eq!(c, vec![KeyPersonCategory::TwoCards, KeyPersonCategory::Returnee]);
        assert_eq!(missing_carers(&[CarerRole::GridWorker]).len(), 6);
    }

    proptest! {
        #[test]
        fn next_visit_is_after_the_last_and_the_opening(o in 0i64..2000, v in proptest::option::of(0i64..2000), every in 1i64..120) {
            let base = date(2024, 1, 1);
            let add = |d: i64| base.checked_add(jiff::Span::new().days(d)).unwrap_or(base);
            let due = next_visit_due(add(o), v.map(add), every);
            prop_assert!(due > add(o));
            if let Some(v) = v { prop_assert!(due > add(v)); }
            prop_assert_eq!(due, add(o.max(v.unwrap_or(o)) + every));
        }
    }
}
