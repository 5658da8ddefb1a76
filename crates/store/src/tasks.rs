//! Duties and tasks of member units, with everything that raises a task: the work plan, the
//! dual inquiry of cases, the villages named in notices, and the industry governance of
//! outlets. One task model, one inbox per unit.

use domain::Scope;
use domain::task::{DUTY_TEMPLATE, TaskKind, TaskStatus, duty_due_in};
use jiff::civil::Date;
use serde::Serialize;

use crate::sql::{Arg, Filter, bind_args};
use crate::{BeginWrite, Page, PageReq, Result, Store, StoreError, now_ms, on_pool};

/// A task as listed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TaskView {
    /// Id.
    pub id: i64,
    /// Owner unit.
    pub unit_id: i64,
    /// Its name.
    pub unit_name: String,
    /// Kind code.
    pub kind: String,
    /// Title.
    pub title: String,
    /// Detail.
    pub detail: String,
    /// What raised it.
    pub source_ref: String,
    /// Deadline (last day).
    pub due_on: String,
    /// `open`, `done`, `cancelled`.
    pub status: String,
    /// Evidence given on completion.
    pub evidence: String,
    /// Who closed it.
    pub closed_by: String,
    /// When (ms).
    pub closed_at: Option<i64>,
    /// Open and past the deadline today.
    pub overdue: bool,
}
crate::rows::from_row!(TaskView { id, unit_id, unit_name, kind, title, detail, source_ref, due_on, status, evidence, closed_by, closed_at; default overdue });

const TASK_VIEW: &str = "SELECT t.id, t.unit_id, u.name AS unit_name, t.kind, t.title, t.detail, t.source_ref, t.due_on, t.status, t.evidence, t.closed_by, t.closed_at FROM tasks t JOIN member_units u ON u.id = t.unit_id";

/// A task to raise.
#[derive(Debug, Clone)]
pub struct NewTask {
    /// Owner unit.
    pub unit_id: i64,
    /// Kind.
    pub kind: TaskKind,
    /// Title.
    pub title: String,
    /// Detail.
    pub detail: String,
    /// What raised it; unique, so raising the same thing twice is a no-op.
    pub source_ref: String,
    /// Deadline.
    pub due_on: Date,
    /// Who raised it.
    pub created_by: String,
}

/// Filter of task lists.
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    /// Only this unit's tasks (a unit sees only its own).
    pub unit_id: Option<i64>,
    /// Status.
    pub status: Option<String>,
    /// Kind.
    pub kind: Option<String>,
    /// Only the overdue ones (on `today`).
    pub overdue: bool,
}

/// A dual inquiry (一案双查) of a case.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DualInquiryView {
    /// Id.
    pub id: i64,
    /// Case.
    pub case_id: i64,
    /// Case number.
    pub case_no: String,
    /// Reported (ms).
    pub reported_at: i64,
    /// Fraud type.
    pub fraud_type: String,
    /// Loss, fen.
    pub loss_fen: i64,
    /// Victim's area.
    pub jurisdiction_name: String,
    /// Receipts and pledges found before the case.
    pub forms_found: i64,
    /// What was found (kind, day, unit), for the checker.
    pub found_detail: String,
    /// `yes`, `no`, or none yet.
    pub answer: Option<String>,
    /// Checker.
    pub checked_by: String,
    /// Note.
    pub note: String,
    /// The unit held responsible on a "no".
    pub responsible_unit: Option<String>,
    /// The rectification task raised.
    pub task_id: Option<i64>,
}
crate::rows::from_row!(DualInquiryView {
    id,
    case_id,
    case_no,
    reported_at,
    fraud_type,
    loss_fen,
    jurisdiction_name,
    forms_found,
    found_detail,
    answer,
    checked_by,
    note,
    responsible_unit,
    task_id
});

