//! Users, API keys and the audit log.

use axum::Json;
use axum::extract::{Path, Query, State};
use domain::{Permission, Role};
use serde::{Deserialize, Serialize};
use store::{ApiKey, Page, User};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::Paging;
use crate::AppState;
use crate::auth::{self, Authorized, perm};
use crate::error::{ApiError, ApiResult};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(update_user))
        .routes(routes!(list_keys, create_key))
        .routes(routes!(revoke_key))
        .routes(routes!(list_audit))
        .routes(routes!(verify_audit))
        .routes(routes!(list_locks))
        .routes(routes!(lift_lock))
}

/// Users whose scope lies in the caller's.
#[utoipa::path(get, path = "/users", tag = "admin", params(Paging), responses((status = 200, body = Page<User>)))]
async fn list_users(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::USER_ADMIN }>,
    Query(pg): Query<Paging>,
) -> ApiResult<Json<Page<User>>> {
    Ok(Json(s.store.list_users(&p.scope, pg.req()).await?))
}

/// A new user.
#[derive(Deserialize, utoipa::ToSchema)]
struct NewUserBody {
    username: String,
    display_name: String,
    password: String,
    role: String,
    unit_id: i64,
    jurisdiction_id: i64,
}

/// Adds a user.
#[utoipa::path(post, path = "/users", tag = "admin", request_body = NewUserBody, responses((status = 200, body = User)))]
async fn create_user(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::USER_ADMIN }>,
    Json(b): Json<NewUserBody>,
) -> ApiResult<Json<User>> {
    let role = Role::parse(&b.role)?;
    domain::auth::check_password(&b.password, &b.username)?;
    in_scope(&s, &p, b.jurisdiction_id).await?;
    let pw = b.password;
    let hash = tokio::task::spawn_blocking(move || auth::hash_password(&pw)).await.map_err(ApiError::internal)??;
    // The administrator knows this password: the user must replace it at the first login.
    let u = s
        .store
        .create_user(
            &store::NewUser {
                username: b.username,
                display_name: b.display_name,
                password_hash: hash,
                role,
                unit_id: b.unit_id,
                jurisdiction_id: b.jurisdiction_id,
                must_change_password: true,
            },
            p.audit("create", "user", None, &["username", "role", "unit_id", "jurisdiction_id"]),
        )
        .await?;
    Ok(Json(u))
}

/// Enable, disable or reset the password of a user.
#[derive(Deserialize, utoipa::ToSchema)]
struct UserPatch {
    active: Option<bool>,
    password: Option<String>,
}

/// A user administered from another scope answers as absent.
async fn in_scope(s: &AppState, p: &auth::Principal, jurisdiction_id: i64) -> ApiResult<()> {
    let j = s.store.jurisdiction(jurisdiction_id).await?.ok_or_else(|| ApiError::not_found("user"))?;
    if p.scope.contains(&j.path) { Ok(()) } else { Err(ApiError::not_found("user")) }
}

/// Changes a user.
#[utoipa::path(patch, path = "/users/{id}", tag = "admin", request_body = UserPatch, responses((status = 200, body = User)))]
async fn update_user(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::USER_ADMIN }>,
    Path(id): Path<i64>,
    Json(b): Json<UserPatch>,
) -> ApiResult<Json<User>> {
    let target = s.store.user(id).await?.ok_or_else(|| ApiError::not_found("user"))?;
    in_scope(&s, &p, target.jurisdiction_id).await?;
    let mut fields = Vec::new();
    if b.active.is_some() {
        fields.push("active");
    }
    let hash = match b.password {
        Some(pw) => {
            domain::auth::check_password(&pw, &target.username)?;
            fields.push("password");
            Some(tokio::task::spawn_blocking(move || auth::hash_password(&pw)).await.map_err(ApiError::internal)??)
        }
        None => None,
    };
    // A reset password is the administrator's: the user must replace it. The change and its
    // entry commit together.
    s.store
        .change_user(
            id,
            b.active,
            hash.as_deref().map(|hash| store::PasswordChange { hash, must_change: true, keep_session: None }),
            Some(p.audit("update", "user", Some(id.to_string()), &fields)),
        )
        .await?;
    s.sessions.clear();
    Ok(Json(s.store.user(id).await?.ok_or_else(|| ApiError::not_found("user"))?))
}

