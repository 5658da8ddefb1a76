//! Fund flows over the transfers the engine has seen: trace from an account (with freeze
//! recommendations and the investigators' XLSX) and the mule-network analysis of a window.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use engine::event::{Channel, Event};
use flow::mules::{self, Typology, Window};
use flow::trace::{Method, TraceParams};
use flow::{Stop, TransferGraph};
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::AppState;
use crate::auth::{Authorized, Principal, perm};
use crate::error::{ApiError, ApiResult};
use domain::Permission;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(trace)).routes(routes!(trace_xlsx)).routes(routes!(analyse_mules))
}

const DAY_MS: i64 = 86_400_000;

/// Logged events one trace may read: a county's months of transfers, not the whole log.
const TRACE_MAX_EVENTS: usize = 5_000_000;

/// The transfers of the event log between two times, as a graph. Cash withdrawals and
/// payments into third-party platforms end a trace.
async fn graph(s: &AppState, from_ms: i64, to_ms: i64) -> ApiResult<TransferGraph> {
    let mut g = TransferGraph::new();
    let mut after = 0;
    let mut read = 0usize;
    loop {
        let page = s.store.logged_events(from_ms, after, 10_000).await?;
        read += page.len();
        if read > TRACE_MAX_EVENTS {
            return Err(ApiError::invalid(format!(
                "horizon_days: more than {TRACE_MAX_EVENTS} events to read; trace a shorter time"
            )));
        }
        let Some((last, _)) = page.last() else { break };
        after = *last;
        for (_, body) in page {
            let Ok(Event::Transfer(t)) = serde_json::from_str::<Event>(&body) else { continue };
            if t.ts_ms >= to_ms {
                continue;
            }
            let from = g.account(&t.payer, &t.payer_bank);
            let to = g.account(&t.payee, &t.payee_bank);
            let stop = match t.channel {
                Channel::Atm => Some(Stop::CashOut),
                Channel::ThirdParty => Some(Stop::ThirdParty),
                _ => None,
            };
            let id = t
                .event_id
                .bytes()
                .fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
            g.push(flow::Transfer { id, ts_ms: t.ts_ms, from, to, amount_fen: t.amount_fen, stop });
        }
    }
    g.finish();
    Ok(g)
}

/// What to trace.
#[derive(Deserialize, utoipa::IntoParams)]
struct TraceQuery {
    /// The account the money left (the victim's).
    account: String,
    /// From when, RFC 3339.
    since: String,
    /// Hops to follow (default 6, at most 10).
    hops: Option<u32>,
    /// fifo (default) or proportional.
    method: Option<String>,
    /// Days after `since` to look at (default 30, at most 180).
    horizon_days: Option<i64>,
    /// Why the accounts are exported in clear (required for the workbook).
    reason: Option<String>,
}

struct Traced {
    g: TransferGraph,
    tr: flow::trace::Trace,
    since_ms: i64,
}

/// Whether the caller may trace this account: an analyst of the centre or an officer with
/// cases, and only from an account a warning or case in the caller's scope names. Any other
/// account answers as absent.
async fn may_trace(s: &AppState, p: &Principal, account: &str) -> ApiResult<()> {
    if !(p.can(Permission::ListWrite) || p.can(Permission::CaseWrite)) {
        return Err(ApiError::forbidden("list_write or case_write (fund traces are casework)"));
    }
    domain::text::line("account", account, 64)?;
    if s.store.account_named_in_scope(&p.scope, account).await? {
        Ok(())
    } else {
        Err(ApiError::not_found("account in a warning or case of your area"))
    }
}

async fn run_trace(s: &AppState, p: &Principal, q: &TraceQuery) -> ApiResult<Traced> {
    may_trace(s, p, q.account.trim()).await?;
    let since_ms = q
        .since
        .parse::<jiff::Timestamp>()
        .map_err(|_| ApiError::invalid("since: expected RFC 3339, e.g. 2026-11-20T09:00:00+08:00"))?
        .as_millisecond();
    let hops = q.hops.unwrap_or(6);
    if !(1..=10).contains(&hops) {
        return Err(ApiError::invalid("hops: between 1 and 10"));
    }
    let horizon = q.horizon_days.unwrap_or(30);
    if !(1..=180).contains(&horizon) {
        return Err(ApiError::invalid("horizon_days: between 1 and 180"));
    }
    let method = match q.method.as_deref().unwrap_or("fifo") {
        "fifo" => Method::Fifo,
        "proportional" => Method::Proportional,
        other => return Err(ApiError::invalid(format!("method: unknown '{other}' (fifo, proportional)"))),
    };
    let g = graph(s, since_ms, since_ms + horizon * DAY_MS).await?;
    let origin =
        g.find(q.account.trim()).ok_or_else(|| ApiError::not_found("account with transfers after that time"))?;
    // Tracing walks the graph: CPU work, off the async workers.
    tokio::task::spawn_blocking(move || {
        let tr = flow::trace::trace(
            &g,
            origin,
            since_ms,
            &TraceParams { max_hops: hops, method, min_fen: 100, horizon_ms: Some(horizon * DAY_MS) },
        );
        Traced { g, tr, since_ms }
    })
    .await
    .map_err(ApiError::internal)
}

