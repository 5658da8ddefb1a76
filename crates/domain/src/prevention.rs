//! Prevention (宣传防范): outreach, receipts and pledges, the coverage rates and their
//! targets, the "four 100%", fraud-free certification, and the dual-inquiry sample.
//!
//! Everything here is a function of counts the store hands over; which rows are counted (the
//! period, the area, the population figure in force) is decided by the caller, and the tests
//! below pin down how each rate is formed.

use serde::{Deserialize, Serialize};

use crate::InvalidValue;

/// An enum of stored codes with Chinese names: `ALL`, `as_str`, `zh`, `parse`.
macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident, $field:literal { $($variant:ident => $code:literal, $zh:literal;)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $(#[doc = $zh] #[serde(rename = $code)] $variant,)*
        }

        impl $name {
            /// Every value, in the order people see them.
            pub const ALL: &'static [$name] = &[$(Self::$variant,)*];

            /// The stored and API name.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $code,)* }
            }

            /// The name people read.
            pub fn zh(self) -> &'static str {
                match self { $(Self::$variant => $zh,)* }
            }

            /// Parses the stored name or the Chinese one.
            pub fn parse(s: &str) -> Result<Self, InvalidValue> {
                let s = s.trim();
                Self::ALL.iter().copied().find(|k| k.as_str() == s || k.zh() == s).ok_or_else(|| {
                    let known: Vec<&str> = Self::ALL.iter().map(|k| k.as_str()).collect();
                    InvalidValue::new($field, format!("unknown value '{s}' ({})", known.join(", ")))
                })
            }
        }
    };
}
pub(crate) use code_enum;

code_enum! {
    /// The kind of an outreach activity (宣传活动), as the plans list them.
    OutreachKind, "kind" {
        Lecture => "lecture", "讲座";
        Poster => "poster", "张贴海报";
        LedScreen => "led_screen", "LED屏播放";
        GroupPush => "group_push", "微信/QQ群推送";
        SmsPush => "sms_push", "短信推送";
        HomeVisit => "home_visit", "入户走访";
        SchoolClass => "school_class", "防骗微课堂";
        BankCounter => "bank_counter", "柜台提醒";
        CinemaFilm => "cinema_film", "影院播放";
        ParcelSticker => "parcel_sticker", "快递防骗贴";
        Broadcast => "broadcast", "广播播放";
        Other => "other", "其他";
    }
}

code_enum! {
    /// Who an activity was for.
    Audience, "audience" {
        General => "general", "社会公众";
        Elderly => "elderly", "老年人";
        Students => "students", "学生";
        Parents => "parents", "学生家长";
        Accountants => "accountants", "财会人员";
        Graduates => "graduates", "应届毕业生";
        Staff => "staff", "单位职工";
    }
}

code_enum! {
    /// A paper a resident or household signs (回执 / 承诺书).
    FormKind, "kind" {
        Receipt => "receipt", "回执";
        Pledge => "pledge", "承诺书";
    }
}

code_enum! {
    /// A figure a member unit submits, with evidence, for verification.
    FigureMetric, "metric" {
        AppInstall => "app_install", "国家反诈中心APP安装数";
        SmsCoverage => "sms_coverage", "预警短信覆盖用户数";
        Awareness => "awareness", "反诈常识知晓人数";
    }
}

code_enum! {
    /// Where a submitted figure stands.
    Verification, "status" {
        Pending => "pending", "待核实";
        Verified => "verified", "已核实";
        Rejected => "rejected", "已退回";
    }
}

/// A ratio in `[0, 1]`, or `None` when the denominator is zero or unknown (never 100 % of
/// nothing). A numerator above the denominator is capped: a unit cannot reach more than all.
pub fn rate(numerator: i64, denominator: i64) -> Option<f64> {
    if denominator <= 0 || numerator < 0 {
        return None;
    }
    Some((numerator.min(denominator) as f64) / denominator as f64)
}

/// The coverage targets: versioned configuration, stored with every scorecard computed
/// against them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Targets {
    /// Version people cite.
    pub version: String,
    /// National anti-fraud app installs per resident (e.g. 0.60).
    pub app_install: f64,
    /// Operators' warning SMS reach per mobile user (e.g. 0.90).
    pub sms_coverage: f64,
    /// Households reached by grid workers and police (回执 or 承诺书).
    pub households_reached: f64,
    /// Households that signed a pledge.
    pub pledge: f64,
    /// Days between visits of a key person, unless the file says otherwise.
    pub key_person_visit_days: i64,
}