/// All API keys (secrets are never shown again after creation).
#[utoipa::path(get, path = "/api-keys", tag = "admin", responses((status = 200, body = Vec<ApiKey>)))]
async fn list_keys(
    State(s): State<AppState>,
    Authorized(_p): Authorized<{ perm::USER_ADMIN }>,
) -> ApiResult<Json<Vec<ApiKey>>> {
    Ok(Json(s.store.list_api_keys().await?))
}

/// A new API key.
#[derive(Deserialize, utoipa::ToSchema)]
struct NewKeyBody {
    name: String,
    unit_id: i64,
    jurisdiction_id: i64,
    /// Permission codes, e.g. `["decide"]`.
    permissions: Vec<String>,
    /// Upstream sources the key may send warnings of (with `upstream_push`): `bank`,
    /// `operator`, `national`, `provincial`, `city`, `96110`.
    #[serde(default)]
    sources: Vec<String>,
    /// When the key stops working (RFC 3339). Required with a sensitive permission.
    expires_at: Option<String>,
    /// A system administrator's explicit word that this key may read the audit log, read or
    /// change residents, change fraud lists or the ruleset.
    #[serde(default)]
    allow_sensitive: bool,
}

/// What a machine key may hold only on a system administrator's explicit word, and for a
/// limited time: these read personal data in bulk or change what the engine decides.
const SENSITIVE_FOR_KEYS: [Permission; 4] =
    [Permission::AuditRead, Permission::ResidentRead, Permission::ResidentWrite, Permission::ListWrite];

/// The longest life of a key with a sensitive permission.
const SENSITIVE_KEY_MAX_DAYS: i64 = 90;

/// The key, shown once.
#[derive(Serialize, utoipa::ToSchema)]
struct CreatedKey {
    #[serde(flatten)]
    key: ApiKey,
    /// Send as `Authorization: Bearer <secret>`. Not retrievable later.
    secret: String,
}

/// Issues an API key for a bank or operator system.
#[utoipa::path(post, path = "/api-keys", tag = "admin", request_body = NewKeyBody, responses((status = 200, body = CreatedKey)))]
async fn create_key(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::USER_ADMIN }>,
    Json(b): Json<NewKeyBody>,
) -> ApiResult<Json<CreatedKey>> {
    let perms = b.permissions.iter().map(|x| Permission::parse(x)).collect::<Result<Vec<_>, _>>()?;
    if perms.contains(&Permission::UserAdmin) || perms.contains(&Permission::PiiUnmask) {
        return Err(ApiError::invalid("permissions: machine keys may not administer users or unmask personal data"));
    }
    let now = store::now_ms();
    let expires_at = match b.expires_at.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => {
            let t = v
                .parse::<jiff::Timestamp>()
                .map_err(|_| ApiError::invalid(format!("expires_at: '{v}' is not an RFC 3339 time")))?
                .as_millisecond();
            if t <= now {
                return Err(ApiError::invalid("expires_at: must be in the future"));
            }
            Some(t)
        }
        None => None,
    };
    if let Some(sensitive) = perms.iter().find(|x| SENSITIVE_FOR_KEYS.contains(x)) {
        if !(b.allow_sensitive && p.role == Some(Role::SystemAdmin)) {
            return Err(ApiError::invalid(format!(
                "permissions: '{}' on a machine key needs a system administrator's allow_sensitive",
                sensitive.as_str()
            )));
        }
        match expires_at {
            Some(t) if t - now <= SENSITIVE_KEY_MAX_DAYS * 86_400_000 => {}
            _ => {
                return Err(ApiError::invalid(format!(
                    "expires_at: a key with '{}' must expire within {SENSITIVE_KEY_MAX_DAYS} days",
                    sensitive.as_str()
                )));
            }
        }
    }
    let sources: Vec<String> = b.sources.iter().map(|x| x.trim().to_string()).collect();
    if let Some(bad) = sources.iter().find(|x| !super::upstream::SOURCES.iter().any(|(k, _)| k == x)) {
        return Err(ApiError::invalid(format!(
            "sources: '{bad}' is not one of national, provincial, city, 96110, bank, operator"
        )));
    }
    if !sources.is_empty() && !perms.contains(&Permission::UpstreamPush) {
        return Err(ApiError::invalid("sources: only a key with upstream_push sends warnings"));
    }
    domain::text::name("name", &b.name)?;
    s.store.unit(b.unit_id).await?.ok_or_else(|| ApiError::not_found("unit"))?;
    let prefix = format!("fzk_{}", &auth::random_token()?[..10]);
    let secret = format!("{prefix}.{}", auth::random_token()?);
    let mut entry = p.audit("create", "api_key", None, &["name", "permissions", "sources", "expires_at"]);
    entry.detail = serde_json::json!({"permissions": perms.iter().map(|p| p.as_str()).collect::<Vec<_>>(), "sources": sources, "expires_at": expires_at, "allow_sensitive": b.allow_sensitive}).to_string();
    let key = s
        .store
        .create_api_key(
            &store::NewApiKey {
                prefix,
                key_hash: auth::token_hash(&secret),
                name: b.name,
                unit_id: b.unit_id,
                jurisdiction_id: b.jurisdiction_id,
                permissions: perms.iter().map(|p| p.as_str().to_string()).collect(),
                created_by: p.id,
                expires_at,
                sources,
            },
            entry,
        )
        .await?;
    Ok(Json(CreatedKey { key, secret }))
}

