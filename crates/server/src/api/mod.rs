//! The JSON API under `/api/v1`.

mod admin;
mod bank;
mod cases;
mod clues;

mod decide;
mod flows;
mod inquiry;
mod keypersons;
pub(crate) mod models;
mod notifications;
pub(crate) mod prevention;
mod registry;
mod reports;
mod residents;
mod session;
mod upstream;

use axum::Json;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;

use crate::AppState;

/// All API routes, with their OpenAPI descriptions.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(session::routes())
        .merge(registry::routes())
        .merge(residents::routes())
        .merge(admin::routes())
        .merge(decide::routes())
        .merge(decide::engine_routes())
        .merge(models::routes())
        .merge(flows::routes())
        .merge(cases::routes())
        .merge(bank::routes())
        .merge(clues::routes())
        .merge(reports::routes())
        .merge(upstream::routes())
        .merge(prevention::routes())
        .merge(keypersons::routes())
        .merge(inquiry::routes())
        .merge(notifications::routes())
}

/// Paging parameters common to every list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct Paging {
    /// 1-based page (default 1).
    pub page: Option<i64>,
    /// Rows per page (default 20, at most 500).
    pub per_page: Option<i64>,
}

impl Paging {
    fn req(&self) -> store::PageReq {
        store::PageReq { page: self.page.unwrap_or(1), per_page: self.per_page.unwrap_or(20) }
    }
}

/// Liveness and database check.
pub async fn healthz(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> (axum::http::StatusCode, Json<serde_json::Value>) {
    match state.store.ping().await {
        Ok(()) => {
            (axum::http::StatusCode::OK, Json(serde_json::json!({"status": "ok", "database": state.store.backend()})))
        }
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (axum::http::StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({"status": "unavailable"})))
        }
    }
}

/// Who did something, as a record people read names it: the person and their unit (张三 ·
/// 城关第一派出所), not the login name; a key by its name.
pub(crate) async fn actor_label(s: &AppState, p: &crate::auth::Principal) -> crate::error::ApiResult<String> {
    if p.kind != crate::auth::ActorKind::User {
        return Ok(p.name.clone());
    }
    user_label(s, p.id, &p.name).await
}

/// [`actor_label`] of a user known by id (an audit entry's actor); `login` when the user has
/// no name on record.
pub(crate) async fn user_label(s: &AppState, user_id: i64, login: &str) -> crate::error::ApiResult<String> {
    let user = s.store.user(user_id).await?;
    let unit = match &user {
        Some(u) => s.store.unit(u.unit_id).await?.map(|u| u.name),
        None => None,
    };
    let person = user.map(|u| u.display_name).filter(|n| !n.trim().is_empty());
    Ok(match (person, unit) {
        (Some(n), Some(u)) => format!("{n} · {u}"),
        (Some(n), None) => n,
        (None, Some(u)) => format!("{login} · {u}"),
        (None, None) => login.to_string(),
    })
}

/// Writes the audit entry of a read of personal data (masked): what kind of object, which one
/// or which list, the fields shown and how many rows. `docs/SECURITY.md` lists every route that
/// writes one; the access-matrix test walks that list.
pub(crate) async fn audit_read(
    s: &AppState,
    p: &crate::auth::Principal,
    object_type: &str,
    object_id: String,
    fields: &[&str],
    rows: usize,
) -> crate::error::ApiResult<()> {
    let mut entry = p.audit("read_pii", object_type, Some(object_id), fields);
    entry.detail = serde_json::json!({"masked": true, "rows": rows}).to_string();
    s.store.audit(entry).await?;
    Ok(())
}
