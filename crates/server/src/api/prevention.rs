//! Prevention (宣传防范): outreach activities and evidence, receipts and pledges,
//! responsibility letters, submitted figures and their verification, coverage of areas with
//! the households not reached, unit scorecards, and industry governance of outlets.
//!
//! A unit's own records are visible to its people (`prevention_write`); the office and the
//! centre (`prevention_review`) see every unit's in their area.

use axum::Json;
use axum::extract::{Path, Query, State};
use domain::prevention::{Audience, FigureMetric, FormKind, OutreachKind, Verification};
use serde::{Deserialize, Serialize};
use store::{ActivityView, FigureView, FormView, HouseholdGap, Page, Scorecard, Visibility};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::Paging;
use crate::AppState;
use crate::auth::{Authorized, Principal, perm};
use crate::error::{ApiError, ApiResult};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(catalog))
        .routes(routes!(list_activities, add_activity))
        .routes(routes!(add_file, list_files))
        .routes(routes!(file))
        .routes(routes!(list_forms, add_form))
        .routes(routes!(sign_letter))
        .routes(routes!(list_figures, submit_figure))
        .routes(routes!(review_figure))
        .routes(routes!(coverage))
        .routes(routes!(gaps))
        .routes(routes!(scorecard))
        .routes(routes!(outlets))
        .routes(routes!(name_outlets))
        .routes(routes!(outlet_check))
        .routes(routes!(outlet_accounts))
}

/// Today in China.
pub(super) fn today() -> jiff::civil::Date {
    domain::time::china_date(store::now_ms()).unwrap_or(jiff::civil::date(2026, 1, 1))
}

/// What of the prevention records the caller sees.
pub(super) fn visibility(p: &Principal) -> ApiResult<Visibility> {
    if p.can(domain::Permission::PreventionReview) {
        Ok(Visibility { scope: p.scope.clone(), unit_id: None })
    } else if p.can(domain::Permission::PreventionWrite) {
        Ok(Visibility { scope: p.scope.clone(), unit_id: Some(p.unit_id) })
    } else {
        Err(ApiError::forbidden("prevention records"))
    }
}

/// The unit a record is made for: the caller's own, or (for reviewers) the one named.
fn unit_for(p: &Principal, asked: Option<i64>) -> ApiResult<i64> {
    match asked {
        Some(u) if u != p.unit_id && !p.can(domain::Permission::PreventionReview) => {
            Err(ApiError::forbidden("another unit's records"))
        }
        Some(u) => Ok(u),
        None => Ok(p.unit_id),
    }
}

pub(super) fn date(field: &str, s: &str) -> ApiResult<jiff::civil::Date> {
    s.trim().parse().map_err(|_| ApiError::invalid(format!("{field}: '{s}' is not a date (YYYY-MM-DD)")))
}

/// A period of days, `from..=to`; by default the current year up to today.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub(super) struct Period {
    /// First day (YYYY-MM-DD); default 1 January of this year.
    from: Option<String>,
    /// Last day (YYYY-MM-DD); default today.
    to: Option<String>,
}

impl Period {
    pub(super) fn days(&self) -> ApiResult<(jiff::civil::Date, jiff::civil::Date)> {
        let t = today();
        let to = self.to.as_deref().map(|s| date("to", s)).transpose()?.unwrap_or(t);
        let from =
            self.from.as_deref().map(|s| date("from", s)).transpose()?.unwrap_or(jiff::civil::date(to.year(), 1, 1));
        if from > to {
            return Err(ApiError::invalid("from: after to"));
        }
        Ok((from, to))
    }
}

