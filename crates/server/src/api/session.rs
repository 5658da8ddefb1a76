//! Login, logout and "who am I".

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::AppState;
use crate::auth::{self, Authorized, SESSION_COOKIE, perm};
use crate::error::{ApiError, ApiResult};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
        .routes(routes!(change_password))
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
    /// Ids of the same jurisdictions, in the same order: a page about one area starts on the
    /// first when the caller's area has several parts.
    pub scope_ids: Vec<i64>,
    /// CSRF token to send as `X-CSRF-Token` on writes.
    pub csrf_token: String,
    /// The password was set by an administrator: nothing else opens before it is changed.
    pub must_change_password: bool,
}

async fn me_of(state: &AppState, user: &store::User, csrf: String) -> ApiResult<Me> {
    let role = domain::Role::parse(&user.role)?;
    let scope = auth::user_scope(state, role, user.unit_id, user.jurisdiction_id).await?;
    let (mut names, mut ids) = (Vec::new(), Vec::new());
    if let Some(roots) = scope.roots() {
        for p in roots {
            if let Some(id) = p.trim_end_matches('/').rsplit('/').next().and_then(|s| s.parse().ok())
                && let Some(j) = state.store.jurisdiction(id).await?
            {
                names.push(j.name);
                ids.push(j.id);
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
        scope_ids: ids,
        csrf_token: csrf,
        must_change_password: user.must_change_password,
    })
}

/// The answer to an attempt refused before its password is looked at: 429 while slowed
/// down, 423 while locked, with `Retry-After` in seconds.
fn refused(r: domain::auth::Refusal) -> Response {
    use domain::auth::Refusal;
    let (status, code) = match r {
        Refusal::Backoff(_) => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
        Refusal::Locked(_) => (StatusCode::LOCKED, "locked"),
    };
    let secs = r.wait_secs();
    let mut resp =
        ApiError::new(status, code, format!("too many failed logins; try again in {secs} s")).into_response();
    if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}

/// Logs in and sets the session cookie. Failed attempts slow and then lock the account and
/// the address (`domain::auth::ACCOUNT`, `ADDRESS`); a refused attempt is not judged at all.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = Me), (status = 401, body = crate::error::ErrorBody), (status = 423, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody)))]
async fn login(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<std::net::SocketAddr>,
    Json(req): Json<LoginRequest>,
) -> ApiResult<Response> {
    let ip = addr.ip().to_string();
    // Bounded before anything is looked up or written to the audit log.
    let username = req.username.trim();
    domain::text::line("username", username, domain::text::NAME_MAX_CHARS)?;
    domain::text::text("password", &req.password, domain::auth::PASSWORD_MAX_CHARS)?;
    let (user_key, ip_key) = (domain::auth::account_key(username), domain::auth::address_key(&ip));
    let now = store::now_ms();
    let (user_t, ip_t) = (state.store.login_throttle(&user_key).await?, state.store.login_throttle(&ip_key).await?);
    if let Some(r) = domain::auth::ACCOUNT.check(&user_t, now).or_else(|| domain::auth::ADDRESS.check(&ip_t, now)) {
        return Ok(refused(r));
    }
    let user = state.store.user_by_username(username).await?;
    // Verify against a fixed hash when the user is unknown, so timing does not reveal names.
    let hash = user.as_ref().map(|u| u.password_hash.clone()).unwrap_or_else(|| DUMMY_HASH.to_string());
    let pw = req.password.clone();
    let ok =
        tokio::task::spawn_blocking(move || auth::verify_password(&pw, &hash)).await.map_err(ApiError::internal)?;
    let mut entry = domain::audit::AuditContent {
        at_ms: now,
        actor_kind: "user".into(),
        actor_id: user.as_ref().map(|u| u.id),
        actor_name: username.to_string(),
        action: "login".into(),
        object_type: "session".into(),
        ip: Some(ip.clone()),
        detail: "{}".into(),
        ..Default::default()
    };
    let user = match user {
        Some(u) if ok && u.active => u,
        _ => {
            let (user_next, user_locked) = domain::auth::ACCOUNT.fail(&user_t, now);
            state.store.set_login_throttle(&user_key, &user_next).await?;
            // The address counts each name it fails on once: one account's typos are the
            // account's to answer for, many names are a spray.
            let pair_key = domain::auth::pair_key(&ip, username);
            let pair_t = state.store.login_throttle(&pair_key).await?;
            let (ip_next, ip_locked) = if domain::auth::new_name_at_address(&pair_t, now) {
                let next = domain::auth::ADDRESS.fail(&ip_t, now);
                state.store.set_login_throttle(&ip_key, &next.0).await?;
                next
            } else {
                (ip_t, false)
            };
            let pair_next = domain::auth::Throttle {
                failures: pair_t.failures.saturating_add(1),
                blocked_until_ms: 0,
                last_failure_ms: now,
            };
            state.store.set_login_throttle(&pair_key, &pair_next).await?;
            entry.action = "login_failed".into();
            entry.detail =
                serde_json::json!({"failures": user_next.failures, "address_failures": ip_next.failures}).to_string();
            state.store.audit(entry.clone()).await?;
            // The start of a lock is the event worth reading in the log; the attempts refused
            // while it lasts are not written one by one.
            if user_locked || ip_locked {
                entry.action = "login_locked".into();
                let until = if user_locked { user_next.blocked_until_ms } else { ip_next.blocked_until_ms };
                entry.detail =
                    serde_json::json!({"account": user_locked, "address": ip_locked, "until_ms": until}).to_string();
                state.store.audit(entry).await?;
            }
            return Err(ApiError::new(StatusCode::UNAUTHORIZED, "bad_credentials", "wrong user name or password"));
        }
    };
    state.store.clear_login_throttle(&user_key, None).await?;
    let token = auth::random_token()?;
    let csrf = auth::random_token()?;
    let ttl = state.config.session_ttl;
    state
        .store
        .create_session(&auth::token_hash(&token), user.id, &csrf, &ip, store::now_ms() + ttl.as_millis() as i64)
        .await?;
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

/// A password change by its owner.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct PasswordChange {
    /// The password now.
    pub current_password: String,
    /// The new one: 8 to 128 characters, three of lower case, upper case, digits and symbols,
    /// not the user name, none of the last five.
    pub new_password: String,
}

/// Changes the caller's own password (the way out of a password an administrator set). The
/// caller's other sessions end; this one goes on.
#[utoipa::path(post, path = "/auth/password", tag = "auth", request_body = PasswordChange,
    responses((status = 204), (status = 400, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody)))]
