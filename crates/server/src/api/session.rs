//! Login, logout and "who am I".

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::AppState;
use crate::auth::{self, Authorized, SESSION_COOKIE, perm};
use crate::error::{ApiError, ApiResult};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(login)).routes(routes!(logout)).routes(routes!(me))
}

/// Login form.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    /// User name.
    pub username: String,
    /// Password.
    pub password: String,
}

/// The caller, as the UI needs it to build its menu.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Me {
    /// Id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Role code.
    pub role: String,
    /// Role name in Chinese.
    pub role_zh: String,
    /// Permission codes.
    pub permissions: Vec<String>,
    /// Organisation id.
    pub unit_id: i64,
    /// Organisation name.
    pub unit_name: String,
    /// Names of the jurisdictions in scope (empty = whole county).
    pub scope: Vec<String>,
    /// CSRF token to send as `X-CSRF-Token` on writes.
    pub csrf_token: String,
}

async fn me_of(state: &AppState, user: &store::User, csrf: String) -> ApiResult<Me> {
    let role = domain::Role::parse(&user.role)?;
    let scope = auth::user_scope(state, role, user.unit_id, user.jurisdiction_id).await?;
    let mut names = Vec::new();
    if let Some(roots) = scope.roots() {
        for p in roots {
            if let Some(id) = p.trim_end_matches('/').rsplit('/').next().and_then(|s| s.parse().ok())
                && let Some(j) = state.store.jurisdiction(id).await?
            {
                names.push(j.name);
            }
        }
    }
    let unit_name = state.store.unit(user.unit_id).await?.map(|u| u.name).unwrap_or_default();
    Ok(Me {
        id: user.id,
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        role: role.as_str().into(),
        role_zh: role.zh().into(),
        permissions: role.permissions().iter().map(|p| p.as_str().to_string()).collect(),
        unit_id: user.unit_id,
        unit_name,
        scope: names,
        csrf_token: csrf,
    })
}

/// Logs in and sets the session cookie.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = Me), (status = 401, body = crate::error::ErrorBody)))]
async fn login(State(state): State<AppState>, ConnectInfo(addr): ConnectInfo<std::net::SocketAddr>, Json(req): Json<LoginRequest>) -> ApiResult<Response> {
    let ip = addr.ip().to_string();
    let user = state.store.user_by_username(&req.username).await?;
    // Verify against a fixed hash when the user is unknown, so timing does not reveal names.
    let hash = user.as_ref().map(|u| u.password_hash.clone()).unwrap_or_else(|| DUMMY_HASH.to_string());
    let pw = req.password.clone();
    let ok = tokio::task::spawn_blocking(move || auth::verify_password(&pw, &hash)).await.map_err(ApiError::internal)?;
    let mut entry = domain::audit::AuditContent {
        at_ms: store::now_ms(),
        actor_kind: "user".into(),
        actor_id: user.as_ref().map(|u| u.id),
        actor_name: req.username.trim().to_string(),
        action: "login".into(),
        object_type: "session".into(),
        ip: Some(ip.clone()),
        detail: "{}".into(),
        ..Default::default()
    };
    let user = match user {
        Some(u) if ok && u.active => u,
        _ => {
            entry.action = "login_failed".into();
            state.store.audit(entry).await?;
            return Err(ApiError::new(axum::http::StatusCode::UNAUTHORIZED, "bad_credentials", "wrong user name or password"));
        }
    };
    let token = auth::random_token()?;
    let csrf = auth::random_token()?;
    let ttl = state.config.session_ttl;
    state.store.create_session(&auth::token_hash(&token), user.id, &csrf, &ip, store::now_ms() + ttl.as_millis() as i64).await?;
    state.store.audit(entry).await?;
    let me = me_of(&state, &user, csrf).await?;
    let cookie = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        ttl.as_secs(),
        if state.config.cookie_secure { "; Secure" } else { "" }
    );
    let mut resp = Json(me).into_response();
    resp.headers_mut().insert(header::SET_COOKIE, HeaderValue::from_str(&cookie).map_err(ApiError::internal)?);
    Ok(resp)
}

// argon2id hash of a random string nobody knows; used only to spend the same time.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3QKkOQ9XWHz1RbpGxOq4iyZmDPdbBq3Pwxr6rZBnTkg";

/// Ends the session.
#[utoipa::path(post, path = "/auth/logout", tag = "auth", responses((status = 204)))]
async fn logout(State(state): State<AppState>, headers: HeaderMap, Authorized(p): Authorized<{ perm::ANY }>) -> ApiResult<Response> {
    if let Some(tok) = auth::cookie(&headers, SESSION_COOKIE) {
        state.store.delete_session(&auth::token_hash(&tok)).await?;
    }
    state.sessions.clear();
    state.store.audit(p.audit("logout", "session", None, &[])).await?;
    let mut resp = axum::http::StatusCode::NO_CONTENT.into_response();
    resp.headers_mut().insert(header::SET_COOKIE, HeaderValue::from_static("fz_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"));
    Ok(resp)
}

/// The logged-in user, permissions and CSRF token.
#[utoipa::path(get, path = "/auth/me", tag = "auth", responses((status = 200, body = Me), (status = 401, body = crate::error::ErrorBody)))]
async fn me(State(state): State<AppState>, headers: HeaderMap, Authorized(p): Authorized<{ perm::ANY }>) -> ApiResult<Json<Me>> {
    let tok = auth::cookie(&headers, SESSION_COOKIE).ok_or_else(ApiError::unauthenticated)?;
    let s = state.store.session(&auth::token_hash(&tok)).await?.ok_or_else(ApiError::unauthenticated)?;
    debug_assert_eq!(s.user.id, p.id);
    Ok(Json(me_of(&state, &s.user, s.csrf_token).await?))
}