/// The codes and Chinese names of every list the prevention forms use, and the targets.
#[utoipa::path(get, path = "/prevention/catalog", tag = "prevention", responses((status = 200, body = Object)))]
async fn catalog(State(s): State<AppState>, Authorized(_p): Authorized<{ perm::ANY }>) -> Json<serde_json::Value> {
    fn pairs<T: Copy>(all: &[T], f: impl Fn(T) -> (&'static str, &'static str)) -> Vec<serde_json::Value> {
        all.iter()
            .map(|k| {
                let (c, z) = f(*k);
                serde_json::json!({"code": c, "zh": z})
            })
            .collect()
    }
    use domain::keyperson as kp;
    Json(serde_json::json!({
        "outreach_kinds": pairs(OutreachKind::ALL, |k| (k.as_str(), k.zh())),
        "audiences": pairs(Audience::ALL, |k| (k.as_str(), k.zh())),
        "form_kinds": pairs(FormKind::ALL, |k| (k.as_str(), k.zh())),
        "metrics": pairs(FigureMetric::ALL, |k| (k.as_str(), k.zh())),
        "verification": pairs(Verification::ALL, |k| (k.as_str(), k.zh())),
        "categories": pairs(kp::KeyPersonCategory::ALL, |k| (k.as_str(), k.zh())),
        "measure_kinds": pairs(kp::MeasureKind::ALL, |k| (k.as_str(), k.zh())),
        "carer_roles": pairs(kp::CarerRole::ALL, |k| (k.as_str(), k.zh())),
        "visit_kinds": pairs(kp::VisitKind::ALL, |k| (k.as_str(), k.zh())),
        "task_kinds": pairs(domain::task::TaskKind::ALL, |k| (k.as_str(), k.zh())),
        "task_statuses": pairs(domain::task::TaskStatus::ALL, |k| (k.as_str(), k.zh())),
        "certifications": pairs(domain::prevention::FraudFreeKind::ALL, |k| (k.as_str(), k.zh())),
        "targets": s.config.prevention.targets,
    }))
}

/// An activity to record.
#[derive(Deserialize, utoipa::ToSchema)]
struct ActivityBody {
    /// Where (a node of the caller's area).
    jurisdiction_id: i64,
    /// Kind code or Chinese name.
    kind: String,
    /// Audience code or Chinese name.
    audience: String,
    /// Title.
    title: String,
    /// Day held (YYYY-MM-DD).
    held_on: String,
    /// People reached.
    head_count: i64,
    /// The unit that held it (reviewers only; default the caller's).
    unit_id: Option<i64>,
}

/// Records an outreach activity of the caller's unit.
#[utoipa::path(post, path = "/prevention/activities", tag = "prevention", request_body = ActivityBody, responses((status = 200, body = ActivityView), (status = 400, body = crate::error::ErrorBody)))]
async fn add_activity(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::PREVENTION_WRITE }>,
    Json(b): Json<ActivityBody>,
) -> ApiResult<Json<ActivityView>> {
    let unit_id = unit_for(&p, b.unit_id)?;
    let held_on = date("held_on", &b.held_on)?;
    if held_on > today() {
        return Err(ApiError::invalid("held_on: in the future"));
    }
    if b.title.trim().is_empty() || b.title.chars().count() > 200 {
        return Err(ApiError::invalid("title: 1 to 200 characters"));
    }
    let a = store::NewActivity {
        unit_id,
        jurisdiction_id: b.jurisdiction_id,
        kind: OutreachKind::parse(&b.kind)?,
        audience: Audience::parse(&b.audience)?,
        title: b.title.trim().into(),
        held_on,
        head_count: b.head_count,
        created_by: super::actor_label(&s, &p).await?,
    };
    let entry = |id: &i64| p.audit("create", "outreach_activity", Some(id.to_string()), &[]);
    let id = s.store.add_activity(&p.scope, &a, Some(Box::new(entry))).await?;
    Ok(Json(s.store.activity(&visibility(&p)?, id).await?))
}

/// Filter of activities.
#[derive(Deserialize, utoipa::IntoParams)]
struct ActivityQuery {
    /// One unit.
    unit_id: Option<i64>,
    /// One kind.
    kind: Option<String>,
    /// Held on or after.
    from: Option<String>,
    /// Held on or before.
    to: Option<String>,
    /// Page.
    page: Option<i64>,
    /// Rows per page.
    per_page: Option<i64>,
}

