//! Prevention records: outreach activities and their evidence, receipts and pledges,
//! responsibility letters, submitted figures, and the coverage of areas computed from them.

use std::collections::HashMap;

use domain::Scope;
use domain::prevention::{AreaCounts, FigureMetric, FormKind, Verification};
use pii::Field;
use serde::Serialize;

use crate::audit::insert_audited;
use crate::sql::{Arg, Filter, bind_args};
use crate::{AuditFor, BeginWrite, Page, PageReq, Result, Store, StoreError, now_ms, on_pool};

/// What of the prevention records a caller sees: an area, and either every unit in it (the
/// office, the centre) or only the caller's own unit.
#[derive(Debug, Clone)]
pub struct Visibility {
    /// The caller's area.
    pub scope: Scope,
    /// `Some(unit)`: only that unit's records.
    pub unit_id: Option<i64>,
}

impl Visibility {
    fn apply(&self, f: &mut Filter, path_col: &str, unit_col: &str) {
        f.scope(path_col, &self.scope);
        if let Some(u) = self.unit_id {
            let b = f.bind(Arg::I64(u));
            f.and(format!("{unit_col} = {b}"));
        }
    }
}

/// A new outreach activity.
#[derive(Debug, Clone)]
pub struct NewActivity {
    /// The unit that held it.
    pub unit_id: i64,
    /// Where.
    pub jurisdiction_id: i64,
    /// Kind.
    pub kind: domain::prevention::OutreachKind,
    /// Audience.
    pub audience: domain::prevention::Audience,
    /// Title.
    pub title: String,
    /// Day held (`YYYY-MM-DD`, China).
    pub held_on: jiff::civil::Date,
    /// People reached.
    pub head_count: i64,
    /// Who recorded it.
    pub created_by: String,
}

/// An activity as listed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ActivityView {
    /// Id.
    pub id: i64,
    /// Unit.
    pub unit_id: i64,
    /// Unit's name.
    pub unit_name: String,
    /// Area.
    pub jurisdiction_id: i64,
    /// Area's name.
    pub jurisdiction_name: String,
    /// Kind code.
    pub kind: String,
    /// Audience code.
    pub audience: String,
    /// Title.
    pub title: String,
    /// Day held.
    pub held_on: String,
    /// People reached.
    pub head_count: i64,
    /// Evidence files.
    pub files: i64,
    /// Recorded by.
    pub created_by: String,
}
crate::rows::from_row!(ActivityView {
    id,
    unit_id,
    unit_name,
    jurisdiction_id,
    jurisdiction_name,
    kind,
    audience,
    title,
    held_on,
    head_count,
    files,
    created_by
});

const ACTIVITY_VIEW: &str = "SELECT a.id, a.unit_id, u.name AS unit_name, a.jurisdiction_id, j.name AS jurisdiction_name, a.kind, a.audience, a.title, a.held_on, a.head_count, \
     (SELECT COUNT(*) FROM outreach_files f WHERE f.activity_id = a.id) AS files, a.created_by \
     FROM outreach_activities a JOIN member_units u ON u.id = a.unit_id JOIN jurisdictions j ON j.id = a.jurisdiction_id";

/// Filter of activity lists.
#[derive(Debug, Clone, Default)]
pub struct ActivityFilter {
    /// One unit.
    pub unit_id: Option<i64>,
    /// Held on or after.
    pub from: Option<String>,
    /// Held on or before.
    pub to: Option<String>,
    /// One kind.
    pub kind: Option<String>,
}

/// A receipt or pledge as listed: who signed is masked.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FormView {
    /// Id.
    pub id: i64,
    /// `receipt` or `pledge`.
    pub kind: String,
    /// Household.
    pub household_code: String,
    /// The signer, masked (`张*`), when a resident is named.
    pub signer: Option<String>,
    /// Grid or village.
    pub jurisdiction_name: String,
    /// Unit that collected it.
    pub unit_name: String,
    /// Day signed.
    pub signed_on: String,
    /// Activity it came from.
    pub activity_id: Option<i64>,
}

/// A figure submitted by a unit.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FigureView {
    /// Id.
    pub id: i64,
    /// Unit.
    pub unit_id: i64,
    /// Unit's name.
    pub unit_name: String,
    /// Area.
    pub jurisdiction_id: i64,
    /// Area's name.
    pub jurisdiction_name: String,
    /// `app_install`, `sms_coverage`, `awareness`.
    pub metric: String,
    /// Month (`YYYY-MM`).
    pub period: String,
    /// The count.
    pub value: i64,
    /// Its base where the unit knows it (an operator's users).
    pub base: Option<i64>,
    /// The evidence described.
    pub evidence: String,
    /// `pending`, `verified`, `rejected`.
    pub status: String,
    /// Reviewer.
    pub reviewed_by: String,
    /// Reviewer's note.
    pub review_note: String,
}
crate::rows::from_row!(FigureView {
    id,
    unit_id,
    unit_name,
    jurisdiction_id,
    jurisdiction_name,
    metric,
    period,
    value,
    base,
    evidence,
    status,
    reviewed_by,
    review_note
});

const FIGURE_VIEW: &str = "SELECT x.id, x.unit_id, u.name AS unit_name, x.jurisdiction_id, j.name AS jurisdiction_name, x.metric, x.period, x.value, x.base, x.evidence, x.status, x.reviewed_by, x.review_note \
     FROM coverage_figures x JOIN member_units u ON u.id = x.unit_id JOIN jurisdictions j ON j.id = x.jurisdiction_id";

