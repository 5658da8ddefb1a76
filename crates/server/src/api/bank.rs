//! Stop-payment and freeze requests to banks (止付 / 冻结) and the banks' answers. The legal
//! limits are checked here (at most two stop-payments per account and case) and the timers are
//! computed from the moment the bank executes (48 hours; six months, renewable).

use axum::Json;
use axum::extract::{Path, Query, State};
use domain::{Permission, Role};
use serde::Deserialize;
use store::{BankRequestView, NewBankRequest, Page};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::Paging;
use crate::AppState;
use crate::auth::{Authorized, Principal, perm};
use crate::error::{ApiError, ApiResult};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_requests, create_request)).routes(routes!(answer_request))
}

/// A request to a bank.
#[derive(Deserialize, utoipa::ToSchema)]
struct RequestBody {
    /// stop_payment or freeze.
    kind: String,
    /// The account number.
    account: String,
    /// The bank (member unit id).
    bank_unit_id: i64,
    /// Amount, yuan.
    amount_yuan: String,
    /// The case it serves.
    case_id: Option<i64>,
    /// For a freeze renewal: the freeze it renews.
    renews_id: Option<i64>,
    /// Return: `traced` or `pro_rata`.
    return_method: Option<String>,
    /// Return: the approving authority.
    approval_authority: Option<String>,
    /// Return: `city`, `province` or `ministry` (a county cannot approve a return).
    approval_level: Option<String>,
    /// Return: approval document number.
    approval_ref: Option<String>,
    /// Return: day approved (default today).
    approved_on: Option<String>,
}

/// Asks a bank to stop a payment or freeze an account. A third stop-payment on the same account
/// in the same case is refused; a renewal must name an executed freeze of the same account.
#[utoipa::path(post, path = "/bank-requests", tag = "bank", request_body = RequestBody, responses((status = 200, body = BankRequestView), (status = 400, body = crate::error::ErrorBody)))]
async fn create_request(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::LIST_WRITE }>,
    Json(b): Json<RequestBody>,
) -> ApiResult<Json<BankRequestView>> {
    let Some(&(kind, _)) = domain::legal::BANK_REQUEST_KINDS.iter().find(|(code, _)| *code == b.kind) else {
        let known: Vec<&str> = domain::legal::BANK_REQUEST_KINDS.iter().map(|(code, _)| *code).collect();
        return Err(ApiError::invalid(format!("kind: unknown '{}' ({})", b.kind, known.join(", "))));
    };
    let kind = kind.to_string();
    let return_terms = if kind == "return" { Some(return_terms(&s, &b)?) } else { None };
    let account: String = b.account.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    if account.len() < 8 || !account.chars().all(|c| c.is_ascii_digit()) {
        return Err(ApiError::invalid("account: a bank account number (digits)"));
    }
    let amount_fen =
        supervision::money::yuan_to_fen(&b.amount_yuan).map_err(|e| ApiError::invalid(format!("amount_yuan: {e}")))?;
    let bank =
        s.store.unit(b.bank_unit_id).await?.ok_or_else(|| ApiError::invalid("bank_unit_id: no such member unit"))?;
    if !bank.kind.starts_with("bank") {
        return Err(ApiError::invalid(format!("bank_unit_id: '{}' is not a bank", bank.name)));
    }
    if kind == "stop_payment"
        && !domain::legal::may_stop_payment_again(s.store.stop_payments_for(&account, b.case_id).await?)
    {
        return Err(ApiError::invalid(format!(
            "kind: this account has had {} stop-payments in this case already; freeze it instead",
            domain::legal::STOP_PAYMENT_MAX
        )));
    }
    if let Some(r) = b.renews_id {
        let old = s.store.bank_request(r, true).await?;
        if old.kind != "freeze" || old.status != "executed" || old.account != account || kind != "freeze" {
            return Err(ApiError::invalid("renews_id: a renewal continues an executed freeze of the same account"));
        }
    }
    let req = NewBankRequest {
        kind,
        case_id: b.case_id,
        account,
        bank_unit_id: b.bank_unit_id,
        amount_fen,
        // Who, as the bank's liaison reads it: the person and unit, not a login.
        requested_by: super::actor_label(&s, &p).await?,
        requested_at: store::now_ms(),
        renews_id: b.renews_id,
        return_terms,
    };
    let mut entry = p.audit("create", "bank_request", None, &["account"]);
    entry.detail = serde_json::json!({"kind": req.kind, "bank_unit_id": req.bank_unit_id}).to_string();
    let audit: store::AuditFor<'_, i64> = Box::new(move |id| {
        entry.object_id = Some(id.to_string());
        entry
    });
    let v = s.store.create_bank_request(&req, Some(audit)).await?;
    Ok(Json(v))
}

