//! Warnings raised by the engine, stored ready for dispatch: subject, grade, fraud-type hint
//! and the jurisdiction (and station) to route to. Account numbers and phones are personal
//! data: encrypted, found by blind index, masked on the way out.

use domain::Scope;
use pii::Field;
use serde::Serialize;

use crate::sql::{Arg, Filter, bind_args};
use crate::{BeginWrite, Page, PageReq, Result, Store, now_ms, on_pool};

/// A warning to store.
#[derive(Debug, Clone)]
pub struct NewWarning {
    /// The event it was raised on (idempotency key).
    pub event_id: String,
    /// `engine`, or the upstream platform.
    pub source: String,
    /// When the event happened, UTC ms.
    pub event_ts: i64,
    /// When the platform raised it, UTC ms: its deadlines run from here. On arrival for live
    /// events; the event's own time for history imported from before the platform ran.
    pub raised_ms: i64,
    /// `warn` or `hold`.
    pub action: String,
    /// Scenario id.
    pub scenario: String,
    /// Score.
    pub score: f64,
    /// `high`, `medium`, `low`.
    pub grade: String,
    /// Fraud-type hint.
    pub fraud_type_hint: String,
    /// `person` or `account`.
    pub subject_kind: String,
    /// The person's phone or the account number, in clear (encrypted here).
    pub subject: String,
    /// Paying account.
    pub payer: String,
    /// Receiving account.
    pub payee: String,
    /// Amount, fen.
    pub amount_fen: i64,
    /// Where to route it, when the person is known.
    pub jurisdiction_id: Option<i64>,
    /// That jurisdiction's path (empty: the centre's queue).
    pub jurisdiction_path: String,
    /// The responsible station.
    pub station_id: Option<i64>,
    /// Ruleset version.
    pub ruleset_version: String,
    /// Learned model version ('' when none was loaded).
    pub model_version: String,
    /// Fired rules as JSON.
    pub fired: String,
}

/// A warning as shown (masked).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WarningView {
    /// Id.
    pub id: i64,
    /// Event id.
    pub event_id: String,
    /// Source.
    pub source: String,
    /// Stored at, UTC ms.
    pub created_at: i64,
    /// Event time, UTC ms.
    pub event_ts: i64,
    /// warn / hold.
    pub action: String,
    /// Scenario.
    pub scenario: String,
    /// Score.
    pub score: f64,
    /// Grade.
    pub grade: String,
    /// Fraud-type hint.
    pub fraud_type_hint: String,
    /// person / account.
    pub subject_kind: String,
    /// Masked subject.
    pub subject: String,
    /// Masked payer account.
    pub payer: String,
    /// Masked payee account.
    pub payee: String,
    /// Amount, fen.
    pub amount_fen: i64,
    /// Routed to.
    pub jurisdiction_id: Option<i64>,
    /// Station.
    pub station_id: Option<i64>,
    /// Ruleset version.
    pub ruleset_version: String,
    /// Learned model version ('' when none was loaded).
    pub model_version: String,
    /// Fired rules (JSON).
    pub fired: String,
    /// Workflow status.
    pub status: String,
    /// Outcome, once closed.
    pub outcome: String,
}

/// One step of a warning's handling.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WarningStep {
    /// `sign_for`, `contact`, `visit`, `close`.
    pub step: String,
    /// When (ms).
    pub at_ms: i64,
    /// Who.
    pub actor: String,
    /// Contact channel (phone, sms, robot_call, family).
    pub channel: String,
    /// Note or outcome.
    pub note: String,
    /// Dissuasion checklist items ticked with this step (comma-separated ids).
    pub checklist: String,
}
crate::rows::from_row!(WarningStep { step, at_ms, actor, channel, note, checklist });

/// An evidence file of a warning, without its bytes.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EvidenceView {
    /// Id.
    pub id: i64,
    /// photo / recording.
    pub kind: String,
    /// MIME type (from the bytes).
    pub mime: String,
    /// Size.
    pub size_bytes: i64,
    /// SHA-256 of the file, hex.
    pub sha256: String,
    /// What it shows.
    pub note: String,
    /// Who.
    pub uploaded_by: String,
    /// When, ms.
    pub uploaded_at: i64,
}
crate::rows::from_row!(EvidenceView { id, kind, mime, size_bytes, sha256, note, uploaded_by, uploaded_at });

