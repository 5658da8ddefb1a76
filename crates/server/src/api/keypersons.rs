//! Key-person files (重点人员一人一档) and the task inboxes of units and carers.

use axum::Json;
use axum::extract::{Path, Query, State};
use domain::keyperson::{CarerRole, MeasureKind, VisitKind};
use domain::task::{TaskKind, TaskStatus};
use serde::Deserialize;
use store::{KeyPersonFile, KeyPersonView, NewCarer, Page, TaskView};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::prevention::{date, today, visibility};
use crate::AppState;
use crate::auth::{Authorized, perm};
use crate::error::{ApiError, ApiResult};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_key_persons, add_key_person))
        .routes(routes!(key_person))
        .routes(routes!(add_measure))
        .routes(routes!(appeal))
        .routes(routes!(set_carer))
        .routes(routes!(add_visit))
        .routes(routes!(transfer))
        .routes(routes!(inbox))
        .routes(routes!(list_tasks, raise_task))
        .routes(routes!(close_task))
        .routes(routes!(adopt_plan))
        .routes(routes!(plan_month))
        .routes(routes!(duties))
}

/// Filter of key persons.
#[derive(Deserialize, utoipa::IntoParams)]
struct KpQuery {
    /// Only those whose visit is late.
    #[serde(default)]
    overdue: bool,
    /// Only those the caller cares for.
    #[serde(default)]
    mine: bool,
}

/// Key persons in the caller's area (masked), with their next visit.
#[utoipa::path(get, path = "/key-persons", tag = "key persons", params(KpQuery), responses((status = 200, body = Vec<KeyPersonView>)))]
async fn list_key_persons(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::KEY_PERSON }>,
    Query(q): Query<KpQuery>,
) -> ApiResult<Json<Vec<KeyPersonView>>> {
    let rows = s.store.key_persons(&p.scope, q.mine.then_some(p.id), q.overdue, today()).await?;
    super::audit_read(&s, &p, "key_person", "list".into(), &["name", "id_number"], rows.len()).await?;
    Ok(Json(rows))
}

/// A carer in a request.
#[derive(Deserialize, utoipa::ToSchema)]
struct CarerBody {
    /// Role code or Chinese name.
    role: String,
    /// Name.
    name: String,
    /// Platform user, if the carer has a login.
    user_id: Option<i64>,
}

impl CarerBody {
    fn carer(&self) -> ApiResult<NewCarer> {
        if self.name.trim().is_empty() {
            return Err(ApiError::invalid("carers.name: required"));
        }
        Ok(NewCarer { role: CarerRole::parse(&self.role)?, name: self.name.trim().into(), user_id: self.user_id })
    }
}

/// A new file.
#[derive(Deserialize, utoipa::ToSchema)]
struct KpBody {
    /// The resident.
    resident_id: i64,
    /// Category codes (at least one).
    categories: Vec<String>,
    /// Legal basis.
    legal_basis: String,
    /// Deciding authority.
    deciding_authority: String,
    /// Advisory risk score 0–100.
    risk_score: Option<i64>,
    /// Abroad (persuade-return).
    #[serde(default)]
    abroad: bool,
    /// Where abroad.
    #[serde(default)]
    abroad_place: String,
    /// Days between visits (default from the targets).
    visit_every_days: Option<i64>,
    /// Opened on (default today).
    opened_on: Option<String>,
    /// Carers.
    #[serde(default)]
    carers: Vec<CarerBody>,
}

/// Opens a key-person file for a resident of the caller's area, kept by the caller's unit.
#[utoipa::path(post, path = "/key-persons", tag = "key persons", request_body = KpBody, responses((status = 200, body = KeyPersonFile), (status = 400, body = crate::error::ErrorBody)))]
async fn add_key_person(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::KEY_PERSON }>,
    Json(b): Json<KpBody>,
) -> ApiResult<Json<KeyPersonFile>> {
    let k = store::NewKeyPerson {
        resident_id: b.resident_id,
        categories: domain::keyperson::categories(&b.categories)?,
        legal_basis: b.legal_basis,
        deciding_authority: b.deciding_authority,
        risk_score: b.risk_score,
        unit_id: p.unit_id,
        abroad: b.abroad,
        abroad_place: b.abroad_place,
        visit_every_days: b.visit_every_days.unwrap_or(s.config.prevention.targets.key_person_visit_days),
        opened_on: b.opened_on.as_deref().map(|d| date("opened_on", d)).transpose()?.unwrap_or_else(today),
        carers: b.carers.iter().map(CarerBody::carer).collect::<ApiResult<_>>()?,
        created_by: super::actor_label(&s, &p).await?,
    };
    let id = s
        .store
        .add_key_person(
            &p.scope,
            &k,
            Some(Box::new(|id: &i64| p.audit("create", "key_person", Some(id.to_string()), &[]))),
        )
        .await?;
    Ok(Json(s.store.key_person_file(&p.scope, id, today()).await?))
}

