//! Member units (成员单位) of the leading group, of every kind the work plans name.

use serde::{Deserialize, Serialize};

use crate::InvalidValue;

macro_rules! unit_kinds {
    ($($variant:ident => $code:literal, $zh:literal, $doc:literal;)*) => {
        /// The kind of a member unit.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum MemberUnitKind {
            $(#[doc = $doc] #[serde(rename = $code)] $variant,)*
        }

        impl MemberUnitKind {
            /// Every kind, in the order the plans list them.
            pub const ALL: &'static [MemberUnitKind] = &[$(Self::$variant,)*];

            /// The stored and API name.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $code,)* }
            }

            /// The name people read.
            pub fn zh(self) -> &'static str {
                match self { $(Self::$variant => $zh,)* }
            }
        }
    };
}

unit_kinds! {
    Office => "office", "领导小组办公室", "The leading group's office (领导小组办公室).";
    PoliceBureau => "police_bureau", "公安局", "The county public security bureau and its anti-fraud centre.";
    PoliceStation => "police_station", "派出所", "A police station (派出所).";
    PropagandaDept => "propaganda_dept", "宣传部", "The party propaganda department.";
    CyberspaceOffice => "cyberspace_office", "网信办", "The cyberspace affairs office.";
    TradeUnion => "trade_union", "总工会", "The trade union federation.";
    EducationBureau => "education_bureau", "教育局", "The education bureau.";
    CivilAffairs => "civil_affairs", "民政局", "Civil affairs.";
    Finance => "finance", "财政局", "Finance bureau.";
    HumanResources => "human_resources", "人社局", "Human resources and social security.";
    Transport => "transport", "交通运输局", "Transport bureau.";
    CultureTourism => "culture_tourism", "文旅局", "Culture and tourism bureau.";
    AdminApproval => "admin_approval", "行政审批局", "Administrative approval bureau.";
    MediaGroup => "media_group", "融媒体中心", "The county media group.";
    BankBranch => "bank_branch", "银行网点", "A bank branch or outlet.";
    TelecomOperator => "telecom_operator", "电信运营商", "A telecom operator's county branch or shop.";
    School => "school", "学校", "A school or kindergarten.";
    VillageCommittee => "village_committee", "村(居)委会", "A village or community committee.";
    Company => "company", "企业", "A company.";
    Other => "other", "其他", "Any other body.";
}

impl MemberUnitKind {
    /// Parses the stored name or the Chinese one.
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        let s = s.trim();
        Self::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == s || k.zh() == s)
            .ok_or_else(|| InvalidValue::new("kind", format!("unknown member unit kind '{s}'")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips() {
        assert_eq!(MemberUnitKind::ALL.len(), 20);
        for k in MemberUnitKind::ALL {
            assert_eq!(MemberUnitKind::parse(k.as_str()), Ok(*k));
            assert_eq!(MemberUnitKind::parse(k.zh()), Ok(*k));
        }
        assert!(MemberUnitKind::parse("bakery").is_err());
    }
}