/// Activities the caller may see, latest first.
#[utoipa::path(get, path = "/prevention/activities", tag = "prevention", params(ActivityQuery), responses((status = 200, body = Page<ActivityView>)))]
async fn list_activities(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::ANY }>,
    Query(q): Query<ActivityQuery>,
) -> ApiResult<Json<Page<ActivityView>>> {
    let vis = visibility(&p)?;
    let filter =
        store::ActivityFilter { unit_id: q.unit_id, from: q.from, to: q.to, kind: q.kind.filter(|k| !k.is_empty()) };
    Ok(Json(s.store.list_activities(&vis, &filter, Paging { page: q.page, per_page: q.per_page }.req()).await?))
}

/// Attaches evidence (a photo, a recording or a PDF scan of at most 10 MiB, checked from its
/// bytes) to an activity: multipart field `file`.
#[utoipa::path(post, path = "/prevention/activities/{id}/files", tag = "prevention", params(("id" = i64, Path)), responses((status = 200, body = Object), (status = 400, body = crate::error::ErrorBody)))]
async fn add_file(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::PREVENTION_WRITE }>,
    Path(id): Path<i64>,
    mut mp: axum::extract::Multipart,
) -> ApiResult<Json<serde_json::Value>> {
    let mut file = None;
    while let Some(field) = mp.next_field().await.map_err(|e| ApiError::invalid(format!("file: {e}")))? {
        if field.name() == Some("file") {
            file = Some(field.bytes().await.map_err(|e| ApiError::invalid(format!("file: {e}")))?);
        }
    }
    let bytes = file.ok_or_else(|| ApiError::invalid("file: no multipart field named 'file'"))?;
    if bytes.len() > domain::dispatch::EVIDENCE_MAX_BYTES {
        return Err(ApiError::invalid(format!(
            "file: {} bytes; at most {} (10 MiB)",
            bytes.len(),
            domain::dispatch::EVIDENCE_MAX_BYTES
        )));
    }
    let (kind, mime) = domain::prevention::evidence_kind(&bytes)
        .ok_or_else(|| ApiError::invalid("file: not a photo (JPEG, PNG), a recording (MP3, M4A, WAV, AMR) or a PDF"))?;
    let size = bytes.len();
    let entry = |fid: &i64| {
        let mut entry = p.audit("create", "outreach_file", Some(fid.to_string()), &[]);
        entry.detail = serde_json::json!({"activity": id, "kind": kind, "bytes": size}).to_string();
        entry
    };
    let fid = s
        .store
        .add_activity_file(
            &visibility(&p)?,
            id,
            kind,
            mime,
            &bytes,
            &super::actor_label(&s, &p).await?,
            Some(Box::new(entry)),
        )
        .await?;
    Ok(Json(serde_json::json!({"id": fid, "kind": kind, "mime": mime, "size_bytes": bytes.len()})))
}

/// The evidence files of an activity (without their bytes).
#[utoipa::path(get, path = "/prevention/activities/{id}/files", tag = "prevention", params(("id" = i64, Path)), responses((status = 200, body = Object)))]
async fn list_files(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::ANY }>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<serde_json::Value>>> {
    let files = s.store.activity_files(&visibility(&p)?, id).await?;
    Ok(Json(files.into_iter().map(|(fid, kind, mime, size)| serde_json::json!({"id": fid, "kind": kind, "mime": mime, "size_bytes": size})).collect()))
}

/// One evidence file; photos show people, so every download is audited.
#[utoipa::path(get, path = "/prevention/activities/{id}/files/{fid}", tag = "prevention", params(("id" = i64, Path), ("fid" = i64, Path)), responses((status = 200, description = "the file")))]
async fn file(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::ANY }>,
    Path((id, fid)): Path<(i64, i64)>,
) -> ApiResult<impl axum::response::IntoResponse> {
    let (mime, bytes) = s.store.activity_file(&visibility(&p)?, id, fid).await?;
    let mut entry = p.audit("read_pii", "outreach_file", Some(fid.to_string()), &["file"]);
    entry.detail = serde_json::json!({"activity": id}).to_string();
    s.store.audit(entry).await?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, mime),
            (axum::http::header::CONTENT_DISPOSITION, format!("inline; filename=\"outreach-{fid}\"")),
        ],
        bytes,
    ))
}

