//! Key-person files (一人一档): the file, its measures and appeals, carers, visits and
//! transfers. Identities stay in `residents`, encrypted; views carry masked names only.

use domain::Scope;
use domain::keyperson::{
    CarerRole, KeyPersonCategory, MeasureKind, MeasureState, VisitKind, check_measure, measure_state, next_visit_due,
};
use jiff::civil::Date;
use serde::Serialize;

use crate::audit::append_in_tx;
use crate::sql::{Arg, Filter, bind_args};
use crate::{AuditFor, BeginWrite, Result, Store, StoreError, now_ms, on_pool};

/// A carer to name.
#[derive(Debug, Clone)]
pub struct NewCarer {
    /// Role among the seven.
    pub role: CarerRole,
    /// Name.
    pub name: String,
    /// The platform user, when the carer has a login (their inbox shows the visits due).
    pub user_id: Option<i64>,
}

/// A new key-person file.
#[derive(Debug, Clone)]
pub struct NewKeyPerson {
    /// The resident.
    pub resident_id: i64,
    /// Categories (at least one).
    pub categories: Vec<KeyPersonCategory>,
    /// Legal basis.
    pub legal_basis: String,
    /// The authority that decided to keep the file.
    pub deciding_authority: String,
    /// Advisory risk score 0–100.
    pub risk_score: Option<i64>,
    /// The responsible unit (usually the police station).
    pub unit_id: i64,
    /// Still abroad (persuade-return).
    pub abroad: bool,
    /// Where abroad.
    pub abroad_place: String,
    /// Days between visits.
    pub visit_every_days: i64,
    /// Opened on.
    pub opened_on: Date,
    /// Carers.
    pub carers: Vec<NewCarer>,
    /// Who opened it.
    pub created_by: String,
}

/// A file as listed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct KeyPersonView {
    /// Id.
    pub id: i64,
    /// The resident.
    pub resident_id: i64,
    /// `张*`.
    pub name: String,
    /// Masked identity number.
    pub id_number: String,
    /// Category codes.
    pub categories: Vec<String>,
    /// Advisory risk score.
    pub risk_score: Option<i64>,
    /// Responsible unit.
    pub unit_id: i64,
    /// Its name.
    pub unit_name: String,
    /// Where the person lives.
    pub jurisdiction_id: i64,
    /// Its name.
    pub jurisdiction_name: String,
    /// Abroad, to persuade back.
    pub abroad: bool,
    /// Where abroad.
    pub abroad_place: String,
    /// Visit interval.
    pub visit_every_days: i64,
    /// Opened on.
    pub opened_on: String,
    /// Last visit.
    pub last_visit: Option<String>,
    /// Next visit due.
    pub next_visit_due: String,
    /// Past due.
    pub visit_overdue: bool,
    /// Measures in force today.
    pub measures_in_force: i64,
    /// Carers' roles filled.
    pub carers: i64,
    /// `active` or `closed`.
    pub status: String,
}

/// A measure with its state today.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MeasureView {
    /// Id.
    pub id: i64,
    /// Kind code.
    pub kind: String,
    /// First day.
    pub starts_on: String,
    /// Last day.
    pub ends_on: String,
    /// Who decided it (a person, never "the system").
    pub decided_by: String,
    /// Reason given in the notice.
    pub reason: String,
    /// Appeal channel given in the notice.
    pub appeal_channel: String,
    /// Documents an appeal needs.
    pub documents: String,
    /// State today.
    #[schema(value_type = String)]
    pub state: MeasureState,
    /// Lifted on.
    pub lifted_on: Option<String>,
    /// Lifted by.
    pub lifted_by: String,
    /// Why lifted.
    pub lifted_reason: String,
}

/// A carer.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CarerView {
    /// Role code.
    pub role: String,
    /// Name.
    pub name: String,
    /// Platform user.
    pub user_id: Option<i64>,
}
crate::rows::from_row!(CarerView { role, name, user_id });

/// A visit.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VisitView {
    /// Id.
    pub id: i64,
    /// Kind code.
    pub kind: String,
    /// Day.
    pub visited_on: String,
    /// Visitor.
    pub by_name: String,
    /// Note.
    pub note: String,
}
crate::rows::from_row!(VisitView { id, kind, visited_on, by_name, note });