struct Row {
    id: i64,
    event_id: String,
    source: String,
    created_at: i64,
    event_ts: i64,
    action: String,
    scenario: String,
    score: f64,
    grade: String,
    fraud_type_hint: String,
    subject_kind: String,
    subject_enc: Vec<u8>,
    payer_enc: Vec<u8>,
    payee_enc: Vec<u8>,
    amount_fen: i64,
    jurisdiction_id: Option<i64>,
    station_id: Option<i64>,
    ruleset_version: String,
    model_version: String,
    fired: String,
    status: String,
    outcome: String,
}
crate::rows::from_row!(Row {
    id,
    event_id,
    source,
    created_at,
    event_ts,
    action,
    scenario,
    score,
    grade,
    fraud_type_hint,
    subject_kind,
    subject_enc,
    payer_enc,
    payee_enc,
    amount_fen,
    jurisdiction_id,
    station_id,
    ruleset_version,
    model_version,
    fired,
    status,
    outcome
});

/// A warning's subject as shown: a person's phone or an account number, masked.
pub fn mask_subject(kind: &str, s: &str) -> String {
    if matches!(kind, "person" | "person_id") {
        domain::person::mask_keep(s, 3, 4)
    } else {
        domain::person::mask_keep(s, 4, 4)
    }
}

/// The field a subject is encrypted and indexed as: a person's phone, a person's identity
/// number (warnings pushed from upstream name people so), or an account.
pub(crate) fn subject_field(kind: &str) -> Field {
    match kind {
        "person" => Field::Phone,
        "person_id" => Field::IdNumber,
        _ => Field::BankCard,
    }
}

const COLS: &str = "id, event_id, source, created_at, event_ts, action, scenario, score, grade, fraud_type_hint, subject_kind, subject_enc, payer_enc, payee_enc, amount_fen, jurisdiction_id, station_id, ruleset_version, model_version, fired, status, outcome";

impl Store {
    /// Stores a warning once per event id; returns its id (the existing one for a repeat).
    pub async fn insert_warning(&self, w: &NewWarning) -> Result<i64> {
        self.insert_warning_notifying(w, &[]).await
    }

    fn warning_view(&self, r: Row) -> Result<WarningView> {
        let v = self.vault();
        let subject_field = subject_field(&r.subject_kind);
        Ok(WarningView {
            subject: mask_subject(&r.subject_kind, &v.decrypt(subject_field, &r.subject_enc)?),
            payer: domain::person::mask_keep(&v.decrypt(Field::BankCard, &r.payer_enc)?, 4, 4),
            payee: domain::person::mask_keep(&v.decrypt(Field::BankCard, &r.payee_enc)?, 4, 4),
            id: r.id,
            event_id: r.event_id,
            source: r.source,
            created_at: r.created_at,
            event_ts: r.event_ts,
            action: r.action,
            scenario: r.scenario,
            score: r.score,
            grade: r.grade,
            // Upstream platforms name the type by its taxonomy id; people read its name.
            fraud_type_hint: match domain::case::FRAUD_TYPES.iter().find(|(id, _)| *id == r.fraud_type_hint) {
                Some((_, zh)) => (*zh).to_string(),
                None => r.fraud_type_hint,
            },
            subject_kind: r.subject_kind,
            amount_fen: r.amount_fen,
            jurisdiction_id: r.jurisdiction_id,
            station_id: r.station_id,
            ruleset_version: r.ruleset_version,
            model_version: r.model_version,
            fired: r.fired,
            status: r.status,
            outcome: r.outcome,
        })
    }

