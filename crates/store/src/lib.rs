//! Persistence for Fanzha behind one interface. Two backends, chosen by URL scheme:
//! embedded SQLite (`sqlite://…`, the default, one file in the data directory) and
//! PostgreSQL (`postgres://…`) for production. Both run the same queries, written once, and
//! the same story tests.
//!
//! Personal fields are encrypted here, on the way in, with the [`pii::Vault`] the store is
//! opened with; nothing above this crate sees a ciphertext, and nothing below it sees clear text.

mod audit;
mod bank_requests;
pub mod bootstrap;
mod cases;
mod clues;
pub mod event_log;
mod keypersons;
mod learning;
mod models;
mod notifications;
mod prevention;
mod registry;
mod reports;
mod residents;
mod rows;
mod shadow;
mod sql;
mod tasks;
mod users;
mod warnings;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

pub use audit::AuditFilter;
pub use bank_requests::{BankRequestView, NewBankRequest, ReturnTerms};
pub use cases::{CaseFact, CaseFilter, CaseView, LinkedCase, NewCase, ObservableView, StatRow};
pub use clues::ClueView;
pub use event_log::{DeadLetter, NewDeadLetter, RulesetVersion};
pub use keypersons::{
    AppealView, CarerView, KeyPersonFile, KeyPersonView, MeasureView, NewCarer, NewKeyPerson, TransferView, VisitView,
};
pub use models::{ModelVersion, NewModelVersion};
pub use notifications::{NewNotification, NotificationView};
pub use prevention::{
    ActivityFilter, ActivityView, FigureView, FormView, Household, HouseholdGap, NewActivity, NewForm, NodeCounts,
    Scorecard, Visibility,
};
pub use registry::{
    CENTRE_ZH, Jurisdiction, MemberUnit, NewJurisdiction, NewMemberUnit, NewStation, PoliceStation, PopulationRow,
    StationNames, UnitFilter,
};
pub use reports::{BankFigure, NewReport, REPORT_STATUSES, ReportRow, WarningFact, snapshot_digest};
pub use residents::{NewResident, ResidentFilter, ResidentPatch, ResidentView, RevealField};
pub use shadow::{SHADOW_OUTCOMES, ShadowDecision, ShadowRun};
pub use tasks::{DualInquiryView, NewTask, OutletRow, TaskFilter, TaskView};
pub use users::{ApiKey, LoginLock, NewApiKey, NewUser, PasswordChange, SessionInfo, User};
pub use warnings::{EvidenceView, NewWarning, WarningStep, WarningView, mask_subject};

/// Errors of the store. Messages never include personal data.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be reached or answered with an error.
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    /// A migration failed.
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// No such object, or not in the caller's scope (the two are deliberately the same).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A value would violate a uniqueness rule.
    #[error("{field}: {message}")]
    Conflict {
        /// The field that must be unique.
        field: &'static str,
        /// What clashes.
        message: String,
    },
    /// A value broke a domain rule.
    #[error(transparent)]
    Invalid(#[from] domain::InvalidValue),
    /// Personal data could not be decrypted (wrong key or tampering).
    #[error(transparent)]
    Pii(#[from] pii::PiiError),
    /// The key does not match the data already stored.
    #[error("{0}")]
    KeyMismatch(String),
    /// The audit chain is broken.
    #[error(transparent)]
    AuditBroken(#[from] domain::audit::BrokenLink),
    /// An audit entry could not be appended (the batch it was written in failed).
    #[error("audit log: {0}")]
    AuditWrite(String),
    /// The URL names no backend we have.
    #[error("unsupported database URL '{0}' (use sqlite://PATH or postgres://…)")]
    BadUrl(String),
}

/// Builds a change's audit entry from what the change stored (ids, counts), inside the
/// change's own transaction: the entry commits with the change or not at all.
pub type AuditFor<'a, T> = Box<dyn FnOnce(&T) -> domain::audit::AuditContent + Send + 'a>;

/// Result of a store call.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Clone, Debug)]
pub(crate) enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs the same body against whichever pool the store has. The body is compiled once per
/// backend, so it must only use SQL both accept (`$n` placeholders, `RETURNING`, `ON CONFLICT`).
macro_rules! on_pool {
    ($db:expr, $p:ident => $body:expr) => {
        match $db {
            $crate::Db::Sqlite($p) => $body,
            $crate::Db::Postgres($p) => $body,
        }
    };
}
pub(crate) use on_pool;

/// Starting a transaction that will write. SQLite's default (deferred) transaction takes the
/// write lock only at the first write; if another connection wrote since this one's first
/// read, the upgrade fails at once with "database is locked" and the busy timeout does not
/// help. `BEGIN IMMEDIATE` takes the lock up front, so writers queue on the busy timeout.
pub(crate) trait BeginWrite {
    /// The backend.
    type Db: sqlx::Database;
    /// Begins a transaction holding the write lock where the backend has one.
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>;
}

impl BeginWrite for SqlitePool {
    type Db = sqlx::Sqlite;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.begin_with("BEGIN IMMEDIATE").await
    }
}

impl BeginWrite for PgPool {
    type Db = sqlx::Postgres;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.begin().await
    }
}