const DUAL_VIEW: &str = "SELECT d.id, d.case_id, c.case_no, c.reported_at, c.fraud_type, c.loss_fen, COALESCE(j.name, '') AS jurisdiction_name, d.forms_found, d.found_detail, d.answer, d.checked_by, d.note, u.name AS responsible_unit, d.task_id \
     FROM dual_inquiries d JOIN cases c ON c.id = d.case_id LEFT JOIN jurisdictions j ON j.id = c.jurisdiction_id LEFT JOIN member_units u ON u.id = d.responsible_unit_id";

/// An outlet's line in the industry-governance ranking.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OutletRow {
    /// Rank (1 = most fraud-involved).
    pub rank: i64,
    /// Unit.
    pub unit_id: i64,
    /// Outlet.
    pub name: String,
    /// `bank_branch` or `telecom_operator`.
    pub kind: String,
    /// Cards and accounts opened in the period.
    pub opened: i64,
    /// Of those, found in fraud cases.
    pub involved: i64,
    /// Share involved.
    pub share: Option<f64>,
    /// Last card-opening check.
    pub last_check: Option<String>,
    /// Whether the last check passed.
    pub last_check_passed: Option<bool>,
    /// Above the threshold: named in the notice.
    pub named: bool,
}

/// Inserts the task `$t` (a `&NewTask`) in the write transaction `$tx`, unless its
/// `source_ref` raised one already; evaluates to the new id.
macro_rules! insert_task {
    ($tx:ident, $t:expr) => {{
        let t: &NewTask = $t;
        let row: Option<(i64,)> = sqlx::query_as("INSERT INTO tasks (unit_id, kind, title, detail, source_ref, due_on, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (source_ref) DO NOTHING RETURNING id")
            .bind(t.unit_id).bind(t.kind.as_str()).bind(t.title.trim()).bind(&t.detail).bind(&t.source_ref).bind(t.due_on.to_string()).bind(&t.created_by).bind(now_ms())
            .fetch_optional(&mut *$tx).await?;
        row.map(|(id,)| id)
    }};
}

