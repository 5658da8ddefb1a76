//! The engine's event log: what it applied, encrypted, for rebuilding its windows after a
//! restart.

use pii::Field;

use crate::sql::{Arg, bind_args};
use crate::{BeginWrite, Page, PageReq, Result, Store, now_ms, on_pool};

impl Store {
    /// Appends events `(event_id, ts_ms, json)` in one transaction; ids already logged are skipped.
    pub async fn log_events(&self, events: &[(String, i64, String)]) -> Result<()> {
        let v = self.vault();
        let mut args = Vec::with_capacity(events.len() * 3);
        for (id, ts, body) in events {
            args.push(vec![
                Arg::Text(id.clone()),
                Arg::I64(*ts),
                Arg::Bytes(v.encrypt(Field::Event, body)?),
                Arg::Text(kind_of(body).into()),
            ]);
        }
        // Several rows per statement (each statement is a round trip to the database thread),
        // but few enough that sqlx's per-parameter lookup stays cheap.
        on_pool!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            for batch in args.chunks(16) {
                let rows: Vec<String> = (0..batch.len()).map(|r| format!("(${}, ${}, ${}, ${})", r * 4 + 1, r * 4 + 2, r * 4 + 3, r * 4 + 4)).collect();
                let sql = format!("INSERT INTO engine_events (event_id, ts_ms, body_enc, kind) VALUES {} ON CONFLICT (event_id) DO NOTHING", rows.join(", "));
                let flat: Vec<Arg> = batch.iter().flatten().cloned().collect();
                bind_args!(sqlx::query(sqlx::AssertSqlSafe(sql)), flat).execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Logged events of the long-lived kinds (`list`, `account`) from before `before_ms`, in the
    /// order they were applied, in pages.
    pub async fn logged_standing_events(
        &self,
        before_ms: i64,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<(i64, String)>> {
        let rows: Vec<(i64, Vec<u8>)> = on_pool!(&self.db, p => sqlx::query_as(
            "SELECT seq, body_enc FROM engine_events WHERE kind IN ('list', 'account') AND ts_ms < $1 AND seq > $2 ORDER BY seq LIMIT $3")
            .bind(before_ms).bind(after_seq).bind(limit).fetch_all(p).await?);
        let v = self.vault();
        rows.into_iter().map(|(seq, b)| Ok((seq, v.decrypt(Field::Event, &b)?))).collect()
    }

    /// How many events the log holds.
    pub async fn event_log_len(&self) -> Result<i64> {
        let (n,): (i64,) =
            on_pool!(&self.db, p => sqlx::query_as("SELECT COUNT(*) FROM engine_events").fetch_one(p).await?);
        Ok(n)
    }

    /// The time of the latest logged event.
    pub async fn latest_event_ts(&self) -> Result<Option<i64>> {
        let (t,): (Option<i64>,) =
            on_pool!(&self.db, p => sqlx::query_as("SELECT MAX(ts_ms) FROM engine_events").fetch_one(p).await?);
        Ok(t)
    }

    /// Logged events with `ts_ms >= since`, in the order they were applied, in pages.
    pub async fn logged_events(&self, since: i64, after_seq: i64, limit: i64) -> Result<Vec<(i64, String)>> {
        let rows: Vec<(i64, Vec<u8>)> = on_pool!(&self.db, p => sqlx::query_as(
            "SELECT seq, body_enc FROM engine_events WHERE ts_ms >= $1 AND seq > $2 ORDER BY seq LIMIT $3")
            .bind(since).bind(after_seq).bind(limit).fetch_all(p).await?);
        let v = self.vault();
        rows.into_iter().map(|(seq, b)| Ok((seq, v.decrypt(Field::Event, &b)?))).collect()
    }

    /// Keeps an event the stream consumer refused, with the reason.
    pub async fn add_dead_letter(&self, d: &NewDeadLetter) -> Result<i64> {
        let raw = self.vault().encrypt(Field::Event, &d.raw)?;
        let (id,): (i64,) = on_pool!(&self.db, p => sqlx::query_as(
            "INSERT INTO dead_letters (source, received_at, stream_seq, field, reason, raw_enc, raw_len) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (source, stream_seq) DO UPDATE SET reason = excluded.reason RETURNING id")
            .bind(&d.source).bind(now_ms()).bind(d.stream_seq).bind(&d.field).bind(&d.reason).bind(raw).bind(d.raw.len() as i64)
            .fetch_one(p).await?);
        Ok(id)
    }

    /// Refused events, newest first (the raw message stays encrypted; only its size is shown).
    pub async fn list_dead_letters(&self, page: PageReq) -> Result<Page<DeadLetter>> {
        let (total,): (i64,) =
            on_pool!(&self.db, p => sqlx::query_as("SELECT COUNT(*) FROM dead_letters").fetch_one(p).await?);
        let items: Vec<DeadLetter> = on_pool!(&self.db, p => sqlx::query_as(
            "SELECT id, source, received_at, stream_seq, field, reason, raw_len FROM dead_letters ORDER BY id DESC LIMIT $1 OFFSET $2")
            .bind(page.limit()).bind(page.offset()).fetch_all(p).await?);
        Ok(Page { total, items, page: page.page, per_page: page.limit() })
    }

    /// Records a ruleset put in force (once per version).
    pub async fn save_ruleset(&self, version: &str, body: &str, by: &str, note: &str) -> Result<()> {
        on_pool!(&self.db, p => sqlx::query("INSERT INTO rulesets (version, body, created_at, created_by, note) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (version) DO NOTHING")
            .bind(version).bind(body).bind(now_ms()).bind(by).bind(note).execute(p).await.map(|_| ())?);
        Ok(())
    }

    /// Puts a ruleset in force: the setting the engine loads at start, the version's history
    /// row and the audit entry, in one transaction.
    pub async fn put_ruleset_in_force(
        &self,
        version: &str,
        body: &str,
        by: &str,
        note: &str,
        audit: domain::audit::AuditContent,
    ) -> Result<()> {
        let pg = self.is_postgres();
        let _writer = self.audit_writer().await;
        on_pool!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query("INSERT INTO meta (key, value) VALUES ('engine_ruleset', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
                .bind(body).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO rulesets (version, body, created_at, created_by, note) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (version) DO NOTHING")
                .bind(version).bind(body).bind(now_ms()).bind(by).bind(note).execute(&mut *tx).await?;
            crate::audit::append_in_tx!(tx, pg, [audit]);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Every ruleset version put in force, newest first.
    pub async fn ruleset_versions(&self) -> Result<Vec<RulesetVersion>> {
        Ok(
            on_pool!(&self.db, p => sqlx::query_as("SELECT version, created_at, created_by, note FROM rulesets ORDER BY created_at DESC, version DESC").fetch_all(p).await?),
        )
    }

    /// The text of one ruleset version.
    pub async fn ruleset_body(&self, version: &str) -> Result<Option<String>> {
        let r: Option<(String,)> = on_pool!(&self.db, p => sqlx::query_as("SELECT body FROM rulesets WHERE version = $1").bind(version).fetch_optional(p).await?);
        Ok(r.map(|(b,)| b))
    }
}

/// The `type` of a logged event: serde writes the tag of our internally tagged `Event` first.
fn kind_of(body: &str) -> &'static str {
    for k in ["transfer", "call", "account", "list"] {
        if body.starts_with(&format!("{{\"type\":\"{k}\"")) {
            return k;
        }
    }
    ""
}

/// An event refused by a consumer.
#[derive(Debug, Clone)]
pub struct NewDeadLetter {
    /// Where it came from (e.g. `nats:FANZHA_EVENTS`).
    pub source: String,
    /// Its sequence number in the stream.
    pub stream_seq: Option<i64>,
    /// The field at fault.
    pub field: String,
    /// Why it was refused.
    pub reason: String,
    /// The message as received.
    pub raw: String,
}

/// A refused event, without its content.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct DeadLetter {
    /// Id.
    pub id: i64,
    /// Where it came from.
    pub source: String,
    /// When it was refused (ms).
    pub received_at: i64,
    /// Its sequence number in the stream.
    pub stream_seq: Option<i64>,
    /// The field at fault.
    pub field: String,
    /// Why it was refused.
    pub reason: String,
    /// Size of the message in bytes.
    pub raw_len: i64,
}
crate::rows::from_row!(DeadLetter { id, source, received_at, stream_seq, field, reason, raw_len });

/// A ruleset version put in force.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct RulesetVersion {
    /// Version string of the file.
    pub version: String,
    /// When it was put in force (ms).
    pub created_at: i64,
    /// Who put it in force.
    pub created_by: String,
    /// Why.
    pub note: String,
}
crate::rows::from_row!(RulesetVersion { version, created_at, created_by, note });
