//! Reports (排名通报, 半月分析研判, 工作简报): generate a draft with its snapshot, write the
//! narrative, approve, publish, correct with a new version, download (audited).
//!
//! Who sees what: a published report reaches the people in its area and above it (a county
//! bulletin goes to every station and unit of the county; a town's report does not reach
//! another town). Drafts and approved reports are seen only by those who may write reports in
//! that area.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use domain::Permission;
use report::model::{Kind, Report};
use serde::{Deserialize, Serialize};
use store::ReportRow;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::AppState;
use crate::auth::{Authorized, Principal, perm};
use crate::error::{ApiError, ApiResult};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_reports, create_report))
        .routes(routes!(get_report))
        .routes(routes!(set_narrative))
        .routes(routes!(approve))
        .routes(routes!(publish))
        .routes(routes!(correct))
        .routes(routes!(download))
}

/// Whether the caller may see a report.
fn visible(p: &Principal, r: &ReportRow) -> bool {
    if r.status == "published" {
        p.can(Permission::ReportRead) && p.scope.reached_by(&r.scope_path)
    } else {
        p.can(Permission::ReportWrite) && p.scope.contains(&r.scope_path)
    }
}

/// A stored report as listed.
#[derive(Serialize, utoipa::ToSchema)]
struct ReportItem {
    #[serde(flatten)]
    row: ReportRow,
    /// 排名通报 / 半月分析研判 / 工作简报.
    kind_zh: &'static str,
    /// The area's name.
    scope_name: String,
    /// The report's title.
    title: String,
    /// A later version that corrects this one, when there is one.
    corrected_by: Option<i64>,
}

/// A report's stored snapshot (checked against its digest).
async fn snapshot(s: &AppState, id: i64) -> ApiResult<Report> {
    serde_json::from_str(&s.store.report_snapshot(id).await?).map_err(ApiError::internal)
}

/// The listed form of a report; `all` are the reports that may correct it.
fn item(row: ReportRow, snap: &Report, all: &[ReportRow]) -> ReportItem {
    ReportItem {
        kind_zh: Kind::parse(&row.kind).map_or("", Kind::zh),
        scope_name: snap.scope_name.clone(),
        title: snap.title.clone(),
        corrected_by: all.iter().filter(|o| o.corrects_id == Some(row.id)).map(|o| o.id).min(),
        row,
    }
}

/// Which reports.
#[derive(Deserialize, utoipa::IntoParams)]
struct ListQuery {
    /// bulletin / analysis / briefing.
    kind: Option<String>,
}

/// The reports the caller may see, newest first.
#[utoipa::path(get, path = "/reports", tag = "reports", params(ListQuery), responses((status = 200, body = Vec<ReportItem>)))]
async fn list_reports(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::REPORT_READ }>,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Vec<ReportItem>>> {
    let all = s.store.list_reports(q.kind.as_deref().filter(|k| !k.is_empty())).await?;
    let mut out = Vec::new();
    for r in all.iter().filter(|r| visible(&p, r)) {
        out.push(item(r.clone(), &snapshot(&s, r.id).await?, &all));
    }
    Ok(Json(out))
}

/// A report to generate.
#[derive(Deserialize, utoipa::ToSchema)]
struct CreateReport {
    /// bulletin / analysis / briefing.
    kind: String,
    /// `YYYY-MM` (bulletin, briefing) or `YYYY-MM-1` / `YYYY-MM-2` (analysis).
    period: String,
    /// The area; default the caller's own (the county for county-wide callers).
    jurisdiction_id: Option<i64>,
    /// A police station: the report covers its precinct instead.
    station_id: Option<i64>,
}

/// The caller's own area as one jurisdiction: the county for county-wide callers.
pub(super) async fn own_area(s: &AppState, p: &Principal, asked: Option<i64>) -> ApiResult<store::Jurisdiction> {
    let j = match asked {
        Some(id) => s.store.jurisdiction(id).await?.ok_or_else(|| ApiError::not_found("jurisdiction"))?,
        None => {
            let tree = s.store.jurisdiction_tree(&p.scope).await?;
            match p.scope.roots() {
                Some([one]) => tree.into_iter().find(|j| &j.path == one),
                Some(_) => {
                    return Err(ApiError::invalid(
                        "jurisdiction_id: your area has several parts; name the one to report on",
                    ));
                }
                None => tree.into_iter().find(|j| j.parent_id.is_none()),
            }
            .ok_or_else(|| ApiError::not_found("jurisdiction"))?
        }
    };
    if !p.scope.contains(&j.path) {
        return Err(ApiError::not_found("jurisdiction"));
    }
    Ok(j)
}

