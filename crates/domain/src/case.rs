//! Fraud cases: the versioned taxonomy of fraud types and the status lifecycle.

use serde::{Deserialize, Serialize};

use crate::InvalidValue;

/// Version of the taxonomy below; stored with every case.
pub const TAXONOMY_VERSION: &str = "2026.1";

/// The fraud types: the ministry's common types first, then the plans' own.
pub const FRAUD_TYPES: [(&str, &str); 16] = [
    ("brushing_rebate", "刷单返利"),
    ("fake_investment", "虚假投资理财"),
    ("fake_loan", "虚假网络贷款"),
    ("fake_customer_service", "冒充电商物流客服"),
    ("fake_police", "冒充公检法"),
    ("fake_credit", "虚假征信"),
    ("fake_shopping", "虚假购物服务"),
    ("fake_acquaintance", "冒充领导熟人"),
    ("game_trading", "网络游戏虚假交易"),
    ("romance", "网络婚恋交友"),
    ("fake_teacher", "冒充教师"),
    ("student_fee", "学生缴费"),
    ("fake_subsidy", "虚假补贴退税"),
    ("fake_lottery", "虚假中奖"),
    ("sextortion", "裸聊敲诈"),
    ("other", "其他"),
];

/// A fraud type by its id or Chinese name.
pub fn fraud_type(s: &str) -> Result<&'static str, InvalidValue> {
    let s = s.trim();
    FRAUD_TYPES.iter().find(|(id, zh)| *id == s || *zh == s).map(|(id, _)| *id).ok_or_else(|| {
        InvalidValue::new("fraud_type", format!("unknown fraud type '{s}' (taxonomy {TAXONOMY_VERSION})"))
    })
}

/// The Chinese name of a fraud type id.
pub fn fraud_type_zh(id: &str) -> &'static str {
    FRAUD_TYPES.iter().find(|(i, _)| *i == id).map(|(_, zh)| *zh).unwrap_or("其他")
}

/// What a suspect left behind in a case.
pub const OBSERVABLE_KINDS: [(&str, &str); 6] = [
    ("phone", "电话号码"),
    ("bank_account", "银行账户"),
    ("payment_account", "支付账户"),
    ("url", "网址"),
    ("app", "APP"),
    ("im_account", "社交账号"),
];

/// Checks an observable's kind and normalises its value (spaces and dashes out of numbers,
/// URLs lower-cased without a trailing slash), so that the same thing written twice matches.
pub fn observable(kind: &str, value: &str) -> Result<(&'static str, String), InvalidValue> {
    let kind = OBSERVABLE_KINDS
        .iter()
        .find(|(id, zh)| *id == kind.trim() || *zh == kind.trim())
        .map(|(id, _)| *id)
        .ok_or_else(|| {
            InvalidValue::new(
                "observables",
                format!("unknown kind '{kind}' (phone, bank_account, payment_account, url, app, im_account)"),
            )
        })?;
    let v = value.trim();
    let v = match kind {
        "phone" | "bank_account" => v.chars().filter(|c| !c.is_whitespace() && *c != '-').collect::<String>(),
        "url" => v.trim_end_matches('/').to_lowercase(),
        _ => v.to_string(),
    };
    if v.is_empty() || v.len() > 200 {
        return Err(InvalidValue::new("observables", format!("{kind}: empty or longer than 200 characters")));
    }
    if matches!(kind, "phone" | "bank_account") && !v.chars().all(|c| c.is_ascii_digit() || c == '+') {
        return Err(InvalidValue::new("observables", format!("{kind}: '{v}' is not a number")));
    }
    Ok((kind, v))
}

/// Where a case is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// Reported (接警).
    Reported,
    /// Filed as a criminal case (立案).
    Filed,
    /// Solved (破案).
    Solved,
    /// Closed (结案): final.
    Closed,
}

impl CaseStatus {
    /// Every status, in a case's order.
    pub const ALL: [CaseStatus; 4] = [Self::Reported, Self::Filed, Self::Solved, Self::Closed];

    /// The name people read.
    pub fn zh(self) -> &'static str {
        match self {
            Self::Reported => "已接警",
            Self::Filed => "已立案",
            Self::Solved => "已破案",
            Self::Closed => "已结案",
        }
    }

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reported => "reported",
            Self::Filed => "filed",
            Self::Solved => "solved",
            Self::Closed => "closed",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        match s.trim() {
            "reported" | "接警" => Ok(Self::Reported),
            "filed" | "立案" => Ok(Self::Filed),
            "solved" | "破案" => Ok(Self::Solved),
            "closed" | "结案" => Ok(Self::Closed),
            other => {
                Err(InvalidValue::new("status", format!("unknown status '{other}' (reported, filed, solved, closed)")))
            }
        }
    }

    /// Whether a case may move from `self` to `to`: forward only, and nothing leaves `Closed`
    /// (a closed case is reopened as a new, linked case, never silently).
    pub fn may_become(self, to: CaseStatus) -> bool {
        let rank = |s: CaseStatus| match s {
            Self::Reported => 0,
            Self::Filed => 1,
            Self::Solved => 2,
            Self::Closed => 3,
        };
        self != Self::Closed && rank(to) > rank(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifecycle_is_forward_only_and_closed_is_final() {
        use CaseStatus::*;
        assert!(Reported.may_become(Filed) && Filed.may_become(Closed) && Reported.may_become(Solved));
        assert!(!Solved.may_become(Filed));
        for to in [Reported, Filed, Solved, Closed] {
            assert!(!Closed.may_become(to), "closed → {to:?}");
        }
    }

    #[test]
    fn observables_normalise() {
        assert_eq!(observable("电话号码", " 138-0000 1111 ").ok(), Some(("phone", "13800001111".to_string())));
        assert_eq!(observable("url", "HTTP://Fake.cn/").ok(), Some(("url", "http://fake.cn".to_string())));
        assert!(observable("bank_account", "62x").is_err());
        assert!(observable("pigeon", "1").is_err());
    }

    #[test]
    fn types_by_id_or_name() {
        assert_eq!(fraud_type("刷单返利").ok(), Some("brushing_rebate"));
        assert_eq!(fraud_type("fake_police").ok(), Some("fake_police"));
        assert!(fraud_type("外星人").is_err());
    }
}