/// A household not reached, named so a grid worker can go there; the head is masked.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HouseholdGap {
    /// Household code.
    pub household_code: String,
    /// Grid.
    pub grid_name: String,
    /// Members registered.
    pub members: i64,
    /// One member, masked (`王*`).
    pub head: String,
    /// Address, masked to its village.
    pub address: Option<String>,
}

/// Counts of one leaf of the area tree, before rolling up.
#[derive(Debug, Clone, Copy, Default)]
struct LeafCounts {
    households: i64,
    reached: i64,
    pledged: i64,
    victim: i64,
}

/// The coverage counts of every node of an area, rolled up from its leaves.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NodeCounts {
    /// Node.
    pub jurisdiction_id: i64,
    /// Its parent.
    pub parent_id: Option<i64>,
    /// Level.
    pub kind: String,
    /// Name.
    pub name: String,
    /// Path.
    pub path: String,
    /// Counts.
    #[schema(value_type = Object)]
    pub counts: AreaCounts,
}

impl Store {
    /// Records an activity; the area must be in `scope`.
    pub async fn add_activity(&self, scope: &Scope, a: &NewActivity, audit: Option<AuditFor<'_, i64>>) -> Result<i64> {
        let path = self.path_in_scope(scope, a.jurisdiction_id).await?;
        if a.head_count < 0 {
            return Err(StoreError::Invalid(domain::InvalidValue::new("head_count", "cannot be negative")));
        }
        let id = insert_audited!(self, audit, sqlx::query_as("INSERT INTO outreach_activities (unit_id, jurisdiction_id, jurisdiction_path, kind, audience, title, held_on, head_count, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id")
            .bind(a.unit_id).bind(a.jurisdiction_id).bind(&path).bind(a.kind.as_str()).bind(a.audience.as_str()).bind(&a.title).bind(a.held_on.to_string()).bind(a.head_count).bind(&a.created_by).bind(now_ms()));
        id.ok_or(StoreError::Db(sqlx::Error::RowNotFound))
    }

    /// The path of a node, if the scope sees it.
    pub(crate) async fn path_in_scope(&self, scope: &Scope, jurisdiction_id: i64) -> Result<String> {
        let row: Option<(String,)> = on_pool!(&self.db, p => sqlx::query_as("SELECT path FROM jurisdictions WHERE id = $1").bind(jurisdiction_id).fetch_optional(p).await?);
        match row {
            Some((path,)) if scope.contains(&path) => Ok(path),
            _ => Err(StoreError::NotFound("jurisdiction")),
        }
    }

