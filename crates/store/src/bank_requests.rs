//! Stop-payment and freeze requests to banks, and the banks' answers.

use pii::Field;
use serde::Serialize;

use crate::sql::{Arg, Filter, bind_args};
use crate::{BeginWrite, Page, PageReq, Result, Store, StoreError, on_pool};

/// A request to make.
#[derive(Debug, Clone)]
pub struct NewBankRequest {
    /// `stop_payment` or `freeze`.
    pub kind: String,
    /// The case it serves.
    pub case_id: Option<i64>,
    /// The account, in clear (encrypted here).
    pub account: String,
    /// The bank (member unit).
    pub bank_unit_id: i64,
    /// Amount to stop or freeze, fen.
    pub amount_fen: i64,
    /// Who asks.
    pub requested_by: String,
    /// When it was sent, UTC ms: now, or a past time for imported history.
    pub requested_at: i64,
    /// The freeze this one renews.
    pub renews_id: Option<i64>,
    /// For a return: its approval and timeline.
    pub return_terms: Option<ReturnTerms>,
}

/// The approval and timeline of a return of money.
#[derive(Debug, Clone, Default)]
pub struct ReturnTerms {
    /// `traced` (to the victims the trace found) or `pro_rata`.
    pub method: String,
    /// The approving authority (city level or above).
    pub authority: String,
    /// `city`, `province`, `ministry`.
    pub level: String,
    /// Approval document number.
    pub approval_ref: String,
    /// Last day of the 30-day notice.
    pub notice_ends_on: String,
    /// Day the bank must have paid by.
    pub due_on: String,
}

/// A request as shown.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BankRequestView {
    /// Id.
    pub id: i64,
    /// `stop_payment` or `freeze`.
    pub kind: String,
    /// Case.
    pub case_id: Option<i64>,
    /// Account (masked unless the viewer is the bank).
    pub account: String,
    /// Bank unit.
    pub bank_unit_id: i64,
    /// Bank name.
    pub bank_name: String,
    /// Amount, fen.
    pub amount_fen: i64,
    /// Requested at (ms).
    pub requested_at: i64,
    /// By.
    pub requested_by: String,
    /// Renews.
    pub renews_id: Option<i64>,
    /// `pending`, `executed`, `failed`.
    pub status: String,
    /// Answered at (ms).
    pub answered_at: Option<i64>,
    /// By.
    pub answered_by: String,
    /// Why it failed.
    pub answer_reason: String,
    /// When the measure ends (from execution; ms).
    pub expires_at: Option<i64>,
    /// Return: `traced` or `pro_rata`.
    pub return_method: String,
    /// Return: approving authority.
    pub approval_authority: String,
    /// Return: approval level.
    pub approval_level: String,
    /// Return: approval document.
    pub approval_ref: String,
    /// Return: last day of the notice.
    pub notice_ends_on: Option<String>,
    /// Return: pay by.
    pub due_on: Option<String>,
}

struct Row {
    id: i64,
    kind: String,
    case_id: Option<i64>,
    account_enc: Vec<u8>,
    bank_unit_id: i64,
    bank_name: String,
    amount_fen: i64,
    requested_at: i64,
    requested_by: String,
    renews_id: Option<i64>,
    status: String,
    answered_at: Option<i64>,
    answered_by: String,
    answer_reason: String,
    expires_at: Option<i64>,
    return_method: String,
    approval_authority: String,
    approval_level: String,
    approval_ref: String,
    notice_ends_on: Option<String>,
    due_on: Option<String>,
}
crate::rows::from_row!(Row {
    id,
    kind,
    case_id,
    account_enc,
    bank_unit_id,
    bank_name,
    amount_fen,
    requested_at,
    requested_by,
    renews_id,
    status,
    answered_at,
    answered_by,
    answer_reason,
    expires_at,
    return_method,
    approval_authority,
    approval_level,
    approval_ref,
    notice_ends_on,
    due_on
});

const SELECT: &str = "SELECT r.id, r.kind, r.case_id, r.account_enc, r.bank_unit_id, u.name AS bank_name, r.amount_fen, r.requested_at, r.requested_by, r.renews_id, \
    r.status, r.answered_at, r.answered_by, r.answer_reason, r.expires_at, r.return_method, r.approval_authority, r.approval_level, r.approval_ref, r.notice_ends_on, r.due_on \
    FROM bank_requests r JOIN member_units u ON u.id = r.bank_unit_id";

impl Store {
    fn bank_request_view(&self, r: Row, clear: bool) -> Result<BankRequestView> {
        let account = self.vault().decrypt(Field::BankCard, &r.account_enc)?;
        Ok(BankRequestView {
            id: r.id,
            kind: r.kind,
            case_id: r.case_id,
            account: if clear { account } else { domain::person::mask_keep(&account, 4, 4) },
            bank_unit_id: r.bank_unit_id,
            bank_name: r.bank_name,
            amount_fen: r.amount_fen,
            requested_at: r.requested_at,
            requested_by: r.requested_by,
            renews_id: r.renews_id,
            status: r.status,
            answered_at: r.answered_at,
            answered_by: r.answered_by,
            answer_reason: r.answer_reason,
            expires_at: r.expires_at,
            return_method: r.return_method,
            approval_authority: r.approval_authority,
            approval_level: r.approval_level,
            approval_ref: r.approval_ref,
            notice_ends_on: r.notice_ends_on,
            due_on: r.due_on,
        })
    }