    /// Warnings in scope, newest first. Warnings with no known jurisdiction (the centre's
    /// queue) are seen only by county-wide scopes.
    pub async fn list_warnings(&self, scope: &Scope, open_only: bool, page: PageReq) -> Result<Page<WarningView>> {
        // The centre's queue has an empty path, which no subtree contains: only county-wide
        // scopes (which add no condition) see it.
        // The total is a sum over the areas' tallies (kept with every insert and close), not a
        // count over every warning; the page walks the ids from the newest and stops at the
        // page instead of sorting every warning of the precinct. Together they keep the inbox
        // flat however many warnings a station has.
        let mut fc = Filter::default();
        fc.scope("jurisdiction_path", scope);
        let count_sql = format!(
            "SELECT CAST(COALESCE(SUM({}), 0) AS BIGINT) FROM warning_tallies{}",
            if open_only { "open_count" } else { "total_count" },
            fc.sql()
        );
        // `|| ''` keeps the planner off the path index, so that it walks the ids instead.
        let mut f = Filter::default();
        f.scope("(jurisdiction_path || '')", scope);
        if open_only {
            f.and("status <> 'closed'".into());
        }
        let lim = f.bind(Arg::I64(page.limit()));
        let off = f.bind(Arg::I64(page.offset()));
        let sql = format!("SELECT {COLS} FROM warnings{} ORDER BY id DESC LIMIT {lim} OFFSET {off}", f.sql());
        let (rows, total) = on_pool!(&self.db, p => {
            let rows: Vec<Row> = bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), f.args).fetch_all(p).await?;
            let (total,): (i64,) = bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(count_sql)), fc.args).fetch_one(p).await?;
            (rows, total)
        });
        let items = rows.into_iter().map(|r| self.warning_view(r)).collect::<Result<Vec<_>>>()?;
        Ok(Page { items, total, page: page.page.max(1), per_page: page.limit() })
    }

    /// One warning in scope.
    pub async fn warning(&self, scope: &Scope, id: i64) -> Result<WarningView> {
        let mut f = Filter::default();
        let b = f.bind(Arg::I64(id));
        f.and(format!("id = {b}"));
        f.scope("jurisdiction_path", scope);
        let sql = format!("SELECT {COLS} FROM warnings{}", f.sql());
        let row: Option<Row> = on_pool!(&self.db, p => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), f.args).fetch_optional(p).await?);
        self.warning_view(row.ok_or(crate::StoreError::NotFound("warning"))?)
    }

    /// Records a step: the state moves from `from` to `to` only if nobody moved it meanwhile.
    #[allow(clippy::too_many_arguments)]
    pub async fn warning_step(
        &self,
        scope: &Scope,
        id: i64,
        from: &str,
        to: &str,
        step: &str,
        at_ms: i64,
        actor: &str,
        channel: &str,
        note: &str,
        outcome: &str,
        checklist: &str,
        audit: Option<domain::audit::AuditContent>,
    ) -> Result<WarningView> {
        self.warning(scope, id).await?;
        let pg = self.is_postgres();
        let _writer = self.audit_writer_if(audit.is_some()).await;
        on_pool!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            let n = sqlx::query("UPDATE warnings SET status = $1, state_at = $2, outcome = $3 WHERE id = $4 AND status = $5")
                .bind(to).bind(at_ms).bind(outcome).bind(id).bind(from).execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(crate::StoreError::Conflict { field: "status", message: "the warning was changed meanwhile; reload it".into() });
            }
            if to == "closed" && from != "closed" {
                sqlx::query("UPDATE warning_tallies SET open_count = open_count - 1 WHERE jurisdiction_path = (SELECT jurisdiction_path FROM warnings WHERE id = $1)")
                    .bind(id).execute(&mut *tx).await?;
            }
            sqlx::query("INSERT INTO warning_steps (warning_id, step, at_ms, actor, channel, note, checklist) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(id).bind(step).bind(at_ms).bind(actor).bind(channel).bind(note).bind(checklist).execute(&mut *tx).await?;
            // The step and its audit entry commit together.
            if let Some(audit) = audit.clone() {
                crate::audit::append_in_tx!(tx, pg, [audit]);
            }
            tx.commit().await?;
        });
        self.warning(scope, id).await
    }

    /// The steps of a warning in scope, in order.
    pub async fn warning_steps(&self, scope: &Scope, id: i64) -> Result<Vec<WarningStep>> {
        self.warning(scope, id).await?;
        Ok(
            on_pool!(&self.db, p => sqlx::query_as("SELECT step, at_ms, actor, channel, note, checklist FROM warning_steps WHERE warning_id = $1 ORDER BY id").bind(id).fetch_all(p).await?),
        )
    }

    /// Keeps an evidence file of a warning in scope, encrypted.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_evidence(
        &self,
        scope: &Scope,
        warning_id: i64,
        kind: &str,
        mime: &str,
        bytes: &[u8],
        note: &str,
        by: &str,
        audit: Option<crate::AuditFor<'_, i64>>,
    ) -> Result<EvidenceView> {
        self.warning(scope, warning_id).await?;
        let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(bytes));
        let enc = self.vault().encrypt_bytes(Field::Evidence, bytes)?;
        let id = crate::audit::insert_audited!(self, audit, sqlx::query_as(
            "INSERT INTO warning_evidence (warning_id, kind, mime, size_bytes, sha256, data_enc, note, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id")
            .bind(warning_id).bind(kind).bind(mime).bind(bytes.len() as i64).bind(&sha).bind(&enc).bind(note).bind(by).bind(now_ms()))
        .ok_or(crate::StoreError::Db(sqlx::Error::RowNotFound))?;
        self.evidence_list(scope, warning_id)
            .await?
            .into_iter()
            .find(|e| e.id == id)
            .ok_or(crate::StoreError::NotFound("evidence"))
    }

    /// The evidence files of a warning in scope.
    pub async fn evidence_list(&self, scope: &Scope, warning_id: i64) -> Result<Vec<EvidenceView>> {
        self.warning(scope, warning_id).await?;
        Ok(on_pool!(&self.db, p => sqlx::query_as(
            "SELECT id, kind, mime, size_bytes, sha256, note, uploaded_by, uploaded_at FROM warning_evidence WHERE warning_id = $1 ORDER BY id")
            .bind(warning_id).fetch_all(p).await?))
    }

    /// One evidence file of a warning in scope, decrypted: `(view, bytes)`.
    pub async fn evidence_file(&self, scope: &Scope, warning_id: i64, id: i64) -> Result<(EvidenceView, Vec<u8>)> {
        let view = self
            .evidence_list(scope, warning_id)
            .await?
            .into_iter()
            .find(|e| e.id == id)
            .ok_or(crate::StoreError::NotFound("evidence"))?;
        let (enc,): (Vec<u8>,) = on_pool!(&self.db, p => sqlx::query_as("SELECT data_enc FROM warning_evidence WHERE id = $1").bind(id).fetch_one(p).await?);
        Ok((view, self.vault().decrypt_bytes(Field::Evidence, &enc)?))
    }

    /// The jurisdiction of the resident with this identity number, for routing.
    pub async fn route_id_number(&self, id: &domain::IdNumber) -> Result<Option<(i64, String)>> {
        let idx = self.vault().blind_index(Field::IdNumber, id.as_str());
        Ok(
            on_pool!(&self.db, p => sqlx::query_as("SELECT jurisdiction_id, jurisdiction_path FROM residents WHERE id_number_idx = $1 ORDER BY id LIMIT 1").bind(idx).fetch_optional(p).await?),
        )
    }

    /// The resident whose phone this is, as (jurisdiction id, path), for routing.
    pub async fn route_phone(&self, phone: &domain::Phone) -> Result<Option<(i64, String)>> {
        let idx = self.vault().blind_index(Field::Phone, phone.as_str());
        Ok(
            on_pool!(&self.db, p => sqlx::query_as("SELECT jurisdiction_id, jurisdiction_path FROM residents WHERE phone_idx = $1 ORDER BY id LIMIT 1").bind(idx).fetch_optional(p).await?),
        )
    }

    /// Whether a warning or a case within `scope` names `account`: the payer, payee or subject
    /// of a warning, a bank or payment account of a case. What a fund trace may start from.
    pub async fn account_named_in_scope(&self, scope: &Scope, account: &str) -> Result<bool> {
        let v = self.vault();
        let mut f = Filter::default();
        f.scope("jurisdiction_path", scope);
        let idx = f.bind(Arg::Bytes(v.blind_index(Field::BankCard, account)));
        f.and(format!("(subject_idx = {idx} OR payer_idx = {idx} OR payee_idx = {idx})"));
        let sql = format!("SELECT COUNT(*) FROM (SELECT 1 FROM warnings{} LIMIT 1) x", f.sql());
        let mut c = Filter::default();
        c.scope("c.jurisdiction_path", scope);
        let bank = c.bind(Arg::Bytes(v.blind_index(Field::Event, &format!("bank_account:{account}"))));
        let pay = c.bind(Arg::Bytes(v.blind_index(Field::Event, &format!("payment_account:{account}"))));
        c.and(format!("o.value_idx IN ({bank}, {pay})"));
        let case_sql = format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM case_observables o JOIN cases c ON c.id = o.case_id{} LIMIT 1) x",
            c.sql()
        );
        let n = on_pool!(&self.db, p => {
            let (w,): (i64,) = bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), f.args).fetch_one(p).await?;
            let (k,): (i64,) = if w > 0 { (0,) } else { bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(case_sql)), c.args).fetch_one(p).await? };
            w + k
        });
        Ok(n > 0)
    }

    /// Fills the account indexes of warnings stored before they existed (a start-up step;
    /// returns how many it filled).
    pub async fn backfill_warning_account_index(&self) -> Result<u64> {
        let mut n = 0u64;
        loop {
            let rows: Vec<(i64, Vec<u8>, Vec<u8>)> = on_pool!(&self.db, p => sqlx::query_as(
                "SELECT id, payer_enc, payee_enc FROM warnings WHERE payer_idx IS NULL AND payee_idx IS NULL ORDER BY id LIMIT 1000").fetch_all(p).await?);
            if rows.is_empty() {
                return Ok(n);
            }
            let v = self.vault();
            let mut done = Vec::with_capacity(rows.len());
            for (id, payer, payee) in rows {
                let payer = v.decrypt(Field::BankCard, &payer)?;
                let payee = v.decrypt(Field::BankCard, &payee)?;
                done.push((
                    id,
                    crate::notifications::account_idx(v, &payer),
                    crate::notifications::account_idx(v, &payee),
                ));
            }
            on_pool!(&self.db, p => {
                let mut tx = p.begin_write().await?;
                for (id, a, b) in &done {
                    sqlx::query("UPDATE warnings SET payer_idx = $1, payee_idx = $2 WHERE id = $3").bind(a).bind(b).bind(id).execute(&mut *tx).await?;
                }
                tx.commit().await?;
            });
            n += done.len() as u64;
        }
    }
}
