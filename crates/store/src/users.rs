//! Users, login sessions and API keys. Secrets are stored only as hashes.

use domain::Role;
use serde::Serialize;

use crate::audit::append_in_tx;
use crate::sql::{Arg, Filter, bind_args};
use crate::{BeginWrite, Page, PageReq, Result, Store, StoreError, now_ms, on_pool};
use domain::audit::AuditContent;

/// A new password for [`Store::change_user`]: its hash, whether the user must replace it (an
/// administrator chose it), and the one session to keep (the one changing its own password);
/// the user's other sessions end.
#[derive(Debug, Clone, Copy)]
pub struct PasswordChange<'a> {
    /// The new hash.
    pub hash: &'a str,
    /// Set by an administrator: the user must replace it at the next login.
    pub must_change: bool,
    /// The session that stays (by token hash).
    pub keep_session: Option<&'a [u8]>,
}

/// A user account.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct User {
    /// Stable id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Name shown.
    pub display_name: String,
    /// argon2 PHC string; never serialised.
    #[serde(skip)]
    pub password_hash: String,
    /// Role code.
    pub role: String,
    /// The organisation the user belongs to.
    pub unit_id: i64,
    /// The root of the user's jurisdiction scope.
    pub jurisdiction_id: i64,
    /// Whether the user may log in.
    pub active: bool,
    /// The password was chosen by an administrator: the user must change it first.
    pub must_change_password: bool,
}
crate::rows::from_row!(User {
    id,
    username,
    display_name,
    password_hash,
    role,
    unit_id,
    jurisdiction_id,
    active,
    must_change_password
});

/// A user to add.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Login name.
    pub username: String,
    /// Name shown.
    pub display_name: String,
    /// argon2 PHC string.
    pub password_hash: String,
    /// Role.
    pub role: Role,
    /// Organisation.
    pub unit_id: i64,
    /// Scope root.
    pub jurisdiction_id: i64,
    /// Whether the user must change the password at the first login (an administrator chose
    /// it); `false` for accounts a deployment script sets up with printed passwords.
    pub must_change_password: bool,
}

/// A session looked up by its token.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    /// The user.
    pub user: User,
    /// The CSRF token bound to the session.
    pub csrf_token: String,
    /// Expiry, UTC milliseconds.
    pub expires_at: i64,
    /// The last request seen (updated at most once a minute), UTC milliseconds.
    pub last_seen_at: i64,
}

/// An API key for a machine client (bank or operator system).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApiKey {
    /// Stable id.
    pub id: i64,
    /// The public part of the key, shown in lists.
    pub prefix: String,
    /// SHA-256 of the secret; never serialised.
    #[serde(skip)]
    pub key_hash: Vec<u8>,
    /// Label.
    pub name: String,
    /// Organisation of the client.
    pub unit_id: i64,
    /// Scope root.
    pub jurisdiction_id: i64,
    /// Comma-separated permission codes.
    pub permissions: String,
    /// Who made it.
    pub created_by: i64,
    /// When.
    pub created_at: i64,
    /// When it was revoked, if it was.
    pub revoked_at: Option<i64>,
    /// When it stops working, if it does.
    pub expires_at: Option<i64>,
    /// Comma-separated upstream sources it may send warnings of (`bank`, `operator`, …).
    pub sources: String,
}
crate::rows::from_row!(ApiKey {
    id,
    prefix,
    key_hash,
    name,
    unit_id,
    jurisdiction_id,
    permissions,
    created_by,
    created_at,
    revoked_at,
    expires_at,
    sources
});

/// A login throttle that holds back attempts: an account (`user:<name>`) or an address
/// (`ip:<addr>`) after failed logins.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LoginLock {
    /// `user:<name>` or `ip:<addr>`.
    pub throttle_key: String,
    /// Failed attempts in the current run.
    pub failures: i64,
    /// No attempt is judged before this instant (UTC ms).
    pub blocked_until: i64,
    /// The last failure (UTC ms).
    pub last_failure_at: i64,
}
crate::rows::from_row!(LoginLock { throttle_key, failures, blocked_until, last_failure_at });

/// An API key to add.
#[derive(Debug, Clone)]
pub struct NewApiKey {
    /// Public prefix.
    pub prefix: String,
    /// SHA-256 of the secret.
    pub key_hash: Vec<u8>,
    /// Label.
    pub name: String,
    /// Organisation.
    pub unit_id: i64,
    /// Scope root.
    pub jurisdiction_id: i64,
    /// Permission codes.
    pub permissions: Vec<String>,
    /// Creator.
    pub created_by: i64,
    /// When it stops working, if it does.
    pub expires_at: Option<i64>,
    /// Upstream sources it may send warnings of.
    pub sources: Vec<String>,
}