/// A receipt or pledge to record.
#[derive(Deserialize, utoipa::ToSchema)]
struct FormBody {
    /// `receipt` (回执) or `pledge` (承诺书).
    kind: String,
    /// The household.
    household_code: String,
    /// The member who signed, if recorded.
    resident_id: Option<i64>,
    /// Day signed.
    signed_on: String,
    /// The activity it came from.
    activity_id: Option<i64>,
}

/// Records a household's receipt or pledge, collected by the caller's unit.
#[utoipa::path(post, path = "/prevention/forms", tag = "prevention", request_body = FormBody, responses((status = 200, body = Object), (status = 400, body = crate::error::ErrorBody)))]
async fn add_form(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::PREVENTION_WRITE }>,
    Json(b): Json<FormBody>,
) -> ApiResult<Json<serde_json::Value>> {
    let kind = FormKind::parse(&b.kind)?;
    let signed_on = date("signed_on", &b.signed_on)?;
    if signed_on > today() {
        return Err(ApiError::invalid("signed_on: in the future"));
    }
    if let Some(a) = b.activity_id {
        s.store.activity(&visibility(&p)?, a).await?;
    }
    let entry = |id: &i64| p.audit("create", "signed_form", Some(id.to_string()), &[]);
    let household = b.household_code.trim();
    let id = s
        .store
        .add_form(
            &p.scope,
            kind,
            household,
            b.resident_id,
            p.unit_id,
            b.activity_id,
            signed_on,
            &super::actor_label(&s, &p).await?,
            Some(Box::new(entry)),
        )
        .await?;
    Ok(Json(serde_json::json!({"id": id})))
}

/// Filter of forms.
#[derive(Deserialize, utoipa::IntoParams)]
struct FormQuery {
    /// One household.
    household_code: Option<String>,
    /// Page.
    page: Option<i64>,
    /// Rows per page.
    per_page: Option<i64>,
}

/// Receipts and pledges the caller may see (signers masked).
#[utoipa::path(get, path = "/prevention/forms", tag = "prevention", params(FormQuery), responses((status = 200, body = Page<FormView>)))]
async fn list_forms(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::ANY }>,
    Query(q): Query<FormQuery>,
) -> ApiResult<Json<Page<FormView>>> {
    let vis = visibility(&p)?;
    let page = s
        .store
        .list_forms(
            &vis,
            q.household_code.as_deref().filter(|h| !h.is_empty()),
            Paging { page: q.page, per_page: q.per_page }.req(),
        )
        .await?;
    let id = format!("list:page={}", page.page);
    super::audit_read(&s, &p, "signed_form", id, &["household_code", "signer"], page.items.len()).await?;
    Ok(Json(page))
}

/// A responsibility letter (责任书).
#[derive(Deserialize, utoipa::ToSchema)]
struct LetterBody {
    /// Year it covers.
    year: i64,
    /// Day signed.
    signed_on: String,
    /// Who signed for the unit.
    signatory: String,
    /// The unit (reviewers only; default the caller's).
    unit_id: Option<i64>,
}

/// Records a unit's responsibility letter for a year.
#[utoipa::path(post, path = "/prevention/letters", tag = "prevention", request_body = LetterBody, responses((status = 200, body = Object), (status = 409, body = crate::error::ErrorBody)))]
async fn sign_letter(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::PREVENTION_WRITE }>,
    Json(b): Json<LetterBody>,
) -> ApiResult<Json<serde_json::Value>> {
    let unit_id = unit_for(&p, b.unit_id)?;
    if b.signatory.trim().is_empty() {
        return Err(ApiError::invalid("signatory: required"));
    }
    let entry = |id: &i64| p.audit("create", "responsibility_letter", Some(id.to_string()), &[]);
    let signed_on = date("signed_on", &b.signed_on)?;
    let id = s
        .store
        .sign_letter(
            unit_id,
            b.year,
            signed_on,
            b.signatory.trim(),
            &super::actor_label(&s, &p).await?,
            Some(Box::new(entry)),
        )
        .await?;
    Ok(Json(serde_json::json!({"id": id})))
}