impl Default for Targets {
    fn default() -> Self {
        Self {
            version: "2026.1".into(),
            app_install: 0.60,
            sms_coverage: 0.90,
            households_reached: 1.0,
            pledge: 1.0,
            key_person_visit_days: 30,
        }
    }
}

/// The four rates that have a target (the "four 100%" and the coverage shares), with the names
/// people read.
pub const TARGET_RATES: [(&str, &str); 4] = [
    ("households_reached", "入户覆盖率"),
    ("pledge", "承诺书签订率"),
    ("app_install", "APP安装率"),
    ("sms_coverage", "预警短信覆盖率"),
];

impl Targets {
    /// Checks that every target is a share in `(0, 1]`.
    pub fn validate(&self) -> Result<(), InvalidValue> {
        for (name, v) in [
            ("app_install", self.app_install),
            ("sms_coverage", self.sms_coverage),
            ("households_reached", self.households_reached),
            ("pledge", self.pledge),
        ] {
            if !(v > 0.0 && v <= 1.0) {
                return Err(InvalidValue::new("targets", format!("{name}: {v} is not a share in (0, 1]")));
            }
        }
        if self.key_person_visit_days < 1 {
            return Err(InvalidValue::new("targets", "key_person_visit_days: at least 1"));
        }
        Ok(())
    }
}

/// The prevention settings of a county (`[prevention]` in the config file): the targets and
/// the knobs of the supervision rules that raise tasks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PreventionConfig {
    /// Coverage targets.
    pub targets: Targets,
    /// Share of cases that get a dual inquiry (1.0 = every case).
    pub dual_inquiry_rate: f64,
    /// Days a unit has to rectify after a "no" in the dual inquiry.
    pub rectification_days: i64,
    /// Fraud-involved cards or accounts that name an outlet.
    pub outlet_threshold: i64,
}

impl Default for PreventionConfig {
    fn default() -> Self {
        Self { targets: Targets::default(), dual_inquiry_rate: 1.0, rectification_days: 30, outlet_threshold: 3 }
    }
}

impl PreventionConfig {
    /// Checks every setting.
    pub fn validate(&self) -> Result<(), InvalidValue> {
        self.targets.validate()?;
        if !(0.0..=1.0).contains(&self.dual_inquiry_rate) {
            return Err(InvalidValue::new("dual_inquiry_rate", "a share in [0, 1]"));
        }
        if self.outlet_threshold < 1 || self.rectification_days < 1 {
            return Err(InvalidValue::new("prevention", "outlet_threshold and rectification_days must be at least 1"));
        }
        Ok(())
    }
}

/// What the store counted for one area and period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AreaCounts {
    /// Households registered in the area.
    pub households: i64,
    /// Households with a receipt or pledge signed in the period.
    pub households_reached: i64,
    /// Households with a pledge signed in the period.
    pub households_pledged: i64,
    /// Households with a member defrauded (a case reported) in the period.
    pub households_victim: i64,
    /// Resident population in force at the end of the period (the statistics figure, not the
    /// registry count): the denominator of the app-install rate.
    pub residents: Option<i64>,
    /// App installs, from verified figures of the period; `None` when no figure is verified
    /// (no data, which is not the same as no installs).
    pub app_installs: Option<i64>,
    /// Mobile users reached by warning SMS, from verified figures of the period.
    pub sms_reached: i64,
    /// Mobile users of the operators in the area, from the same figures.
    pub sms_users: i64,
}

/// The four 100% (四个100%): awareness, pledge, no victim, app installation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FourHundreds {
    /// 反诈常识知晓率: households reached / households.
    pub awareness: Option<f64>,
    /// 承诺书签订率: households pledged / households.
    pub pledge: Option<f64>,
    /// 无人被骗率: households without a victim / households.
    pub no_victim: Option<f64>,
    /// 国家反诈中心APP安装率: installs / resident population in force.
    pub app_install: Option<f64>,
}

/// An area's coverage against the targets.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coverage {
    /// The counts behind every rate.
    pub counts: AreaCounts,
    /// The four rates.
    pub four: FourHundreds,
    /// Warning SMS reach.
    pub sms_coverage: Option<f64>,
    /// Targets not met, by name (`app_install`, `sms_coverage`, `households_reached`, `pledge`).
    pub below_target: Vec<&'static str>,
    /// The targets' version.
    pub targets_version: String,
}