fn mask(a: &str) -> String {
    domain::person::mask_keep(a, 4, 4)
}

/// An account the money reached (masked).
#[derive(Serialize, utoipa::ToSchema)]
struct NodeView {
    /// Index in this result (edges refer to it).
    id: u32,
    account: String,
    bank: String,
    level: u32,
    first_in_ms: i64,
    traced_in_fen: i64,
    traced_out_fen: i64,
    held_fen: i64,
    /// cash_out / third_party / unknown_bank when the money left the system here.
    #[schema(value_type = Option<String>)]
    stop: Option<Stop>,
    /// At the hop limit: the money may have moved on.
    frontier: bool,
}

/// A transfer that carried traced money.
#[derive(Serialize, utoipa::ToSchema)]
struct EdgeView {
    from: u32,
    to: u32,
    ts_ms: i64,
    amount_fen: i64,
    traced_fen: i64,
    hop: u32,
}

/// A prepared stop-payment / freeze request, deadlines computed.
#[derive(Serialize, utoipa::ToSchema)]
struct FreezeView {
    node: u32,
    account: String,
    bank: String,
    held_fen: i64,
    /// A stop-payment requested now would end then (48 hours; at most twice per account and case).
    stop_payment_until_ms: i64,
    /// A freeze started now would end then (six months, renewable).
    freeze_until_ms: i64,
}

/// The trace.
#[derive(Serialize, utoipa::ToSchema)]
struct TraceView {
    since_ms: i64,
    nodes: Vec<NodeView>,
    edges: Vec<EdgeView>,
    freeze: Vec<FreezeView>,
    traced_out_fen: i64,
    held_fen: i64,
    transfers_scanned: usize,
}

/// Follows the money that left an account from a time on, level by level, and ranks the
/// accounts that still hold it (where to stop payment or freeze first). Accounts are masked.
#[utoipa::path(get, path = "/flow/trace", tag = "flow", params(TraceQuery), responses((status = 200, body = TraceView), (status = 400, body = crate::error::ErrorBody)))]
async fn trace(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::WARNING_READ }>,
    Query(q): Query<TraceQuery>,
) -> ApiResult<Json<TraceView>> {
    let Traced { g, tr, since_ms } = run_trace(&s, &p, &q).await?;
    let mut entry = p.audit("read_pii", "fund_trace", Some(mask(&q.account)), &["account"]);
    entry.detail = serde_json::json!({"masked": true, "since_ms": since_ms, "accounts": tr.nodes.len()}).to_string();
    s.store.audit(entry).await?;
    let index: std::collections::HashMap<u32, u32> =
        tr.nodes.iter().enumerate().map(|(i, n)| (n.account, i as u32)).collect();
    let now = store::now_ms();
    Ok(Json(TraceView {
        since_ms,
        traced_out_fen: tr.nodes[0].traced_out_fen,
        held_fen: tr.nodes.iter().skip(1).map(|n| n.held_fen).sum(),
        transfers_scanned: tr.scanned,
        freeze: tr
            .freeze_order()
            .iter()
            .map(|n| FreezeView {
                node: index[&n.account],
                account: mask(&g.accounts[n.account as usize]),
                bank: g.banks[n.account as usize].clone(),
                held_fen: n.held_fen,
                stop_payment_until_ms: domain::legal::stop_payment_until(now),
                freeze_until_ms: domain::legal::freeze_until(now),
            })
            .collect(),
        edges: tr
            .edges
            .iter()
            .map(|e| EdgeView {
                from: index[&e.from],
                to: index[&e.to],
                ts_ms: e.ts_ms,
                amount_fen: e.amount_fen,
                traced_fen: e.traced_fen,
                hop: e.hop,
            })
            .collect(),
        nodes: tr
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| NodeView {
                id: i as u32,
                account: mask(&g.accounts[n.account as usize]),
                bank: g.banks[n.account as usize].clone(),
                level: n.level,
                first_in_ms: n.first_in_ms,
                traced_in_fen: n.traced_in_fen,
                traced_out_fen: n.traced_out_fen,
                held_fen: n.held_fen,
                stop: n.stop,
                frontier: n.frontier,
            })
            .collect(),
    }))
}