/// A figure to submit.
#[derive(Deserialize, utoipa::ToSchema)]
struct FigureBody {
    /// The area it counts.
    jurisdiction_id: i64,
    /// `app_install`, `sms_coverage` or `awareness`.
    metric: String,
    /// Month (YYYY-MM).
    period: String,
    /// The count.
    value: i64,
    /// Its base where known (an operator's mobile users, for SMS reach).
    base: Option<i64>,
    /// The evidence (what file or export backs it).
    evidence: String,
}

/// Submits a figure of the caller's unit for verification.
#[utoipa::path(post, path = "/prevention/figures", tag = "prevention", request_body = FigureBody, responses((status = 200, body = Object), (status = 400, body = crate::error::ErrorBody)))]
async fn submit_figure(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::PREVENTION_WRITE }>,
    Json(b): Json<FigureBody>,
) -> ApiResult<Json<serde_json::Value>> {
    let metric = FigureMetric::parse(&b.metric)?;
    if metric == FigureMetric::SmsCoverage && b.base.is_none() {
        return Err(ApiError::invalid("base: SMS reach needs the operator's number of mobile users"));
    }
    let id = s
        .store
        .submit_figure(
            &p.scope,
            p.unit_id,
            b.jurisdiction_id,
            metric,
            b.period.trim(),
            b.value,
            b.base,
            &b.evidence,
            &super::actor_label(&s, &p).await?,
            Some(Box::new(|id: &i64| p.audit("create", "coverage_figure", Some(id.to_string()), &[]))),
        )
        .await?;
    Ok(Json(serde_json::json!({"id": id, "status": "pending"})))
}

/// Filter of figures.
#[derive(Deserialize, utoipa::IntoParams)]
struct FigureQuery {
    /// `pending`, `verified`, `rejected`.
    status: Option<String>,
    /// Page.
    page: Option<i64>,
    /// Rows per page.
    per_page: Option<i64>,
}

/// Figures the caller may see: their unit's, or (reviewers) every unit's in their area.
#[utoipa::path(get, path = "/prevention/figures", tag = "prevention", params(FigureQuery), responses((status = 200, body = Page<FigureView>)))]
async fn list_figures(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::ANY }>,
    Query(q): Query<FigureQuery>,
) -> ApiResult<Json<Page<FigureView>>> {
    let vis = visibility(&p)?;
    let status = q.status.as_deref().filter(|s| !s.is_empty()).map(Verification::parse).transpose()?;
    Ok(Json(s.store.list_figures(&vis, status, Paging { page: q.page, per_page: q.per_page }.req()).await?))
}

/// A verdict on a figure.
#[derive(Deserialize, utoipa::ToSchema)]
struct FigureReviewBody {
    /// Verified (true) or rejected.
    verified: bool,
    /// Note (required when rejecting).
    #[serde(default)]
    note: String,
}

/// Verifies or rejects a pending figure; only verified figures count in coverage.
#[utoipa::path(post, path = "/prevention/figures/{id}/review", tag = "prevention", params(("id" = i64, Path)), request_body = FigureReviewBody, responses((status = 200, body = FigureView), (status = 409, body = crate::error::ErrorBody)))]
async fn review_figure(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::PREVENTION_REVIEW }>,
    Path(id): Path<i64>,
    Json(b): Json<FigureReviewBody>,
) -> ApiResult<Json<FigureView>> {
    if !b.verified && b.note.trim().is_empty() {
        return Err(ApiError::invalid("note: say why the figure is rejected"));
    }
    let mut entry = p.audit("update", "coverage_figure", Some(id.to_string()), &[]);
    entry.detail = serde_json::json!({"status": if b.verified { "verified" } else { "rejected" }}).to_string();
    let f = s
        .store
        .review_figure(&p.scope, id, b.verified, &super::actor_label(&s, &p).await?, b.note.trim(), Some(entry))
        .await?;
    Ok(Json(f))
}

