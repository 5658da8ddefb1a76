//! Who is calling: a logged-in user (session cookie + CSRF header for writes) or a machine
//! client (API key). The permission a handler needs is part of its signature:
//! `Authorized<{ perm::RESIDENT_READ }>` authenticates, checks and yields the [`Principal`].

use std::net::SocketAddr;

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};
use domain::audit::AuditContent;
use domain::{Permission, Role, Scope};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::error::ApiError;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "fz_session";
/// Header carrying the CSRF token on cookie-authenticated writes.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Header carrying an API key: `Authorization: Bearer fzk_<prefix>.<secret>`.
const API_KEY_PREFIX: &str = "fzk_";

/// Permission codes usable as const generic arguments (enums cannot be, on stable Rust).
pub mod perm {
    /// [`domain::Permission::RegistryRead`].
    pub const REGISTRY_READ: u8 = 0;
    /// [`domain::Permission::RegistryWrite`].
    pub const REGISTRY_WRITE: u8 = 1;
    /// [`domain::Permission::ResidentRead`].
    pub const RESIDENT_READ: u8 = 2;
    /// [`domain::Permission::ResidentWrite`].
    pub const RESIDENT_WRITE: u8 = 3;
    /// [`domain::Permission::PiiUnmask`].
    pub const PII_UNMASK: u8 = 4;
    /// [`domain::Permission::UserAdmin`].
    pub const USER_ADMIN: u8 = 5;
    /// [`domain::Permission::AuditRead`].
    pub const AUDIT_READ: u8 = 6;
    /// [`domain::Permission::Decide`].
    pub const DECIDE: u8 = 7;
    /// [`domain::Permission::WarningRead`].
    pub const WARNING_READ: u8 = 8;
    /// [`domain::Permission::ListWrite`].
    pub const LIST_WRITE: u8 = 9;
    /// [`domain::Permission::CaseRead`].
    pub const CASE_READ: u8 = 10;
    /// [`domain::Permission::CaseWrite`].
    pub const CASE_WRITE: u8 = 11;
    /// [`domain::Permission::ReportRead`].
    pub const REPORT_READ: u8 = 12;
    /// [`domain::Permission::ReportWrite`].
    pub const REPORT_WRITE: u8 = 13;
    /// [`domain::Permission::ReportApprove`].
    pub const REPORT_APPROVE: u8 = 14;
    /// [`Permission::PreventionWrite`](domain::Permission::PreventionWrite).
    pub const PREVENTION_WRITE: u8 = 15;
    /// [`Permission::PreventionReview`](domain::Permission::PreventionReview).
    pub const PREVENTION_REVIEW: u8 = 16;
    /// [`Permission::KeyPerson`](domain::Permission::KeyPerson).
    pub const KEY_PERSON: u8 = 17;
    /// [`Permission::UpstreamPush`](domain::Permission::UpstreamPush).
    pub const UPSTREAM_PUSH: u8 = 18;
    /// Any authenticated caller.
    pub const ANY: u8 = 255;
}

fn permission_of(code: u8) -> Option<Permission> {
    Permission::ALL.get(code as usize).copied()
}

/// Whether a caller is a person or a system.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorKind {
    /// A logged-in user.
    User,
    /// A machine client with an API key.
    ApiKey,
}

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Principal {
    /// Person or system.
    pub kind: ActorKind,
    /// User id or key id.
    pub id: i64,
    /// User name or key name.
    pub name: String,
    /// The user's role (keys have none).
    pub role: Option<Role>,
    /// What the caller may do.
    pub permissions: Vec<Permission>,
    /// The caller's organisation.
    pub unit_id: i64,
    /// Which rows the caller may see.
    pub scope: Scope,
    /// The caller's address.
    pub ip: String,
    /// A user whose password an administrator chose: only the password change is open.
    pub must_change_password: bool,
    /// The upstream sources a machine key may send warnings of (empty for users).
    pub sources: Vec<String>,
}

impl Principal {
    /// Whether the caller has a permission.
    pub fn can(&self, p: Permission) -> bool {
        self.permissions.contains(&p)
    }

    /// An audit entry attributed to this caller.
    pub fn audit(&self, action: &str, object_type: &str, object_id: Option<String>, fields: &[&str]) -> AuditContent {
        AuditContent {
            at_ms: store::now_ms(),
            actor_kind: match self.kind {
                ActorKind::User => "user".into(),
                ActorKind::ApiKey => "api_key".into(),
            },
            actor_id: Some(self.id),
            actor_name: self.name.clone(),
            action: action.into(),
            object_type: object_type.into(),
            object_id,
            fields: fields.iter().map(|s| s.to_string()).collect(),
            ip: Some(self.ip.clone()),
            reason: None,
            detail: "{}".into(),
        }
    }
}

