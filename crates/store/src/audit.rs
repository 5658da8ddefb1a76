//! The audit log: appended in batches by one writer so the chain stays linear, read in pages,
//! verified whole.

use domain::audit::{AuditContent, AuditRecord, BrokenLink, ChainVerifier};

use crate::sql::{Arg, Filter, bind_args};
use crate::{BeginWrite, Page, PageReq, Result, Store, StoreError, on_pool};

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

/// Appends audit entries inside the write transaction `$tx` (of either backend); `$pg` is
/// whether it is PostgreSQL's, whose chain head row is locked against other processes. The
/// caller holds [`Store::audit_writer`]. Evaluates to the appended records.
macro_rules! append_in_tx {
    ($tx:ident, $pg:expr, $contents:expr) => {{
        let head_sql = if $pg {
            // Locks in the order a batch `INSERT` of another process takes them (the log, then
            // the head row its trigger moves): taking the head row first would deadlock with a
            // batch that inserted the same `seq` and waits for the head.
            sqlx::query("LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE").execute(&mut *$tx).await?;
            "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE"
        } else {
            "SELECT seq, hash FROM audit_head WHERE id = 1"
        };
        let head: (i64, String) = sqlx::query_as(head_sql).fetch_one(&mut *$tx).await?;
        let recs = crate::audit::chain(&head, $contents);
        crate::audit::insert_records!(&mut *$tx, recs);
        recs
    }};
}
pub(crate) use append_in_tx;