/// An appeal and its check.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AppealView {
    /// Id.
    pub id: i64,
    /// Measure.
    pub measure_id: i64,
    /// Filed on.
    pub filed_on: String,
    /// Grounds.
    pub grounds: String,
    /// The check passed (the measure was lifted).
    pub passed: i64,
    /// Checked by.
    pub checked_by: String,
    /// Note.
    pub note: String,
}
crate::rows::from_row!(AppealView { id, measure_id, filed_on, grounds, passed, checked_by, note });

/// A transfer between units.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TransferView {
    /// From unit.
    pub from_unit: String,
    /// To unit.
    pub to_unit: String,
    /// Reason.
    pub reason: String,
    /// By.
    pub by_name: String,
    /// When (ms).
    pub at_ms: i64,
}
crate::rows::from_row!(TransferView { from_unit, to_unit, reason, by_name, at_ms });

/// The whole file.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct KeyPersonFile {
    /// Summary.
    pub person: KeyPersonView,
    /// Legal basis.
    pub legal_basis: String,
    /// Deciding authority.
    pub deciding_authority: String,
    /// Measures.
    pub measures: Vec<MeasureView>,
    /// Appeals.
    pub appeals: Vec<AppealView>,
    /// Carers.
    pub carers: Vec<CarerView>,
    /// Roles not yet filled.
    pub missing_carers: Vec<String>,
    /// Visits, latest first.
    pub visits: Vec<VisitView>,
    /// Transfers, latest first.
    pub transfers: Vec<TransferView>,
}

struct Row {
    id: i64,
    resident_id: i64,
    name: String,
    id_number_enc: Vec<u8>,
    categories: String,
    risk_score: Option<i64>,
    unit_id: i64,
    unit_name: String,
    jurisdiction_id: i64,
    jurisdiction_name: String,
    abroad: i64,
    abroad_place: String,
    visit_every_days: i64,
    opened_on: String,
    last_visit: Option<String>,
    measures_in_force: i64,
    carers: i64,
    status: String,
    legal_basis: String,
    deciding_authority: String,
}
crate::rows::from_row!(Row {
    id,
    resident_id,
    name,
    id_number_enc,
    categories,
    risk_score,
    unit_id,
    unit_name,
    jurisdiction_id,
    jurisdiction_name,
    abroad,
    abroad_place,
    visit_every_days,
    opened_on,
    last_visit,
    measures_in_force,
    carers,
    status,
    legal_basis,
    deciding_authority
});

/// `$1` is today (`YYYY-MM-DD`), so the count of measures in force is exact.
const VIEW: &str = "SELECT k.id, k.resident_id, r.name, r.id_number_enc, k.categories, k.risk_score, k.unit_id, u.name AS unit_name, k.jurisdiction_id, j.name AS jurisdiction_name, \
     k.abroad, k.abroad_place, k.visit_every_days, k.opened_on, \
     (SELECT MAX(v.visited_on) FROM key_person_visits v WHERE v.key_person_id = k.id) AS last_visit, \
     (SELECT COUNT(*) FROM key_person_measures m WHERE m.key_person_id = k.id AND m.lifted_on IS NULL AND m.starts_on <= $1 AND m.ends_on >= $1) AS measures_in_force, \
     (SELECT COUNT(*) FROM key_person_carers c WHERE c.key_person_id = k.id) AS carers, k.status, k.legal_basis, k.deciding_authority \
     FROM key_persons k JOIN residents r ON r.id = k.resident_id JOIN member_units u ON u.id = k.unit_id JOIN jurisdictions j ON j.id = k.jurisdiction_id";

fn parse_date(field: &'static str, s: &str) -> Result<Date> {
    s.parse().map_err(|_| StoreError::Invalid(domain::InvalidValue::new(field, format!("'{s}' is not a date"))))
}