    /// Stop-payments already requested for an account in a case (the law allows two).
    pub async fn stop_payments_for(&self, account: &str, case_id: Option<i64>) -> Result<u32> {
        let idx = self.vault().blind_index(Field::BankCard, account);
        let (n,): (i64,) = on_pool!(&self.db, p => sqlx::query_as(
            "SELECT COUNT(*) FROM bank_requests WHERE kind = 'stop_payment' AND account_idx = $1 AND COALESCE(case_id, -1) = COALESCE($2, -1) AND status <> 'failed'")
            .bind(idx).bind(case_id).fetch_one(p).await?);
        Ok(n as u32)
    }

    /// Stores a request.
    ///
    /// `audit` builds its audit entry from the new id, appended in the same transaction.
    pub async fn create_bank_request(
        &self,
        r: &NewBankRequest,
        audit: Option<crate::AuditFor<'_, i64>>,
    ) -> Result<BankRequestView> {
        let v = self.vault();
        let ret = r.return_terms.as_ref();
        let none = ReturnTerms::default();
        let t = ret.unwrap_or(&none);
        let pg = self.is_postgres();
        let _writer = self.audit_writer_if(audit.is_some()).await;
        let id = on_pool!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO bank_requests (kind, case_id, account_enc, account_idx, bank_unit_id, amount_fen, requested_at, requested_by, renews_id, return_method, approval_authority, approval_level, approval_ref, notice_ends_on, due_on) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id")
            .bind(&r.kind).bind(r.case_id).bind(v.encrypt(Field::BankCard, &r.account)?).bind(v.blind_index(Field::BankCard, &r.account)).bind(r.bank_unit_id)
            .bind(r.amount_fen).bind(r.requested_at).bind(&r.requested_by).bind(r.renews_id)
            .bind(t.method.as_str()).bind(t.authority.as_str()).bind(t.level.as_str()).bind(t.approval_ref.as_str()).bind(ret.map(|x| x.notice_ends_on.clone())).bind(ret.map(|x| x.due_on.clone()))
            .fetch_one(&mut *tx).await?;
            if let Some(audit) = audit {
                crate::audit::append_in_tx!(tx, pg, [audit(&id)]);
            }
            tx.commit().await?;
            id
        });
        self.bank_request(id, false).await
    }

    /// One request; `clear` shows the account number (for the bank that must act on it).
    pub async fn bank_request(&self, id: i64, clear: bool) -> Result<BankRequestView> {
        let sql = format!("{SELECT} WHERE r.id = $1");
        let row: Option<Row> =
            on_pool!(&self.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(p).await?);
        self.bank_request_view(row.ok_or(StoreError::NotFound("bank request"))?, clear)
    }

    /// Requests, newest first; only one bank's when `bank_unit_id` is given.
    pub async fn list_bank_requests(
        &self,
        bank_unit_id: Option<i64>,
        scope: &domain::Scope,
        clear: bool,
        page: PageReq,
    ) -> Result<Page<BankRequestView>> {
        let mut f = Filter::default();
        if let Some(b) = bank_unit_id {
            let x = f.bind(Arg::I64(b));
            f.and(format!("r.bank_unit_id = {x}"));
        }
        if !matches!(scope, domain::Scope::All) {
            // Outside the county-wide roles, the requests of the caller's cases only.
            let mut c = Filter::default();
            c.args = std::mem::take(&mut f.args);
            c.scope("c.jurisdiction_path", scope);
            let cases = c.sql();
            f.args = c.args;
            f.and(format!("r.case_id IN (SELECT c.id FROM cases c{cases})"));
        }
        let count_sql = format!("SELECT COUNT(*) FROM bank_requests r{}", f.sql());
        let n = f.args.len();
        let lim = f.bind(Arg::I64(page.limit()));
        let off = f.bind(Arg::I64(page.offset()));
        let sql = format!("{SELECT}{} ORDER BY r.id DESC LIMIT {lim} OFFSET {off}", f.sql());
        let (rows, total) = on_pool!(&self.db, p => {
            let rows: Vec<Row> = bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), f.args).fetch_all(p).await?;
            let (total,): (i64,) = bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(count_sql)), f.args[..n]).fetch_one(p).await?;
            (rows, total)
        });
        let items = rows.into_iter().map(|r| self.bank_request_view(r, clear)).collect::<Result<Vec<_>>>()?;
        Ok(Page { items, total, page: page.page.max(1), per_page: page.limit() })
    }

    /// The bank's answer to a pending request at `at_ms`: executed (the timer starts, `expires_at`)
    /// or failed with the reason. Only a pending request can be answered.
    #[allow(clippy::too_many_arguments)]
    pub async fn answer_bank_request(
        &self,
        id: i64,
        bank_unit_id: i64,
        executed: bool,
        reason: &str,
        by: &str,
        at_ms: i64,
        expires_at: Option<i64>,
        audit: Option<domain::audit::AuditContent>,
    ) -> Result<BankRequestView> {
        let pg = self.is_postgres();
        let _writer = self.audit_writer_if(audit.is_some()).await;
        let n = on_pool!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            let n = sqlx::query("UPDATE bank_requests SET status = $1, answered_at = $2, answered_by = $3, answer_reason = $4, expires_at = $5 WHERE id = $6 AND bank_unit_id = $7 AND status = 'pending'")
                .bind(if executed { "executed" } else { "failed" }).bind(at_ms).bind(by).bind(reason).bind(expires_at).bind(id).bind(bank_unit_id)
                .execute(&mut *tx).await?.rows_affected();
            // The bank's answer and its audit entry commit together (none for a refused one).
            if let Some(audit) = audit.clone().filter(|_| n > 0) {
                crate::audit::append_in_tx!(tx, pg, [audit]);
            }
            tx.commit().await?;
            n
        });
        if n == 0 {
            return Err(StoreError::Conflict { field: "status", message: "not a pending request of this bank".into() });
        }
        self.bank_request(id, true).await
    }
}