/// The whole file (masked).
#[utoipa::path(get, path = "/key-persons/{id}", tag = "key persons", params(("id" = i64, Path)), responses((status = 200, body = KeyPersonFile)))]
async fn key_person(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::KEY_PERSON }>,
    Path(id): Path<i64>,
) -> ApiResult<Json<KeyPersonFile>> {
    let f = s.store.key_person_file(&p.scope, id, today()).await?;
    let mut entry = p.audit("read_pii", "key_person", Some(id.to_string()), &["name", "id_number"]);
    entry.detail = serde_json::json!({"masked": true}).to_string();
    s.store.audit(entry).await?;
    Ok(Json(f))
}

/// A control measure and its notice.
#[derive(Deserialize, utoipa::ToSchema)]
struct MeasureBody {
    /// `card_restriction`, `credit_record`, `exit_ban`.
    kind: String,
    /// First day.
    starts_on: String,
    /// Last day.
    ends_on: String,
    /// The person who decided it (recorded by name; the caller when absent).
    decided_by: Option<String>,
    /// Reason given in the notice.
    reason: String,
    /// Appeal channel given in the notice.
    appeal_channel: String,
    /// Documents an appeal needs.
    documents: String,
}

/// Adds a control measure; an exit ban lasts six months to three years, the others at most
/// three years.
#[utoipa::path(post, path = "/key-persons/{id}/measures", tag = "key persons", params(("id" = i64, Path)), request_body = MeasureBody, responses((status = 200, body = KeyPersonFile), (status = 400, body = crate::error::ErrorBody)))]
async fn add_measure(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::KEY_PERSON }>,
    Path(id): Path<i64>,
    Json(b): Json<MeasureBody>,
) -> ApiResult<Json<KeyPersonFile>> {
    let decided_by = match b.decided_by.filter(|d| !d.trim().is_empty()) {
        Some(d) => d,
        None => super::actor_label(&s, &p).await?,
    };
    s.store
        .add_measure(
            &p.scope,
            id,
            MeasureKind::parse(&b.kind)?,
            date("starts_on", &b.starts_on)?,
            date("ends_on", &b.ends_on)?,
            &decided_by,
            &b.reason,
            &b.appeal_channel,
            &b.documents,
            Some(Box::new(|mid: &i64| {
                let mut entry = p.audit("create", "key_person_measure", Some(mid.to_string()), &[]);
                entry.detail =
                    serde_json::json!({"key_person": id, "kind": b.kind, "decided_by": decided_by}).to_string();
                entry
            })),
        )
        .await?;
    Ok(Json(s.store.key_person_file(&p.scope, id, today()).await?))
}

/// An appeal and the result of its check.
#[derive(Deserialize, utoipa::ToSchema)]
struct AppealBody {
    /// Filed on.
    filed_on: String,
    /// Grounds.
    grounds: String,
    /// The check passed: the measure is lifted at once.
    passed: bool,
    /// Note.
    #[serde(default)]
    note: String,
}

/// Records an appeal against a measure and its check; when it passes, the measure is lifted
/// today.
#[utoipa::path(post, path = "/key-persons/measures/{measure_id}/appeal", tag = "key persons", params(("measure_id" = i64, Path)), request_body = AppealBody, responses((status = 200, body = Object), (status = 409, body = crate::error::ErrorBody)))]
async fn appeal(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::KEY_PERSON }>,
    Path(mid): Path<i64>,
    Json(b): Json<AppealBody>,
) -> ApiResult<Json<serde_json::Value>> {
    let passed = b.passed;
    let entry = |aid: &i64| {
        let mut entry = p.audit("update", "key_person_measure", Some(mid.to_string()), &[]);
        entry.detail = serde_json::json!({"appeal": aid, "passed": passed}).to_string();
        entry
    };
    let aid = s
        .store
        .decide_appeal(
            &p.scope,
            mid,
            date("filed_on", &b.filed_on)?,
            &b.grounds,
            b.passed,
            &super::actor_label(&s, &p).await?,
            &b.note,
            today(),
            Some(Box::new(entry)),
        )
        .await?;
    Ok(Json(serde_json::json!({"id": aid, "lifted": b.passed})))
}