/// The coverage of an area from its counts.
pub fn coverage(c: AreaCounts, t: &Targets) -> Coverage {
    let four = FourHundreds {
        awareness: rate(c.households_reached, c.households),
        pledge: rate(c.households_pledged, c.households),
        no_victim: rate(c.households - c.households_victim.min(c.households), c.households),
        app_install: c.residents.zip(c.app_installs).and_then(|(r, n)| rate(n, r)),
    };
    let sms_coverage = rate(c.sms_reached, c.sms_users);
    let mut below = Vec::new();
    // An unknown rate counts as below target: missing data is a gap to close, not a pass.
    for (name, v, target) in [
        ("households_reached", four.awareness, t.households_reached),
        ("pledge", four.pledge, t.pledge),
        ("app_install", four.app_install, t.app_install),
    ] {
        if v.is_none_or(|v| v + 1e-12 < target) {
            below.push(name);
        }
    }
    // SMS reach is the operators' figure for the areas they report (the county); an area
    // without operator figures has no SMS rate rather than a failing one.
    if sms_coverage.is_some_and(|v| v + 1e-12 < t.sms_coverage) {
        below.push("sms_coverage");
    }
    Coverage { counts: c, four, sms_coverage, below_target: below, targets_version: t.version.clone() }
}

code_enum! {
    /// The kinds of fraud-free certification (无诈社区/校园/企业/机关).
    FraudFreeKind, "kind" {
        Community => "community", "无诈社区(村)";
        Campus => "campus", "无诈校园";
        Company => "company", "无诈企业";
        Office => "office", "无诈机关";
    }
}

impl FraudFreeKind {
    /// The certification a member unit of this kind can apply for.
    pub fn for_unit(kind: crate::MemberUnitKind) -> Self {
        use crate::MemberUnitKind as K;
        match kind {
            K::VillageCommittee => Self::Community,
            K::School => Self::Campus,
            K::Company | K::BankBranch | K::TelecomOperator => Self::Company,
            _ => Self::Office,
        }
    }
}

/// The facts a certification is judged on, taken from the data.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct CertificationFacts {
    /// Victims (cases) in the unit's area or among its people in the last twelve months.
    pub cases_12m: i64,
    /// Outreach activities recorded in the last twelve months.
    pub activities_12m: i64,
    /// Activities of those with evidence files.
    pub activities_with_evidence_12m: i64,
    /// The unit signed this year's responsibility letter (责任书).
    pub letter_signed: bool,
    /// Tasks of the unit that are open and past their deadline.
    pub overdue_tasks: i64,
    /// Households reached, for a village or community (`None` for other units).
    pub awareness: Option<f64>,
}

/// One criterion and whether it is met.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Criterion {
    /// What is required, in the words of the certification.
    pub name_zh: String,
    /// Met or not.
    pub met: bool,
    /// The value found.
    pub found: String,
}

/// The criteria of a fraud-free certification, each checked against the facts. The unit is
/// certifiable only when every criterion is met.
pub fn certification(kind: FraudFreeKind, f: &CertificationFacts, t: &Targets) -> Vec<Criterion> {
    let min_activities = match kind {
        FraudFreeKind::Campus => 4, // two per term, two terms a year (plan 篇六, 教育局)
        _ => 2,
    };
    let mut out = vec![
        Criterion {
            name_zh: "近12个月零发案".into(), met: f.cases_12m == 0, found: format!("{} 起", f.cases_12m)
        },
        Criterion {
            name_zh: format!("近12个月开展宣传活动不少于{min_activities}次"),
            met: f.activities_12m >= min_activities,
            found: format!("{} 次", f.activities_12m),
        },
        Criterion {
            name_zh: "宣传活动均留存影像资料".into(),
            met: f.activities_12m > 0 && f.activities_with_evidence_12m == f.activities_12m,
            found: format!("{}/{} 次有佐证", f.activities_with_evidence_12m, f.activities_12m),
        },
        Criterion {
            name_zh: "签订本年度防范电信网络诈骗责任书".into(),
            met: f.letter_signed,
            found: if f.letter_signed { "已签订".into() } else { "未签订".into() },
        },
        Criterion {
            name_zh: "无逾期未完成任务".into(),
            met: f.overdue_tasks == 0,
            found: format!("{} 项逾期", f.overdue_tasks),
        },
    ];
    if kind == FraudFreeKind::Community {
        out.push(Criterion {
            name_zh: format!("入户宣传覆盖率达到{:.0}%", t.households_reached * 100.0),
            met: f.awareness.is_some_and(|a| a + 1e-12 >= t.households_reached),
            found: f.awareness.map_or_else(|| "无数据".into(), |a| format!("{:.1}%", a * 100.0)),
        });
    }
    out
}

