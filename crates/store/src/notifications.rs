//! The notification outbox: in-app notifications and webhook deliveries, written in the same
//! transaction as the warning they announce and kept until delivered (and after, as proof).

use domain::Scope;
use serde::Serialize;

use crate::sql::{Arg, Filter, bind_args};
use crate::warnings::NewWarning;
use crate::{BeginWrite, Page, PageReq, Result, Store, StoreError, now_ms, on_pool};

/// A notification to send.
#[derive(Debug, Clone)]
pub struct NewNotification {
    /// Unique per event and target: the receiver drops repeats by it.
    pub idempotency_key: String,
    /// `in_app` or `webhook`.
    pub channel: String,
    /// A webhook's name, or who reads it in-app (`station:ID`, `centre`).
    pub target: String,
    /// What it announces (`warning`, …).
    pub kind: String,
    /// One line.
    pub title: String,
    /// JSON, personal data masked.
    pub body: String,
    /// Whose area it concerns (in-app notifications are read by scope).
    pub jurisdiction_path: String,
}

/// A notification as listed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NotificationView {
    /// Id.
    pub id: i64,
    /// Idempotency key.
    pub idempotency_key: String,
    /// Channel.
    pub channel: String,
    /// Target.
    pub target: String,
    /// Kind.
    pub kind: String,
    /// The warning it announces.
    pub warning_id: Option<i64>,
    /// Title.
    pub title: String,
    /// Body (JSON).
    pub body: String,
    /// Created (ms).
    pub created_at: i64,
    /// `pending` or `delivered`.
    pub status: String,
    /// Delivery attempts so far.
    pub attempts: i64,
    /// Next attempt (ms).
    pub next_attempt_at: i64,
    /// Last failure.
    pub last_error: String,
    /// Delivered (ms).
    pub delivered_at: Option<i64>,
    /// Read (in-app, ms).
    pub read_at: Option<i64>,
}
crate::rows::from_row!(NotificationView {
    id,
    idempotency_key,
    channel,
    target,
    kind,
    warning_id,
    title,
    body,
    created_at,
    status,
    attempts,
    next_attempt_at,
    last_error,
    delivered_at,
    read_at
});

const COLS: &str = "id, idempotency_key, channel, target, kind, warning_id, title, body, created_at, status, attempts, next_attempt_at, last_error, delivered_at, read_at";