/// Inserts chained records (`$recs`, a `Vec<AuditRecord>`) in one statement on `$exec` (a
/// transaction or a pool of either backend); the `audit_head_follows` trigger moves the chain
/// head in that same statement. A record whose `seq` is taken fails the whole statement.
macro_rules! insert_records {
    ($exec:expr, $recs:expr) => {{
        // One statement for the whole batch: every statement is a round trip to the database
        // (for SQLite, to its connection's worker thread).
        let recs: &Vec<domain::audit::AuditRecord> = &$recs;
        if !recs.is_empty() {
            let tuples = crate::sql::values_rows(recs.len(), 14);
            let sql = format!(
                "INSERT INTO audit_log (seq, at_ms, actor_kind, actor_id, actor_name, action, object_type, object_id, fields, ip, reason, detail, prev_hash, hash) VALUES {tuples}"
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for rec in recs {
                let c = &rec.content;
                let fields = serde_json::to_string(&c.fields).unwrap_or_else(|_| "[]".into());
                q = q
                    .bind(rec.seq)
                    .bind(c.at_ms)
                    .bind(c.actor_kind.clone())
                    .bind(c.actor_id)
                    .bind(c.actor_name.clone())
                    .bind(c.action.clone())
                    .bind(c.object_type.clone())
                    .bind(c.object_id.clone())
                    .bind(fields)
                    .bind(c.ip.clone())
                    .bind(c.reason.clone())
                    .bind(c.detail.clone())
                    .bind(rec.prev_hash.clone())
                    .bind(rec.hash.clone());
            }
            q.execute($exec).await?;
        }
    }};
}
pub(crate) use insert_records;

/// Chains `contents` after `head` (`(seq, hash)`, seq 0 for an empty log).
pub(crate) fn chain(head: &(i64, String), contents: impl IntoIterator<Item = AuditContent>) -> Vec<AuditRecord> {
    let (mut seq, mut hash) = head.clone();
    let mut recs = Vec::new();
    for content in contents {
        let rec = domain::audit::append(if seq == 0 { None } else { Some((seq, hash.as_str())) }, content);
        seq = rec.seq;
        hash = rec.hash.clone();
        recs.push(rec);
    }
    recs
}

/// Runs one statement (`$query`, bound, not yet executed) in a write transaction of its own
/// and, when it changed a row, appends `$audit` (an `Option<AuditContent>`) in that same
/// transaction. Evaluates to the number of rows changed.
macro_rules! execute_audited {
    ($store:expr, $audit:expr, $query:expr) => {{
        let pg = $store.is_postgres();
        let audit: Option<domain::audit::AuditContent> = $audit;
        let _writer = $store.audit_writer_if(audit.is_some()).await;
        crate::on_pool!(&$store.db, p => {
            let mut tx = crate::BeginWrite::begin_write(p).await?;
            let n = $query.execute(&mut *tx).await?.rows_affected();
            if let Some(audit) = audit.filter(|_| n > 0) {
                crate::audit::append_in_tx!(tx, pg, [audit]);
            }
            tx.commit().await?;
            n
        })
    }};
}
pub(crate) use execute_audited;

/// Runs one `INSERT … RETURNING id` (`$query`, a bound `query_as` of `(i64,)`, not yet run) in
/// a write transaction of its own and, when it inserted a row, appends the entry that `$audit`
/// (an `Option<AuditFor<'_, i64>>`) builds from the new id, in that same transaction.
/// Evaluates to the id, or `None` when nothing was inserted (`ON CONFLICT DO NOTHING`).
macro_rules! insert_audited {
    ($store:expr, $audit:expr, $query:expr) => {{
        let pg = $store.is_postgres();
        let audit: Option<crate::AuditFor<'_, i64>> = $audit;
        let has_audit = audit.is_some();
        let _writer = $store.audit_writer_if(has_audit).await;
        crate::on_pool!(&$store.db, p => {
            let mut tx = crate::BeginWrite::begin_write(p).await?;
            let row: Option<(i64,)> = $query.fetch_optional(&mut *tx).await?;
            if let (Some((id,)), Some(a)) = (row, audit) {
                crate::audit::append_in_tx!(tx, pg, [a(&id)]);
            }
            tx.commit().await?;
            row.map(|(id,)| id)
        })
    }};
}
pub(crate) use insert_audited;

/// The most entries one transaction appends: a long queue is written in several, so that no
/// transaction holds the write lock for long.
const MAX_BATCH: usize = 256;

/// An entry waiting to be appended, and where its caller waits for the committed record.
type Waiting = (AuditContent, tokio::sync::oneshot::Sender<std::result::Result<AuditRecord, String>>);

/// Entries waiting to be appended, and the one writer that appends them.
#[derive(Default)]
pub(crate) struct AuditQueue {
    waiting: std::sync::Mutex<Vec<Waiting>>,
    writer: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// The chain head as this process last committed it, read and written only by the holder
    /// of `writer`. Another process may have appended since: a batch built on a stale head
    /// takes a `seq` that exists, fails as a whole, and is built again on the head re-read.
    head: std::sync::Mutex<Option<(i64, String)>>,
}

impl AuditQueue {
    fn waiting(&self) -> std::sync::MutexGuard<'_, Vec<Waiting>> {
        // A panic while pushing or taking leaves the vector whole: keep using it.
        self.waiting.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn head(&self) -> std::sync::MutexGuard<'_, Option<(i64, String)>> {
        self.head.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

const COLS: &str = "seq, at_ms, actor_kind, actor_id, actor_name, action, object_type, object_id, fields, ip, reason, detail, prev_hash, hash";

impl Store {
    /// Appends an entry to the chain and returns it once it is committed.
    ///
    /// Entries are appended in batches (group commit): every caller queues its entry, and
    /// whoever holds the writer appends everything queued in one transaction, so a burst of
    /// audited reads pays one commit instead of one each and no caller waits behind a whole
    /// line of single appends. The chain stays linear: one writer at a time in this process,
    /// and across processes (PostgreSQL) the chain head row is locked.
    pub async fn audit(&self, content: AuditContent) -> Result<AuditRecord> {
        let (tx, mut rx) = tokio::sync::oneshot::channel();
        self.audit_queue.waiting().push((content, tx));
        loop {
            // Either a writer appends this entry with its batch, or this caller becomes the
            // writer. Callers whose entry was written leave on their answer without taking
            // the lock in turn.
            let guard = tokio::select! {
                biased;
                answer = &mut rx => {
                    return answer
                        .map_err(|_| StoreError::AuditWrite("the batch holding this entry was abandoned".into()))?
                        .map_err(StoreError::AuditWrite);
                }
                guard = self.audit_queue.writer.clone().lock_owned() => guard,
            };
            let batch = {
                let mut waiting = self.audit_queue.waiting();
                let n = waiting.len().min(MAX_BATCH);
                waiting.drain(..n).collect::<Vec<_>>()
            };
            if batch.is_empty() {
                continue;
            }
            // The batch is written by a task of its own: a caller that goes away (a closed
            // connection drops its handler) must not abandon the others' entries half-written.
            let store = self.clone();
            let write = tokio::spawn(async move {
                let _writer = guard;
                store.append_batch(batch).await;
            });
            if write.await.is_err() {
                return Err(StoreError::AuditWrite("the audit writer stopped".into()));
            }
        }
    }

    /// Appends `batch` in one transaction and answers each waiting caller.
    async fn append_batch(&self, batch: Vec<Waiting>) {
        let (contents, answers): (Vec<_>, Vec<_>) = batch.into_iter().unzip();
        match self.append_entries(contents).await {
            Ok(recs) => {
                for (answer, rec) in answers.into_iter().zip(recs) {
                    let _ = answer.send(Ok(rec));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, entries = answers.len(), "audit entries could not be appended");
                for answer in answers {
                    let _ = answer.send(Err(e.to_string()));
                }
            }
        }
    }

    /// Appends `contents` after the chain head: one statement, atomic on its own, on the head
    /// this process last wrote (or read). Called by the holder of the writer.
    async fn append_entries(&self, contents: Vec<AuditContent>) -> Result<Vec<AuditRecord>> {
        let cached = self.audit_queue.head().clone();
        let head = match cached {
            Some(h) => h,
            None => self.audit_head().await?,
        };
        let recs = match self.insert_chained(&head, contents.clone()).await {
            Ok(recs) => recs,
            // Another process appended since this one read the head: its entries hold the
            // `seq`s this batch took. Append again in a write transaction that reads the head
            // under the database's write lock (PostgreSQL: the log's table lock and the head row's), which no other
            // process can move until it commits.
            Err(e) => {
                tracing::debug!(error = %e, "audit head moved under this process; appending under the write lock");
                *self.audit_queue.head() = None;
                let pg = self.is_postgres();
                on_pool!(&self.db, p => {
                    let mut tx = p.begin_write().await?;
                    let recs = append_in_tx!(tx, pg, contents);
                    tx.commit().await?;
                    recs
                })
            }
        };
        if let Some(last) = recs.last() {
            *self.audit_queue.head() = Some((last.seq, last.hash.clone()));
        }
        Ok(recs)
    }

    async fn insert_chained(&self, head: &(i64, String), contents: Vec<AuditContent>) -> Result<Vec<AuditRecord>> {
        let recs = chain(head, contents);
        on_pool!(&self.db, p => insert_records!(p, recs));
        Ok(recs)
    }

    /// The chain head as stored: `(seq, hash)`.
    async fn audit_head(&self) -> Result<(i64, String)> {
        Ok(on_pool!(&self.db, p => sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(p).await?))
    }

    /// Holds the audit writer for a change that appends its own entry in its own transaction
    /// ([`append_in_tx!`]): taken before the transaction begins, so that the batch writer,
    /// which takes it first too, can never wait on the change's write lock while holding it.
    pub(crate) async fn audit_writer(&self) -> tokio::sync::OwnedMutexGuard<()> {
        let guard = self.audit_queue.writer.clone().lock_owned().await;
        // The change reads the head in its own transaction, which may commit or roll back:
        // the next batch reads the head again rather than trust a copy.
        *self.audit_queue.head() = None;
        guard
    }

    /// [`Store::audit_writer`] for a change that appends an entry only when it has one (the
    /// demo builder's changes have none): `audit.is_some()` of the entry or of what builds it
    /// ([`crate::AuditFor`]).
    pub(crate) async fn audit_writer_if(&self, has_entry: bool) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        match has_entry {
            true => Some(self.audit_writer().await),
            false => None,
        }
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
        let (seq, hash) = self.audit_head().await?;
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