/// Checks a return's approval and computes its timeline with the working-day calendar.
fn return_terms(s: &AppState, b: &RequestBody) -> ApiResult<store::ReturnTerms> {
    let method = b.return_method.as_deref().unwrap_or_default().trim();
    if !matches!(method, "traced" | "pro_rata") {
        return Err(ApiError::invalid("return_method: traced (to the victims the trace found) or pro_rata"));
    }
    let level = b.approval_level.as_deref().unwrap_or_default().trim();
    if !domain::legal::RETURN_APPROVAL_LEVELS.iter().any(|(l, _)| *l == level) {
        return Err(ApiError::invalid(format!(
            "approval_level: a return needs approval at city level or above (city, province, ministry), not '{level}'"
        )));
    }
    let authority = b.approval_authority.as_deref().unwrap_or_default().trim();
    let approval_ref = b.approval_ref.as_deref().unwrap_or_default().trim();
    if authority.is_empty() || approval_ref.is_empty() {
        return Err(ApiError::invalid(
            "approval_authority: name the approving authority and its document (approval_ref)",
        ));
    }
    let approved_on = match b.approved_on.as_deref() {
        Some(d) => d.trim().parse().map_err(|_| ApiError::invalid(format!("approved_on: '{d}' is not a date")))?,
        None => crate::api::prevention::today(),
    };
    let (notice_ends, due) = domain::legal::return_timeline(approved_on, &s.config.calendar);
    Ok(store::ReturnTerms {
        method: method.into(),
        authority: authority.into(),
        level: level.into(),
        approval_ref: approval_ref.into(),
        notice_ends_on: notice_ends.to_string(),
        due_on: due.to_string(),
    })
}

/// Whether the caller is the liaison of a bank (sees and answers that bank's requests only).
fn bank_of(p: &Principal) -> Option<i64> {
    (p.role == Some(Role::BankLiaison)).then_some(p.unit_id)
}

/// Requests, newest first: a bank liaison sees the requests to the bank, account numbers in
/// clear (the bank must act on them; the read is audited); the centre sees all, masked.
#[utoipa::path(get, path = "/bank-requests", tag = "bank", params(Paging), responses((status = 200, body = Page<BankRequestView>)))]
async fn list_requests(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::ANY }>,
    Query(pg): Query<Paging>,
) -> ApiResult<Json<Page<BankRequestView>>> {
    let bank = bank_of(&p);
    if bank.is_none() && !p.can(Permission::ListWrite) && !p.can(Permission::CaseRead) {
        return Err(ApiError::forbidden("bank requests"));
    }
    // A bank sees the requests addressed to it; others those of the cases of their area.
    let scope = if bank.is_some() { domain::Scope::All } else { p.scope.clone() };
    let page = s.store.list_bank_requests(bank, &scope, bank.is_some(), pg.req()).await?;
    let mut entry = p.audit("read_pii", "bank_request", Some("list".into()), &["account"]);
    entry.detail =
        serde_json::json!({"masked": bank.is_none(), "ids": page.items.iter().map(|r| r.id).collect::<Vec<_>>()})
            .to_string();
    s.store.audit(entry).await?;
    Ok(Json(page))
}

/// The bank's answer.
#[derive(Deserialize, utoipa::ToSchema)]
struct BankAnswerBody {
    /// The bank executed the request.
    executed: bool,
    /// Why not (required when not executed, e.g. the account does not exist at this bank).
    reason: Option<String>,
}

/// The bank liaison answers a request of the bank: executed (the legal timer starts now) or
/// failed with the reason, which the centre sees.
#[utoipa::path(post, path = "/bank-requests/{id}/answer", tag = "bank", params(("id" = i64, Path)), request_body = BankAnswerBody, responses((status = 200, body = BankRequestView), (status = 409, body = crate::error::ErrorBody)))]
async fn answer_request(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::ANY }>,
    Path(id): Path<i64>,
    b: Result<Json<BankAnswerBody>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Json<BankRequestView>> {
    let bank = bank_of(&p).ok_or_else(|| ApiError::forbidden("answering for a bank"))?;
    let b = crate::error::body(b)?;
    let reason = b.reason.unwrap_or_default();
    if !b.executed && reason.trim().is_empty() {
        return Err(ApiError::invalid("reason: say why the request could not be executed"));
    }
    // Another bank's request answers as absent: nothing of it is told before this check.
    let current = s.store.bank_request(id, false).await?;
    if current.bank_unit_id != bank {
        return Err(ApiError::not_found("bank request"));
    }
    let now = store::now_ms();
    // A return is paid only after its notice has run; saying so is an error both sides see.
    if b.executed
        && current.kind == "return"
        && let Some(ends) = current.notice_ends_on.as_deref()
        && crate::api::prevention::today().to_string().as_str() <= ends
    {
        return Err(ApiError::new(
            axum::http::StatusCode::CONFLICT,
            "conflict",
            format!(
                "the 30-day notice of this return runs until {ends}; pay after it, by {}",
                current.due_on.as_deref().unwrap_or("-")
            ),
        ));
    }
    let expires = match current.kind.as_str() {
        "stop_payment" => b.executed.then(|| domain::legal::stop_payment_until(now)),
        "freeze" => b.executed.then(|| domain::legal::freeze_until(now)),
        _ => None,
    };
    let mut entry = p.audit("update", "bank_request", Some(id.to_string()), &["status"]);
    entry.detail = serde_json::json!({"executed": b.executed}).to_string();
    Ok(Json(
        s.store
            .answer_bank_request(
                id,
                bank,
                b.executed,
                reason.trim(),
                &super::actor_label(&s, &p).await?,
                now,
                expires,
                Some(entry),
            )
            .await?,
    ))
}