    /// One activity the caller may see.
    pub async fn activity(&self, vis: &Visibility, id: i64) -> Result<ActivityView> {
        let mut f = Filter::default();
        let b = f.bind(Arg::I64(id));
        f.and(format!("a.id = {b}"));
        vis.apply(&mut f, "a.jurisdiction_path", "a.unit_id");
        let sql = format!("{ACTIVITY_VIEW}{}", f.sql());
        let row: Option<ActivityView> = on_pool!(&self.db, p => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), f.args).fetch_optional(p).await?);
        row.ok_or(StoreError::NotFound("activity"))
    }

    /// Activities the caller may see, latest first.
    pub async fn list_activities(
        &self,
        vis: &Visibility,
        filter: &ActivityFilter,
        page: PageReq,
    ) -> Result<Page<ActivityView>> {
        let mut f = Filter::default();
        vis.apply(&mut f, "a.jurisdiction_path", "a.unit_id");
        if let Some(u) = filter.unit_id {
            let b = f.bind(Arg::I64(u));
            f.and(format!("a.unit_id = {b}"));
        }
        if let Some(v) = &filter.from {
            let b = f.bind(Arg::Text(v.clone()));
            f.and(format!("a.held_on >= {b}"));
        }
        if let Some(v) = &filter.to {
            let b = f.bind(Arg::Text(v.clone()));
            f.and(format!("a.held_on <= {b}"));
        }
        if let Some(v) = &filter.kind {
            let b = f.bind(Arg::Text(v.clone()));
            f.and(format!("a.kind = {b}"));
        }
        let count_sql = format!("SELECT COUNT(*) FROM outreach_activities a{}", f.sql());
        let n = f.args.len();
        let lim = f.bind(Arg::I64(page.limit()));
        let off = f.bind(Arg::I64(page.offset()));
        let sql = format!("{ACTIVITY_VIEW}{} ORDER BY a.held_on DESC, a.id DESC LIMIT {lim} OFFSET {off}", f.sql());
        let (items, total) = on_pool!(&self.db, p => {
            let rows: Vec<ActivityView> = bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), f.args).fetch_all(p).await?;
            let (total,): (i64,) = bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(count_sql)), f.args[..n]).fetch_one(p).await?;
            (rows, total)
        });
        Ok(Page { items, total, page: page.page.max(1), per_page: page.limit() })
    }

    /// Attaches an evidence file (already checked) to an activity the caller may see.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_activity_file(
        &self,
        vis: &Visibility,
        activity_id: i64,
        kind: &str,
        mime: &str,
        bytes: &[u8],
        by: &str,
        audit: Option<AuditFor<'_, i64>>,
    ) -> Result<i64> {
        self.activity(vis, activity_id).await?;
        use sha2::Digest;
        let sha = hex::encode(sha2::Sha256::digest(bytes));
        let enc = self.vault().encrypt_bytes(Field::Evidence, bytes)?;
        let id = insert_audited!(self, audit, sqlx::query_as("INSERT INTO outreach_files (activity_id, kind, mime, size_bytes, sha256, data_enc, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id")
            .bind(activity_id).bind(kind).bind(mime).bind(bytes.len() as i64).bind(&sha).bind(&enc).bind(by).bind(now_ms()));
        id.ok_or(StoreError::Db(sqlx::Error::RowNotFound))
    }

    /// The files of an activity: `(id, kind, mime, size)`.
    pub async fn activity_files(&self, vis: &Visibility, activity_id: i64) -> Result<Vec<(i64, String, String, i64)>> {
        self.activity(vis, activity_id).await?;
        Ok(
            on_pool!(&self.db, p => sqlx::query_as("SELECT id, kind, mime, size_bytes FROM outreach_files WHERE activity_id = $1 ORDER BY id").bind(activity_id).fetch_all(p).await?),
        )
    }

    /// One file, decrypted: `(mime, bytes)`.
    pub async fn activity_file(&self, vis: &Visibility, activity_id: i64, file_id: i64) -> Result<(String, Vec<u8>)> {
        self.activity(vis, activity_id).await?;
        let row: Option<(String, Vec<u8>)> = on_pool!(&self.db, p => sqlx::query_as("SELECT mime, data_enc FROM outreach_files WHERE id = $1 AND activity_id = $2").bind(file_id).bind(activity_id).fetch_optional(p).await?);
        let (mime, enc) = row.ok_or(StoreError::NotFound("file"))?;
        Ok((mime, self.vault().decrypt_bytes(Field::Evidence, &enc)?))
    }

    /// Records a receipt or pledge of a household in `scope`. When a resident is named, they
    /// must belong to the household. The form takes the household's grid as its area.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_form(
        &self,
        scope: &Scope,
        kind: FormKind,
        household_code: &str,
        resident_id: Option<i64>,
        unit_id: i64,
        activity_id: Option<i64>,
        signed_on: jiff::civil::Date,
        by: &str,
        audit: Option<AuditFor<'_, i64>>,
    ) -> Result<i64> {
        let members: Vec<(i64, i64, String)> = on_pool!(&self.db, p => sqlx::query_as("SELECT id, jurisdiction_id, jurisdiction_path FROM residents WHERE household_code = $1 ORDER BY id").bind(household_code).fetch_all(p).await?);
        let Some((_, jid, path)) = members.iter().find(|(_, _, path)| scope.contains(path)).cloned() else {
            return Err(StoreError::Invalid(domain::InvalidValue::new(
                "household_code",
                format!("no household '{household_code}' in your area"),
            )));
        };
        if let Some(r) = resident_id
            && !members.iter().any(|(id, _, _)| *id == r)
        {
            return Err(StoreError::Invalid(domain::InvalidValue::new(
                "resident_id",
                "not a member of this household",
            )));
        }
        let id = insert_audited!(self, audit, sqlx::query_as("INSERT INTO signed_forms (kind, household_code, resident_id, jurisdiction_id, jurisdiction_path, unit_id, activity_id, signed_on, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id")
            .bind(kind.as_str()).bind(household_code).bind(resident_id).bind(jid).bind(&path).bind(unit_id).bind(activity_id).bind(signed_on.to_string()).bind(by).bind(now_ms()));
        id.ok_or(StoreError::Db(sqlx::Error::RowNotFound))
    }

    fn form_views(&self, rows: Vec<FormRow>) -> Vec<FormView> {
        rows.into_iter()
            .map(|r| FormView {
                id: r.id,
                kind: r.kind,
                household_code: r.household_code,
                signer: r.signer.as_deref().map(domain::mask_name),
                jurisdiction_name: r.jurisdiction_name,
                unit_name: r.unit_name,
                signed_on: r.signed_on,
                activity_id: r.activity_id,
            })
            .collect()
    }

    /// Receipts and pledges the caller may see, latest first.
    pub async fn list_forms(
        &self,
        vis: &Visibility,
        household_code: Option<&str>,
        page: PageReq,
    ) -> Result<Page<FormView>> {
        let mut f = Filter::default();
        vis.apply(&mut f, "s.jurisdiction_path", "s.unit_id");
        if let Some(h) = household_code {
            let b = f.bind(Arg::Text(h.to_string()));
            f.and(format!("s.household_code = {b}"));
        }
        let count_sql = format!("SELECT COUNT(*) FROM signed_forms s{}", f.sql());
        let n = f.args.len();
        let lim = f.bind(Arg::I64(page.limit()));
        let off = f.bind(Arg::I64(page.offset()));
        let sql = format!("{FORM_VIEW}{} ORDER BY s.signed_on DESC, s.id DESC LIMIT {lim} OFFSET {off}", f.sql());
        let (rows, total) = on_pool!(&self.db, p => {
            let rows: Vec<FormRow> = bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), f.args).fetch_all(p).await?;
            let (total,): (i64,) = bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(count_sql)), f.args[..n]).fetch_one(p).await?;
            (rows, total)
        });
        Ok(Page { items: self.form_views(rows), total, page: page.page.max(1), per_page: page.limit() })
    }

    /// Receipts and pledges of a resident or their household signed on or before a day: what
    /// the dual inquiry looks for.
    pub async fn forms_of_resident(&self, resident_id: i64, on_or_before: &str) -> Result<Vec<FormView>> {
        let sql = format!(
            "{FORM_VIEW} WHERE (s.resident_id = $1 OR s.household_code = (SELECT household_code FROM residents WHERE id = $1)) AND s.signed_on <= $2 ORDER BY s.signed_on DESC"
        );
        let rows: Vec<FormRow> = on_pool!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(resident_id).bind(on_or_before).fetch_all(p).await?);
        Ok(self.form_views(rows))
    }

    /// Records a unit's responsibility letter (责任书) for a year; one per unit and year.
    pub async fn sign_letter(
        &self,
        unit_id: i64,
        year: i64,
        signed_on: jiff::civil::Date,
        signatory: &str,
        by: &str,
        audit: Option<AuditFor<'_, i64>>,
    ) -> Result<i64> {
        let id = insert_audited!(self, audit, sqlx::query_as("INSERT INTO responsibility_letters (unit_id, year, signed_on, signatory, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (unit_id, year) DO NOTHING RETURNING id")
            .bind(unit_id).bind(year).bind(signed_on.to_string()).bind(signatory).bind(by).bind(now_ms()));
        id.ok_or_else(|| StoreError::Conflict {
            field: "year",
            message: format!("the unit already signed its letter for {year}"),
        })
    }

    /// Submits a figure for verification.
    #[allow(clippy::too_many_arguments)]
    pub async fn submit_figure(
        &self,
        scope: &Scope,
        unit_id: i64,
        jurisdiction_id: i64,
        metric: FigureMetric,
        period: &str,
        value: i64,
        base: Option<i64>,
        evidence: &str,
        by: &str,
        audit: Option<AuditFor<'_, i64>>,
    ) -> Result<i64> {
        let path = self.path_in_scope(scope, jurisdiction_id).await?;
        if domain::time::month_bounds(period).is_none() {
            return Err(StoreError::Invalid(domain::InvalidValue::new(
                "period",
                format!("'{period}' is not a month (YYYY-MM)"),
            )));
        }
        if value < 0 || base.is_some_and(|b| b < 0) {
            return Err(StoreError::Invalid(domain::InvalidValue::new("value", "cannot be negative")));
        }
        if let Some(b) = base
            && value > b
        {
            return Err(StoreError::Invalid(domain::InvalidValue::new(
                "value",
                format!("{value} is more than its base {b}"),
            )));
        }
        if evidence.trim().is_empty() {
            return Err(StoreError::Invalid(domain::InvalidValue::new(
                "evidence",
                "describe the evidence (a file, a system export, a sign-in sheet)",
            )));
        }
        let id = insert_audited!(self, audit, sqlx::query_as("INSERT INTO coverage_figures (unit_id, jurisdiction_id, jurisdiction_path, metric, period, value, base, evidence, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id")
            .bind(unit_id).bind(jurisdiction_id).bind(&path).bind(metric.as_str()).bind(period).bind(value).bind(base).bind(evidence.trim()).bind(by).bind(now_ms()));
        id.ok_or(StoreError::Db(sqlx::Error::RowNotFound))
    }

    /// Figures the caller may see, latest first; optionally only those with a status.
    pub async fn list_figures(
        &self,
        vis: &Visibility,
        status: Option<Verification>,
        page: PageReq,
    ) -> Result<Page<FigureView>> {
        let mut f = Filter::default();
        vis.apply(&mut f, "x.jurisdiction_path", "x.unit_id");
        if let Some(s) = status {
            let b = f.bind(Arg::Text(s.as_str().into()));
            f.and(format!("x.status = {b}"));
        }
        let count_sql = format!("SELECT COUNT(*) FROM coverage_figures x{}", f.sql());
        let n = f.args.len();
        let lim = f.bind(Arg::I64(page.limit()));
        let off = f.bind(Arg::I64(page.offset()));
        let sql = format!("{FIGURE_VIEW}{} ORDER BY x.period DESC, x.id DESC LIMIT {lim} OFFSET {off}", f.sql());
        let (items, total) = on_pool!(&self.db, p => {
            let rows: Vec<FigureView> = bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), f.args).fetch_all(p).await?;
            let (total,): (i64,) = bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(count_sql)), f.args[..n]).fetch_one(p).await?;
            (rows, total)
        });
        Ok(Page { items, total, page: page.page.max(1), per_page: page.limit() })
    }

    /// Verifies or rejects a pending figure in `scope`.
    pub async fn review_figure(
        &self,
        scope: &Scope,
        id: i64,
        verified: bool,
        by: &str,
        note: &str,
        audit: Option<domain::audit::AuditContent>,
    ) -> Result<FigureView> {
        let vis = Visibility { scope: scope.clone(), unit_id: None };
        let mut f = Filter::default();
        let b = f.bind(Arg::I64(id));
        f.and(format!("x.id = {b}"));
        vis.apply(&mut f, "x.jurisdiction_path", "x.unit_id");
        let sql = format!("{FIGURE_VIEW}{}", f.sql());
        let found: Option<FigureView> = on_pool!(&self.db, p => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())), f.args).fetch_optional(p).await?);
        found.ok_or(StoreError::NotFound("figure"))?;
        let to = if verified { Verification::Verified } else { Verification::Rejected };
        let n = crate::audit::execute_audited!(self, audit, sqlx::query("UPDATE coverage_figures SET status = $1, reviewed_by = $2, reviewed_at = $3, review_note = $4 WHERE id = $5 AND status = 'pending'")
            .bind(to.as_str()).bind(by).bind(now_ms()).bind(note).bind(id));
        if n == 0 {
            return Err(StoreError::Conflict { field: "status", message: "the figure was already reviewed".into() });
        }
        let row: FigureView =
            on_pool!(&self.db, p => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), f.args).fetch_one(p).await?);
        Ok(row)
    }

    /// The coverage counts of every node in `scope` for the days `from..=to` (`YYYY-MM-DD`):
    /// households from the registry, reach and pledges from forms signed in the period,
    /// victims from cases reported in it, the population figure in force on `to`, and the
    /// latest verified figures of months in the period. Leaves are rolled up to their
    /// ancestors; every node gets its own population figure (never a sum of children's).
    pub async fn coverage_counts(
        &self,
        scope: &Scope,
        from: jiff::civil::Date,
        to: jiff::civil::Date,
    ) -> Result<Vec<NodeCounts>> {
        let tree = self.jurisdiction_tree(scope).await?;
        let (from_s, to_s) = (from.to_string(), to.to_string());
        let tz = domain::time::china();
        let from_ms = from.to_zoned(tz.clone()).map(|z| z.timestamp().as_millisecond()).unwrap_or(0);
        let to_ms = to
            .tomorrow()
            .ok()
            .and_then(|d| d.to_zoned(tz).ok())
            .map(|z| z.timestamp().as_millisecond())
            .unwrap_or(i64::MAX);
        let mut leaf: HashMap<i64, LeafCounts> = HashMap::new();
        let mut f = Filter::default();
        f.scope("jurisdiction_path", scope);
        // A resident without a household code is a registry gap, not a household.
        f.and("household_code <> ''".into());
        let sql = format!(
            "SELECT jurisdiction_id, COUNT(DISTINCT household_code) FROM residents{} GROUP BY jurisdiction_id",
            f.sql()
        );
        let households: Vec<(i64, i64)> =
            on_pool!(&self.db, p => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), f.args).fetch_all(p).await?);
        for (j, n) in households {
            leaf.entry(j).or_default().households = n;
        }
        let mut f = Filter::default();
        f.scope("jurisdiction_path", scope);
        let a = f.bind(Arg::Text(from_s.clone()));
        let b = f.bind(Arg::Text(to_s.clone()));
        f.and(format!("signed_on >= {a} AND signed_on <= {b}"));
        let sql = format!(
            "SELECT jurisdiction_id, COUNT(DISTINCT household_code), COUNT(DISTINCT CASE WHEN kind = 'pledge' THEN household_code END) FROM signed_forms{} GROUP BY jurisdiction_id",
            f.sql()
        );
        let reached: Vec<(i64, i64, i64)> =
            on_pool!(&self.db, p => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), f.args).fetch_all(p).await?);
        for (j, r, pl) in reached {
            let e = leaf.entry(j).or_default();
            e.reached = r;
            e.pledged = pl;
        }
        let mut f = Filter::default();
        f.scope("r.jurisdiction_path", scope);
        let a = f.bind(Arg::I64(from_ms));
        let b = f.bind(Arg::I64(to_ms));
        f.and(format!("c.reported_at >= {a} AND c.reported_at < {b}"));
        let sql = format!(
            "SELECT r.jurisdiction_id, COUNT(DISTINCT r.household_code) FROM cases c JOIN residents r ON r.id = c.victim_resident_id{} GROUP BY r.jurisdiction_id",
            f.sql()
        );
        let victims: Vec<(i64, i64)> =
            on_pool!(&self.db, p => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), f.args).fetch_all(p).await?);
        for (j, n) in victims {
            leaf.entry(j).or_default().victim = n;
        }
        // Verified figures: per area and metric, the latest month within the period; when two
        // units report the same area and month, the larger figure (they count the same people).
        let (from_m, to_m) = (from.strftime("%Y-%m").to_string(), to.strftime("%Y-%m").to_string());
        let mut f = Filter::default();
        f.scope("jurisdiction_path", scope);
        let a = f.bind(Arg::Text(from_m));
        let b = f.bind(Arg::Text(to_m));
        f.and(format!("status = 'verified' AND period >= {a} AND period <= {b}"));
        let sql = format!(
            "SELECT jurisdiction_id, metric, period, MAX(value), MAX(base) FROM coverage_figures{} GROUP BY jurisdiction_id, metric, period",
            f.sql()
        );
        let figs: Vec<(i64, String, String, i64, Option<i64>)> =
            on_pool!(&self.db, p => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), f.args).fetch_all(p).await?);
        let mut latest: HashMap<(i64, String), (String, i64, Option<i64>)> = HashMap::new();
        for (j, m, period, v, base) in figs {
            let e = latest.entry((j, m)).or_insert((String::new(), 0, None));
            if period > e.0 {
                *e = (period, v, base);
            }
        }
        // Population in force on `to` for every node (the figure dated on or before it).
        let sql = "SELECT jurisdiction_id, as_of, residents FROM population_figures WHERE as_of <= $1 ORDER BY jurisdiction_id, as_of";
        let pops: Vec<(i64, String, i64)> =
            on_pool!(&self.db, p => sqlx::query_as(sql).bind(&to_s).fetch_all(p).await?);
        let mut pop: HashMap<i64, i64> = HashMap::new();
        for (j, _, n) in pops {
            pop.insert(j, n);
        }

        let mut out: Vec<NodeCounts> = tree
            .iter()
            .map(|n| NodeCounts {
                jurisdiction_id: n.id,
                parent_id: n.parent_id,
                kind: n.kind.clone(),
                name: n.name.clone(),
                path: n.path.clone(),
                counts: AreaCounts { residents: pop.get(&n.id).copied(), ..AreaCounts::default() },
            })
            .collect();
        let index: HashMap<i64, usize> = out.iter().enumerate().map(|(i, n)| (n.jurisdiction_id, i)).collect();
        let add_up = |out: &mut Vec<NodeCounts>, start: i64, add: &dyn Fn(&mut AreaCounts)| {
            let mut at = Some(start);
            while let Some(id) = at {
                let Some(&i) = index.get(&id) else { break };
                add(&mut out[i].counts);
                at = out[i].parent_id;
            }
        };
        for (j, c) in &leaf {
            add_up(&mut out, *j, &|a: &mut AreaCounts| {
                a.households += c.households;
                a.households_reached += c.reached;
                a.households_pledged += c.pledged;
                a.households_victim += c.victim;
            });
        }
        for ((j, metric), (_, v, base)) in &latest {
            let (v, base) = (*v, base.unwrap_or(0));
            match metric.as_str() {
                "app_install" => {
                    add_up(&mut out, *j, &|a: &mut AreaCounts| a.app_installs = Some(a.app_installs.unwrap_or(0) + v))
                }
                "sms_coverage" => add_up(&mut out, *j, &|a: &mut AreaCounts| {
                    a.sms_reached += v;
                    a.sms_users += base;
                }),
                _ => {}
            }
        }
        Ok(out)
    }

    /// Households of a village (or any node) in `scope` with no receipt or pledge signed in
    /// `from..=to`, in household order.
    pub async fn households_not_reached(
        &self,
        scope: &Scope,
        jurisdiction_id: i64,
        from: jiff::civil::Date,
        to: jiff::civil::Date,
        page: PageReq,
    ) -> Result<Page<HouseholdGap>> {
        let path = self.path_in_scope(scope, jurisdiction_id).await?;
        let area = Scope::Subtrees(vec![path]);
        let mut f = Filter::default();
        f.scope("r.jurisdiction_path", &area);
        f.and("r.household_code <> ''".into());
        let a = f.bind(Arg::Text(from.to_string()));
        let b = f.bind(Arg::Text(to.to_string()));
        f.and(format!("NOT EXISTS (SELECT 1 FROM signed_forms s WHERE s.household_code = r.household_code AND s.signed_on >= {a} AND s.signed_on <= {b})"));
        let count_sql = format!("SELECT COUNT(DISTINCT r.household_code) FROM residents r{}", f.sql());
        let n = f.args.len();
        let lim = f.bind(Arg::I64(page.limit()));
        let off = f.bind(Arg::I64(page.offset()));
        let sql = format!(
            "SELECT r.household_code, MIN(r.id), COUNT(*), MIN(j.name) FROM residents r JOIN jurisdictions j ON j.id = r.jurisdiction_id{} GROUP BY r.household_code ORDER BY r.household_code LIMIT {lim} OFFSET {off}",
            f.sql()
        );
        let (rows, total) = on_pool!(&self.db, p => {
            let rows: Vec<(String, i64, i64, String)> = bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), f.args).fetch_all(p).await?;
            let (total,): (i64,) = bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(count_sql)), f.args[..n]).fetch_one(p).await?;
            (rows, total)
        });
        let mut items = Vec::with_capacity(rows.len());
        for (code, head_id, members, grid) in rows {
            let (name, addr): (String, Option<Vec<u8>>) = on_pool!(&self.db, p => sqlx::query_as("SELECT name, address_enc FROM residents WHERE id = $1").bind(head_id).fetch_one(p).await?);
            let address =
                addr.map(|a| self.vault().decrypt(Field::Address, &a)).transpose()?.map(|a| domain::mask_address(&a));
            items.push(HouseholdGap {
                household_code: code,
                grid_name: grid,
                members,
                head: domain::mask_name(&name),
                address,
            });
        }
        Ok(Page { items, total, page: page.page.max(1), per_page: page.limit() })
    }
}