async fn change_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    Authorized(p): Authorized<{ perm::ANY }>,
    b: Result<Json<PasswordChange>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<StatusCode> {
    if p.kind != auth::ActorKind::User {
        return Err(ApiError::forbidden("a user session"));
    }
    let b = crate::error::body(b)?;
    let tok = auth::cookie(&headers, SESSION_COOKIE).ok_or_else(ApiError::unauthenticated)?;
    domain::text::text("current_password", &b.current_password, domain::auth::PASSWORD_MAX_CHARS)?;
    let user = state.store.user(p.id).await?.ok_or_else(ApiError::unauthenticated)?;
    let user_key = domain::auth::account_key(&user.username);
    let now = store::now_ms();
    let user_t = state.store.login_throttle(&user_key).await?;
    if let Some(r) = domain::auth::ACCOUNT.check(&user_t, now) {
        let secs = r.wait_secs();
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("too many failed attempts; try again in {secs} s"),
        ));
    }
    domain::auth::check_password(&b.new_password, &user.username)?;
    let history = state.store.password_history(user.id, domain::auth::PASSWORD_HISTORY).await?;
    let (current, new, old_hash) = (b.current_password, b.new_password, user.password_hash.clone());
    // Argon2 is slow on purpose: off the async workers, all the comparisons at once.
    let (current_ok, reused, hash) = tokio::task::spawn_blocking(move || {
        let current_ok = auth::verify_password(&current, &old_hash);
        let reused = auth::verify_password(&new, &old_hash) || history.iter().any(|h| auth::verify_password(&new, h));
        let hash = if current_ok && !reused { Some(auth::hash_password(&new)) } else { None };
        (current_ok, reused, hash)
    })
    .await
    .map_err(ApiError::internal)?;
    if !current_ok {
        let (next, _) = domain::auth::ACCOUNT.fail(&user_t, now);
        state.store.set_login_throttle(&user_key, &next).await?;
        state.store.audit(p.audit("password_change_failed", "user", Some(user.id.to_string()), &[])).await?;
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, "bad_credentials", "the current password is wrong"));
    }
    if reused {
        return Err(ApiError::invalid(format!(
            "new_password: must differ from the current and the last {} passwords",
            domain::auth::PASSWORD_HISTORY
        )));
    }
    let hash = hash.ok_or_else(|| ApiError::internal("no hash"))??;
    state.store.set_password_hash(user.id, &hash, false, Some(&auth::token_hash(&tok))).await?;
    state.sessions.clear();
    state.store.audit(p.audit("password_change", "user", Some(user.id.to_string()), &["password"])).await?;
    Ok(StatusCode::NO_CONTENT)
}

// argon2id hash of a random string nobody knows; used only to spend the same time.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3QKkOQ9XWHz1RbpGxOq4iyZmDPdbBq3Pwxr6rZBnTkg";

/// Ends the session.
#[utoipa::path(post, path = "/auth/logout", tag = "auth", responses((status = 204)))]
async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    Authorized(p): Authorized<{ perm::ANY }>,
) -> ApiResult<Response> {
    if let Some(tok) = auth::cookie(&headers, SESSION_COOKIE) {
        state.store.delete_session(&auth::token_hash(&tok)).await?;
    }
    state.sessions.clear();
    state.store.audit(p.audit("logout", "session", None, &[])).await?;
    let mut resp = axum::http::StatusCode::NO_CONTENT.into_response();
    resp.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("fz_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    Ok(resp)
}

/// The logged-in user, permissions and CSRF token.
#[utoipa::path(get, path = "/auth/me", tag = "auth", responses((status = 200, body = Me), (status = 401, body = crate::error::ErrorBody)))]
async fn me(
    State(state): State<AppState>,
    headers: HeaderMap,
    Authorized(p): Authorized<{ perm::ANY }>,
) -> ApiResult<Json<Me>> {
    let tok = auth::cookie(&headers, SESSION_COOKIE).ok_or_else(ApiError::unauthenticated)?;
    let s = state.store.session(&auth::token_hash(&tok)).await?.ok_or_else(ApiError::unauthenticated)?;
    debug_assert_eq!(s.user.id, p.id);
    Ok(Json(me_of(&state, &s.user, s.csrf_token).await?))
}