const USER_COLS: &str =
    "id, username, display_name, password_hash, role, unit_id, jurisdiction_id, active, must_change_password";
const KEY_COLS: &str = "id, prefix, key_hash, name, unit_id, jurisdiction_id, permissions, created_by, created_at, revoked_at, expires_at, sources";

impl Store {
    /// Adds a user.
    pub async fn create_user(&self, n: &NewUser, mut audit: AuditContent) -> Result<User> {
        if n.username.trim().is_empty() {
            return Err(domain::InvalidValue::new("username", "must not be empty").into());
        }
        domain::text::name("username", &n.username)?;
        if !n.display_name.trim().is_empty() {
            domain::text::name("display_name", &n.display_name)?;
        }
        self.unit(n.unit_id).await?.ok_or(StoreError::NotFound("unit"))?;
        self.jurisdiction(n.jurisdiction_id).await?.ok_or(StoreError::NotFound("jurisdiction"))?;
        let now = now_ms();
        let pg = self.is_postgres();
        let _writer = self.audit_writer().await;
        let id = on_pool!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            let r: std::result::Result<(i64,), sqlx::Error> = sqlx::query_as(
                "INSERT INTO users (username, display_name, password_hash, role, unit_id, jurisdiction_id, active, created_at, updated_at, must_change_password) \
                 VALUES ($1, $2, $3, $4, $5, $6, TRUE, $7, $7, $8) RETURNING id")
                .bind(n.username.trim()).bind(&n.display_name).bind(&n.password_hash).bind(n.role.as_str()).bind(n.unit_id).bind(n.jurisdiction_id).bind(now).bind(n.must_change_password)
                .fetch_one(&mut *tx).await;
            let id = match r {
                Err(sqlx::Error::Database(d)) if d.is_unique_violation() => {
                    return Err(StoreError::Conflict {
                        field: "username",
                        message: format!("user '{}' exists", n.username),
                    });
                }
                other => other?.0,
            };
            audit.object_id = Some(id.to_string());
            append_in_tx!(tx, pg, [audit]);
            tx.commit().await?;
            id
        });
        self.user(id).await?.ok_or(StoreError::NotFound("user"))
    }

    /// One user by id.
    pub async fn user(&self, id: i64) -> Result<Option<User>> {
        let sql = format!("SELECT {USER_COLS} FROM users WHERE id = $1");
        Ok(on_pool!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(p).await?))
    }

    /// One user by login name.
    pub async fn user_by_username(&self, username: &str) -> Result<Option<User>> {
        let sql = format!("SELECT {USER_COLS} FROM users WHERE username = $1");
        Ok(
            on_pool!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(username.trim()).fetch_optional(p).await?),
        )
    }

    /// Users whose scope root lies within the given subtrees (or all).
    pub async fn list_users(&self, scope: &domain::Scope, page: PageReq) -> Result<Page<User>> {
        let mut f = Filter::default();
        f.scope("j.path", scope);
        let count_sql =
            format!("SELECT COUNT(*) FROM users u JOIN jurisdictions j ON j.id = u.jurisdiction_id{}", f.sql());
        let n = f.args.len();
        let lim = f.bind(Arg::I64(page.limit()));
        let off = f.bind(Arg::I64(page.offset()));
        let sql = format!(
            "SELECT u.id, u.username, u.display_name, u.password_hash, u.role, u.unit_id, u.jurisdiction_id, u.active, u.must_change_password \
             FROM users u JOIN jurisdictions j ON j.id = u.jurisdiction_id{} ORDER BY u.id LIMIT {lim} OFFSET {off}",
            f.sql()
        );
        let (items, total) = on_pool!(&self.db, p => {
            let items: Vec<User> = bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), f.args).fetch_all(p).await?;
            let (total,): (i64,) = bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(count_sql)), f.args[..n]).fetch_one(p).await?;
            (items, total)
        });
        Ok(Page { items, total, page: page.page.max(1), per_page: page.limit() })
    }

    /// Enables or disables a user; disabling ends the user's sessions.
    pub async fn set_user_active(&self, id: i64, active: bool) -> Result<()> {
        self.change_user(id, Some(active), None, None).await
    }

    /// A change of a user (enabled or not, a new password), committed with its audit entry
    /// when there is one.
    pub async fn change_user(
        &self,
        id: i64,
        active: Option<bool>,
        password: Option<PasswordChange<'_>>,
        audit: Option<AuditContent>,
    ) -> Result<()> {
        let now = now_ms();
        let pg = self.is_postgres();
        let _writer = self.audit_writer_if(audit.is_some()).await;
        on_pool!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            let old: Option<(String,)> = sqlx::query_as("SELECT password_hash FROM users WHERE id = $1").bind(id).fetch_optional(&mut *tx).await?;
            let Some((old,)) = old else { return Err(StoreError::NotFound("user")) };
            if let Some(active) = active {
                sqlx::query("UPDATE users SET active = $1, updated_at = $2 WHERE id = $3").bind(active).bind(now).bind(id).execute(&mut *tx).await?;
                if !active {
                    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
                }
            }
            if let Some(pw) = &password {
                sqlx::query("INSERT INTO password_history (user_id, password_hash, set_at) VALUES ($1, $2, $3)").bind(id).bind(&old).bind(now).execute(&mut *tx).await?;
                sqlx::query("UPDATE users SET password_hash = $1, must_change_password = $2, updated_at = $3 WHERE id = $4").bind(pw.hash).bind(pw.must_change).bind(now).bind(id).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2").bind(id).bind(pw.keep_session.unwrap_or(&[])).execute(&mut *tx).await?;
            }
            if let Some(audit) = audit {
                append_in_tx!(tx, pg, [audit]);
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Replaces a user's password hash, keeps the old one in the history and ends the user's
    /// sessions (but `keep_session`, the one changing its own password). `must_change` marks a
    /// password an administrator chose.
    pub async fn set_password_hash(
        &self,
        id: i64,
        hash: &str,
        must_change: bool,
        keep_session: Option<&[u8]>,
    ) -> Result<()> {
        self.change_user(id, None, Some(PasswordChange { hash, must_change, keep_session }), None).await
    }

    /// The hashes of a user's last `n` passwords before the current one, newest first.
    pub async fn password_history(&self, id: i64, n: usize) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = on_pool!(&self.db, p => sqlx::query_as("SELECT password_hash FROM password_history WHERE user_id = $1 ORDER BY set_at DESC LIMIT $2")
            .bind(id).bind(n as i64).fetch_all(p).await?);
        Ok(rows.into_iter().map(|(h,)| h).collect())
    }

    /// The failure count of a login throttle key (`user:<name>`, `ip:<addr>`).
    pub async fn login_throttle(&self, key: &str) -> Result<domain::auth::Throttle> {
        let row: Option<(i64, i64, i64)> = on_pool!(&self.db, p => sqlx::query_as("SELECT failures, blocked_until, last_failure_at FROM login_throttle WHERE throttle_key = $1")
            .bind(key).fetch_optional(p).await?);
        Ok(row
            .map(|(f, b, l)| domain::auth::Throttle {
                failures: u32::try_from(f).unwrap_or(u32::MAX),
                blocked_until_ms: b,
                last_failure_ms: l,
            })
            .unwrap_or_default())
    }

    /// Stores a login throttle key's state.
    pub async fn set_login_throttle(&self, key: &str, t: &domain::auth::Throttle) -> Result<()> {
        on_pool!(&self.db, p => { sqlx::query(
            "INSERT INTO login_throttle (throttle_key, failures, blocked_until, last_failure_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (throttle_key) DO UPDATE SET failures = excluded.failures, blocked_until = excluded.blocked_until, last_failure_at = excluded.last_failure_at")
            .bind(key).bind(i64::from(t.failures)).bind(t.blocked_until_ms).bind(t.last_failure_ms).execute(p).await?; });
        Ok(())
    }

    /// Login throttle keys whose failures still count: the last one after `since_ms` (locked,
    /// backing off, or one failure from it); the latest to end first; at most 500.
    pub async fn login_locks(&self, since_ms: i64) -> Result<Vec<LoginLock>> {
        Ok(
            on_pool!(&self.db, p => sqlx::query_as("SELECT throttle_key, failures, blocked_until, last_failure_at FROM login_throttle WHERE last_failure_at > $1 AND throttle_key NOT LIKE 'pair:%' ORDER BY blocked_until DESC, last_failure_at DESC, throttle_key LIMIT 500")
            .bind(since_ms).fetch_all(p).await?),
        )
    }

    /// Forgets a login throttle key (after a successful login of that account).
    pub async fn clear_login_throttle(&self, key: &str, audit: Option<domain::audit::AuditContent>) -> Result<()> {
        crate::audit::execute_audited!(
            self,
            audit,
            sqlx::query("DELETE FROM login_throttle WHERE throttle_key = $1").bind(key)
        );
        Ok(())
    }

    /// Notes that a session was used at `at` (callers do this at most once a minute).
    pub async fn touch_session(&self, token_hash: &[u8], at: i64) -> Result<()> {
        on_pool!(&self.db, p => { sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2").bind(at).bind(token_hash).execute(p).await?; });
        Ok(())
    }

    /// Stores a new session.
    pub async fn create_session(
        &self,
        token_hash: &[u8],
        user_id: i64,
        csrf_token: &str,
        ip: &str,
        expires_at: i64,
    ) -> Result<()> {
        on_pool!(&self.db, p => { sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf_token, ip, created_at, expires_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $6, $5)")
            .bind(token_hash).bind(user_id).bind(csrf_token).bind(ip).bind(now_ms()).bind(expires_at).execute(p).await?; });
        Ok(())
    }

    /// The live session of a token, if any, with its active user.
    pub async fn session(&self, token_hash: &[u8]) -> Result<Option<SessionInfo>> {
        let row: Option<(i64, String, i64, i64)> = on_pool!(&self.db, p => sqlx::query_as(
            "SELECT user_id, csrf_token, expires_at, last_seen_at FROM sessions WHERE token_hash = $1 AND expires_at > $2")
            .bind(token_hash).bind(now_ms()).fetch_optional(p).await?);
        let Some((uid, csrf_token, expires_at, last_seen_at)) = row else { return Ok(None) };
        Ok(self.user(uid).await?.filter(|u| u.active).map(|user| SessionInfo {
            user,
            csrf_token,
            expires_at,
            last_seen_at,
        }))
    }

    /// Ends a session.
    pub async fn delete_session(&self, token_hash: &[u8]) -> Result<()> {
        on_pool!(&self.db, p => { sqlx::query("DELETE FROM sessions WHERE token_hash = $1 OR expires_at <= $2").bind(token_hash).bind(now_ms()).execute(p).await?; });
        Ok(())
    }

    /// Stores a new API key.
    pub async fn create_api_key(&self, n: &NewApiKey, mut audit: AuditContent) -> Result<ApiKey> {
        let pg = self.is_postgres();
        let _writer = self.audit_writer().await;
        let id = on_pool!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO api_keys (prefix, key_hash, name, unit_id, jurisdiction_id, permissions, created_by, created_at, expires_at, sources) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id")
                .bind(&n.prefix).bind(&n.key_hash).bind(&n.name).bind(n.unit_id).bind(n.jurisdiction_id).bind(n.permissions.join(",")).bind(n.created_by).bind(now_ms()).bind(n.expires_at).bind(n.sources.join(","))
                .fetch_one(&mut *tx).await?;
            audit.object_id = Some(id.to_string());
            append_in_tx!(tx, pg, [audit]);
            tx.commit().await?;
            id
        });
        self.api_key(id).await?.ok_or(StoreError::NotFound("api key"))
    }

    /// One key by id.
    pub async fn api_key(&self, id: i64) -> Result<Option<ApiKey>> {
        let sql = format!("SELECT {KEY_COLS} FROM api_keys WHERE id = $1");
        Ok(on_pool!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(p).await?))
    }

    /// A live (not revoked, not expired) key by its public prefix.
    pub async fn api_key_by_prefix(&self, prefix: &str) -> Result<Option<ApiKey>> {
        let sql = format!(
            "SELECT {KEY_COLS} FROM api_keys WHERE prefix = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)"
        );
        Ok(
            on_pool!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(prefix).bind(now_ms()).fetch_optional(p).await?),
        )
    }

    /// All keys.
    pub async fn list_api_keys(&self) -> Result<Vec<ApiKey>> {
        let sql = format!("SELECT {KEY_COLS} FROM api_keys ORDER BY id");
        Ok(on_pool!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(p).await?))
    }

    /// Revokes a key at once.
    pub async fn revoke_api_key(&self, id: i64, audit: AuditContent) -> Result<()> {
        let pg = self.is_postgres();
        let _writer = self.audit_writer().await;
        on_pool!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            let n = sqlx::query("UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL").bind(now_ms()).bind(id).execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound("api key"));
            }
            append_in_tx!(tx, pg, [audit]);
            tx.commit().await?;
        });
        Ok(())
    }
}