impl Store {
    /// Stores a warning and, in the same transaction, the notifications announcing it (only
    /// when the warning is new: a repeated event notifies nobody twice). Returns the warning id.
    pub async fn insert_warning_notifying(&self, w: &NewWarning, notes: &[NewNotification]) -> Result<i64> {
        // A warning and its notifications date from when the warning was raised.
        let raised = w.raised_ms;
        let got = on_pool!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            let v = self.vault();
            let subject_field = crate::warnings::subject_field(&w.subject_kind);
            let got: Option<(i64,)> = sqlx::query_as(
                "INSERT INTO warnings (event_id, source, created_at, event_ts, action, scenario, score, grade, fraud_type_hint, subject_kind, subject_enc, subject_idx, payer_enc, payee_enc, amount_fen, jurisdiction_id, jurisdiction_path, station_id, ruleset_version, fired, payer_idx, payee_idx, model_version) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23) ON CONFLICT (event_id) DO NOTHING RETURNING id")
                .bind(&w.event_id).bind(&w.source).bind(raised).bind(w.event_ts).bind(&w.action).bind(&w.scenario).bind(w.score).bind(&w.grade)
                .bind(&w.fraud_type_hint).bind(&w.subject_kind).bind(v.encrypt(subject_field, &w.subject)?).bind(v.blind_index(subject_field, &w.subject))
                .bind(v.encrypt(pii::Field::BankCard, &w.payer)?).bind(v.encrypt(pii::Field::BankCard, &w.payee)?).bind(w.amount_fen).bind(w.jurisdiction_id)
                .bind(&w.jurisdiction_path).bind(w.station_id).bind(&w.ruleset_version).bind(&w.fired)
                .bind(account_idx(v, &w.payer)).bind(account_idx(v, &w.payee)).bind(&w.model_version)
                .fetch_optional(&mut *tx).await?;
            let got = got.map(|(id,)| id);
            if let Some(id) = got {
                sqlx::query("INSERT INTO warning_tallies (jurisdiction_path, total_count, open_count) VALUES ($1, 1, 1) ON CONFLICT (jurisdiction_path) DO UPDATE SET total_count = warning_tallies.total_count + 1, open_count = warning_tallies.open_count + 1")
                    .bind(&w.jurisdiction_path).execute(&mut *tx).await?;
                for n in notes {
                    sqlx::query("INSERT INTO notifications (idempotency_key, channel, target, kind, warning_id, title, body, jurisdiction_path, created_at, next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) ON CONFLICT (idempotency_key) DO NOTHING")
                        .bind(&n.idempotency_key).bind(&n.channel).bind(&n.target).bind(&n.kind).bind(id).bind(&n.title).bind(&n.body).bind(&n.jurisdiction_path).bind(raised)
                        .execute(&mut *tx).await?;
                }
            }
            tx.commit().await?;
            got
        });
        match got {
            Some(id) => Ok(id),
            None => {
                let (id,): (i64,) = on_pool!(&self.db, p => sqlx::query_as("SELECT id FROM warnings WHERE event_id = $1").bind(&w.event_id).fetch_one(p).await?);
                Ok(id)
            }
        }
    }

    /// Webhook notifications due for an attempt, oldest first.
    pub async fn due_webhooks(&self, now: i64, limit: i64) -> Result<Vec<NotificationView>> {
        let sql = format!(
            "SELECT {COLS} FROM notifications WHERE channel = 'webhook' AND status = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2"
        );
        Ok(on_pool!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(now).bind(limit).fetch_all(p).await?))
    }

    /// Records a delivery.
    pub async fn notification_delivered(&self, id: i64) -> Result<()> {
        on_pool!(&self.db, p => sqlx::query("UPDATE notifications SET status = 'delivered', delivered_at = $1, attempts = attempts + 1, last_error = '' WHERE id = $2 AND status = 'pending'").bind(now_ms()).bind(id).execute(p).await.map(|_| ())?);
        Ok(())
    }

    /// Records a failed attempt and when to try again.
    pub async fn notification_failed(&self, id: i64, next_attempt_at: i64, error: &str) -> Result<()> {
        let error: String = error.chars().take(500).collect();
        on_pool!(&self.db, p => sqlx::query("UPDATE notifications SET attempts = attempts + 1, next_attempt_at = $1, last_error = $2 WHERE id = $3 AND status = 'pending'").bind(next_attempt_at).bind(error).bind(id).execute(p).await.map(|_| ())?);
        Ok(())
    }

    /// In-app notifications of an area, newest first. Those without an area (the centre's
    /// queue) only reach county-wide scopes.
    pub async fn app_notifications(&self, scope: &Scope, limit: i64) -> Result<Vec<NotificationView>> {
        let mut f = Filter::default();
        f.and("channel = 'in_app'".into());
        if scope.roots().is_some() {
            f.and("jurisdiction_path <> ''".into());
        }
        f.scope("jurisdiction_path", scope);
        let l = f.bind(Arg::I64(limit));
        let sql = format!("SELECT {COLS} FROM notifications{} ORDER BY id DESC LIMIT {l}", f.sql());
        Ok(on_pool!(&self.db, p => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), f.args).fetch_all(p).await?))
    }

    /// Marks an in-app notification of the scope read.
    pub async fn notification_read(&self, scope: &Scope, id: i64) -> Result<()> {
        let row: Option<(String,)> = on_pool!(&self.db, p => sqlx::query_as("SELECT jurisdiction_path FROM notifications WHERE id = $1 AND channel = 'in_app'").bind(id).fetch_optional(p).await?);
        match row {
            Some((path,)) if scope.contains(&path) && (scope.roots().is_none() || !path.is_empty()) => {
                on_pool!(&self.db, p => sqlx::query("UPDATE notifications SET read_at = $1, status = 'delivered', delivered_at = COALESCE(delivered_at, $1) WHERE id = $2 AND read_at IS NULL").bind(now_ms()).bind(id).execute(p).await.map(|_| ())?);
                Ok(())
            }
            _ => Err(StoreError::NotFound("notification")),
        }
    }

    /// The webhook outbox, newest first; optionally only one status.
    pub async fn outbox(&self, status: Option<&str>, page: PageReq) -> Result<Page<NotificationView>> {
        let mut f = Filter::default();
        f.and("channel = 'webhook'".into());
        if let Some(s) = status {
            let b = f.bind(Arg::Text(s.into()));
            f.and(format!("status = {b}"));
        }
        let count_sql = format!("SELECT COUNT(*) FROM notifications{}", f.sql());
        let n = f.args.len();
        let lim = f.bind(Arg::I64(page.limit()));
        let off = f.bind(Arg::I64(page.offset()));
        let sql = format!("SELECT {COLS} FROM notifications{} ORDER BY id DESC LIMIT {lim} OFFSET {off}", f.sql());
        let (items, total) = on_pool!(&self.db, p => {
            let rows: Vec<NotificationView> = bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), f.args).fetch_all(p).await?;
            let (total,): (i64,) = bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(count_sql)), f.args[..n]).fetch_one(p).await?;
            (rows, total)
        });
        Ok(Page { items, total, page: page.page.max(1), per_page: page.limit() })
    }

    /// Brings a pending webhook notification's next attempt forward to now.
    pub async fn retry_notification(&self, id: i64, audit: Option<domain::audit::AuditContent>) -> Result<()> {
        let n = crate::audit::execute_audited!(self, audit, sqlx::query("UPDATE notifications SET next_attempt_at = $1 WHERE id = $2 AND channel = 'webhook' AND status = 'pending'").bind(now_ms()).bind(id));
        if n == 0 {
            return Err(StoreError::NotFound("pending notification"));
        }
        Ok(())
    }
}

/// The blind index of a transfer's account; empty (not NULL: the row is indexed, and it equals
/// no account's index) for an empty one, as upstream warnings have no transfer.
pub(crate) fn account_idx(v: &pii::Vault, account: &str) -> Vec<u8> {
    if account.is_empty() { Vec::new() } else { v.blind_index(pii::Field::BankCard, account) }
}