/// Generates a report from the data as of now and stores it as a draft (the snapshot, its data
/// cut-off and rule versions).
#[utoipa::path(post, path = "/reports", tag = "reports", request_body = CreateReport, responses((status = 200, body = ReportItem), (status = 422, body = crate::error::ErrorBody)))]
async fn create_report(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::REPORT_WRITE }>,
    Json(b): Json<CreateReport>,
) -> ApiResult<Json<ReportItem>> {
    let kind = Kind::parse(&b.kind)
        .ok_or_else(|| ApiError::invalid(format!("kind: unknown '{}' (bulletin, analysis, briefing)", b.kind)))?;
    let area = match b.station_id {
        Some(st) => {
            let a = crate::reports::Area::of_station(&s.store, st).await?;
            if !p.scope.covers(&a.scope()) {
                return Err(ApiError::not_found("station"));
            }
            a
        }
        None => crate::reports::Area { jurisdiction: own_area(&s, &p, b.jurisdiction_id).await?, station: None },
    };
    let id = store_new(&s, &p, kind, &b.period, &area, String::new(), None).await?;
    let row = s.store.report(id).await?;
    let snap = snapshot(&s, row.id).await?;
    Ok(Json(item(row, &snap, &[])))
}

async fn store_new(
    s: &AppState,
    p: &Principal,
    kind: Kind,
    period: &str,
    area: &crate::reports::Area,
    narrative: String,
    corrects: Option<i64>,
) -> ApiResult<i64> {
    let cutoff = store::now_ms();
    let r = crate::reports::generate(&s.store, kind, period, area, cutoff, &s.config.ladder).await?;
    let j = &area.jurisdiction;
    let entry = |id: &i64| {
        let mut entry = p.audit("create", "report", Some(id.to_string()), &[]);
        entry.detail = serde_json::json!({"kind": kind.as_str(), "period": period, "jurisdiction": j.code, "cutoff_ms": cutoff, "corrects": corrects}).to_string();
        entry
    };
    let new = crate::reports::new_report(&r, area, cutoff, narrative, corrects, super::actor_label(s, p).await?)?;
    let id = s.store.insert_report(&new, Some(Box::new(entry))).await?;
    Ok(id)
}

async fn visible_row(s: &AppState, p: &Principal, id: i64) -> ApiResult<ReportRow> {
    let r = s.store.report(id).await?;
    // Not visible reads as not there: no probing of other areas' reports.
    if visible(p, &r) { Ok(r) } else { Err(ApiError::not_found("report")) }
}

/// A report with its content.
#[derive(Serialize, utoipa::ToSchema)]
struct ReportDetail {
    #[serde(flatten)]
    item: ReportItem,
    /// The snapshot.
    #[schema(value_type = Object)]
    content: Report,
}

/// One report with its snapshot.
#[utoipa::path(get, path = "/reports/{id}", tag = "reports", params(("id" = i64, Path)), responses((status = 200, body = ReportDetail), (status = 404, body = crate::error::ErrorBody)))]
async fn get_report(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::REPORT_READ }>,
    Path(id): Path<i64>,
) -> ApiResult<Json<ReportDetail>> {
    let row = visible_row(&s, &p, id).await?;
    let content = snapshot(&s, id).await?;
    let all = s.store.list_reports(Some(&row.kind)).await?;
    Ok(Json(ReportDetail { item: item(row, &content, &all), content }))
}

/// The narrative.
#[derive(Deserialize, utoipa::ToSchema)]
struct Narrative {
    /// Paragraphs, one per line.
    narrative: String,
}

/// Writes the narrative of a draft.
#[utoipa::path(put, path = "/reports/{id}/narrative", tag = "reports", params(("id" = i64, Path)), request_body = Narrative, responses((status = 200, body = ReportRow), (status = 409, body = crate::error::ErrorBody)))]
async fn set_narrative(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::REPORT_WRITE }>,
    Path(id): Path<i64>,
    Json(b): Json<Narrative>,
) -> ApiResult<Json<ReportRow>> {
    visible_row(&s, &p, id).await?;
    if b.narrative.chars().count() > 20_000 {
        return Err(ApiError::invalid("narrative: at most 20,000 characters"));
    }
    let r = s
        .store
        .set_report_narrative(id, &b.narrative, Some(p.audit("update", "report", Some(id.to_string()), &["narrative"])))
        .await?;
    Ok(Json(r))
}

async fn advance(s: &AppState, p: &Principal, id: i64, from: &str, to: &str) -> ApiResult<Json<ReportRow>> {
    visible_row(s, p, id).await?;
    let mut entry =
        p.audit(if to == "approved" { "approve" } else { "publish" }, "report", Some(id.to_string()), &["status"]);
    entry.detail = serde_json::json!({"status": to}).to_string();
    let r = s.store.advance_report(id, from, to, &super::actor_label(s, p).await?, Some(entry)).await?;
    Ok(Json(r))
}