/// A caller proven to hold permission `P` (or any caller, for [`perm::ANY`]).
pub struct Authorized<const P: u8>(pub Principal);

impl<const P: u8> FromRequestParts<AppState> for Authorized<P> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let ip = client_ip(parts);
        let principal = authenticate(&parts.headers, &parts.method, state, ip).await?;
        // Handlers under `/api/v1` see the path with the prefix stripped; the original has it.
        let path = parts.extensions.get::<axum::extract::OriginalUri>().map(|u| u.0.path()).unwrap_or(parts.uri.path());
        if principal.must_change_password && !PASSWORD_CHANGE_OPEN.contains(&path) {
            return Err(ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                "password_change_required",
                "change the password an administrator set before anything else",
            ));
        }
        if P != perm::ANY {
            let needed = permission_of(P).ok_or_else(|| ApiError::internal("unknown permission code"))?;
            if !principal.can(needed) {
                return Err(ApiError::forbidden(needed.as_str()));
            }
        }
        Ok(Authorized(principal))
    }
}

/// What a user who must change the password may still call.
const PASSWORD_CHANGE_OPEN: [&str; 3] = ["/api/v1/auth/me", "/api/v1/auth/password", "/api/v1/auth/logout"];

/// The caller's address as the server saw it.
pub fn client_ip(parts: &Parts) -> String {
    parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string()).unwrap_or_default()
}

/// The value of a cookie in the request.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// SHA-256 of a secret token; only this is stored.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// A random URL-safe token of 32 bytes.
pub fn random_token() -> Result<String, ApiError> {
    use base64::Engine;
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(ApiError::internal)?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b))
}

async fn authenticate(
    headers: &HeaderMap,
    method: &Method,
    state: &AppState,
    ip: String,
) -> Result<Principal, ApiError> {
    if let Some(auth) = headers.get(axum::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        let key = auth.strip_prefix("Bearer ").ok_or_else(ApiError::unauthenticated)?;
        return authenticate_key(key.trim(), state, ip).await;
    }
    let token = cookie(headers, SESSION_COOKIE).ok_or_else(ApiError::unauthenticated)?;
    let th = token_hash(&token);
    let now = store::now_ms();
    let (mut principal, csrf, last_seen) = match state.sessions.get(&th) {
        Some(hit) => hit,
        None => {
            let session = state.store.session(&th).await?.ok_or_else(ApiError::unauthenticated)?;
            let user = session.user;
            let role = Role::parse(&user.role)?;
            let scope = user_scope(state, role, user.unit_id, user.jurisdiction_id).await?;
            let p = Principal {
                kind: ActorKind::User,
                id: user.id,
                name: user.username,
                role: Some(role),
                permissions: role.permissions().to_vec(),
                unit_id: user.unit_id,
                scope,
                ip: String::new(),
                must_change_password: user.must_change_password,
                sources: Vec::new(),
            };
            state.sessions.put(
                th.clone(),
                p.clone(),
                session.csrf_token.clone(),
                session.expires_at,
                session.last_seen_at,
            );
            (p, session.csrf_token, session.last_seen_at)
        }
    };
    // Idle sessions end (等保: session timeout), besides their absolute lifetime.
    let idle_ms = i64::try_from(state.config.session_idle.as_millis()).unwrap_or(i64::MAX);
    if now - last_seen > idle_ms {
        state.store.delete_session(&th).await?;
        state.sessions.forget(&th);
        return Err(ApiError::new(
            axum::http::StatusCode::UNAUTHORIZED,
            "session_idle",
            "the session ended after a time without use; log in again",
        ));
    }
    // The last use is written at most once a minute: not a write per request.
    if now - last_seen > SESSION_TOUCH_MS {
        state.store.touch_session(&th, now).await?;
        state.sessions.touched(&th, now);
    }
    // Cookies ride along on cross-site requests; a write must also prove it came from our page.
    if !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        let sent = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
        if !constant_time_eq(sent.as_bytes(), csrf.as_bytes()) {
            return Err(ApiError::new(axum::http::StatusCode::FORBIDDEN, "csrf", "missing or wrong CSRF token"));
        }
    }
    principal.ip = ip;
    Ok(principal)
}

/// How long an authenticated session is trusted without asking the database again. Logout,
/// disabling a user and password changes in this process take effect at once (they clear the
/// cache); in another process sharing the database, within this time.
const SESSION_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(10);

/// How often a session's last use is written, ms.
const SESSION_TOUCH_MS: i64 = 60_000;

/// A cached session: who, its CSRF token, when it expires (ms), when it was cached, its last
/// use as stored (ms).
type CachedSession = (Principal, String, i64, std::time::Instant, i64);

/// Sessions authenticated in the last few seconds.
#[derive(Default)]
pub struct SessionCache {
    map: std::sync::Mutex<std::collections::HashMap<Vec<u8>, CachedSession>>,
}

