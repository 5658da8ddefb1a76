//! Stored reports (snapshots with cut-off and rule versions, draft → approved → published) and
//! the work figures the briefing reads.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::sql::{Arg, Filter, bind_args};
use crate::{BeginWrite, Result, Store, StoreError, now_ms, on_pool};

/// A report's statuses in the order it goes through them, with the names people read.
pub const REPORT_STATUSES: [(&str, &str); 3] =
    [("draft", "草稿"), ("approved", "已审核待发布"), ("published", "已发布")];

/// A stored report, without its snapshot.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReportRow {
    /// Id.
    pub id: i64,
    /// bulletin / analysis / briefing.
    pub kind: String,
    /// `YYYY-MM` or `YYYY-MM-1|2`.
    pub period: String,
    /// The area covered.
    pub scope_jurisdiction_id: i64,
    /// Its path.
    pub scope_path: String,
    /// The police station whose precinct the report covers; 0 for the whole jurisdiction.
    pub station_id: i64,
    /// 1 for the first issue, then one more for each correction.
    pub version: i64,
    /// The published report this one corrects.
    pub corrects_id: Option<i64>,
    /// draft / approved / published.
    pub status: String,
    /// Data cut-off, ms.
    pub cutoff_ms: i64,
    /// Rule versions, JSON object.
    pub rule_versions: String,
    /// SHA-256 of the snapshot, hex.
    pub snapshot_sha256: String,
    /// The office's narrative.
    pub narrative: String,
    /// Who generated it.
    pub created_by: String,
    /// When, ms.
    pub created_at: i64,
    /// Who approved it.
    pub approved_by: String,
    /// When, ms.
    pub approved_at: Option<i64>,
    /// Who published it.
    pub published_by: String,
    /// When, ms.
    pub published_at: Option<i64>,
}
crate::rows::from_row!(ReportRow {
    id,
    kind,
    period,
    scope_jurisdiction_id,
    scope_path,
    station_id,
    version,
    corrects_id,
    status,
    cutoff_ms,
    rule_versions,
    snapshot_sha256,
    narrative,
    created_by,
    created_at,
    approved_by,
    approved_at,
    published_by,
    published_at
});

/// A report to store.
#[derive(Debug, Clone)]
pub struct NewReport {
    /// Kind.
    pub kind: String,
    /// Period.
    pub period: String,
    /// Area.
    pub scope_jurisdiction_id: i64,
    /// Its path.
    pub scope_path: String,
    /// A station's precinct, or 0.
    pub station_id: i64,
    /// Data cut-off, ms.
    pub cutoff_ms: i64,
    /// Rule versions, JSON.
    pub rule_versions: String,
    /// The snapshot, JSON.
    pub snapshot: String,
    /// Narrative to start from (a correction keeps the one it corrects).
    pub narrative: String,
    /// The published report it corrects.
    pub corrects_id: Option<i64>,
    /// Who.
    pub created_by: String,
}

const COLS: &str = "id, kind, period, scope_jurisdiction_id, scope_path, station_id, version, corrects_id, status, cutoff_ms, rule_versions, snapshot_sha256, narrative, \
    created_by, created_at, approved_by, approved_at, published_by, published_at";

/// SHA-256 of a snapshot, hex.
pub fn snapshot_digest(snapshot: &str) -> String {
    hex::encode(Sha256::digest(snapshot.as_bytes()))
}

/// One warning as the briefing counts it.
#[derive(Debug, Clone)]
pub struct WarningFact {
    /// Risk grade.
    pub grade: String,
    /// Station name, or empty for the centre's queue.
    pub station_name: String,
    /// State.
    pub status: String,
    /// Outcome when closed.
    pub outcome: String,
    /// Received, ms.
    pub created_at: i64,
    /// Signed for, ms.
    pub signed_at: Option<i64>,
}
crate::rows::from_row!(WarningFact { grade, station_name, status, outcome, created_at, signed_at });