struct FormRow {
    id: i64,
    kind: String,
    household_code: String,
    signer: Option<String>,
    jurisdiction_name: String,
    unit_name: String,
    signed_on: String,
    activity_id: Option<i64>,
}
crate::rows::from_row!(FormRow {
    id,
    kind,
    household_code,
    signer,
    jurisdiction_name,
    unit_name,
    signed_on,
    activity_id
});

const FORM_VIEW: &str = "SELECT s.id, s.kind, s.household_code, r.name AS signer, j.name AS jurisdiction_name, u.name AS unit_name, s.signed_on, s.activity_id \
     FROM signed_forms s LEFT JOIN residents r ON r.id = s.resident_id JOIN jurisdictions j ON j.id = s.jurisdiction_id JOIN member_units u ON u.id = s.unit_id";

/// A unit's scorecard: what it did in a period, what it still owes.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Scorecard {
    /// Unit.
    pub unit_id: i64,
    /// Name.
    pub unit_name: String,
    /// Kind code.
    pub unit_kind: String,
    /// First day of the period.
    pub from: String,
    /// Last day of the period.
    pub to: String,
    /// Activities held.
    pub activities: i64,
    /// People reached by them.
    pub head_count: i64,
    /// Activities with at least one evidence file.
    pub activities_with_evidence: i64,
    /// Evidence files.
    pub files: i64,
    /// Activities per kind: `(kind, count, head_count)`.
    pub by_kind: Vec<(String, i64, i64)>,
    /// Receipts collected.
    pub receipts: i64,
    /// Pledges collected.
    pub pledges: i64,
    /// Figures submitted / verified.
    pub figures_submitted: i64,
    /// Figures verified.
    pub figures_verified: i64,
    /// This year's responsibility letter signed.
    pub letter_signed: bool,
    /// Tasks open.
    pub tasks_open: i64,
    /// Tasks done.
    pub tasks_done: i64,
    /// Tasks overdue today.
    pub tasks_overdue: i64,
    /// For a village committee: the coverage of its area.
    #[schema(value_type = Option<Object>)]
    pub coverage: Option<domain::prevention::Coverage>,
    /// The certification it could apply for, and each criterion checked.
    pub certification_kind: String,
    /// Criteria.
    #[schema(value_type = Vec<Object>)]
    pub criteria: Vec<domain::prevention::Criterion>,
    /// Whether every criterion is met.
    pub certifiable: bool,
}