/// The trace as the investigators' workbook (资金流向 level by level, 建议止付冻结), with the
/// account numbers in clear for the requests to the banks: needs the unmask permission and is
/// audited as an export.
#[utoipa::path(get, path = "/flow/trace.xlsx", tag = "flow", params(TraceQuery), responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>)))]
async fn trace_xlsx(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::PII_UNMASK }>,
    Query(q): Query<TraceQuery>,
) -> ApiResult<impl IntoResponse> {
    let reason = q
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .ok_or_else(|| ApiError::invalid("reason: required to export accounts in clear"))?;
    domain::text::line("reason", reason, domain::text::LINE_MAX_CHARS)?;
    let Traced { g, tr, since_ms } = run_trace(&s, &p, &q).await?;
    let accounts = tr.nodes.len();
    let bytes = tokio::task::spawn_blocking(move || {
        flow::export::trace_xlsx(&g, &tr, &|ms| domain::time::format_china(ms), &|_| String::new())
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)?;
    let mut entry = p.audit("export", "fund_trace", Some(mask(&q.account)), &["account"]);
    entry.reason = Some(reason.to_string());
    entry.detail = serde_json::json!({"format": "xlsx", "since_ms": since_ms, "accounts": accounts}).to_string();
    s.store.audit(entry).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"fund-trace.xlsx\"".to_string()),
        ],
        bytes,
    ))
}

/// A mule analysis to run.
#[derive(Deserialize, utoipa::ToSchema)]
struct MuleRequest {
    /// Window start, RFC 3339.
    from: String,
    /// Window end, RFC 3339.
    to: String,
    /// Put the accounts found on the fraud list as amber candidates (a person confirms them red).
    #[serde(default)]
    add_amber: bool,
}

/// An account that acts as a mule, with the structure and its evidence (masked).
#[derive(Serialize, utoipa::ToSchema)]
struct MuleView {
    account: String,
    typology: String,
    typology_zh: String,
    /// New relationships in the window that show the structure.
    evidence_transfers: usize,
    fan_in: u32,
    fan_out: u32,
    cycle_size: u32,
    inflow_fen: i64,
    outflow_fen: i64,
}

/// The accounts found.
#[derive(Serialize, utoipa::ToSchema)]
struct MuleResult {
    candidates: usize,
    found: Vec<MuleView>,
    added_amber: usize,
}

/// Finds laundering structures in a window of the transfers the engine has seen: fan-in,
/// fan-out, cycles, scatter-gather and gather-scatter over new relationships, and equal splits. The platform has
/// no confirmed accounts to learn from yet, so the structures themselves decide.
#[utoipa::path(post, path = "/flow/mules", tag = "flow", request_body = MuleRequest, responses((status = 200, body = MuleResult)))]
async fn analyse_mules(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::LIST_WRITE }>,
    Json(b): Json<MuleRequest>,
) -> ApiResult<Json<MuleResult>> {
    let from =
        b.from.parse::<jiff::Timestamp>().map_err(|_| ApiError::invalid("from: expected RFC 3339"))?.as_millisecond();
    let to = b.to.parse::<jiff::Timestamp>().map_err(|_| ApiError::invalid("to: expected RFC 3339"))?.as_millisecond();
    if to <= from || to - from > 366 * DAY_MS {
        return Err(ApiError::invalid("to: must be after from, within a year"));
    }
    // History before the window tells old relationships from new ones.
    let g = graph(&s, from - 90 * DAY_MS, to).await?;
    let confirmed = mules::Confirmed { last_ms: vec![i64::MIN; g.len()], ..Default::default() };
    let view = mules::measure(&g, Window { from_ms: from, to_ms: to }, &confirmed);
    let col = |name: &str| mules::NAMES.iter().position(|x| *x == name).unwrap_or(0);
    let (fi, fo, cy) = (col("distinct_new_in"), col("distinct_new_out"), col("cycle_size"));
    let mut found = Vec::new();
    let mut accounts = Vec::new();
    for (i, f) in view.features.iter().enumerate() {
        let ty = mules::typology(f);
        if matches!(ty, Typology::Anomalous | Typology::LinkedToConfirmed) {
            continue;
        }
        let acct = g.accounts[view.candidates[i] as usize].clone();
        found.push(MuleView {
            account: mask(&acct),
            typology: ty.id().into(),
            typology_zh: ty.name_zh().into(),
            evidence_transfers: view.evidence[i].len(),
            fan_in: f[fi] as u32,
            fan_out: f[fo] as u32,
            cycle_size: f[cy] as u32,
            inflow_fen: view.flows_fen[i].0,
            outflow_fen: view.flows_fen[i].1,
        });
        accounts.push(acct);
    }
    let mut added = 0;
    if b.add_amber {
        let now = store::now_ms();
        let events: Vec<Event> = accounts
            .iter()
            .enumerate()
            .map(|(k, a)| {
                Event::List(engine::event::ListUpdate::add(
                    format!("sys:mule-{now}-{k}"),
                    now,
                    engine::event::ListKind::Account,
                    a.clone(),
                    engine::event::Colour::Amber,
                    "mule-analysis".into(),
                ))
            })
            .collect();
        s.apply_and_log(&events);
        added = events.len();
    }
    let mut entry = p.audit(if b.add_amber { "update" } else { "read_pii" }, "mule_analysis", None, &["account"]);
    entry.detail =
        serde_json::json!({"from": from, "to": to, "found": found.len(), "added_amber": added, "masked": true})
            .to_string();
    s.store.audit(entry).await?;
    Ok(Json(MuleResult { candidates: view.candidates.len(), found, added_amber: added }))
}