/// Whether a case falls in the dual-inquiry sample at `rate` (0–1). Decided by a stable hash
/// of the case number, so the sample is the same on every run and cannot be steered by the
/// order cases arrive in.
pub fn in_dual_inquiry_sample(case_no: &str, rate: f64) -> bool {
    if rate >= 1.0 {
        return true;
    }
    if rate <= 0.0 {
        return false;
    }
    // FNV-1a: stable across platforms and versions, unlike the std hasher.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in case_no.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    (h % 1_000_000) as f64 / 1_000_000.0 < rate
}

/// The kind and type of an outreach evidence file, from its first bytes: a photo or a
/// recording as for dissuasion evidence, or a PDF scan (a sign-in sheet, a signed letter).
pub fn evidence_kind(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    if bytes.starts_with(b"%PDF-") {
        return Some(("document", "application/pdf"));
    }
    crate::dispatch::evidence_kind(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn codes_round_trip() {
        for k in OutreachKind::ALL {
            assert_eq!(OutreachKind::parse(k.zh()), Ok(*k));
        }
        assert_eq!(Audience::parse("elderly"), Ok(Audience::Elderly));
        let Err(e) = FormKind::parse("letter") else { panic!("'letter' parsed as a form kind") };
        assert_eq!(e.field, "kind");
        assert!(e.message.contains("receipt"), "{}", e.message);
    }

    #[test]
    fn app_install_rate_uses_the_resident_population_not_households() {
        let c = AreaCounts {
            households: 400,
            households_reached: 400,
            households_pledged: 200,
            households_victim: 2,
            residents: Some(1_000),
            app_installs: Some(550),
            sms_reached: 800,
            sms_users: 1_000,
        };
        let cov = coverage(c, &Targets::default());
        assert_eq!(cov.four.app_install, Some(0.55));
        assert_eq!(cov.four.awareness, Some(1.0));
        assert_eq!(cov.four.pledge, Some(0.5));
        assert_eq!(cov.four.no_victim, Some(398.0 / 400.0));
        assert!(cov.below_target.contains(&"app_install"));
        assert!(cov.below_target.contains(&"sms_coverage"), "80 % reach is below 90 %");
        let none = coverage(AreaCounts { app_installs: None, sms_users: 0, ..c }, &Targets::default());
        assert_eq!(none.four.app_install, None, "no verified figure is no rate, not 0 %");
        assert!(none.below_target.contains(&"app_install"), "missing data is a gap");
        assert!(!none.below_target.contains(&"sms_coverage"), "no operator reports this area");
        assert!(!cov.below_target.contains(&"households_reached"));
    }

    #[test]
    fn no_population_figure_gives_no_rate() {
        let c = AreaCounts { households: 10, residents: None, app_installs: Some(5), ..Default::default() };
        assert_eq!(coverage(c, &Targets::default()).four.app_install, None);
        assert_eq!(rate(3, 0), None);
    }

    #[test]
    fn community_certification_needs_full_household_reach() {
        let t = Targets::default();
        let f = CertificationFacts {
            cases_12m: 0,
            activities_12m: 3,
            activities_with_evidence_12m: 3,
            letter_signed: true,
            overdue_tasks: 0,
            awareness: Some(0.97),
        };
        let c = certification(FraudFreeKind::Community, &f, &t);
        assert!(!c.iter().all(|c| c.met));
        let f = CertificationFacts { awareness: Some(1.0), ..f };
        assert!(certification(FraudFreeKind::Community, &f, &t).iter().all(|c| c.met));
        // A school needs four activities a year.
        assert!(!certification(FraudFreeKind::Campus, &f, &t).iter().all(|c| c.met));
    }

    #[test]
    fn targets_are_checked() {
        assert!(Targets::default().validate().is_ok());
        assert!(Targets { app_install: 1.5, ..Targets::default() }.validate().is_err());
    }

    proptest! {
        #[test]
        fn rates_are_shares(n in -5i64..10_000, d in -5i64..10_000) {
            if let Some(r) = rate(n, d) {
                prop_assert!((0.0..=1.0).contains(&r));
                prop_assert!(d > 0);
            }
        }

        #[test]
        fn sample_is_stable_and_near_its_rate(seed in 0u32..1000) {
            let n = 2_000;
            let hits = (0..n).filter(|i| in_dual_inquiry_sample(&format!("A{seed}-{i}"), 0.3)).count();
            prop_assert!((450..=750).contains(&hits), "{hits}");
            prop_assert_eq!(in_dual_inquiry_sample(&format!("A{seed}"), 0.3), in_dual_inquiry_sample(&format!("A{seed}"), 0.3));
        }
    }
}