impl Store {
    /// The scorecard of a unit for `from..=to`, judged on `today` against the targets.
    pub async fn unit_scorecard(
        &self,
        unit_id: i64,
        from: jiff::civil::Date,
        to: jiff::civil::Date,
        today: jiff::civil::Date,
        targets: &domain::prevention::Targets,
    ) -> Result<Scorecard> {
        let unit: Option<(String, String, i64, String)> = on_pool!(&self.db, p => sqlx::query_as("SELECT name, kind, jurisdiction_id, jurisdiction_path FROM member_units WHERE id = $1").bind(unit_id).fetch_optional(p).await?);
        let (unit_name, unit_kind, unit_jid, unit_path) = unit.ok_or(StoreError::NotFound("unit"))?;
        let (f, t) = (from.to_string(), to.to_string());
        let year_ago = today.checked_sub(jiff::Span::new().months(12)).unwrap_or(today).to_string();
        let today_s = today.to_string();
        type Kinds = Vec<(String, i64, i64)>;
        type Counts = (Kinds, (i64,), (i64,), Vec<(String, i64)>, (i64, i64), (i64,), (i64, i64, i64), (i64,), (i64,));
        let (by_kind, with_evidence, files, forms, figures, letter, tasks, acts_12m, ev_12m): Counts = on_pool!(&self.db, p => {
            let by_kind: Kinds = sqlx::query_as("SELECT kind, COUNT(*), CAST(COALESCE(SUM(head_count), 0) AS BIGINT) FROM outreach_activities WHERE unit_id = $1 AND held_on >= $2 AND held_on <= $3 GROUP BY kind ORDER BY kind").bind(unit_id).bind(&f).bind(&t).fetch_all(p).await?;
            let with_ev: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM outreach_activities a WHERE a.unit_id = $1 AND a.held_on >= $2 AND a.held_on <= $3 AND EXISTS (SELECT 1 FROM outreach_files x WHERE x.activity_id = a.id)").bind(unit_id).bind(&f).bind(&t).fetch_one(p).await?;
            let files: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM outreach_files x JOIN outreach_activities a ON a.id = x.activity_id WHERE a.unit_id = $1 AND a.held_on >= $2 AND a.held_on <= $3").bind(unit_id).bind(&f).bind(&t).fetch_one(p).await?;
            let forms: Vec<(String, i64)> = sqlx::query_as("SELECT kind, COUNT(*) FROM signed_forms WHERE unit_id = $1 AND signed_on >= $2 AND signed_on <= $3 GROUP BY kind").bind(unit_id).bind(&f).bind(&t).fetch_all(p).await?;
            let figures: (i64, i64) = sqlx::query_as("SELECT COUNT(*), COUNT(CASE WHEN status = 'verified' THEN 1 END) FROM coverage_figures WHERE unit_id = $1 AND period >= $2 AND period <= $3").bind(unit_id).bind(&f[..7]).bind(&t[..7]).fetch_one(p).await?;
            let letter: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM responsibility_letters WHERE unit_id = $1 AND year = $2").bind(unit_id).bind(i64::from(today.year())).fetch_one(p).await?;
            let tasks: (i64, i64, i64) = sqlx::query_as("SELECT COUNT(CASE WHEN status = 'open' THEN 1 END), COUNT(CASE WHEN status = 'done' THEN 1 END), COUNT(CASE WHEN status = 'open' AND due_on < $2 THEN 1 END) FROM tasks WHERE unit_id = $1").bind(unit_id).bind(&today_s).fetch_one(p).await?;
            let a12: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM outreach_activities WHERE unit_id = $1 AND held_on > $2 AND held_on <= $3").bind(unit_id).bind(&year_ago).bind(&today_s).fetch_one(p).await?;
            let e12: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM outreach_activities a WHERE a.unit_id = $1 AND a.held_on > $2 AND a.held_on <= $3 AND EXISTS (SELECT 1 FROM outreach_files x WHERE x.activity_id = a.id)").bind(unit_id).bind(&year_ago).bind(&today_s).fetch_one(p).await?;
            (by_kind, with_ev, files, forms, figures, letter, tasks, a12, e12)
        });
        let kind = domain::MemberUnitKind::parse(&unit_kind)?;
        let cert_kind = domain::prevention::FraudFreeKind::for_unit(kind);
        let tz = domain::time::china();
        let ago_ms = today
            .checked_sub(jiff::Span::new().months(12))
            .ok()
            .and_then(|d| d.to_zoned(tz).ok())
            .map(|z| z.timestamp().as_millisecond())
            .unwrap_or(0);
        // A village's victims are the cases of its area; any other unit answers for the
        // victims the dual inquiry held it responsible for.
        let (coverage, cases_12m) = if kind == domain::MemberUnitKind::VillageCommittee {
            let area = Scope::Subtrees(vec![unit_path.clone()]);
            let nodes = self.coverage_counts(&area, from, to).await?;
            let cov = nodes
                .iter()
                .find(|n| n.jurisdiction_id == unit_jid)
                .map(|n| domain::prevention::coverage(n.counts, targets));
            let mut fl = Filter::default();
            fl.scope("jurisdiction_path", &area);
            let b = fl.bind(Arg::I64(ago_ms));
            fl.and(format!("reported_at >= {b}"));
            let sql = format!("SELECT COUNT(*) FROM cases{}", fl.sql());
            let (n,): (i64,) = on_pool!(&self.db, p => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), fl.args).fetch_one(p).await?);
            (cov, n)
        } else {
            let (n,): (i64,) = on_pool!(&self.db, p => sqlx::query_as("SELECT COUNT(*) FROM dual_inquiries d JOIN cases c ON c.id = d.case_id WHERE d.responsible_unit_id = $1 AND c.reported_at >= $2").bind(unit_id).bind(ago_ms).fetch_one(p).await?);
            (None, n)
        };
        let facts = domain::prevention::CertificationFacts {
            cases_12m,
            activities_12m: acts_12m.0,
            activities_with_evidence_12m: ev_12m.0,
            letter_signed: letter.0 > 0,
            overdue_tasks: tasks.2,
            awareness: coverage.as_ref().and_then(|c| c.four.awareness),
        };
        let criteria = domain::prevention::certification(cert_kind, &facts, targets);
        let count = |k: &str| forms.iter().find(|(x, _)| x == k).map_or(0, |(_, n)| *n);
        Ok(Scorecard {
            unit_id,
            unit_name,
            unit_kind,
            from: f,
            to: t,
            activities: by_kind.iter().map(|(_, n, _)| n).sum(),
            head_count: by_kind.iter().map(|(_, _, h)| h).sum(),
            activities_with_evidence: with_evidence.0,
            files: files.0,
            by_kind,
            receipts: count("receipt"),
            pledges: count("pledge"),
            figures_submitted: figures.0,
            figures_verified: figures.1,
            letter_signed: letter.0 > 0,
            tasks_open: tasks.0,
            tasks_done: tasks.1,
            tasks_overdue: tasks.2,
            coverage,
            certification_kind: cert_kind.as_str().into(),
            certifiable: criteria.iter().all(|c| c.met),
            criteria,
        })
    }
}