/// A database opened and migrated, before the key is checked.
#[derive(Clone, Debug)]
pub struct Database {
    db: Db,
}

/// The store: a migrated database and the vault for its personal fields.
#[derive(Clone)]
pub struct Store {
    pub(crate) db: Db,
    pub(crate) vault: Arc<pii::Vault>,
    pub(crate) audit_queue: Arc<audit::AuditQueue>,
    /// Totals of recent list queries: a list page is asked for far more often than the rows
    /// change, and counting a precinct's residents scans its whole index range.
    pub(crate) count_cache: Arc<std::sync::Mutex<std::collections::HashMap<String, (i64, std::time::Instant)>>>,
}

/// How long a cached list total may be served.
const COUNT_TTL: Duration = Duration::from_secs(5);

impl Store {
    pub(crate) fn cached_count(&self, key: &str) -> Option<i64> {
        let c = self.count_cache.lock().ok()?;
        c.get(key).filter(|(_, at)| at.elapsed() < COUNT_TTL).map(|(n, _)| *n)
    }

    pub(crate) fn remember_count(&self, key: String, n: i64) {
        if let Ok(mut c) = self.count_cache.lock() {
            if c.len() > 10_000 {
                c.clear();
            }
            c.insert(key, (n, std::time::Instant::now()));
        }
    }

    /// Forgets cached totals after a write.
    pub(crate) fn forget_counts(&self) {
        if let Ok(mut c) = self.count_cache.lock() {
            c.clear();
        }
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Store({})", self.backend())
    }
}

/// The default database URL for a data directory.
pub fn sqlite_url(data_dir: &Path) -> String {
    format!("sqlite://{}", data_dir.join("fanzha.db").display())
}

impl Database {
    /// Connects to `url` and brings the schema up to date.
    pub async fn open(url: &str) -> Result<Self> {
        let db = if let Some(path) = url.strip_prefix("sqlite://") {
            let opts = SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                // 64 MiB of page cache per connection: the blind-index B-trees take random keys.
                .pragma("cache_size", "-65536");
            // An embedded connection cannot have dropped: no ping before each use, which would
            // be one more round trip to its worker thread for every query.
            let pool =
                SqlitePoolOptions::new().max_connections(8).test_before_acquire(false).connect_with(opts).await?;
            rows::sqlite().run(&pool).await?;
            Db::Sqlite(pool)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool =
                PgPoolOptions::new().max_connections(16).acquire_timeout(Duration::from_secs(10)).connect(url).await?;
            rows::postgres().run(&pool).await?;
            Db::Postgres(pool)
        } else {
            return Err(StoreError::BadUrl(url.to_string()));
        };
        tracing::info!(
            backend = match db {
                Db::Sqlite(_) => "sqlite",
                Db::Postgres(_) => "postgres",
            },
            "database ready"
        );
        Ok(Self { db })
    }

    /// The key fingerprint stored with the data, if any data has been written.
    pub async fn key_check(&self) -> Result<Option<String>> {
        self.meta("key_check").await
    }

    async fn meta(&self, key: &str) -> Result<Option<String>> {
        let v: Option<(String,)> = on_pool!(&self.db, p => sqlx::query_as("SELECT value FROM meta WHERE key = $1").bind(key).fetch_optional(p).await?);
        Ok(v.map(|(s,)| s))
    }