/// Coverage of one area.
#[derive(Serialize, utoipa::ToSchema)]
struct AreaCoverage {
    /// Node.
    jurisdiction_id: i64,
    /// Level.
    kind: String,
    /// Name.
    name: String,
    /// The parent's name (a village's town).
    parent_name: String,
    /// Rates, counts and targets not met.
    #[schema(value_type = Object)]
    coverage: domain::prevention::Coverage,
}

/// The coverage view.
#[derive(Serialize, utoipa::ToSchema)]
struct CoverageView {
    /// First day.
    from: String,
    /// Last day.
    to: String,
    /// The targets.
    #[schema(value_type = Object)]
    targets: domain::prevention::Targets,
    /// The area asked for.
    area: AreaCoverage,
    /// Its villages and communities (for the map), worst reach first.
    villages: Vec<AreaCoverage>,
    /// Its direct children (towns of a county).
    children: Vec<AreaCoverage>,
}

/// Area and period of a coverage query.
#[derive(Deserialize, utoipa::IntoParams)]
struct CoverageQuery {
    /// The area (default the caller's).
    jurisdiction_id: Option<i64>,
    /// First day (default 1 January).
    from: Option<String>,
    /// Last day (default today).
    to: Option<String>,
}

/// Coverage of an area and of every village in it for a period: households reached and
/// pledged, households without a victim, app installs against the population figure in force
/// at the period's end, SMS reach, each against the targets.
#[utoipa::path(get, path = "/prevention/coverage", tag = "prevention", params(CoverageQuery), responses((status = 200, body = CoverageView)))]
async fn coverage(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::ANY }>,
    Query(q): Query<CoverageQuery>,
) -> ApiResult<Json<CoverageView>> {
    visibility(&p)?;
    let (from, to) = Period { from: q.from, to: q.to }.days()?;
    let area = super::reports::own_area(&s, &p, q.jurisdiction_id).await?;
    let sub = domain::Scope::Subtrees(vec![area.path.clone()]);
    let nodes = s.store.coverage_counts(&sub, from, to).await?;
    let t = &s.config.prevention.targets;
    let names: std::collections::HashMap<i64, String> =
        nodes.iter().map(|n| (n.jurisdiction_id, n.name.clone())).collect();
    let cov = |n: &store::NodeCounts| AreaCoverage {
        jurisdiction_id: n.jurisdiction_id,
        kind: n.kind.clone(),
        name: n.name.clone(),
        parent_name: n.parent_id.and_then(|pid| names.get(&pid).cloned()).unwrap_or_default(),
        coverage: domain::prevention::coverage(n.counts, t),
    };
    let me = nodes
        .iter()
        .find(|n| n.jurisdiction_id == area.id)
        .map(cov)
        .ok_or_else(|| ApiError::not_found("jurisdiction"))?;
    let mut villages: Vec<AreaCoverage> = nodes.iter().filter(|n| n.kind == "village").map(cov).collect();
    villages.sort_by(|a, b| {
        a.coverage.four.awareness.partial_cmp(&b.coverage.four.awareness).unwrap_or(std::cmp::Ordering::Equal)
    });
    let children = nodes.iter().filter(|n| n.parent_id == Some(area.id)).map(cov).collect();
    Ok(Json(CoverageView {
        from: from.to_string(),
        to: to.to_string(),
        targets: t.clone(),
        area: me,
        villages,
        children,
    }))
}

