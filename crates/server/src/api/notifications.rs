//! Notifications: the in-app list of the caller's area, and the webhook outbox for the
//! administrator (what was delivered, what is still being tried and why).

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use store::{NotificationView, Page};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::Paging;
use crate::AppState;
use crate::auth::{Authorized, perm};
use crate::error::ApiResult;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(mine)).routes(routes!(read)).routes(routes!(outbox)).routes(routes!(retry))
}

/// The latest in-app notifications of the caller's area (new warnings for their station).
#[utoipa::path(get, path = "/notifications", tag = "notifications", responses((status = 200, body = Vec<NotificationView>)))]
async fn mine(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::WARNING_READ }>,
) -> ApiResult<Json<Vec<NotificationView>>> {
    let rows = s.store.app_notifications(&p.scope, 50).await?;
    super::audit_read(&s, &p, "notification", "mine".into(), &["title", "body"], rows.len()).await?;
    Ok(Json(rows))
}

/// Marks an in-app notification read.
#[utoipa::path(post, path = "/notifications/{id}/read", tag = "notifications", params(("id" = i64, Path)), responses((status = 204)))]
async fn read(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::WARNING_READ }>,
    Path(id): Path<i64>,
) -> ApiResult<axum::http::StatusCode> {
    s.store.notification_read(&p.scope, id).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// Filter of the outbox.
#[derive(Deserialize, utoipa::IntoParams)]
struct OutboxQuery {
    /// `pending` or `delivered`.
    status: Option<String>,
    /// Page.
    page: Option<i64>,
    /// Rows per page.
    per_page: Option<i64>,
}

/// The webhook outbox: every notification with its attempts and last error.
#[utoipa::path(get, path = "/notifications/outbox", tag = "notifications", params(OutboxQuery), responses((status = 200, body = Page<NotificationView>)))]
async fn outbox(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::USER_ADMIN }>,
    Query(q): Query<OutboxQuery>,
) -> ApiResult<Json<Page<NotificationView>>> {
    let page = s
        .store
        .outbox(q.status.as_deref().filter(|v| !v.is_empty()), Paging { page: q.page, per_page: q.per_page }.req())
        .await?;
    let id = format!("outbox:page={}", page.page);
    super::audit_read(&s, &p, "notification", id, &["target", "title", "body"], page.items.len()).await?;
    Ok(Json(page))
}

/// Tries a pending webhook notification again now (after the gateway is back).
#[utoipa::path(post, path = "/notifications/outbox/{id}/retry", tag = "notifications", params(("id" = i64, Path)), responses((status = 204)))]
async fn retry(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::USER_ADMIN }>,
    Path(id): Path<i64>,
) -> ApiResult<axum::http::StatusCode> {
    s.store.retry_notification(id, Some(p.audit("update", "notification", Some(id.to_string()), &[]))).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