impl SessionCache {
    fn get(&self, token_hash: &[u8]) -> Option<(Principal, String, i64)> {
        let m = self.map.lock().ok()?;
        let (p, csrf, expires_at, at, last_seen) = m.get(token_hash)?;
        (at.elapsed() < SESSION_CACHE_TTL && *expires_at > store::now_ms())
            .then(|| (p.clone(), csrf.clone(), *last_seen))
    }

    fn put(&self, token_hash: Vec<u8>, p: Principal, csrf: String, expires_at: i64, last_seen: i64) {
        if let Ok(mut m) = self.map.lock() {
            if m.len() > 50_000 {
                m.clear();
            }
            m.insert(token_hash, (p, csrf, expires_at, std::time::Instant::now(), last_seen));
        }
    }

    fn touched(&self, token_hash: &[u8], at: i64) {
        if let Ok(mut m) = self.map.lock()
            && let Some(e) = m.get_mut(token_hash)
        {
            e.4 = at;
        }
    }

    fn forget(&self, token_hash: &[u8]) {
        if let Ok(mut m) = self.map.lock() {
            m.remove(token_hash);
        }
    }

    /// Forgets every cached session (after logout, user changes).
    pub fn clear(&self) {
        if let Ok(mut m) = self.map.lock() {
            m.clear();
        }
    }
}

async fn authenticate_key(key: &str, state: &AppState, ip: String) -> Result<Principal, ApiError> {
    let kh = token_hash(key);
    // Machine clients call per transfer: trust a verified key for a few seconds (revoking
    // clears the cache in this process).
    if let Some((mut p, ..)) = state.sessions.get(&kh) {
        p.ip = ip;
        return Ok(p);
    }
    let (p, expires_at) = authenticate_key_uncached(key, state, ip).await?;
    state.sessions.put(kh, p.clone(), String::new(), expires_at, i64::MAX);
    Ok(p)
}

async fn authenticate_key_uncached(key: &str, state: &AppState, ip: String) -> Result<(Principal, i64), ApiError> {
    let (prefix, _secret) = key.split_once('.').ok_or_else(ApiError::unauthenticated)?;
    if !prefix.starts_with(API_KEY_PREFIX) {
        return Err(ApiError::unauthenticated());
    }
    let k = state.store.api_key_by_prefix(prefix).await?.ok_or_else(ApiError::unauthenticated)?;
    if !constant_time_eq(&token_hash(key), &k.key_hash) {
        return Err(ApiError::unauthenticated());
    }
    let permissions =
        k.permissions.split(',').filter(|s| !s.is_empty()).map(Permission::parse).collect::<Result<Vec<_>, _>>()?;
    let j = state.store.jurisdiction(k.jurisdiction_id).await?.ok_or_else(|| ApiError::not_found("jurisdiction"))?;
    let p = Principal {
        kind: ActorKind::ApiKey,
        id: k.id,
        name: k.name,
        role: None,
        permissions,
        unit_id: k.unit_id,
        scope: Scope::Subtrees(vec![j.path]),
        ip,
        must_change_password: false,
        sources: k.sources.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect(),
    };
    Ok((p, k.expires_at.unwrap_or(i64::MAX)))
}

/// The rows a user may see: everything for county-wide roles, the precinct for an officer of
/// a police station, otherwise the subtree of the user's jurisdiction.
pub async fn user_scope(state: &AppState, role: Role, unit_id: i64, jurisdiction_id: i64) -> Result<Scope, ApiError> {
    if role.county_wide() {
        return Ok(Scope::All);
    }
    if role == Role::StationOfficer
        && let Some(st) = state.store.station_by_unit(unit_id).await?
    {
        return Ok(Scope::Subtrees(st.precinct_paths));
    }
    let j = state.store.jurisdiction(jurisdiction_id).await?.ok_or_else(|| ApiError::not_found("jurisdiction"))?;
    Ok(if j.parent_id.is_none() { Scope::All } else { Scope::Subtrees(vec![j.path]) })
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// An argon2id PHC hash of a password (the policy is checked where a person sets one:
/// [`domain::auth::check_password`]).
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    if password.chars().count() < domain::auth::PASSWORD_MIN_CHARS
        || password.chars().count() > domain::auth::PASSWORD_MAX_CHARS
    {
        return Err(ApiError::invalid(format!(
            "password: must have {} to {} characters",
            domain::auth::PASSWORD_MIN_CHARS,
            domain::auth::PASSWORD_MAX_CHARS
        )));
    }
    Argon2::default().hash_password(password.as_bytes()).map(|h| h.to_string()).map_err(ApiError::internal)
}

/// Whether a password matches a stored hash.
pub fn verify_password(password: &str, hash: &str) -> bool {
    Argon2::default().verify_password(password.as_bytes(), hash).is_ok()
}