/// Names (or renames) the carer of a role.
#[utoipa::path(put, path = "/key-persons/{id}/carers", tag = "key persons", params(("id" = i64, Path)), request_body = CarerBody, responses((status = 200, body = KeyPersonFile)))]
async fn set_carer(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::KEY_PERSON }>,
    Path(id): Path<i64>,
    Json(b): Json<CarerBody>,
) -> ApiResult<Json<KeyPersonFile>> {
    let entry = |id: &i64| p.audit("update", "key_person", Some(id.to_string()), &["carers"]);
    s.store.set_carer(&p.scope, id, &b.carer()?, today(), Some(Box::new(entry))).await?;
    Ok(Json(s.store.key_person_file(&p.scope, id, today()).await?))
}

/// A visit.
#[derive(Deserialize, utoipa::ToSchema)]
struct VisitBody {
    /// `visit`, `persuade_return`, `returned`.
    kind: String,
    /// Day (default today).
    visited_on: Option<String>,
    /// Note.
    #[serde(default)]
    note: String,
}

/// Records a visit (or a persuade-return contact, or the return itself).
#[utoipa::path(post, path = "/key-persons/{id}/visits", tag = "key persons", params(("id" = i64, Path)), request_body = VisitBody, responses((status = 200, body = KeyPersonFile)))]
async fn add_visit(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::KEY_PERSON }>,
    Path(id): Path<i64>,
    Json(b): Json<VisitBody>,
) -> ApiResult<Json<KeyPersonFile>> {
    let on = b.visited_on.as_deref().map(|d| date("visited_on", d)).transpose()?.unwrap_or_else(today);
    let entry = |vid: &i64| p.audit("create", "key_person_visit", Some(vid.to_string()), &[]);
    let kind = VisitKind::parse(&b.kind)?;
    s.store
        .add_visit(
            &p.scope,
            id,
            kind,
            on,
            &super::actor_label(&s, &p).await?,
            b.note.trim(),
            today(),
            Some(Box::new(entry)),
        )
        .await?;
    Ok(Json(s.store.key_person_file(&p.scope, id, today()).await?))
}

/// A transfer.
#[derive(Deserialize, utoipa::ToSchema)]
struct TransferBody {
    /// The unit taking the file over.
    to_unit_id: i64,
    /// The person's new area, if they moved.
    to_jurisdiction_id: Option<i64>,
    /// Reason.
    reason: String,
}

/// Transfers a file to another unit, keeping its history.
#[utoipa::path(post, path = "/key-persons/{id}/transfer", tag = "key persons", params(("id" = i64, Path)), request_body = TransferBody, responses((status = 200, body = Object)))]
async fn transfer(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::KEY_PERSON }>,
    Path(id): Path<i64>,
    Json(b): Json<TransferBody>,
) -> ApiResult<Json<serde_json::Value>> {
    let to_unit = b.to_unit_id;
    let entry = |id: &i64| {
        let mut entry = p.audit("update", "key_person", Some(id.to_string()), &["unit"]);
        entry.detail = serde_json::json!({"to_unit": to_unit}).to_string();
        entry
    };
    s.store
        .transfer_key_person(
            &p.scope,
            id,
            b.to_unit_id,
            b.to_jurisdiction_id,
            &b.reason,
            &super::actor_label(&s, &p).await?,
            today(),
            Some(Box::new(entry)),
        )
        .await?;
    Ok(Json(serde_json::json!({"transferred": true})))
}