/// Revokes a key at once.
#[utoipa::path(delete, path = "/api-keys/{id}", tag = "admin", responses((status = 204)))]
async fn revoke_key(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::USER_ADMIN }>,
    Path(id): Path<i64>,
) -> ApiResult<axum::http::StatusCode> {
    s.store.revoke_api_key(id, p.audit("revoke", "api_key", Some(id.to_string()), &[])).await?;
    s.sessions.clear();
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// Audit filters.
#[derive(Deserialize, utoipa::IntoParams)]
struct AuditQuery {
    action: Option<String>,
    object_type: Option<String>,
    object_id: Option<String>,
    actor_name: Option<String>,
}

/// One audit entry as shown.
#[derive(Serialize, utoipa::ToSchema)]
struct AuditEntry {
    seq: i64,
    at: String,
    at_ms: i64,
    actor_kind: String,
    actor_name: String,
    /// Who, as people read it: a user's name and unit (the login name is `actor_name`).
    actor_label: String,
    action: String,
    object_type: String,
    object_id: Option<String>,
    fields: Vec<String>,
    ip: Option<String>,
    reason: Option<String>,
    detail: String,
    hash: String,
}

/// A page of audit entries.
#[derive(Serialize, utoipa::ToSchema)]
struct AuditPage {
    items: Vec<AuditEntry>,
    total: i64,
    page: i64,
    per_page: i64,
}

/// The audit log, newest first.
#[utoipa::path(get, path = "/audit", tag = "admin", params(AuditQuery, Paging), responses((status = 200, body = AuditPage)))]
async fn list_audit(
    State(s): State<AppState>,
    Authorized(_p): Authorized<{ perm::AUDIT_READ }>,
    Query(q): Query<AuditQuery>,
    Query(pg): Query<Paging>,
) -> ApiResult<Json<AuditPage>> {
    let f = store::AuditFilter {
        action: q.action,
        object_type: q.object_type,
        object_id: q.object_id,
        actor_name: q.actor_name,
    };
    let page = s.store.list_audit(&f, pg.req()).await?;
    // A page names a few people many times: each is looked up once.
    let mut labels: std::collections::HashMap<i64, String> = std::collections::HashMap::new();
    let mut items = Vec::with_capacity(page.items.len());
    for r in page.items {
        let actor_label = match (r.content.actor_kind.as_str(), r.content.actor_id) {
            ("user", Some(id)) => match labels.get(&id) {
                Some(l) => l.clone(),
                None => {
                    let l = super::user_label(&s, id, &r.content.actor_name).await?;
                    labels.insert(id, l.clone());
                    l
                }
            },
            _ => r.content.actor_name.clone(),
        };
        items.push((r, actor_label));
    }
    Ok(Json(AuditPage {
        items: items
            .into_iter()
            .map(|(r, actor_label)| AuditEntry {
                seq: r.seq,
                at: domain::time::format_china(r.content.at_ms),
                at_ms: r.content.at_ms,
                actor_kind: r.content.actor_kind,
                actor_name: r.content.actor_name,
                actor_label,
                action: r.content.action,
                object_type: r.content.object_type,
                object_id: r.content.object_id,
                fields: r.content.fields,
                ip: r.content.ip,
                reason: r.content.reason,
                detail: r.content.detail,
                hash: r.hash,
            })
            .collect(),
        total: page.total,
        page: page.page,
        per_page: page.per_page,
    }))
}

/// The result of checking the chain.
#[derive(Serialize, utoipa::ToSchema)]
struct Verification {
    ok: bool,
    checked: i64,
    broken_at: Option<i64>,
    reason: Option<String>,
}

/// Verifies the whole audit chain.
#[utoipa::path(get, path = "/audit/verify", tag = "admin", responses((status = 200, body = Verification)))]
async fn verify_audit(
    State(s): State<AppState>,
    Authorized(_p): Authorized<{ perm::AUDIT_READ }>,
) -> ApiResult<Json<Verification>> {
    Ok(Json(match s.store.verify_audit().await {
        Ok(n) => Verification { ok: true, checked: n, broken_at: None, reason: None },
        Err(store::StoreError::AuditBroken(b)) => {
            Verification { ok: false, checked: b.seq - 1, broken_at: Some(b.seq), reason: Some(b.reason) }
        }
        Err(e) => return Err(e.into()),
    }))
}

/// How long failures count after the last one (the longer of the two rules).
const COUNTED_MS: i64 = if domain::auth::ACCOUNT.forget_after_ms > domain::auth::ADDRESS.forget_after_ms {
    domain::auth::ACCOUNT.forget_after_ms
} else {
    domain::auth::ADDRESS.forget_after_ms
};

/// A login throttle as the administrator sees it.
#[derive(Serialize, utoipa::ToSchema)]
struct LockView {
    /// `user:<name>` or `ip:<addr>`: what to send to lift it.
    throttle_key: String,
    /// `account` or `address`.
    kind: &'static str,
    /// The user name or the address.
    name: String,
    /// Failed attempts in the current run.
    failures: i64,
    /// `locked`, `slowed` (the next attempt must wait) or `counting` (no wait now; the next
    /// failure adds to the run).
    state: &'static str,
    /// Until when, China time.
    until: String,
    /// The last failure, China time.
    last_failure: String,
}

/// Accounts and addresses whose failed logins still count: locked, slowed down, or counting.
#[utoipa::path(get, path = "/auth/locks", tag = "admin", responses((status = 200, body = Vec<LockView>)))]
async fn list_locks(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::USER_ADMIN }>,
) -> ApiResult<Json<Vec<LockView>>> {
    let now = store::now_ms();
    let rows = s.store.login_locks(now - COUNTED_MS).await?;
    let views: Vec<LockView> = rows
        .into_iter()
        .map(|l| {
            let (account, name, rule) = domain::auth::key_subject(&l.throttle_key);
            LockView {
                kind: if account { "account" } else { "address" },
                name: name.to_string(),
                failures: l.failures,
                state: if l.blocked_until <= now {
                    "counting"
                } else if l.failures >= i64::from(rule.lock_after) {
                    "locked"
                } else {
                    "slowed"
                },
                until: domain::time::format_china(l.blocked_until),
                last_failure: domain::time::format_china(l.last_failure_at),
                throttle_key: l.throttle_key,
            }
        })
        .collect();
    super::audit_read(&s, &p, "login_lock", "list".into(), &["name", "address"], views.len()).await?;
    Ok(Json(views))
}

/// Which throttle to lift.
#[derive(Deserialize, utoipa::ToSchema)]
struct LiftBody {
    /// `user:<name>` or `ip:<addr>`, as the list gives it.
    throttle_key: String,
}

/// Lifts a lock or a back-off at once (the user called the centre, the address is the office's
/// gateway); audited.
#[utoipa::path(post, path = "/auth/locks/lift", tag = "admin", request_body = LiftBody, responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
async fn lift_lock(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::USER_ADMIN }>,
    Json(b): Json<LiftBody>,
) -> ApiResult<axum::http::StatusCode> {
    let key = b.throttle_key.trim();
    domain::text::text("throttle_key", key, domain::text::LINE_MAX_CHARS)?;
    // The one key, not the list: a lift is judged by the same window the list shows. A pair
    // key (which names an address and an account) is no lock, and the list never shows one.
    if key.starts_with(domain::auth::PAIR_PREFIX)
        || s.store.login_throttle(key).await?.last_failure_ms <= store::now_ms() - COUNTED_MS
    {
        return Err(ApiError::not_found("login lock"));
    }
    s.store.clear_login_throttle(key, Some(p.audit("unlock", "login_lock", Some(key.to_string()), &[]))).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
