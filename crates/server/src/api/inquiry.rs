//! The dual inquiry of cases (一案双查) and the villages named in monthly notices (通报点名,
//! 挂牌整治): the supervision rules that turn case figures into rectification tasks.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use store::{DualInquiryView, Page};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::Paging;
use super::prevention::today;
use crate::AppState;
use crate::auth::{Authorized, perm};
use crate::error::{ApiError, ApiResult};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, sample))
        .routes(routes!(answer))
        .routes(routes!(summary))
        .routes(routes!(namings, name_villages))
}

/// Which cases to sample.
#[derive(Deserialize, utoipa::IntoParams)]
struct SampleQuery {
    /// Month of report (YYYY-MM).
    month: String,
}

/// Opens the dual inquiry of the month's cases in the configured sample (every case at rate
/// 1.0), each with the receipts and pledges of the victim's household signed before the case.
#[utoipa::path(post, path = "/supervision/dual-inquiries", tag = "supervision", params(SampleQuery), responses((status = 200, body = Object)))]
async fn sample(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::PREVENTION_REVIEW }>,
    Query(q): Query<SampleQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let (from, to) = domain::time::month_bounds(q.month.trim())
        .ok_or_else(|| ApiError::invalid(format!("month: '{}' is not a month (YYYY-MM)", q.month)))?;
    let rate = s.config.prevention.dual_inquiry_rate;
    let month = q.month.trim();
    let entry = |n: &u64| {
        let mut e = p.audit("create", "dual_inquiry", Some(month.to_string()), &[]);
        e.detail = serde_json::json!({"opened": n, "rate": rate}).to_string();
        e
    };
    let n = s.store.open_dual_inquiries(from, to, rate, Some(Box::new(entry))).await?;
    Ok(Json(serde_json::json!({"opened": n, "rate": rate})))
}

/// Filter of inquiries.
#[derive(Deserialize, utoipa::IntoParams)]
struct ListQuery {
    /// Only those not yet answered.
    #[serde(default)]
    pending: bool,
}

/// Dual inquiries of the cases in the caller's area, newest case first.
#[utoipa::path(get, path = "/supervision/dual-inquiries", tag = "supervision", params(ListQuery, Paging), responses((status = 200, body = Page<DualInquiryView>)))]
async fn list(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::CASE_READ }>,
    Query(q): Query<ListQuery>,
    Query(pg): Query<Paging>,
) -> ApiResult<Json<Page<DualInquiryView>>> {
    let page = s.store.dual_inquiries(&p.scope, q.pending, pg.req()).await?;
    let id = format!("list:page={}", page.page);
    super::audit_read(&s, &p, "dual_inquiry", id, &["case_no", "note"], page.items.len()).await?;
    Ok(Json(page))
}

/// Dual-inquiry results of a year's months, in the caller's area: per month, cases sampled,
/// those where the platform found a receipt or pledge, answers yes and no, and the
/// rectifications they raised (open, done).
#[utoipa::path(get, path = "/supervision/dual-inquiries/summary", tag = "supervision", params(SampleQuery), responses((status = 200, body = Object)))]
async fn summary(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::CASE_READ }>,
    Query(q): Query<SampleQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let months = crate::figures::months_ending(q.month.trim(), 12)?;
    let mut rows = Vec::with_capacity(months.len());
    for m in &months {
        let (from, to) = crate::figures::month_bounds(m)?;
        let [sampled, found, yes, no, open, done] = s.store.dual_inquiry_summary(&p.scope, from, to).await?;
        rows.push(serde_json::json!({"month": m, "sampled": sampled, "forms_found": found, "yes": yes, "no": no, "rectification_open": open, "rectification_done": done}));
    }
    Ok(Json(serde_json::json!(rows)))
}

/// The checker's answer.
#[derive(Deserialize, utoipa::ToSchema)]
struct InquiryAnswerBody {
    /// Did the victim receive anti-fraud education?
    educated: bool,
    /// The unit answerable on a "no" (default: the victim's village committee).
    responsible_unit_id: Option<i64>,
    /// What the victim said, how it was checked.
    #[serde(default)]
    note: String,
}

/// Records the answer of a dual inquiry (the station that called the victim back, or the
/// office); a "no" raises a rectification task for the responsible unit.
#[utoipa::path(post, path = "/supervision/dual-inquiries/{id}/answer", tag = "supervision", params(("id" = i64, Path)), request_body = InquiryAnswerBody, responses((status = 200, body = DualInquiryView), (status = 409, body = crate::error::ErrorBody)))]
async fn answer(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::ANY }>,
    Path(id): Path<i64>,
    b: Result<Json<InquiryAnswerBody>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Json<DualInquiryView>> {
    if !p.can(domain::Permission::CaseWrite) && !p.can(domain::Permission::PreventionReview) {
        return Err(ApiError::forbidden("dual inquiries"));
    }
    let b = crate::error::body(b)?;
    if b.note.trim().is_empty() {
        return Err(ApiError::invalid("note: say how the answer was checked (phone call back, visit)"));
    }
    let v = s
        .store
        .answer_dual_inquiry(
            &p.scope,
            id,
            b.educated,
            b.responsible_unit_id,
            &b.note,
            &super::actor_label(&s, &p).await?,
            today(),
            s.config.prevention.rectification_days,
            Some(Box::new(|task: &Option<i64>| {
                let mut entry = p.audit("update", "dual_inquiry", Some(id.to_string()), &[]);
                entry.detail = serde_json::json!({"educated": b.educated, "task": task}).to_string();
                entry
            })),
        )
        .await?;
    Ok(Json(v))
}

/// Month of namings.
#[derive(Deserialize, utoipa::IntoParams)]
struct MonthQuery {
    /// YYYY-MM.
    month: String,
}

/// The villages named in a month's notice (the ranking ladder's rule), with how often each was
/// named in the look-back.
#[utoipa::path(get, path = "/supervision/namings", tag = "supervision", params(MonthQuery), responses((status = 200, body = Vec<crate::figures::Named>)))]
async fn namings(
    State(s): State<AppState>,
    Authorized(_p): Authorized<{ perm::CASE_READ }>,
    Query(q): Query<MonthQuery>,
) -> ApiResult<Json<Vec<crate::figures::Named>>> {
    Ok(Json(crate::figures::ladder(&s.store, q.month.trim(), &s.config.ladder).await?.named_detail))
}

/// Issues the month's notice: the villages listed for rectification (named three times or
/// more in twelve months) get a rectification task for their village committee, the month's
/// cases of 500,000 yuan or more a trace-back review task for their station.
#[utoipa::path(post, path = "/supervision/namings", tag = "supervision", params(MonthQuery), responses((status = 200, body = Vec<crate::figures::Named>)))]
async fn name_villages(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::PREVENTION_REVIEW }>,
    Query(q): Query<MonthQuery>,
) -> ApiResult<Json<Vec<crate::figures::Named>>> {
    let entry = p.audit("create", "notice_naming", Some(q.month.clone()), &[]);
    let l = crate::figures::raise_ladder_tasks(
        &s.store,
        q.month.trim(),
        &s.config.ladder,
        &super::actor_label(&s, &p).await?,
        Some(entry),
    )
    .await?;
    Ok(Json(l.named_detail))
}