/// The caller's inbox: their unit's open tasks (overdue first) and the key persons they care
/// for whose visit is due.
#[utoipa::path(get, path = "/inbox", tag = "tasks", responses((status = 200, body = Object)))]
async fn inbox(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::ANY }>,
) -> ApiResult<Json<serde_json::Value>> {
    // A person's to-do list: the carer link is by user id, and a key's id is not a user's.
    if p.kind != crate::auth::ActorKind::User {
        return Err(ApiError::forbidden("a user session (the inbox is a person's)"));
    }
    let t = today();
    let tasks = if p.can(domain::Permission::PreventionWrite) || p.can(domain::Permission::PreventionReview) {
        let f = store::TaskFilter { unit_id: Some(p.unit_id), status: Some("open".into()), ..Default::default() };
        s.store.list_tasks(&domain::Scope::All, &f, t, store::PageReq { page: 1, per_page: 200 }).await?.items
    } else {
        Vec::new()
    };
    // A carer sees the people they care for wherever they live: the care makes the link.
    let visits = s.store.key_persons(&domain::Scope::All, Some(p.id), true, t).await?;
    if !visits.is_empty() {
        super::audit_read(&s, &p, "key_person", "inbox".into(), &["name", "id_number"], visits.len()).await?;
    }
    Ok(Json(serde_json::json!({"today": t.to_string(), "tasks": tasks, "visits_due": visits})))
}

/// Filter of tasks.
#[derive(Deserialize, utoipa::IntoParams)]
struct TaskQuery {
    /// One unit (reviewers).
    unit_id: Option<i64>,
    /// `open`, `done`, `cancelled`.
    status: Option<String>,
    /// Kind.
    kind: Option<String>,
    /// Only overdue.
    #[serde(default)]
    overdue: bool,
    /// Page.
    page: Option<i64>,
    /// Rows per page.
    per_page: Option<i64>,
}

/// Tasks: a unit's own, or (reviewers) every unit's in the area.
#[utoipa::path(get, path = "/tasks", tag = "tasks", params(TaskQuery), responses((status = 200, body = Page<TaskView>)))]
async fn list_tasks(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::ANY }>,
    Query(q): Query<TaskQuery>,
) -> ApiResult<Json<Page<TaskView>>> {
    let vis = visibility(&p)?;
    let unit_id = vis.unit_id.or(q.unit_id);
    let f = store::TaskFilter {
        unit_id,
        status: q.status.filter(|s| !s.is_empty()),
        kind: q.kind.filter(|s| !s.is_empty()),
        overdue: q.overdue,
    };
    let scope = if vis.unit_id.is_some() { domain::Scope::All } else { vis.scope };
    Ok(Json(s.store.list_tasks(&scope, &f, today(), super::Paging { page: q.page, per_page: q.per_page }.req()).await?))
}

/// A task to raise.
#[derive(Deserialize, utoipa::ToSchema)]
struct TaskBody {
    /// Owner unit.
    unit_id: i64,
    /// `inspection`, `rectification`, … .
    kind: String,
    /// Title.
    title: String,
    /// Detail.
    #[serde(default)]
    detail: String,
    /// Deadline.
    due_on: String,
}

/// Raises a task for a unit (an inspection finding, a rectification item).
#[utoipa::path(post, path = "/tasks", tag = "tasks", request_body = TaskBody, responses((status = 200, body = Object)))]
async fn raise_task(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::PREVENTION_REVIEW }>,
    Json(b): Json<TaskBody>,
) -> ApiResult<Json<serde_json::Value>> {
    let unit = s.store.unit(b.unit_id).await?.ok_or_else(|| ApiError::not_found("unit"))?;
    if !p.scope.contains(&unit.jurisdiction_path) {
        return Err(ApiError::not_found("unit"));
    }
    let due = date("due_on", &b.due_on)?;
    if due < today() {
        return Err(ApiError::invalid("due_on: in the past"));
    }
    let mut rnd = [0u8; 8];
    getrandom::fill(&mut rnd).map_err(ApiError::internal)?;
    let t = store::NewTask {
        unit_id: b.unit_id,
        kind: TaskKind::parse(&b.kind)?,
        title: b.title,
        detail: b.detail,
        source_ref: format!("manual:{}", hex::encode(rnd)),
        due_on: due,
        created_by: super::actor_label(&s, &p).await?,
    };
    let entry = |id: &i64| p.audit("create", "task", Some(id.to_string()), &[]);
    let id = s
        .store
        .raise_task(&t, Some(Box::new(entry)))
        .await?
        .ok_or_else(|| ApiError::internal("task source clashed"))?;
    Ok(Json(serde_json::json!({"id": id})))
}