impl Store {
    fn key_person_view(&self, r: &Row, today: Date) -> Result<KeyPersonView> {
        let id_clear = self.vault().decrypt(pii::Field::IdNumber, &r.id_number_enc)?;
        let opened = parse_date("opened_on", &r.opened_on)?;
        let last = r.last_visit.as_deref().map(|d| parse_date("visited_on", d)).transpose()?;
        let due = next_visit_due(opened, last, r.visit_every_days);
        Ok(KeyPersonView {
            id: r.id,
            resident_id: r.resident_id,
            name: domain::mask_name(&r.name),
            id_number: domain::person::mask_keep(&id_clear, 3, 4),
            categories: r.categories.split(',').filter(|s| !s.is_empty()).map(String::from).collect(),
            risk_score: r.risk_score,
            unit_id: r.unit_id,
            unit_name: r.unit_name.clone(),
            jurisdiction_id: r.jurisdiction_id,
            jurisdiction_name: r.jurisdiction_name.clone(),
            abroad: r.abroad != 0,
            abroad_place: r.abroad_place.clone(),
            visit_every_days: r.visit_every_days,
            opened_on: r.opened_on.clone(),
            last_visit: r.last_visit.clone(),
            next_visit_due: due.to_string(),
            visit_overdue: r.status == "active" && today > due,
            measures_in_force: r.measures_in_force,
            carers: r.carers,
            status: r.status.clone(),
        })
    }