/// Approves a draft (its narrative and content are then fixed).
#[utoipa::path(post, path = "/reports/{id}/approve", tag = "reports", params(("id" = i64, Path)), responses((status = 200, body = ReportRow), (status = 409, body = crate::error::ErrorBody)))]
async fn approve(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::REPORT_APPROVE }>,
    Path(id): Path<i64>,
) -> ApiResult<Json<ReportRow>> {
    advance(&s, &p, id, "draft", "approved").await
}

/// Publishes an approved report: from now on it never changes and reaches its area.
#[utoipa::path(post, path = "/reports/{id}/publish", tag = "reports", params(("id" = i64, Path)), responses((status = 200, body = ReportRow), (status = 409, body = crate::error::ErrorBody)))]
async fn publish(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::REPORT_APPROVE }>,
    Path(id): Path<i64>,
) -> ApiResult<Json<ReportRow>> {
    advance(&s, &p, id, "approved", "published").await
}

/// Starts a correction of a published report: a new draft version from the data as of now,
/// linked to the one it corrects, with its narrative to edit.
#[utoipa::path(post, path = "/reports/{id}/correct", tag = "reports", params(("id" = i64, Path)), responses((status = 200, body = ReportItem), (status = 409, body = crate::error::ErrorBody)))]
async fn correct(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::REPORT_WRITE }>,
    Path(id): Path<i64>,
) -> ApiResult<Json<ReportItem>> {
    let old = s.store.report(id).await?;
    if !(p.can(Permission::ReportRead) && p.scope.contains(&old.scope_path)) {
        return Err(ApiError::not_found("report"));
    }
    if old.status != "published" {
        return Err(ApiError::from(store::StoreError::Conflict {
            field: "status",
            message: "only a published report is corrected; edit the draft instead".into(),
        }));
    }
    let kind = Kind::parse(&old.kind).ok_or_else(|| ApiError::internal("stored report kind"))?;
    let area = if old.station_id > 0 {
        crate::reports::Area::of_station(&s.store, old.station_id).await?
    } else {
        crate::reports::Area {
            jurisdiction: s
                .store
                .jurisdiction(old.scope_jurisdiction_id)
                .await?
                .ok_or_else(|| ApiError::not_found("jurisdiction"))?,
            station: None,
        }
    };
    let new_id = store_new(&s, &p, kind, &old.period, &area, old.narrative.clone(), Some(id)).await?;
    let row = s.store.report(new_id).await?;
    let snap = snapshot(&s, row.id).await?;
    Ok(Json(item(row, &snap, &[])))
}

/// Which format.
#[derive(Deserialize, utoipa::IntoParams)]
struct DownloadQuery {
    /// html / xlsx / pdf.
    format: String,
}

/// Downloads a report rendered from its stored snapshot (never from today's data); every
/// download is audited. Drafts carry a 草稿 mark.
#[utoipa::path(get, path = "/reports/{id}/download", tag = "reports", params(("id" = i64, Path), DownloadQuery), responses((status = 200, description = "the file"), (status = 404, body = crate::error::ErrorBody)))]
async fn download(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::REPORT_READ }>,
    Path(id): Path<i64>,
    Query(q): Query<DownloadQuery>,
) -> ApiResult<impl IntoResponse> {
    let row = visible_row(&s, &p, id).await?;
    let content = snapshot(&s, id).await?;
    let watermark = match row.status.as_str() {
        "published" => None,
        "approved" => Some("待发布"),
        _ => Some("草稿"),
    };
    let dated = row.published_at.unwrap_or(row.created_at);
    let format = q.format.clone();
    let narrative = row.narrative.clone();
    let file =
        tokio::task::spawn_blocking(move || crate::reports::render(&content, &narrative, watermark, dated, &format))
            .await
            .map_err(ApiError::internal)??;
    let mut entry = p.audit("export", "report", Some(id.to_string()), &[]);
    entry.detail = serde_json::json!({"format": q.format, "kind": row.kind, "period": row.period, "version": row.version, "status": row.status, "bytes": file.bytes.len()}).to_string();
    s.store.audit(entry).await?;
    let name = format!("{}-{}-v{}.{}", row.kind, row.period, row.version, file.ext);
    let disposition = if file.ext == "html" {
        format!("inline; filename=\"{name}\"")
    } else {
        format!("attachment; filename=\"{name}\"")
    };
    Ok((
        [(header::CONTENT_TYPE, file.content_type.to_string()), (header::CONTENT_DISPOSITION, disposition)],
        file.bytes,
    ))
}