/// Bank requests of a period: `(kind, status, count, amount fen)`.
pub type BankFigure = (String, String, i64, i64);

impl Store {
    /// Stores a generated report as a new draft version of its kind, period and area.
    pub async fn insert_report(&self, r: &NewReport, audit: Option<crate::AuditFor<'_, i64>>) -> Result<i64> {
        let digest = snapshot_digest(&r.snapshot);
        let now = now_ms();
        let (pg, has_audit) = (self.is_postgres(), audit.is_some());
        let _writer = self.audit_writer_if(has_audit).await;
        Ok(on_pool!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            let (v,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(version), 0) + 1 FROM reports WHERE kind = $1 AND period = $2 AND scope_path = $3 AND station_id = $4")
                .bind(&r.kind).bind(&r.period).bind(&r.scope_path).bind(r.station_id).fetch_one(&mut *tx).await?;
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO reports (kind, period, scope_jurisdiction_id, scope_path, station_id, version, corrects_id, status, cutoff_ms, rule_versions, snapshot, snapshot_sha256, narrative, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $14, $5, $6, 'draft', $7, $8, $9, $10, $11, $12, $13) RETURNING id")
                .bind(&r.kind).bind(&r.period).bind(r.scope_jurisdiction_id).bind(&r.scope_path).bind(v).bind(r.corrects_id).bind(r.cutoff_ms)
                .bind(&r.rule_versions).bind(&r.snapshot).bind(&digest).bind(&r.narrative).bind(&r.created_by).bind(now).bind(r.station_id)
                .fetch_one(&mut *tx).await?;
            if let Some(a) = audit {
                crate::audit::append_in_tx!(tx, pg, [a(&id)]);
            }
            tx.commit().await?;
            id
        }))
    }

    /// One report (no scope check: the caller decides who may see it).
    pub async fn report(&self, id: i64) -> Result<ReportRow> {
        let sql = format!("SELECT {COLS} FROM reports WHERE id = $1");
        let row: Option<ReportRow> =
            on_pool!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(p).await?);
        row.ok_or(StoreError::NotFound("report"))
    }

    /// A report's snapshot, checked against the digest stored with it.
    pub async fn report_snapshot(&self, id: i64) -> Result<String> {
        let row: Option<(String, String)> = on_pool!(&self.db, p => sqlx::query_as("SELECT snapshot, snapshot_sha256 FROM reports WHERE id = $1").bind(id).fetch_optional(p).await?);
        let (snap, digest) = row.ok_or(StoreError::NotFound("report"))?;
        if snapshot_digest(&snap) != digest {
            return Err(StoreError::Conflict {
                field: "snapshot",
                message: format!("report {id}: the stored snapshot does not match its digest"),
            });
        }
        Ok(snap)
    }

    /// Reports, newest first, optionally of one kind.
    pub async fn list_reports(&self, kind: Option<&str>) -> Result<Vec<ReportRow>> {
        let mut f = Filter::default();
        if let Some(k) = kind {
            let b = f.bind(Arg::Text(k.to_string()));
            f.and(format!("kind = {b}"));
        }
        let sql = format!("SELECT {COLS} FROM reports{} ORDER BY id DESC LIMIT 500", f.sql());
        Ok(on_pool!(&self.db, p => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), f.args).fetch_all(p).await?))
    }

    /// Changes the narrative of a draft.
    pub async fn set_report_narrative(
        &self,
        id: i64,
        narrative: &str,
        audit: Option<domain::audit::AuditContent>,
    ) -> Result<ReportRow> {
        let n = crate::audit::execute_audited!(
            self,
            audit,
            sqlx::query("UPDATE reports SET narrative = $1 WHERE id = $2 AND status = 'draft'")
                .bind(narrative)
                .bind(id)
        );
        if n == 0 {
            self.report(id).await?;
            return Err(StoreError::Conflict {
                field: "status",
                message: "only a draft's narrative can change; correct a published report with a new version".into(),
            });
        }
        self.report(id).await
    }

    /// Moves a report from `from` to `to` (draft → approved → published), recording who.
    /// `audit` is appended in the same transaction when the report moved.
    pub async fn advance_report(
        &self,
        id: i64,
        from: &str,
        to: &str,
        actor: &str,
        audit: Option<domain::audit::AuditContent>,
    ) -> Result<ReportRow> {
        let now = now_ms();
        let sql = match to {
            "approved" => {
                "UPDATE reports SET status = $1, approved_by = $2, approved_at = $3 WHERE id = $4 AND status = $5"
            }
            "published" => {
                "UPDATE reports SET status = $1, published_by = $2, published_at = $3 WHERE id = $4 AND status = $5"
            }
            _ => {
                return Err(StoreError::Conflict { field: "status", message: format!("unknown report status '{to}'") });
            }
        };
        let n = crate::audit::execute_audited!(
            self,
            audit,
            sqlx::query(sql).bind(to).bind(actor).bind(now).bind(id).bind(from)
        );
        if n == 0 {
            let r = self.report(id).await?;
            return Err(StoreError::Conflict {
                field: "status",
                message: format!("the report is {}, not {from}", r.status),
            });
        }
        self.report(id).await
    }

    /// Warnings in scope received in `[from, to)`, with the time they were signed for.
    pub async fn warning_facts(&self, scope: &domain::Scope, from_ms: i64, to_ms: i64) -> Result<Vec<WarningFact>> {
        let mut f = Filter::default();
        f.scope("w.jurisdiction_path", scope);
        let a = f.bind(Arg::I64(from_ms));
        let b = f.bind(Arg::I64(to_ms));
        f.and(format!("w.created_at >= {a} AND w.created_at < {b}"));
        let sql = format!(
            "SELECT w.grade, COALESCE(s.name, '') AS station_name, w.status, w.outcome, w.created_at, \
             (SELECT MIN(ws.at_ms) FROM warning_steps ws WHERE ws.warning_id = w.id AND ws.step = 'sign_for') AS signed_at \
             FROM warnings w LEFT JOIN police_stations s ON s.id = w.station_id{} ORDER BY w.id",
            f.sql()
        );
        Ok(on_pool!(&self.db, p => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), f.args).fetch_all(p).await?))
    }

    /// Stop-payment and freeze requests made in `[from, to)`, by kind and status, for cases in
    /// scope (requests without a case count county-wide only).
    pub async fn bank_figures(&self, scope: &domain::Scope, from_ms: i64, to_ms: i64) -> Result<Vec<BankFigure>> {
        let mut f = Filter::default();
        let a = f.bind(Arg::I64(from_ms));
        let b = f.bind(Arg::I64(to_ms));
        f.and(format!("r.requested_at >= {a} AND r.requested_at < {b}"));
        if scope.roots().is_some() {
            f.scope("c.jurisdiction_path", scope);
        }
        let sql = format!(
            "SELECT r.kind, r.status, COUNT(*) AS n, CAST(COALESCE(SUM(r.amount_fen), 0) AS BIGINT) AS amount FROM bank_requests r LEFT JOIN cases c ON c.id = r.case_id{} \
             GROUP BY r.kind, r.status ORDER BY r.kind, r.status",
            f.sql()
        );
        Ok(on_pool!(&self.db, p => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), f.args).fetch_all(p).await?))
    }

    /// Clues submitted in `[from, to)`: `(received, confirmed, rejected, rewards fen)`.
    pub async fn clue_figures(&self, from_ms: i64, to_ms: i64) -> Result<(i64, i64, i64, i64)> {
        Ok(on_pool!(&self.db, p => sqlx::query_as(
            "SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN status = 'confirmed' THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN status = 'rejected' THEN 1 ELSE 0 END), 0) AS BIGINT), CAST(COALESCE(SUM(reward_fen), 0) AS BIGINT) \
             FROM clues WHERE submitted_at >= $1 AND submitted_at < $2")
            .bind(from_ms).bind(to_ms).fetch_one(p).await?))
    }
}