/// Closing a task.
#[derive(Deserialize, utoipa::ToSchema)]
struct CloseBody {
    /// `done` or `cancelled` (reviewers only).
    status: String,
    /// What was done and where the proof is.
    #[serde(default)]
    evidence: String,
}

/// Completes a task of the caller's unit (or, for reviewers, cancels any); a closed task
/// stays closed.
#[utoipa::path(post, path = "/tasks/{id}/close", tag = "tasks", params(("id" = i64, Path)), request_body = CloseBody, responses((status = 200, body = TaskView), (status = 409, body = crate::error::ErrorBody)))]
async fn close_task(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::ANY }>,
    Path(id): Path<i64>,
    b: Result<Json<CloseBody>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Json<TaskView>> {
    let vis = visibility(&p)?;
    let b = crate::error::body(b)?;
    let to = TaskStatus::parse(&b.status)?;
    if to == TaskStatus::Cancelled && vis.unit_id.is_some() {
        return Err(ApiError::forbidden("cancelling tasks"));
    }
    crate::guard::cap("evidence", &b.evidence, crate::guard::TEXT_MAX_CHARS)?;
    // The entry's detail records the status the task reached (set by the store).
    let entry = p.audit("update", "task", Some(id.to_string()), &[]);
    let t = s.store.close_task(id, &vis, to, &b.evidence, &super::actor_label(&s, &p).await?, Some(entry)).await?;
    Ok(Json(t))
}

/// Adopts the work plan's duty template for every member unit (idempotent).
#[utoipa::path(post, path = "/workplan/adopt", tag = "tasks", responses((status = 200, body = Object)))]
async fn adopt_plan(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::PREVENTION_REVIEW }>,
) -> ApiResult<Json<serde_json::Value>> {
    let entry = |n: &u64| {
        let mut e = p.audit("create", "work_plan", Some(domain::task::WORK_PLAN_VERSION.into()), &[]);
        e.detail = serde_json::json!({"duties_added": n}).to_string();
        e
    };
    let n = s.store.adopt_work_plan(domain::task::WORK_PLAN_VERSION, Some(Box::new(entry))).await?;
    Ok(Json(serde_json::json!({"version": domain::task::WORK_PLAN_VERSION, "duties_added": n})))
}

/// Month of a plan run.
#[derive(Deserialize, utoipa::IntoParams)]
struct MonthQuery {
    /// YYYY-MM.
    month: String,
}

/// Raises the month's tasks of every duty due that month (idempotent).
#[utoipa::path(post, path = "/workplan/tasks", tag = "tasks", params(MonthQuery), responses((status = 200, body = Object)))]
async fn plan_month(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::PREVENTION_REVIEW }>,
    Query(q): Query<MonthQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let month = q.month.trim();
    let entry = |n: &u64| {
        let mut e = p.audit("create", "task", Some(format!("plan:{month}")), &[]);
        e.detail = serde_json::json!({"tasks_raised": n}).to_string();
        e
    };
    let n = s
        .store
        .plan_month_tasks(
            domain::task::WORK_PLAN_VERSION,
            month,
            &super::actor_label(&s, &p).await?,
            Some(Box::new(entry)),
        )
        .await?;
    Ok(Json(serde_json::json!({"tasks_raised": n})))
}

/// Unit of a duty query.
#[derive(Deserialize, utoipa::IntoParams)]
struct DutyQuery {
    /// The unit (default the caller's).
    unit_id: Option<i64>,
}

/// The duties of a unit under the work plan.
#[utoipa::path(get, path = "/workplan/duties", tag = "tasks", params(DutyQuery), responses((status = 200, body = Object)))]
async fn duties(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::ANY }>,
    Query(q): Query<DutyQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let vis = visibility(&p)?;
    let unit = vis.unit_id.or(q.unit_id).unwrap_or(p.unit_id);
    let rows = s.store.unit_duties(unit).await?;
    Ok(Json(serde_json::json!(rows.into_iter().map(|(title, detail, every, version)| serde_json::json!({"title": title, "detail": detail, "every_months": every, "plan_version": version})).collect::<Vec<_>>())))
}
