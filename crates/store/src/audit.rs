//! The audit log: append under a lock so the chain stays linear, read in pages, verify whole.

use domain::audit::{AuditContent, AuditRecord, BrokenLink, ChainVerifier};

use crate::sql::{Arg, Filter, bind_args};
use crate::{BeginWrite, Page, PageReq, Result, Store, on_pool};

/// Filter for the audit viewer.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only this action.
    pub action: Option<String>,
    /// Only this object type.
    pub object_type: Option<String>,
    /// Only this object id.
    pub object_id: Option<String>,
    /// Only this actor name.
    pub actor_name: Option<String>,
}

struct Row {
    seq: i64,
    at_ms: i64,
    actor_kind: String,
    actor_id: Option<i64>,
    actor_name: String,
    action: String,
    object_type: String,
    object_id: Option<String>,
    fields: String,
    ip: Option<String>,
    reason: Option<String>,
    detail: String,
    prev_hash: String,
    hash: String,
}
crate::rows::from_row!(Row {
    seq,
    at_ms,
    actor_kind,
    actor_id,
    actor_name,
    action,
    object_type,
    object_id,
    fields,
    ip,
    reason,
    detail,
    prev_hash,
    hash
});

impl From<Row> for AuditRecord {
    fn from(r: Row) -> Self {
        AuditRecord {
            seq: r.seq,
            content: AuditContent {
                at_ms: r.at_ms,
                actor_kind: r.actor_kind,
                actor_id: r.actor_id,
                actor_name: r.actor_name,
                action: r.action,
                object_type: r.object_type,
                object_id: r.object_id,
                fields: serde_json::from_str(&r.fields).unwrap_or_else(|_| vec![r.fields.clone()]),
                ip: r.ip,
                reason: r.reason,
                detail: r.detail,
            },
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

const COLS: &str = "seq, at_ms, actor_kind, actor_id, actor_name, action, object_type, object_id, fields, ip, reason, detail, prev_hash, hash";

impl Store {
    /// Appends an entry to the chain. Appends are serialised: in-process by a lock, and across
    /// processes (PostgreSQL) by locking the chain head row.
    pub async fn audit(&self, content: AuditContent) -> Result<AuditRecord> {
        let _guard = self.audit_lock.lock().await;
        let fields = serde_json::to_string(&content.fields).unwrap_or_else(|_| "[]".into());
        let rec = on_pool!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            let head_sql = if self.backend() == "postgres" { "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE" } else { "SELECT seq, hash FROM audit_head WHERE id = 1" };
            let (seq, hash): (i64, String) = sqlx::query_as(head_sql).fetch_one(&mut *tx).await?;
            let rec = domain::audit::append(if seq == 0 { None } else { Some((seq, hash.as_str())) }, content);
            let c = &rec.content;
            sqlx::query(
                "INSERT INTO audit_log (seq, at_ms, actor_kind, actor_id, actor_name, action, object_type, object_id, fields, ip, reason, detail, prev_hash, hash) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)")
                .bind(rec.seq).bind(c.at_ms).bind(&c.actor_kind).bind(c.actor_id).bind(&c.actor_name).bind(&c.action).bind(&c.object_type)
                .bind(&c.object_id).bind(&fields).bind(&c.ip).bind(&c.reason).bind(&c.detail).bind(&rec.prev_hash).bind(&rec.hash)
                .execute(&mut *tx).await?;
            sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1").bind(rec.seq).bind(&rec.hash).execute(&mut *tx).await?;
            tx.commit().await?;
            rec
        });
        Ok(rec)
    }

    /// Entries, newest first.
    pub async fn list_audit(&self, filter: &AuditFilter, page: PageReq) -> Result<Page<AuditRecord>> {
        let mut f = Filter::default();
        for (col, v) in [
            ("action", &filter.action),
            ("object_type", &filter.object_type),
            ("object_id", &filter.object_id),
            ("actor_name", &filter.actor_name),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                let ph = f.bind(Arg::Text(v.to_string()));
                f.and(format!("{col} = {ph}"));
            }
        }
        let count_sql = format!("SELECT COUNT(*) FROM audit_log{}", f.sql());
        let n = f.args.len();
        let lim = f.bind(Arg::I64(page.limit()));
        let off = f.bind(Arg::I64(page.offset()));
        let sql = format!("SELECT {COLS} FROM audit_log{} ORDER BY seq DESC LIMIT {lim} OFFSET {off}", f.sql());
        let (rows, total) = on_pool!(&self.db, p => {
            let rows: Vec<Row> = bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), f.args).fetch_all(p).await?;
            let (total,): (i64,) = bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(count_sql)), f.args[..n]).fetch_one(p).await?;
            (rows, total)
        });
        Ok(Page {
            items: rows.into_iter().map(Into::into).collect(),
            total,
            page: page.page.max(1),
            per_page: page.limit(),
        })
    }

    /// Checks the whole chain in pages and against the stored head; returns how many entries
    /// it checked, or the first broken link.
    pub async fn verify_audit(&self) -> Result<i64> {
        let mut v = ChainVerifier::default();
        let mut after = 0i64;
        loop {
            let sql = format!("SELECT {COLS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT 5000");
            let rows: Vec<Row> =
                on_pool!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(after).fetch_all(p).await?);
            if rows.is_empty() {
                break;
            }
            for r in rows {
                let rec: AuditRecord = r.into();
                after = rec.seq;
                v.push(&rec)?;
            }
        }
        let (seq, hash): (i64, String) = on_pool!(&self.db, p => sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(p).await?);
        if seq != v.checked() || hash != v.head() {
            return Err(BrokenLink {
                seq: v.checked() + 1,
                reason: format!(
                    "the log ends at entry {} but the chain head records entry {seq} (entries removed from the end)",
                    v.checked()
                ),
            }
            .into());
        }
        Ok(v.checked())
    }

    /// Test and forensics hook: runs one raw statement (the audit tests use it to tamper with
    /// the log the way an attacker with database access would).
    pub async fn execute_raw(&self, sql: &str) -> Result<u64> {
        let sql = sql.to_string();
        Ok(on_pool!(&self.db, p => sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(p).await?.rows_affected()))
    }
}