    /// Opens a file for a resident in `scope`, with its carers; the audit entry, built from the
    /// new id, commits with it.
    pub async fn add_key_person(
        &self,
        scope: &Scope,
        k: &NewKeyPerson,
        audit: Option<AuditFor<'_, i64>>,
    ) -> Result<i64> {
        let res = self.resident(scope, k.resident_id).await?;
        let (path,): (String,) = on_pool!(&self.db, p => sqlx::query_as("SELECT jurisdiction_path FROM residents WHERE id = $1").bind(k.resident_id).fetch_one(p).await?);
        if k.categories.is_empty() {
            return Err(StoreError::Invalid(domain::InvalidValue::new("categories", "at least one category")));
        }
        if k.legal_basis.trim().is_empty() || k.deciding_authority.trim().is_empty() {
            return Err(StoreError::Invalid(domain::InvalidValue::new(
                "legal_basis",
                "the legal basis and the deciding authority are required",
            )));
        }
        if k.risk_score.is_some_and(|s| !(0..=100).contains(&s)) {
            return Err(StoreError::Invalid(domain::InvalidValue::new("risk_score", "0 to 100")));
        }
        if k.visit_every_days < 1 {
            return Err(StoreError::Invalid(domain::InvalidValue::new("visit_every_days", "at least 1")));
        }
        let cats: Vec<&str> = k.categories.iter().map(|c| c.as_str()).collect();
        let now = now_ms();
        let (pg, has_audit) = (self.is_postgres(), audit.is_some());
        let _writer = self.audit_writer_if(has_audit).await;
        let id = on_pool!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            let (id,): (i64,) = sqlx::query_as("INSERT INTO key_persons (resident_id, categories, legal_basis, deciding_authority, risk_score, unit_id, jurisdiction_id, jurisdiction_path, abroad, abroad_place, visit_every_days, opened_on, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) RETURNING id")
                .bind(k.resident_id).bind(cats.join(",")).bind(k.legal_basis.trim()).bind(k.deciding_authority.trim()).bind(k.risk_score).bind(k.unit_id).bind(res.jurisdiction_id).bind(&path)
                .bind(i64::from(k.abroad)).bind(&k.abroad_place).bind(k.visit_every_days).bind(k.opened_on.to_string()).bind(&k.created_by).bind(now).fetch_one(&mut *tx).await?;
            for c in &k.carers {
                sqlx::query("INSERT INTO key_person_carers (key_person_id, role, name, user_id) VALUES ($1, $2, $3, $4) ON CONFLICT (key_person_id, role) DO UPDATE SET name = excluded.name, user_id = excluded.user_id")
                    .bind(id).bind(c.role.as_str()).bind(&c.name).bind(c.user_id).execute(&mut *tx).await?;
            }
            if let Some(a) = audit {
                append_in_tx!(tx, pg, [a(&id)]);
            }
            tx.commit().await?;
            id
        });
        Ok(id)
    }

    /// Files in `scope`; with `carer_user`, only those the user cares for; with
    /// `overdue_only`, only those whose visit is late on `today`.
    pub async fn key_persons(
        &self,
        scope: &Scope,
        carer_user: Option<i64>,
        overdue_only: bool,
        today: Date,
    ) -> Result<Vec<KeyPersonView>> {
        let mut f = Filter::default();
        let t = f.bind(Arg::Text(today.to_string()));
        debug_assert_eq!(t, "$1");
        f.scope("k.jurisdiction_path", scope);
        if let Some(u) = carer_user {
            let b = f.bind(Arg::I64(u));
            f.and(format!(
                "EXISTS (SELECT 1 FROM key_person_carers c WHERE c.key_person_id = k.id AND c.user_id = {b})"
            ));
        }
        let sql = format!("{VIEW}{} ORDER BY k.id", f.sql());
        let rows: Vec<Row> =
            on_pool!(&self.db, p => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), f.args).fetch_all(p).await?);
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let v = self.key_person_view(r, today)?;
            if !overdue_only || v.visit_overdue {
                out.push(v);
            }
        }
        Ok(out)
    }

    /// The whole file, if in `scope`.
    pub async fn key_person_file(&self, scope: &Scope, id: i64, today: Date) -> Result<KeyPersonFile> {
        let mut f = Filter::default();
        f.bind(Arg::Text(today.to_string()));
        let b = f.bind(Arg::I64(id));
        f.and(format!("k.id = {b}"));
        f.scope("k.jurisdiction_path", scope);
        let sql = format!("{VIEW}{}", f.sql());
        let row: Option<Row> = on_pool!(&self.db, p => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), f.args).fetch_optional(p).await?);
        let row = row.ok_or(StoreError::NotFound("key person"))?;
        let person = self.key_person_view(&row, today)?;
        type MRow = (i64, String, String, String, String, String, String, String, Option<String>, String, String);
        let (ms, appeals, carers, visits, transfers) = on_pool!(&self.db, p => {
            let ms: Vec<MRow> = sqlx::query_as("SELECT id, kind, starts_on, ends_on, decided_by, reason, appeal_channel, documents, lifted_on, lifted_by, lifted_reason FROM key_person_measures WHERE key_person_id = $1 ORDER BY id").bind(id).fetch_all(p).await?;
            let appeals: Vec<AppealView> = sqlx::query_as("SELECT a.id, a.measure_id, a.filed_on, a.grounds, a.passed, a.checked_by, a.note FROM key_person_appeals a JOIN key_person_measures m ON m.id = a.measure_id WHERE m.key_person_id = $1 ORDER BY a.id").bind(id).fetch_all(p).await?;
            let carers: Vec<CarerView> = sqlx::query_as("SELECT role, name, user_id FROM key_person_carers WHERE key_person_id = $1").bind(id).fetch_all(p).await?;
            let visits: Vec<VisitView> = sqlx::query_as("SELECT id, kind, visited_on, by_name, note FROM key_person_visits WHERE key_person_id = $1 ORDER BY visited_on DESC, id DESC").bind(id).fetch_all(p).await?;
            let transfers: Vec<TransferView> = sqlx::query_as("SELECT uf.name AS from_unit, ut.name AS to_unit, t.reason, t.by_name, t.at_ms FROM key_person_transfers t JOIN member_units uf ON uf.id = t.from_unit_id JOIN member_units ut ON ut.id = t.to_unit_id WHERE t.key_person_id = $1 ORDER BY t.id DESC").bind(id).fetch_all(p).await?;
            (ms, appeals, carers, visits, transfers)
        });
        let mut measures = Vec::new();
        for (mid, kind, s, e, decided_by, reason, appeal_channel, documents, lifted_on, lifted_by, lifted_reason) in ms
        {
            let state = measure_state(
                parse_date("starts_on", &s)?,
                parse_date("ends_on", &e)?,
                lifted_on.as_deref().map(|d| parse_date("lifted_on", d)).transpose()?,
                today,
            );
            measures.push(MeasureView {
                id: mid,
                kind,
                starts_on: s,
                ends_on: e,
                decided_by,
                reason,
                appeal_channel,
                documents,
                state,
                lifted_on,
                lifted_by,
                lifted_reason,
            });
        }
        let mut sorted_carers = carers;
        sorted_carers.sort_by_key(|c| {
            CarerRole::parse(&c.role).map(|r| CarerRole::ALL.iter().position(|x| *x == r).unwrap_or(99)).unwrap_or(99)
        });
        let present: Vec<CarerRole> = sorted_carers.iter().filter_map(|c| CarerRole::parse(&c.role).ok()).collect();
        let missing_carers =
            domain::keyperson::missing_carers(&present).into_iter().map(|r| r.as_str().to_string()).collect();
        Ok(KeyPersonFile {
            person,
            legal_basis: row.legal_basis,
            deciding_authority: row.deciding_authority,
            measures,
            appeals,
            carers: sorted_carers,
            missing_carers,
            visits,
            transfers,
        })
    }

    /// Adds a control measure to a file in `scope`; its period is checked against the law and
    /// the person who decided it is recorded.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_measure(
        &self,
        scope: &Scope,
        key_person_id: i64,
        kind: MeasureKind,
        starts: Date,
        ends: Date,
        decided_by: &str,
        reason: &str,
        appeal_channel: &str,
        documents: &str,
        audit: Option<AuditFor<'_, i64>>,
    ) -> Result<i64> {
        self.key_person_file(scope, key_person_id, starts).await?;
        check_measure(kind, starts, ends)?;
        for (field, v) in [
            ("decided_by", decided_by),
            ("reason", reason),
            ("appeal_channel", appeal_channel),
            ("documents", documents),
        ] {
            if v.trim().is_empty() {
                return Err(StoreError::Invalid(domain::InvalidValue::new(
                    field,
                    "required: the notice must state it",
                )));
            }
        }
        let (pg, has_audit) = (self.is_postgres(), audit.is_some());
        let _writer = self.audit_writer_if(has_audit).await;
        let id = on_pool!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            let (id,): (i64,) = sqlx::query_as("INSERT INTO key_person_measures (key_person_id, kind, starts_on, ends_on, decided_by, reason, appeal_channel, documents, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id")
                .bind(key_person_id).bind(kind.as_str()).bind(starts.to_string()).bind(ends.to_string()).bind(decided_by.trim()).bind(reason.trim()).bind(appeal_channel.trim()).bind(documents.trim()).bind(now_ms()).fetch_one(&mut *tx).await?;
            if let Some(a) = audit {
                append_in_tx!(tx, pg, [a(&id)]);
            }
            tx.commit().await?;
            id
        });
        Ok(id)
    }

    /// Records the check of an appeal against a measure in `scope`. When the check passes the
    /// measure is lifted at once (from `today`), in the same transaction.
    #[allow(clippy::too_many_arguments)]
    pub async fn decide_appeal(
        &self,
        scope: &Scope,
        measure_id: i64,
        filed_on: Date,
        grounds: &str,
        passed: bool,
        checked_by: &str,
        note: &str,
        today: Date,
        audit: Option<AuditFor<'_, i64>>,
    ) -> Result<i64> {
        let row: Option<(i64, Option<String>)> = on_pool!(&self.db, p => sqlx::query_as("SELECT key_person_id, lifted_on FROM key_person_measures WHERE id = $1").bind(measure_id).fetch_optional(p).await?);
        let (kp, lifted) = row.ok_or(StoreError::NotFound("measure"))?;
        self.key_person_file(scope, kp, today).await?;
        if lifted.is_some() {
            return Err(StoreError::Conflict { field: "measure_id", message: "the measure was already lifted".into() });
        }
        if grounds.trim().is_empty() {
            return Err(StoreError::Invalid(domain::InvalidValue::new("grounds", "required")));
        }
        let now = now_ms();
        let (pg, has_audit) = (self.is_postgres(), audit.is_some());
        let _writer = self.audit_writer_if(has_audit).await;
        let id = on_pool!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            let (id,): (i64,) = sqlx::query_as("INSERT INTO key_person_appeals (measure_id, filed_on, grounds, passed, checked_by, note, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
                .bind(measure_id).bind(filed_on.to_string()).bind(grounds.trim()).bind(i64::from(passed)).bind(checked_by).bind(note).bind(now).fetch_one(&mut *tx).await?;
            if passed {
                sqlx::query("UPDATE key_person_measures SET lifted_on = $1, lifted_by = $2, lifted_reason = $3 WHERE id = $4 AND lifted_on IS NULL")
                    .bind(today.to_string()).bind(checked_by).bind(format!("申诉核查通过：{}", note.trim())).bind(measure_id).execute(&mut *tx).await?;
            }
            if let Some(a) = audit {
                append_in_tx!(tx, pg, [a(&id)]);
            }
            tx.commit().await?;
            id
        });
        Ok(id)
    }

    /// Names (or renames) the carer of a role.
    pub async fn set_carer(
        &self,
        scope: &Scope,
        key_person_id: i64,
        c: &NewCarer,
        today: Date,
        audit: Option<AuditFor<'_, i64>>,
    ) -> Result<()> {
        self.key_person_file(scope, key_person_id, today).await?;
        let (pg, has_audit) = (self.is_postgres(), audit.is_some());
        let _writer = self.audit_writer_if(has_audit).await;
        on_pool!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query("INSERT INTO key_person_carers (key_person_id, role, name, user_id) VALUES ($1, $2, $3, $4) ON CONFLICT (key_person_id, role) DO UPDATE SET name = excluded.name, user_id = excluded.user_id")
                .bind(key_person_id).bind(c.role.as_str()).bind(&c.name).bind(c.user_id).execute(&mut *tx).await?;
            if let Some(a) = audit {
                append_in_tx!(tx, pg, [a(&key_person_id)]);
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Records a visit; a `returned` visit ends the persuade-return (the person is back).
    #[allow(clippy::too_many_arguments)]
    pub async fn add_visit(
        &self,
        scope: &Scope,
        key_person_id: i64,
        kind: VisitKind,
        visited_on: Date,
        by: &str,
        note: &str,
        today: Date,
        audit: Option<AuditFor<'_, i64>>,
    ) -> Result<i64> {
        self.key_person_file(scope, key_person_id, today).await?;
        if visited_on > today {
            return Err(StoreError::Invalid(domain::InvalidValue::new(
                "visited_on",
                "a visit cannot be in the future",
            )));
        }
        let (pg, has_audit) = (self.is_postgres(), audit.is_some());
        let _writer = self.audit_writer_if(has_audit).await;
        let id = on_pool!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            let (id,): (i64,) = sqlx::query_as("INSERT INTO key_person_visits (key_person_id, kind, visited_on, by_name, note, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
                .bind(key_person_id).bind(kind.as_str()).bind(visited_on.to_string()).bind(by).bind(note).bind(now_ms()).fetch_one(&mut *tx).await?;
            if kind == VisitKind::Returned {
                sqlx::query("UPDATE key_persons SET abroad = 0, updated_at = $1 WHERE id = $2").bind(now_ms()).bind(key_person_id).execute(&mut *tx).await?;
            }
            if let Some(a) = audit {
                append_in_tx!(tx, pg, [a(&id)]);
            }
            tx.commit().await?;
            id
        });
        Ok(id)
    }

    /// Moves a file to another unit (and the person's new area when they moved), keeping
    /// the history. The caller must see the file; the new area need not be in their scope.
    #[allow(clippy::too_many_arguments)]
    pub async fn transfer_key_person(
        &self,
        scope: &Scope,
        key_person_id: i64,
        to_unit_id: i64,
        to_jurisdiction_id: Option<i64>,
        reason: &str,
        by: &str,
        today: Date,
        audit: Option<AuditFor<'_, i64>>,
    ) -> Result<()> {
        let file = self.key_person_file(scope, key_person_id, today).await?;
        if reason.trim().is_empty() {
            return Err(StoreError::Invalid(domain::InvalidValue::new("reason", "required")));
        }
        let to_j = to_jurisdiction_id.unwrap_or(file.person.jurisdiction_id);
        let row: Option<(String,)> = on_pool!(&self.db, p => sqlx::query_as("SELECT path FROM jurisdictions WHERE id = $1").bind(to_j).fetch_optional(p).await?);
        let (to_path,) = row.ok_or(StoreError::NotFound("jurisdiction"))?;
        let unit: Option<(i64,)> = on_pool!(&self.db, p => sqlx::query_as("SELECT id FROM member_units WHERE id = $1").bind(to_unit_id).fetch_optional(p).await?);
        unit.ok_or(StoreError::NotFound("unit"))?;
        let (pg, has_audit) = (self.is_postgres(), audit.is_some());
        let _writer = self.audit_writer_if(has_audit).await;
        on_pool!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query("INSERT INTO key_person_transfers (key_person_id, from_unit_id, to_unit_id, from_jurisdiction_id, to_jurisdiction_id, reason, by_name, at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                .bind(key_person_id).bind(file.person.unit_id).bind(to_unit_id).bind(file.person.jurisdiction_id).bind(to_j).bind(reason.trim()).bind(by).bind(now_ms()).execute(&mut *tx).await?;
            sqlx::query("UPDATE key_persons SET unit_id = $1, jurisdiction_id = $2, jurisdiction_path = $3, updated_at = $4 WHERE id = $5")
                .bind(to_unit_id).bind(to_j).bind(&to_path).bind(now_ms()).bind(key_person_id).execute(&mut *tx).await?;
            if let Some(a) = audit {
                append_in_tx!(tx, pg, [a(&key_person_id)]);
            }
            tx.commit().await?;
        });
        Ok(())
    }
}
