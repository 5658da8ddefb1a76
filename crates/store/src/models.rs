//! Versions of the engine's learned model: who trained it, on which periods, with which
//! figures, and which one is in force.

use domain::audit::AuditContent;

use crate::{BeginWrite, Result, Store, StoreError, now_ms, on_pool};

/// A model version to keep.
#[derive(Debug, Clone)]
pub struct NewModelVersion {
    /// Version label.
    pub version: String,
    /// The model file's JSON.
    pub body: String,
    /// Who trained it.
    pub created_by: String,
    /// Start of the learning period (ms).
    pub period_from: i64,
    /// Start of the held-out period (ms).
    pub test_from: i64,
    /// End of the held-out period (ms).
    pub period_to: i64,
    /// What it scored on the held-out period (JSON).
    pub figures: String,
}

/// A stored model version, without its body.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ModelVersion {
    /// Version label.
    pub version: String,
    /// When it was trained (ms).
    pub created_at: i64,
    /// Who trained it.
    pub created_by: String,
    /// Start of the learning period (ms).
    pub period_from: i64,
    /// Start of the held-out period (ms).
    pub test_from: i64,
    /// End of the held-out period (ms).
    pub period_to: i64,
    /// Figures on the held-out period (JSON).
    pub figures: String,
}
crate::rows::from_row!(ModelVersion { version, created_at, created_by, period_from, test_from, period_to, figures });

/// The meta key naming the model version in force.
pub(crate) const IN_FORCE: &str = "engine_model";

/// The meta key holding the ruleset file in force.
pub(crate) const RULESET_IN_FORCE: &str = "engine_ruleset";

impl Store {
    /// Keeps a trained model version (a version label is kept once).
    pub async fn save_model(&self, m: &NewModelVersion, audit: AuditContent) -> Result<()> {
        let pg = self.is_postgres();
        let _writer = self.audit_writer().await;
        on_pool!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            let n = sqlx::query("INSERT INTO engine_models (version, body, created_at, created_by, period_from, test_from, period_to, figures) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (version) DO NOTHING")
                .bind(&m.version).bind(&m.body).bind(now_ms()).bind(&m.created_by).bind(m.period_from).bind(m.test_from).bind(m.period_to).bind(&m.figures)
                .execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict { field: "version", message: format!("model version '{}' exists", m.version) });
            }
            crate::audit::append_in_tx!(tx, pg, [audit]);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Every model version, newest first.
    pub async fn model_versions(&self) -> Result<Vec<ModelVersion>> {
        Ok(on_pool!(&self.db, p => sqlx::query_as(
            "SELECT version, created_at, created_by, period_from, test_from, period_to, figures FROM engine_models ORDER BY created_at DESC, version DESC")
            .fetch_all(p).await?))
    }

    /// The model file of a version.
    pub async fn model_body(&self, version: &str) -> Result<Option<String>> {
        let r: Option<(String,)> = on_pool!(&self.db, p => sqlx::query_as("SELECT body FROM engine_models WHERE version = $1").bind(version).fetch_optional(p).await?);
        Ok(r.map(|(b,)| b))
    }

    /// The version in force, if any (its file: [`Store::model_body`]).
    pub async fn model_in_force(&self) -> Result<Option<String>> {
        let v: Option<(String,)> = on_pool!(&self.db, p => sqlx::query_as(
            "SELECT m.version FROM meta JOIN engine_models m ON m.version = meta.value WHERE meta.key = $1")
            .bind(IN_FORCE).fetch_optional(p).await?);
        Ok(v.map(|(v,)| v))
    }

    /// Puts a version in force (`None`: the rules alone), with its audit entry, in one
    /// transaction. An unknown version is refused.
    pub async fn put_model_in_force(&self, version: Option<&str>, audit: AuditContent) -> Result<()> {
        if let Some(v) = version {
            // Whether it exists, without reading the model file.
            let found: Option<(i32,)> = on_pool!(&self.db, p => sqlx::query_as("SELECT 1 FROM engine_models WHERE version = $1").bind(v).fetch_optional(p).await?);
            if found.is_none() {
                return Err(StoreError::NotFound("model version"));
            }
        }
        let pg = self.is_postgres();
        let _writer = self.audit_writer().await;
        on_pool!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
                .bind(IN_FORCE).bind(version.unwrap_or("")).execute(&mut *tx).await?;
            crate::audit::append_in_tx!(tx, pg, [audit]);
            tx.commit().await?;
        });
        Ok(())
    }
}