/// Households of an area not reached in a period.
#[utoipa::path(get, path = "/prevention/coverage/{jurisdiction_id}/gaps", tag = "prevention", params(("jurisdiction_id" = i64, Path), Period, Paging), responses((status = 200, body = Page<HouseholdGap>)))]
async fn gaps(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::RESIDENT_READ }>,
    Path(jid): Path<i64>,
    Query(per): Query<Period>,
    Query(pg): Query<Paging>,
) -> ApiResult<Json<Page<HouseholdGap>>> {
    visibility(&p)?;
    let (from, to) = per.days()?;
    let page = s.store.households_not_reached(&p.scope, jid, from, to, pg.req()).await?;
    super::audit_read(&s, &p, "household", format!("gaps:{jid}"), &["name", "address"], page.items.len()).await?;
    Ok(Json(page))
}

/// A unit's scorecard for a period: its activities (by kind, head counts, evidence), forms,
/// figures, letter, tasks, area coverage (villages) and the fraud-free criteria checked.
#[utoipa::path(get, path = "/prevention/scorecards/{unit_id}", tag = "prevention", params(("unit_id" = i64, Path), Period), responses((status = 200, body = Scorecard)))]
async fn scorecard(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::ANY }>,
    Path(unit_id): Path<i64>,
    Query(per): Query<Period>,
) -> ApiResult<Json<Scorecard>> {
    let vis = visibility(&p)?;
    if vis.unit_id.is_some_and(|u| u != unit_id) {
        return Err(ApiError::not_found("unit"));
    }
    let unit = s.store.unit(unit_id).await?.ok_or_else(|| ApiError::not_found("unit"))?;
    if vis.unit_id.is_none() && !p.scope.contains(&unit.jurisdiction_path) {
        return Err(ApiError::not_found("unit"));
    }
    let (from, to) = per.days()?;
    Ok(Json(s.store.unit_scorecard(unit_id, from, to, today(), &s.config.prevention.targets).await?))
}

/// Outlets ranked by fraud-involved cards and accounts opened in a period (default: the last
/// twelve months).
#[utoipa::path(get, path = "/governance/outlets", tag = "prevention", params(Period), responses((status = 200, body = Vec<store::OutletRow>)))]
async fn outlets(
    State(s): State<AppState>,
    Authorized(_p): Authorized<{ perm::PREVENTION_REVIEW }>,
    Query(per): Query<Period>,
) -> ApiResult<Json<serde_json::Value>> {
    let (from, to) = outlet_period(&per)?;
    let rows = s.store.outlet_ranking(from, to, s.config.prevention.outlet_threshold).await?;
    Ok(Json(
        serde_json::json!({"from": from.to_string(), "to": to.to_string(), "threshold": s.config.prevention.outlet_threshold, "outlets": rows}),
    ))
}

fn outlet_period(per: &Period) -> ApiResult<(jiff::civil::Date, jiff::civil::Date)> {
    let t = today();
    let to = per.to.as_deref().map(|s| date("to", s)).transpose()?.unwrap_or(t);
    let from = per
        .from
        .as_deref()
        .map(|s| date("from", s))
        .transpose()?
        .unwrap_or_else(|| to.checked_sub(jiff::Span::new().years(1)).unwrap_or(to));
    Ok((from, to))
}

/// Names the outlets at or above the threshold in a notice and raises a rectification task
/// for each.
#[utoipa::path(post, path = "/governance/outlets/name", tag = "prevention", params(Period), responses((status = 200, body = Object)))]
async fn name_outlets(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::PREVENTION_REVIEW }>,
    Query(per): Query<Period>,
) -> ApiResult<Json<serde_json::Value>> {
    let (from, to) = outlet_period(&per)?;
    let entry = p.audit("create", "governance_notice", Some(format!("{from}:{to}")), &[]);
    let raised = s
        .store
        .name_outlets(
            from,
            to,
            s.config.prevention.outlet_threshold,
            &super::actor_label(&s, &p).await?,
            today(),
            Some(entry),
        )
        .await?;
    Ok(Json(serde_json::json!({"tasks_raised": raised})))
}

/// A card-opening check of an outlet.
#[derive(Deserialize, utoipa::ToSchema)]
struct CheckBody {
    /// Day.
    checked_on: String,
    /// Passed.
    passed: bool,
    /// Findings.
    #[serde(default)]
    findings: String,
}