impl Store {
    /// Raises a task; `Ok(None)` when its source already raised one. The audit entry, built
    /// from the new id, commits with the task (none when nothing was raised).
    pub async fn raise_task(&self, t: &NewTask, audit: Option<crate::AuditFor<'_, i64>>) -> Result<Option<i64>> {
        if t.title.trim().is_empty() {
            return Err(StoreError::Invalid(domain::InvalidValue::new("title", "required")));
        }
        let (pg, has_audit) = (self.is_postgres(), audit.is_some());
        let _writer = self.audit_writer_if(has_audit).await;
        let id: Option<i64> = on_pool!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            let id = insert_task!(tx, t);
            if let (Some(id), Some(a)) = (id, audit) {
                crate::audit::append_in_tx!(tx, pg, [a(&id)]);
            }
            tx.commit().await?;
            id
        });
        Ok(id)
    }

    /// Raises several tasks in one transaction with `audit` (the act that raised them, e.g. a
    /// month's notice), appended in that same transaction; a task whose `source_ref` exists is
    /// not raised again. Returns each task's new id, or `None` when it existed.
    pub async fn raise_tasks(
        &self,
        tasks: &[NewTask],
        audit: Option<domain::audit::AuditContent>,
    ) -> Result<Vec<Option<i64>>> {
        if let Some(t) = tasks.iter().find(|t| t.title.trim().is_empty()) {
            return Err(StoreError::Invalid(domain::InvalidValue::new(
                "title",
                format!("required ({})", t.source_ref),
            )));
        }
        let pg = self.is_postgres();
        let _writer = self.audit_writer_if(audit.is_some()).await;
        let ids = on_pool!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            let mut ids = Vec::with_capacity(tasks.len());
            for t in tasks {
                ids.push(insert_task!(tx, t));
            }
            if let Some(audit) = audit {
                crate::audit::append_in_tx!(tx, pg, [audit]);
            }
            tx.commit().await?;
            ids
        });
        Ok(ids)
    }

    /// Tasks, most urgent first. `scope` limits to units seated in the area.
    pub async fn list_tasks(
        &self,
        scope: &Scope,
        filter: &TaskFilter,
        today: Date,
        page: PageReq,
    ) -> Result<Page<TaskView>> {
        let mut f = Filter::default();
        f.scope("u.jurisdiction_path", scope);
        if let Some(u) = filter.unit_id {
            let b = f.bind(Arg::I64(u));
            f.and(format!("t.unit_id = {b}"));
        }
        if let Some(s) = &filter.status {
            let b = f.bind(Arg::Text(s.clone()));
            f.and(format!("t.status = {b}"));
        }
        if let Some(k) = &filter.kind {
            let b = f.bind(Arg::Text(k.clone()));
            f.and(format!("t.kind = {b}"));
        }
        if filter.overdue {
            let b = f.bind(Arg::Text(today.to_string()));
            f.and(format!("t.status = 'open' AND t.due_on < {b}"));
        }
        let count_sql = format!("SELECT COUNT(*) FROM tasks t JOIN member_units u ON u.id = t.unit_id{}", f.sql());
        let n = f.args.len();
        let lim = f.bind(Arg::I64(page.limit()));
        let off = f.bind(Arg::I64(page.offset()));
        let sql = format!(
            "{TASK_VIEW}{} ORDER BY CASE WHEN t.status = 'open' THEN 0 ELSE 1 END, t.due_on, t.id LIMIT {lim} OFFSET {off}",
            f.sql()
        );
        let (mut items, total) = on_pool!(&self.db, p => {
            let rows: Vec<TaskView> = bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), f.args).fetch_all(p).await?;
            let (total,): (i64,) = bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(count_sql)), f.args[..n]).fetch_one(p).await?;
            (rows, total)
        });
        let t = today.to_string();
        for i in &mut items {
            i.overdue = i.status == "open" && i.due_on < t;
        }
        Ok(Page { items, total, page: page.page.max(1), per_page: page.limit() })
    }

    /// Completes or cancels an open task. With `vis.unit_id`, only that unit's task. A closed
    /// task is never closed again: the first closing's time and person stay.
    pub async fn close_task(
        &self,
        id: i64,
        vis: &crate::Visibility,
        to: TaskStatus,
        evidence: &str,
        by: &str,
        audit: Option<domain::audit::AuditContent>,
    ) -> Result<TaskView> {
        let sql = format!("{TASK_VIEW} WHERE t.id = $1");
        let row: Option<TaskView> =
            on_pool!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id).fetch_optional(p).await?);
        let (scope, own_unit) = (&vis.scope, vis.unit_id);
        let task = row.filter(|t| own_unit.is_none_or(|u| u == t.unit_id)).ok_or(StoreError::NotFound("task"))?;
        // A reviewer closes the tasks of units in the reviewer's area only.
        let unit = self.unit(task.unit_id).await?.ok_or(StoreError::NotFound("task"))?;
        if !scope.contains(&unit.jurisdiction_path) {
            return Err(StoreError::NotFound("task"));
        }
        let from = TaskStatus::parse(&task.status)?;
        if from.is_terminal() {
            return Err(StoreError::Conflict {
                field: "status",
                message: format!("the task is already {}; it cannot change", from.as_str()),
            });
        }
        let to = from.close(to)?;
        if to == TaskStatus::Done && evidence.trim().is_empty() {
            return Err(StoreError::Invalid(domain::InvalidValue::new(
                "evidence",
                "say what was done and where the proof is",
            )));
        }
        let audit = audit.map(|mut a| {
            a.detail = serde_json::json!({"status": to.as_str()}).to_string();
            a
        });
        let n = crate::audit::execute_audited!(self, audit, sqlx::query("UPDATE tasks SET status = $1, evidence = $2, closed_by = $3, closed_at = $4 WHERE id = $5 AND status = 'open'")
            .bind(to.as_str()).bind(evidence.trim()).bind(by).bind(now_ms()).bind(id));
        if n == 0 {
            return Err(StoreError::Conflict { field: "status", message: "the task was closed meanwhile".into() });
        }
        let row: TaskView =
            on_pool!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_one(p).await?);
        Ok(row)
    }

    /// Adopts the work plan template: each member unit gets the duties of its kind. Returns
    /// how many duties were added (re-adopting adds none).
    /// All or nothing, with the audit entry `audit(added)` in the same transaction.
    pub async fn adopt_work_plan(&self, version: &str, audit: Option<crate::AuditFor<'_, u64>>) -> Result<u64> {
        let units: Vec<(i64, String)> = on_pool!(&self.db, p => sqlx::query_as("SELECT id, kind FROM member_units ORDER BY id").fetch_all(p).await?);
        let now = now_ms();
        let (pg, has_audit) = (self.is_postgres(), audit.is_some());
        let _writer = self.audit_writer_if(has_audit).await;
        let added = on_pool!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            let mut added = 0;
            for (uid, kind) in &units {
                for d in DUTY_TEMPLATE.iter().filter(|d| d.unit_kind.as_str() == kind) {
                    added += sqlx::query("INSERT INTO duties (plan_version, unit_id, title, detail, every_months, created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (plan_version, unit_id, title) DO NOTHING")
                        .bind(version).bind(*uid).bind(d.title).bind(d.detail).bind(i64::from(d.every_months)).bind(now).execute(&mut *tx).await?.rows_affected();
                }
            }
            if let Some(a) = audit {
                crate::audit::append_in_tx!(tx, pg, [a(&added)]);
            }
            tx.commit().await?;
            added
        });
        Ok(added)
    }

    /// Raises the month's tasks of every duty of the plan due that month, with the last day of
    /// the month as deadline. Returns how many were raised (again: none).
    /// All or nothing, with the audit entry `audit(raised)` in the same transaction.
    pub async fn plan_month_tasks(
        &self,
        version: &str,
        month: &str,
        by: &str,
        audit: Option<crate::AuditFor<'_, u64>>,
    ) -> Result<u64> {
        let first: Date = format!("{month}-01").parse().map_err(|_| {
            StoreError::Invalid(domain::InvalidValue::new("month", format!("'{month}' is not a month (YYYY-MM)")))
        })?;
        let due = first.last_of_month();
        let duties: Vec<(i64, i64, String, String, i64)> = on_pool!(&self.db, p => sqlx::query_as("SELECT id, unit_id, title, detail, every_months FROM duties WHERE plan_version = $1 ORDER BY id").bind(version).fetch_all(p).await?);
        let now = now_ms();
        let (pg, has_audit) = (self.is_postgres(), audit.is_some());
        let _writer = self.audit_writer_if(has_audit).await;
        let raised = on_pool!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            let mut raised = 0u64;
            for (did, unit_id, title, detail, every) in &duties {
                if !duty_due_in(u8::try_from(*every).unwrap_or(12), first.month()) {
                    continue;
                }
                raised += sqlx::query("INSERT INTO tasks (unit_id, kind, title, detail, source_ref, due_on, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (source_ref) DO NOTHING")
                    .bind(*unit_id).bind(TaskKind::Duty.as_str()).bind(format!("{title}（{}）", domain::time::month_zh(month))).bind(detail)
                    .bind(format!("duty:{did}:{month}")).bind(due.to_string()).bind(by).bind(now).execute(&mut *tx).await?.rows_affected();
            }
            if let Some(a) = audit {
                crate::audit::append_in_tx!(tx, pg, [a(&raised)]);
            }
            tx.commit().await?;
            raised
        });
        Ok(raised)
    }

    /// Duties of a unit: `(title, detail, every_months, plan_version)`.
    pub async fn unit_duties(&self, unit_id: i64) -> Result<Vec<(String, String, i64, String)>> {
        Ok(
            on_pool!(&self.db, p => sqlx::query_as("SELECT title, detail, every_months, plan_version FROM duties WHERE unit_id = $1 ORDER BY id").bind(unit_id).fetch_all(p).await?),
        )
    }

    /// Opens the dual inquiry of every case reported in `from_ms..to_ms` that falls in the
    /// sample at `rate` and has a known victim, recording the receipts and pledges found
    /// before the case. Returns how many were opened (again: none).
    /// All or nothing, with the audit entry `audit(opened)` in the same transaction.
    pub async fn open_dual_inquiries(
        &self,
        from_ms: i64,
        to_ms: i64,
        rate: f64,
        audit: Option<crate::AuditFor<'_, u64>>,
    ) -> Result<u64> {
        let cases: Vec<(i64, String, i64, i64)> = on_pool!(&self.db, p => sqlx::query_as("SELECT c.id, c.case_no, c.reported_at, c.victim_resident_id FROM cases c WHERE c.reported_at >= $1 AND c.reported_at < $2 AND c.victim_resident_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM dual_inquiries d WHERE d.case_id = c.id) ORDER BY c.id")
            .bind(from_ms).bind(to_ms).fetch_all(p).await?);
        let mut rows = Vec::new();
        for (cid, case_no, reported_at, victim) in cases {
            if !domain::prevention::in_dual_inquiry_sample(&case_no, rate) {
                continue;
            }
            let day = domain::time::china_date(reported_at).map(|d| d.to_string()).unwrap_or_default();
            let forms = self.forms_of_resident(victim, &day).await?;
            let detail = forms
                .iter()
                .map(|f| {
                    format!("{} {} {}", f.signed_on, if f.kind == "pledge" { "承诺书" } else { "回执" }, f.unit_name)
                })
                .collect::<Vec<_>>()
                .join("；");
            rows.push((cid, forms.len() as i64, detail));
        }
        let (pg, has_audit) = (self.is_postgres(), audit.is_some());
        let _writer = self.audit_writer_if(has_audit).await;
        let opened = on_pool!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            let mut opened = 0u64;
            for (cid, forms, detail) in &rows {
                opened += sqlx::query("INSERT INTO dual_inquiries (case_id, sampled_at, forms_found, found_detail) VALUES ($1, $2, $3, $4) ON CONFLICT (case_id) DO NOTHING")
                    .bind(*cid).bind(now_ms()).bind(*forms).bind(detail).execute(&mut *tx).await?.rows_affected();
            }
            if let Some(a) = audit {
                crate::audit::append_in_tx!(tx, pg, [a(&opened)]);
            }
            tx.commit().await?;
            opened
        });
        Ok(opened)
    }

    /// Dual inquiries of cases in `scope`; `pending` only those not yet answered.
    pub async fn dual_inquiries(&self, scope: &Scope, pending: bool, page: PageReq) -> Result<Page<DualInquiryView>> {
        let mut f = Filter::default();
        f.scope("c.jurisdiction_path", scope);
        if pending {
            f.and("d.answer IS NULL".into());
        }
        let count_sql = format!("SELECT COUNT(*) FROM dual_inquiries d JOIN cases c ON c.id = d.case_id{}", f.sql());
        let n = f.args.len();
        let lim = f.bind(Arg::I64(page.limit()));
        let off = f.bind(Arg::I64(page.offset()));
        let sql = format!("{DUAL_VIEW}{} ORDER BY c.reported_at DESC, d.id DESC LIMIT {lim} OFFSET {off}", f.sql());
        let (items, total) = on_pool!(&self.db, p => {
            let rows: Vec<DualInquiryView> = bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), f.args).fetch_all(p).await?;
            let (total,): (i64,) = bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(count_sql)), f.args[..n]).fetch_one(p).await?;
            (rows, total)
        });
        Ok(Page { items, total, page: page.page.max(1), per_page: page.limit() })
    }

    /// Counts of the dual inquiries of cases in `scope` reported in `from_ms..to_ms`:
    /// `[sampled, with forms found, answered yes, answered no, rectifications open, done]`.
    pub async fn dual_inquiry_summary(&self, scope: &Scope, from_ms: i64, to_ms: i64) -> Result<[i64; 6]> {
        let mut f = Filter::default();
        f.scope("c.jurisdiction_path", scope);
        let a = f.bind(Arg::I64(from_ms));
        let b = f.bind(Arg::I64(to_ms));
        f.and(format!("c.reported_at >= {a} AND c.reported_at < {b}"));
        let sql = format!(
            "SELECT COUNT(*), COUNT(CASE WHEN d.forms_found > 0 THEN 1 END), COUNT(CASE WHEN d.answer = 'yes' THEN 1 END), COUNT(CASE WHEN d.answer = 'no' THEN 1 END), \
             COUNT(CASE WHEN t.status = 'open' THEN 1 END), COUNT(CASE WHEN t.status = 'done' THEN 1 END) \
             FROM dual_inquiries d JOIN cases c ON c.id = d.case_id LEFT JOIN tasks t ON t.id = d.task_id{}",
            f.sql()
        );
        let r: (i64, i64, i64, i64, i64, i64) =
            on_pool!(&self.db, p => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), f.args).fetch_one(p).await?);
        Ok([r.0, r.1, r.2, r.3, r.4, r.5])
    }

    /// The unit answerable for educating a victim: the village or community committee of the
    /// case's area (or of the victim's grid).
    async fn responsible_unit(&self, case_id: i64) -> Result<Option<i64>> {
        let row: Option<(i64,)> = on_pool!(&self.db, p => sqlx::query_as(
            "SELECT u.id FROM cases c LEFT JOIN residents r ON r.id = c.victim_resident_id JOIN member_units u ON u.kind = 'village_committee' \
             AND (u.jurisdiction_id = c.jurisdiction_id OR EXISTS (SELECT 1 FROM unit_coverage uc WHERE uc.unit_id = u.id AND uc.jurisdiction_id = r.jurisdiction_id)) \
             WHERE c.id = $1 ORDER BY u.id LIMIT 1").bind(case_id).fetch_optional(p).await?);
        Ok(row.map(|(id,)| id))
    }

    /// Records the checker's answer: did the victim receive anti-fraud education? A "no"
    /// holds a unit responsible (the one given, or the victim's village committee) and
    /// raises a rectification task for it, due in `days` days.
    #[allow(clippy::too_many_arguments)]
    pub async fn answer_dual_inquiry(
        &self,
        scope: &Scope,
        id: i64,
        educated: bool,
        responsible_unit_id: Option<i64>,
        note: &str,
        by: &str,
        today: Date,
        days: i64,
        audit: Option<crate::AuditFor<'_, Option<i64>>>,
    ) -> Result<DualInquiryView> {
        let sql = format!("{DUAL_VIEW} WHERE d.id = $1");
        let row: Option<(i64, Option<String>, String)> = on_pool!(&self.db, p => sqlx::query_as("SELECT d.case_id, d.answer, c.jurisdiction_path FROM dual_inquiries d JOIN cases c ON c.id = d.case_id WHERE d.id = $1").bind(id).fetch_optional(p).await?);
        let (case_id, answer, _) =
            row.filter(|(_, _, path)| scope.contains(path)).ok_or(StoreError::NotFound("dual inquiry"))?;
        if answer.is_some() {
            return Err(StoreError::Conflict { field: "answer", message: "the inquiry was already answered".into() });
        }
        let mut unit = None;
        let mut new_task = None;
        if !educated {
            unit = match responsible_unit_id {
                Some(u) => Some(u),
                None => self.responsible_unit(case_id).await?,
            };
            let u = unit.ok_or_else(|| {
                StoreError::Invalid(domain::InvalidValue::new(
                    "responsible_unit_id",
                    "no village committee covers the victim's area; name the responsible unit",
                ))
            })?;
            let (case_no,): (String,) = on_pool!(&self.db, p => sqlx::query_as("SELECT case_no FROM cases WHERE id = $1").bind(case_id).fetch_one(p).await?);
            let due = today.checked_add(jiff::Span::new().days(days.max(1))).unwrap_or(today);
            new_task = Some(NewTask {
                unit_id: u,
                kind: TaskKind::DualInquiry,
                title: format!("一案双查整改：案件{case_no}受害人未接受防骗宣传"),
                detail: format!(
                    "回访核实受害人此前未接受反诈宣传教育。请补齐辖区入户宣传并提交整改材料。{}",
                    note.trim()
                ),
                source_ref: format!("dual_inquiry:{case_id}"),
                due_on: due,
                created_by: by.into(),
            });
        }
        // The rectification task, the answer and the audit entry commit together: an answer
        // that lost a race raises no task.
        let (pg, has_audit) = (self.is_postgres(), audit.is_some());
        let _writer = self.audit_writer_if(has_audit).await;
        on_pool!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            let mut task = None;
            if let Some(t) = &new_task {
                task = insert_task!(tx, t);
            }
            let n = sqlx::query("UPDATE dual_inquiries SET answer = $1, checked_by = $2, checked_at = $3, note = $4, responsible_unit_id = $5, task_id = $6 WHERE id = $7 AND answer IS NULL")
                .bind(if educated { "yes" } else { "no" }).bind(by).bind(now_ms()).bind(note.trim()).bind(unit).bind(task).bind(id).execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict { field: "answer", message: "the inquiry was answered meanwhile".into() });
            }
            if let Some(a) = audit {
                crate::audit::append_in_tx!(tx, pg, [a(&task)]);
            }
            tx.commit().await?;
        });
        let row: DualInquiryView =
            on_pool!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_one(p).await?);
        Ok(row)
    }

    /// Whether an open task was raised by a source starting with `prefix` (a listing still
    /// being rectified, say).
    pub async fn open_task_from(&self, prefix: &str) -> Result<bool> {
        let pattern = format!("{}%", crate::sql::like_escape(prefix));
        let row: Option<(i64,)> = on_pool!(&self.db, p => sqlx::query_as("SELECT id FROM tasks WHERE status = 'open' AND source_ref LIKE $1 ESCAPE '\\' LIMIT 1").bind(pattern).fetch_optional(p).await?);
        Ok(row.is_some())
    }

    /// The village or community committee (a member unit) of a village.
    pub async fn village_committee(&self, jurisdiction_id: i64) -> Result<Option<i64>> {
        let row: Option<(i64,)> = on_pool!(&self.db, p => sqlx::query_as("SELECT id FROM member_units WHERE kind = 'village_committee' AND jurisdiction_id = $1 ORDER BY id LIMIT 1").bind(jurisdiction_id).fetch_optional(p).await?);
        Ok(row.map(|(id,)| id))
    }

    /// Records cards or accounts opened at an outlet; `number` is normalised by the caller.
    /// Returns false when the number was already recorded.
    pub async fn add_outlet_account(
        &self,
        outlet_unit_id: i64,
        kind: &str,
        number: &str,
        opened_on: Date,
    ) -> Result<bool> {
        let obs_kind = match kind {
            "bank_card" => "bank_account",
            "phone_card" => "phone",
            other => {
                return Err(StoreError::Invalid(domain::InvalidValue::new(
                    "kind",
                    format!("unknown '{other}' (bank_card, phone_card)"),
                )));
            }
        };
        let v = self.vault();
        // The same blind index as case observables, so the two join directly.
        let idx = v.blind_index(pii::Field::Event, &format!("{obs_kind}:{number}"));
        let enc = v.encrypt(pii::Field::BankCard, number)?;
        let n = on_pool!(&self.db, p => sqlx::query("INSERT INTO outlet_accounts (outlet_unit_id, kind, number_enc, number_idx, opened_on, created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (kind, number_idx) DO NOTHING")
            .bind(outlet_unit_id).bind(kind).bind(enc).bind(idx).bind(opened_on.to_string()).bind(now_ms()).execute(p).await?.rows_affected());
        Ok(n > 0)
    }

    /// Records a card-opening check of an outlet.
    pub async fn add_outlet_check(
        &self,
        outlet_unit_id: i64,
        checked_on: Date,
        checker: &str,
        passed: bool,
        findings: &str,
        audit: Option<crate::AuditFor<'_, i64>>,
    ) -> Result<i64> {
        let id = crate::audit::insert_audited!(self, audit, sqlx::query_as("INSERT INTO outlet_checks (outlet_unit_id, checked_on, checker, passed, findings, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
            .bind(outlet_unit_id).bind(checked_on.to_string()).bind(checker).bind(i64::from(passed)).bind(findings).bind(now_ms()));
        id.ok_or(StoreError::Db(sqlx::Error::RowNotFound))
    }

    /// Outlets ranked by the cards and accounts opened there in `from..=to` that appear in
    /// fraud cases; those with `threshold` or more are named.
    pub async fn outlet_ranking(&self, from: Date, to: Date, threshold: i64) -> Result<Vec<OutletRow>> {
        type R = (i64, String, String, i64, i64, Option<String>, Option<i64>);
        let rows: Vec<R> = on_pool!(&self.db, p => sqlx::query_as(
            "SELECT u.id, u.name, u.kind, \
             (SELECT COUNT(*) FROM outlet_accounts a WHERE a.outlet_unit_id = u.id AND a.opened_on >= $1 AND a.opened_on <= $2), \
             (SELECT COUNT(*) FROM outlet_accounts a WHERE a.outlet_unit_id = u.id AND a.opened_on >= $1 AND a.opened_on <= $2 \
                AND EXISTS (SELECT 1 FROM case_observables o WHERE o.value_idx = a.number_idx)), \
             (SELECT MAX(k.checked_on) FROM outlet_checks k WHERE k.outlet_unit_id = u.id), \
             (SELECT k.passed FROM outlet_checks k WHERE k.outlet_unit_id = u.id ORDER BY k.checked_on DESC, k.id DESC LIMIT 1) \
             FROM member_units u WHERE u.kind IN ('bank_branch', 'telecom_operator') AND EXISTS (SELECT 1 FROM outlet_accounts a WHERE a.outlet_unit_id = u.id)")
            .bind(from.to_string()).bind(to.to_string()).fetch_all(p).await?);
        let mut out: Vec<OutletRow> = rows
            .into_iter()
            .map(|(unit_id, name, kind, opened, involved, last_check, passed)| OutletRow {
                rank: 0,
                unit_id,
                name,
                kind,
                opened,
                involved,
                share: domain::prevention::rate(involved, opened),
                last_check,
                last_check_passed: passed.map(|p| p != 0),
                named: involved >= threshold,
            })
            .collect();
        out.sort_by(|a, b| {
            b.involved
                .cmp(&a.involved)
                .then(b.share.partial_cmp(&a.share).unwrap_or(std::cmp::Ordering::Equal))
                .then(a.unit_id.cmp(&b.unit_id))
        });
        for (i, r) in out.iter_mut().enumerate() {
            r.rank = i as i64 + 1;
        }
        Ok(out)
    }

    /// Names the outlets at or above the threshold and raises a governance task for each, in
    /// one transaction with `audit` (the notice). Returns the tasks raised (again: none).
    pub async fn name_outlets(
        &self,
        from: Date,
        to: Date,
        threshold: i64,
        by: &str,
        today: Date,
        audit: Option<domain::audit::AuditContent>,
    ) -> Result<u64> {
        let mut tasks = Vec::new();
        for r in self.outlet_ranking(from, to, threshold).await?.into_iter().filter(|r| r.named) {
            tasks.push(NewTask {
                unit_id: r.unit_id,
                kind: TaskKind::Governance,
                title: format!("行业治理整改：{} 涉诈开户{}个", r.name, r.involved),
                detail: format!(
                    "{from}至{to}期间开立的{}个卡/账户中有{}个涉诈。请落实开户审核、“一人多卡”核查，提交整改报告。",
                    r.opened, r.involved
                ),
                source_ref: format!("governance:{}:{from}:{to}", r.unit_id),
                due_on: today.checked_add(jiff::Span::new().days(30)).unwrap_or(today),
                created_by: by.into(),
            });
        }
        let ids = self.raise_tasks(&tasks, audit).await?;
        Ok(ids.iter().filter(|id| id.is_some()).count() as u64)
    }
}
