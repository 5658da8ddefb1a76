//! Roles of users and what each may do. The server checks a [`Permission`] in every handler.

use serde::{Deserialize, Serialize};

use crate::InvalidValue;

/// Something a caller may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Read jurisdictions, stations, units.
    RegistryRead,
    /// Create and change jurisdictions, population figures, stations, units.
    RegistryWrite,
    /// List and read residents (masked).
    ResidentRead,
    /// Create, change and import residents.
    ResidentWrite,
    /// See a personal field in clear, with a reason, audited.
    PiiUnmask,
    /// Manage users and API keys.
    UserAdmin,
    /// Read and verify the audit log.
    AuditRead,
    /// Ask the engine for a decision on a transfer (bank and operator systems).
    Decide,
    /// See warnings raised for the caller's area.
    WarningRead,
    /// Add to and remove from the fraud list.
    ListWrite,
    /// Read fraud cases, statistics and rankings of the caller's area.
    CaseRead,
    /// Register, import and update fraud cases.
    CaseWrite,
    /// Read and download the published reports that reach the caller's area.
    ReportRead,
    /// Generate reports and write their narrative (drafts).
    ReportWrite,
    /// Approve and publish reports.
    ReportApprove,
    /// Record the caller's own unit's outreach, receipts, pledges, figures and tasks.
    PreventionWrite,
    /// See every unit's prevention work in the caller's area, verify figures, raise tasks.
    PreventionReview,
    /// Keep key-person files: measures, carers, visits (masked).
    KeyPerson,
    /// Send warnings of upstream platforms (国家/省/市平台, 96110, banks, operators) in.
    UpstreamPush,
}

impl Permission {
    /// Every permission.
    pub const ALL: [Permission; 19] = [
        Self::RegistryRead,
        Self::RegistryWrite,
        Self::ResidentRead,
        Self::ResidentWrite,
        Self::PiiUnmask,
        Self::UserAdmin,
        Self::AuditRead,
        Self::Decide,
        Self::WarningRead,
        Self::ListWrite,
        Self::CaseRead,
        Self::CaseWrite,
        Self::ReportRead,
        Self::ReportWrite,
        Self::ReportApprove,
        Self::PreventionWrite,
        Self::PreventionReview,
        Self::KeyPerson,
        Self::UpstreamPush,
    ];

    /// The stored and API name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RegistryRead => "registry_read",
            Self::RegistryWrite => "registry_write",
            Self::ResidentRead => "resident_read",
            Self::ResidentWrite => "resident_write",
            Self::PiiUnmask => "pii_unmask",
            Self::UserAdmin => "user_admin",
            Self::AuditRead => "audit_read",
            Self::Decide => "decide",
            Self::WarningRead => "warning_read",
            Self::ListWrite => "list_write",
            Self::CaseRead => "case_read",
            Self::CaseWrite => "case_write",
            Self::ReportRead => "report_read",
            Self::ReportWrite => "report_write",
            Self::ReportApprove => "report_approve",
            Self::PreventionWrite => "prevention_write",
            Self::PreventionReview => "prevention_review",
            Self::KeyPerson => "key_person",
            Self::UpstreamPush => "upstream_push",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == s.trim())
            .ok_or_else(|| InvalidValue::new("permission", format!("unknown permission '{s}'")))
    }
}

/// The role of a user; each user has exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 系统管理员: users, keys, audit; sees everything.
    SystemAdmin,
    /// 领导小组办公室: runs the registry, rankings and reports for its area.
    Office,
    /// 反诈中心研判员: analyses warnings and cases; may unmask.
    CentreAnalyst,
    /// 派出所民警: works the residents and warnings of the station's precinct.
    StationOfficer,
    /// 网格员: residents of the grid; visits and outreach.
    GridWorker,
    /// 成员单位填报员: reports a member unit's work.
    UnitReporter,
    /// 银行联络员: answers stop-payment and freeze requests for one bank.
    BankLiaison,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 7] = [
        Self::SystemAdmin,
        Self::Office,
        Self::CentreAnalyst,
        Self::StationOfficer,
        Self::GridWorker,
        Self::UnitReporter,
        Self::BankLiaison,
    ];

    /// The stored and API name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SystemAdmin => "system_admin",
            Self::Office => "office",
            Self::CentreAnalyst => "centre_analyst",
            Self::StationOfficer => "station_officer",
            Self::GridWorker => "grid_worker",
            Self::UnitReporter => "unit_reporter",
            Self::BankLiaison => "bank_liaison",
        }
    }

    /// The name people read.
    pub fn zh(self) -> &'static str {
        match self {
            Self::SystemAdmin => "系统管理员",
            Self::Office => "领导小组办公室",
            Self::CentreAnalyst => "反诈中心研判员",
            Self::StationOfficer => "派出所民警",
            Self::GridWorker => "网格员",
            Self::UnitReporter => "成员单位填报员",
            Self::BankLiaison => "银行联络员",
        }
    }

    /// Parses the stored name or the Chinese one.
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s || r.zh() == s)
            .ok_or_else(|| InvalidValue::new("role", format!("unknown role '{s}'")))
    }

    /// What the role may do. Scope (which rows) is separate: see [`crate::Scope`].
    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Self::SystemAdmin => &Permission::ALL,
            Self::Office => &[
                RegistryRead,
                RegistryWrite,
                ResidentRead,
                WarningRead,
                CaseRead,
                ReportRead,
                ReportWrite,
                ReportApprove,
                PreventionWrite,
                PreventionReview,
                KeyPerson,
            ],
            Self::CentreAnalyst => &[
                RegistryRead,
                ResidentRead,
                PiiUnmask,
                WarningRead,
                ListWrite,
                CaseRead,
                CaseWrite,
                ReportRead,
                ReportWrite,
                PreventionReview,
                KeyPerson,
                UpstreamPush,
            ],
            Self::StationOfficer => &[
                RegistryRead,
                ResidentRead,
                ResidentWrite,
                PiiUnmask,
                WarningRead,
                CaseRead,
                CaseWrite,
                ReportRead,
                PreventionWrite,
                KeyPerson,
            ],
            Self::GridWorker => &[RegistryRead, ResidentRead, ResidentWrite, ReportRead, PreventionWrite, KeyPerson],
            Self::UnitReporter => &[RegistryRead, ReportRead, PreventionWrite],
            Self::BankLiaison => &[RegistryRead, Decide, PreventionWrite],
        }
    }

    /// Whether the role has a permission.
    pub fn can(self, p: Permission) -> bool {
        self.permissions().contains(&p)
    }

    /// Whether the role's scope is always the whole county, whatever jurisdiction it is given.
    pub fn county_wide(self) -> bool {
        matches!(self, Self::SystemAdmin | Self::CentreAnalyst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrix() {
        assert!(Role::SystemAdmin.can(Permission::UserAdmin));
        assert!(!Role::Office.can(Permission::PiiUnmask));
        assert!(Role::StationOfficer.can(Permission::PiiUnmask));
        assert!(!Role::GridWorker.can(Permission::PiiUnmask));
        assert!(!Role::UnitReporter.can(Permission::ResidentRead));
        assert!(!Role::BankLiaison.can(Permission::ResidentRead));
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Ok(r));
            assert!(r.can(Permission::RegistryRead));
        }
        for p in Permission::ALL {
            assert_eq!(Permission::parse(p.as_str()), Ok(p));
        }
    }
}