/// Records a card-opening check (开户审核检查) of an outlet.
#[utoipa::path(post, path = "/governance/outlets/{unit_id}/checks", tag = "prevention", params(("unit_id" = i64, Path)), request_body = CheckBody, responses((status = 200, body = Object)))]
async fn outlet_check(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::PREVENTION_REVIEW }>,
    Path(unit_id): Path<i64>,
    Json(b): Json<CheckBody>,
) -> ApiResult<Json<serde_json::Value>> {
    let unit = s.store.unit(unit_id).await?.ok_or_else(|| ApiError::not_found("unit"))?;
    if !matches!(unit.kind.as_str(), "bank_branch" | "telecom_operator") {
        return Err(ApiError::invalid("unit_id: not a bank outlet or operator shop"));
    }
    if !b.passed && b.findings.trim().is_empty() {
        return Err(ApiError::invalid("findings: say what failed"));
    }
    let entry = |id: &i64| p.audit("create", "outlet_check", Some(id.to_string()), &[]);
    let checked_on = date("checked_on", &b.checked_on)?;
    let id = s
        .store
        .add_outlet_check(
            unit_id,
            checked_on,
            &super::actor_label(&s, &p).await?,
            b.passed,
            b.findings.trim(),
            Some(Box::new(entry)),
        )
        .await?;
    Ok(Json(serde_json::json!({"id": id})))
}

/// Cards or accounts opened at an outlet.
#[derive(Deserialize, utoipa::ToSchema)]
struct AccountRow {
    /// `bank_card` or `phone_card`.
    kind: String,
    /// The card, account or phone number.
    number: String,
    /// Day opened.
    opened_on: String,
}

/// Reports the cards and accounts an outlet opened (the outlet's own people, or reviewers for
/// any outlet). Each bad row is reported by its number in the list; good rows are kept.
#[utoipa::path(post, path = "/governance/outlets/{unit_id}/accounts", tag = "prevention", params(("unit_id" = i64, Path)), request_body = Vec<AccountRow>, responses((status = 200, body = Object)))]
async fn outlet_accounts(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::PREVENTION_WRITE }>,
    Path(unit_id): Path<i64>,
    Json(rows): Json<Vec<AccountRow>>,
) -> ApiResult<Json<serde_json::Value>> {
    unit_for(&p, Some(unit_id))?;
    let unit = s.store.unit(unit_id).await?.ok_or_else(|| ApiError::not_found("unit"))?;
    if !matches!(unit.kind.as_str(), "bank_branch" | "telecom_operator") {
        return Err(ApiError::invalid("unit_id: not a bank outlet or operator shop"));
    }
    let (mut added, mut known, mut errors) = (0, 0, Vec::new());
    for (i, r) in rows.iter().enumerate() {
        let row = i + 1;
        let number: String = r.number.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
        if number.len() < 6 || !number.chars().all(|c| c.is_ascii_digit()) {
            errors.push(
                serde_json::json!({"row": row, "field": "number", "message": "not a card, account or phone number"}),
            );
            continue;
        }
        let Ok(opened) = r.opened_on.trim().parse::<jiff::civil::Date>() else {
            errors.push(serde_json::json!({"row": row, "field": "opened_on", "message": format!("'{}' is not a date", r.opened_on)}));
            continue;
        };
        match s.store.add_outlet_account(unit_id, r.kind.trim(), &number, opened).await {
            Ok(true) => added += 1,
            Ok(false) => known += 1,
            Err(store::StoreError::Invalid(e)) => {
                errors.push(serde_json::json!({"row": row, "field": e.field, "message": e.message}))
            }
            Err(e) => return Err(e.into()),
        }
    }
    let mut entry = p.audit("import", "outlet_account", Some(unit_id.to_string()), &[]);
    entry.detail = serde_json::json!({"added": added, "known": known, "errors": errors.len()}).to_string();
    s.store.audit(entry).await?;
    Ok(Json(serde_json::json!({"added": added, "already_known": known, "errors": errors})))
}
