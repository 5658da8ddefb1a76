//! Shadow runs: a candidate ruleset and model deciding beside the ones in force on the live
//! stream, what each would have decided wherever either warned, and the promotion of a
//! candidate (kept with what it replaced, so that it can be rolled back).

use domain::audit::AuditContent;
use pii::Field;

use crate::{BeginWrite, Result, Store, StoreError, now_ms, on_pool};

/// How a shadow run ended (`""` while it runs), with the names people read.
pub const SHADOW_OUTCOMES: [(&str, &str); 4] =
    [("", "运行中"), ("stopped", "已停止"), ("promoted", "已转为在用"), ("rolled_back", "已回退")];

/// A shadow run.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ShadowRun {
    /// Run id.
    pub id: i64,
    /// The candidate ruleset's version.
    pub ruleset_version: String,
    /// The candidate model's version ('' : its rules alone).
    pub model_version: String,
    /// When it started (ms).
    pub started_at: i64,
    /// Who started it (person · unit).
    pub started_by: String,
    /// When it ended (ms); none while it runs.
    pub ended_at: Option<i64>,
    /// Who ended it.
    pub ended_by: String,
    /// '' while it runs; `stopped`, `promoted` or `rolled_back`.
    pub outcome: String,
    /// The ruleset version in force that a promotion replaced.
    pub replaced_ruleset: String,
    /// The model version in force that a promotion replaced ('' : none).
    pub replaced_model: String,
}
crate::rows::from_row!(ShadowRun {
    id,
    ruleset_version,
    model_version,
    started_at,
    started_by,
    ended_at,
    ended_by,
    outcome,
    replaced_ruleset,
    replaced_model
});