    /// Binds the vault to this database. The first vault ever used is recorded; any other is
    /// refused, so data is never written under two keys nor read with the wrong one.
    pub async fn with_vault(self, vault: pii::Vault) -> Result<Store> {
        let check = vault.key_check();
        match self.key_check().await? {
            Some(stored) if stored == check => {}
            Some(stored) => {
                return Err(StoreError::KeyMismatch(format!(
                    "the master key (fingerprint {check}) is not the key this database was written with (fingerprint {stored}); \
                     refusing to start so that no data is written under the wrong key"
                )));
            }
            None => {
                on_pool!(&self.db, p => { sqlx::query("INSERT INTO meta (key, value) VALUES ('key_check', $1)").bind(&check).execute(p).await?; });
            }
        }
        Ok(Store {
            db: self.db,
            vault: Arc::new(vault),
            audit_queue: Default::default(),
            count_cache: Default::default(),
        })
    }
}

impl Store {
    /// `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        match self.db {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// Whether the backend is PostgreSQL.
    pub(crate) fn is_postgres(&self) -> bool {
        matches!(self.db, Db::Postgres(_))
    }

    /// The vault personal fields are protected with.
    pub fn vault(&self) -> &pii::Vault {
        &self.vault
    }

    /// A keyed fingerprint of a searched identifier for the audit log: the same value gives
    /// the same fingerprint, so an auditor can tell repeated searches apart, yet it is not the
    /// blind index of the column and says nothing without the key.
    pub fn search_fingerprint(&self, field: pii::Field, normalised: &str) -> String {
        hex::encode(self.vault.blind_index(field, &format!("audit-search\0{normalised}")))
    }

    /// Checks the database answers.
    pub async fn ping(&self) -> Result<()> {
        on_pool!(&self.db, p => { sqlx::query("SELECT 1").execute(p).await?; });
        Ok(())
    }

    /// A setting kept with the data (e.g. the ruleset in force).
    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        let v: Option<(String,)> = on_pool!(&self.db, p => sqlx::query_as("SELECT value FROM meta WHERE key = $1").bind(key).fetch_optional(p).await?);
        Ok(v.map(|(s,)| s))
    }

    /// Stores a setting (the key check cannot be overwritten this way).
    pub async fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        if key == "key_check" {
            return Err(domain::InvalidValue::new("key", "reserved").into());
        }
        on_pool!(&self.db, p => { sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(key).bind(value).execute(p).await?; });
        Ok(())
    }

    /// Closes all connections.
    pub async fn close(&self) {
        on_pool!(&self.db, p => p.close().await)
    }
}

/// A page of results with the total the filter matches.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    /// The rows of this page.
    pub items: Vec<T>,
    /// How many rows match in all.
    pub total: i64,
    /// 1-based page number.
    pub page: i64,
    /// Rows per page.
    pub per_page: i64,
}

/// Which page to fetch; `per_page` is clamped to 1..=500.
#[derive(Debug, Clone, Copy)]
pub struct PageReq {
    /// 1-based page number.
    pub page: i64,
    /// Rows per page.
    pub per_page: i64,
}

impl Default for PageReq {
    fn default() -> Self {
        Self { page: 1, per_page: 20 }
    }
}

/// The last page a list reads (at 500 rows a page, a billion rows): a larger page number asks
/// for nothing that exists and must not overflow the offset.
pub const MAX_PAGE: i64 = 2_000_000;

impl PageReq {
    pub(crate) fn limit(&self) -> i64 {
        self.per_page.clamp(1, 500)
    }
    pub(crate) fn offset(&self) -> i64 {
        // A page past the last row reads nothing; capped so no multiplication leaves i64.
        (self.page.clamp(1, MAX_PAGE) - 1) * self.limit()
    }
}

/// Creates an empty PostgreSQL database `name` through the server at `admin_url` (used by
/// tests and by `fanzha admin` to prepare a production database). `name` must be a plain
/// identifier.
pub async fn create_postgres_database(admin_url: &str, name: &str) -> Result<()> {
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(domain::InvalidValue::new("database", "name must be letters, digits and _").into());
    }
    let pool = PgPoolOptions::new().max_connections(1).connect(admin_url).await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&pool).await?;
    pool.close().await;
    Ok(())
}

/// Now, in UTC milliseconds.
pub fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}