/// A receipt or pledge for a bulk load (the demo, an import of paper forms).
#[derive(Debug, Clone)]
pub struct NewForm {
    /// Kind.
    pub kind: FormKind,
    /// Household.
    pub household_code: String,
    /// Signer.
    pub resident_id: Option<i64>,
    /// The household's grid.
    pub jurisdiction_id: i64,
    /// Its path.
    pub jurisdiction_path: String,
    /// Collecting unit.
    pub unit_id: i64,
    /// Day signed.
    pub signed_on: jiff::civil::Date,
    /// Recorded by.
    pub created_by: String,
}

/// A household of the registry: code, one member's id, its grid and the grid's path.
pub type Household = (String, i64, i64, String);

impl Store {
    /// Households of an area, in code order.
    pub async fn households(&self, scope: &Scope) -> Result<Vec<Household>> {
        let mut f = Filter::default();
        f.scope("jurisdiction_path", scope);
        f.and("household_code <> ''".into());
        let sql = format!(
            "SELECT household_code, MIN(id), MIN(jurisdiction_id), MIN(jurisdiction_path) FROM residents{} GROUP BY household_code ORDER BY household_code",
            f.sql()
        );
        Ok(on_pool!(&self.db, p => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), f.args).fetch_all(p).await?))
    }

    /// Ids of residents of an area in some age bands, in id order, at most `limit`.
    pub async fn resident_ids(&self, scope: &Scope, age_bands: &[&str], limit: i64) -> Result<Vec<i64>> {
        let mut f = Filter::default();
        f.scope("jurisdiction_path", scope);
        let bands: Vec<String> = age_bands.iter().map(|b| f.bind(Arg::Text((*b).to_string()))).collect();
        if !bands.is_empty() {
            f.and(format!("age_band IN ({})", bands.join(", ")));
        }
        let lim = f.bind(Arg::I64(limit));
        let sql = format!("SELECT id FROM residents{} ORDER BY id LIMIT {lim}", f.sql());
        let rows: Vec<(i64,)> =
            on_pool!(&self.db, p => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), f.args).fetch_all(p).await?);
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// Loads many receipts and pledges in one transaction (households already checked by the
    /// caller against the registry).
    pub async fn insert_forms(&self, rows: &[NewForm]) -> Result<u64> {
        const COLS_N: usize = 9;
        const BATCH: usize = 32;
        let now = now_ms();
        let mut n = 0;
        on_pool!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            for batch in rows.chunks(BATCH) {
                let sql = format!(
                    "INSERT INTO signed_forms (kind, household_code, resident_id, jurisdiction_id, jurisdiction_path, unit_id, signed_on, created_by, created_at) VALUES {}",
                    crate::sql::values_rows(batch.len(), COLS_N)
                );
                let mut args = Vec::with_capacity(batch.len() * COLS_N);
                for r in batch {
                    args.extend([
                        Arg::Text(r.kind.as_str().into()),
                        Arg::Text(r.household_code.clone()),
                        r.resident_id.map_or(Arg::I64Null, Arg::I64),
                        Arg::I64(r.jurisdiction_id),
                        Arg::Text(r.jurisdiction_path.clone()),
                        Arg::I64(r.unit_id),
                        Arg::Text(r.signed_on.to_string()),
                        Arg::Text(r.created_by.clone()),
                        Arg::I64(now),
                    ]);
                }
                n += bind_args!(sqlx::query(sqlx::AssertSqlSafe(sql)), args).execute(&mut *tx).await?.rows_affected();
            }
            tx.commit().await?;
        });
        Ok(n)
    }

    /// Links a case to its victim in the registry, when the case has none yet (a case is often
    /// registered before the victim is matched to a resident).
    pub async fn attach_victim(&self, case_id: i64, resident_id: i64) -> Result<bool> {
        let n = on_pool!(&self.db, p => sqlx::query("UPDATE cases SET victim_resident_id = $1 WHERE id = $2 AND victim_resident_id IS NULL").bind(resident_id).bind(case_id).execute(p).await?.rows_affected());
        Ok(n > 0)
    }
}