/// Sets, in transaction `$tx`, the ruleset file and the model version ('' : none) that the
/// engine loads at start.
macro_rules! put_in_force {
    ($tx:ident, $ruleset_body:expr, $model_version:expr) => {
        for (key, value) in [
            (crate::models::RULESET_IN_FORCE, $ruleset_body.as_str()),
            (crate::models::IN_FORCE, $model_version.as_str()),
        ] {
            sqlx::query(
                "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .bind(key)
            .bind(value)
            .execute(&mut *$tx)
            .await?;
        }
    };
}

const RUN_COLS: &str = "id, ruleset_version, model_version, started_at, started_by, ended_at, ended_by, outcome, replaced_ruleset, replaced_model";

/// What the shadow and the engine in force decided for one transfer where either warned.
#[derive(Debug, Clone)]
pub struct ShadowDecision {
    /// The run.
    pub run_id: i64,
    /// The transfer's event id.
    pub event_id: String,
    /// When the transfer happened (ms).
    pub event_ts: i64,
    /// `allow`, `warn` or `hold` of the engine in force.
    pub live_action: String,
    /// `allow`, `warn` or `hold` of the candidate.
    pub shadow_action: String,
    /// The candidate's deciding scenario ('' : none).
    pub shadow_scenario: String,
    /// The candidate's score.
    pub shadow_score: f64,
    /// The station of the payer's residence (none: the centre).
    pub station_id: Option<i64>,
    /// Payer account (encrypted at rest).
    pub payer: String,
    /// Payee account (encrypted at rest).
    pub payee: String,
}

impl Store {
    /// The run under way, if any.
    pub async fn open_shadow(&self) -> Result<Option<ShadowRun>> {
        let sql = format!("SELECT {RUN_COLS} FROM shadow_runs WHERE ended_at IS NULL ORDER BY id DESC LIMIT 1");
        Ok(on_pool!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_optional(p).await?))
    }

    /// The latest runs, newest first.
    pub async fn shadow_runs(&self, limit: i64) -> Result<Vec<ShadowRun>> {
        let sql = format!("SELECT {RUN_COLS} FROM shadow_runs ORDER BY id DESC LIMIT $1");
        Ok(on_pool!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(limit).fetch_all(p).await?))
    }

    /// Starts a shadow run of a stored ruleset version and model version (none: its rules
    /// alone), ending the one under way, with its audit entry, in one transaction.
    pub async fn start_shadow(
        &self,
        ruleset_version: &str,
        model_version: Option<&str>,
        by: &str,
        audit: AuditContent,
    ) -> Result<ShadowRun> {
        if self.ruleset_body(ruleset_version).await?.is_none() {
            return Err(StoreError::NotFound("ruleset version"));
        }
        if let Some(m) = model_version
            && self.model_body(m).await?.is_none()
        {
            return Err(StoreError::NotFound("model version"));
        }
        let pg = self.is_postgres();
        let now = now_ms();
        let _writer = self.audit_writer().await;
        let id: i64 = on_pool!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query("UPDATE shadow_runs SET ended_at = $1, ended_by = $2, outcome = 'stopped' WHERE ended_at IS NULL")
                .bind(now).bind(by).execute(&mut *tx).await?;
            let (id,): (i64,) = sqlx::query_as("INSERT INTO shadow_runs (ruleset_version, model_version, started_at, started_by) VALUES ($1, $2, $3, $4) RETURNING id")
                .bind(ruleset_version).bind(model_version.unwrap_or("")).bind(now).bind(by).fetch_one(&mut *tx).await?;
            crate::audit::append_in_tx!(tx, pg, [audit]);
            tx.commit().await?;
            id
        });
        self.shadow_run(id).await?.ok_or(StoreError::NotFound("shadow run"))
    }

    /// One run.
    pub async fn shadow_run(&self, id: i64) -> Result<Option<ShadowRun>> {
        let sql = format!("SELECT {RUN_COLS} FROM shadow_runs WHERE id = $1");
        Ok(on_pool!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(p).await?))
    }

    /// Stops the run under way, with its audit entry, in one transaction.
    pub async fn stop_shadow(&self, by: &str, audit: AuditContent) -> Result<ShadowRun> {
        let run = self.open_shadow().await?.ok_or(StoreError::NotFound("shadow run"))?;
        let pg = self.is_postgres();
        let _writer = self.audit_writer().await;
        on_pool!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            let n = sqlx::query("UPDATE shadow_runs SET ended_at = $1, ended_by = $2, outcome = 'stopped' WHERE id = $3 AND ended_at IS NULL")
                .bind(now_ms()).bind(by).bind(run.id).execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound("shadow run"));
            }
            crate::audit::append_in_tx!(tx, pg, [audit]);
            tx.commit().await?;
        });
        self.shadow_run(run.id).await?.ok_or(StoreError::NotFound("shadow run"))
    }

    /// Puts the candidate of the run under way in force (its ruleset and its model, or the
    /// rules alone) and ends the run, keeping what it replaced, with the audit entry, in one
    /// transaction. `in_force_ruleset` is the version the engine decides with now.
    pub async fn promote_shadow(&self, in_force_ruleset: &str, by: &str, audit: AuditContent) -> Result<ShadowRun> {
        let run = self.open_shadow().await?.ok_or(StoreError::NotFound("shadow run"))?;
        let body = self.ruleset_body(&run.ruleset_version).await?.ok_or(StoreError::NotFound("ruleset version"))?;
        let replaced_model = self.model_in_force().await?.unwrap_or_default();
        let pg = self.is_postgres();
        let _writer = self.audit_writer().await;
        on_pool!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            let n = sqlx::query("UPDATE shadow_runs SET ended_at = $1, ended_by = $2, outcome = 'promoted', replaced_ruleset = $3, replaced_model = $4 WHERE id = $5 AND ended_at IS NULL")
                .bind(now_ms()).bind(by).bind(in_force_ruleset).bind(&replaced_model).bind(run.id).execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound("shadow run"));
            }
            put_in_force!(tx, body, run.model_version);
            crate::audit::append_in_tx!(tx, pg, [audit]);
            tx.commit().await?;
        });
        self.shadow_run(run.id).await?.ok_or(StoreError::NotFound("shadow run"))
    }

    /// The latest promotion, if it is the last change of the ruleset and model in force made
    /// through a shadow run and has not been rolled back.
    pub async fn last_promotion(&self) -> Result<Option<ShadowRun>> {
        let sql = format!(
            "SELECT {RUN_COLS} FROM shadow_runs WHERE outcome IN ('promoted', 'rolled_back') ORDER BY ended_at DESC, id DESC LIMIT 1"
        );
        let r: Option<ShadowRun> =
            on_pool!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_optional(p).await?);
        Ok(r.filter(|r| r.outcome == "promoted"))
    }

    /// Puts back what the latest promotion replaced (its ruleset and model), marking the run
    /// rolled back, with the audit entry, in one transaction.
    pub async fn roll_back_promotion(&self, by: &str, audit: AuditContent) -> Result<ShadowRun> {
        let run = self.last_promotion().await?.ok_or(StoreError::NotFound("promotion"))?;
        let body = self.ruleset_body(&run.replaced_ruleset).await?.ok_or(StoreError::NotFound("ruleset version"))?;
        let pg = self.is_postgres();
        let _writer = self.audit_writer().await;
        on_pool!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            let n = sqlx::query("UPDATE shadow_runs SET outcome = 'rolled_back', ended_by = $1 WHERE id = $2 AND outcome = 'promoted'")
                .bind(by).bind(run.id).execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound("promotion"));
            }
            put_in_force!(tx, body, run.replaced_model);
            crate::audit::append_in_tx!(tx, pg, [audit]);
            tx.commit().await?;
        });
        self.shadow_run(run.id).await?.ok_or(StoreError::NotFound("shadow run"))
    }

    /// Records what the shadow and the engine in force decided for a transfer (once per run
    /// and event).
    pub async fn record_shadow(&self, d: &ShadowDecision) -> Result<()> {
        let v = self.vault();
        let (payer, payee) = (v.encrypt(Field::BankCard, &d.payer)?, v.encrypt(Field::BankCard, &d.payee)?);
        on_pool!(&self.db, p => sqlx::query("INSERT INTO shadow_decisions (run_id, event_id, event_ts, live_action, shadow_action, shadow_scenario, shadow_score, station_id, payer_enc, payee_enc) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (run_id, event_id) DO NOTHING")
            .bind(d.run_id).bind(&d.event_id).bind(d.event_ts).bind(&d.live_action).bind(&d.shadow_action).bind(&d.shadow_scenario)
            .bind(d.shadow_score).bind(d.station_id).bind(payer).bind(payee).execute(p).await.map(|_| ())?);
        Ok(())
    }

    /// Every recorded decision of a run, oldest first, accounts in clear: for comparing the
    /// two against the work system's labels, not for display.
    pub async fn shadow_decisions(&self, run_id: i64) -> Result<Vec<ShadowDecision>> {
        type Row = (String, i64, String, String, String, f64, Option<i64>, Vec<u8>, Vec<u8>);
        let rows: Vec<Row> = on_pool!(&self.db, p => sqlx::query_as(
            "SELECT event_id, event_ts, live_action, shadow_action, shadow_scenario, shadow_score, station_id, payer_enc, payee_enc \
             FROM shadow_decisions WHERE run_id = $1 ORDER BY event_ts, id")
            .bind(run_id).fetch_all(p).await?);
        let v = self.vault();
        rows.into_iter()
            .map(
                |(
                    event_id,
                    event_ts,
                    live_action,
                    shadow_action,
                    shadow_scenario,
                    shadow_score,
                    station_id,
                    pe,
                    qe,
                )| {
                    Ok(ShadowDecision {
                        run_id,
                        event_id,
                        event_ts,
                        live_action,
                        shadow_action,
                        shadow_scenario,
                        shadow_score,
                        station_id,
                        payer: v.decrypt(Field::BankCard, &pe)?,
                        payee: v.decrypt(Field::BankCard, &qe)?,
                    })
                },
            )
            .collect()
    }
}
