//! Warnings pushed or handed over from upstream (国家/省/市反诈平台, 96110, banks, operators):
//! idempotent by source and upstream id, routed to the station and grid of the person when the
//! phone or identity number names a resident, else to the centre's queue. They then follow the
//! same dispatch workflow and deadlines as the engine's own warnings.

use axum::Json;
use axum::extract::{Multipart, State};
use domain::Permission;
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::AppState;
use crate::auth::{ActorKind, Authorized, Principal, perm};
use crate::error::{ApiError, ApiResult};
use crate::import::RowError;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(push)).routes(routes!(import)).routes(routes!(routing))
}

/// The upstream sources a warning may come from.
pub const SOURCES: [(&str, &str); 6] = [
    ("national", "国家反诈平台"),
    ("provincial", "省反诈平台"),
    ("city", "市反诈平台"),
    ("96110", "96110"),
    ("bank", "银行"),
    ("operator", "运营商"),
];

/// One warning from upstream.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct UpstreamWarning {
    /// The upstream platform's id of the warning (with the source, the idempotency key).
    pub upstream_id: String,
    /// national, provincial, city, 96110, bank, operator (or the Chinese name).
    pub source: String,
    /// high, medium, low (高/中/低).
    pub grade: String,
    /// When the upstream platform issued it (RFC 3339); default now.
    pub issued_at: Option<String>,
    /// phone, id_number or account.
    pub subject_kind: String,
    /// The phone, identity number or account.
    pub subject: String,
    /// Fraud-type hint (id or Chinese name of the taxonomy).
    pub fraud_type: Option<String>,
    /// Amount at stake, yuan.
    pub amount_yuan: Option<String>,
}

/// What became of the rows.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UpstreamReport {
    /// Rows read.
    pub rows: usize,
    /// Stored (or already stored: a repeat answers the same warning id).
    pub accepted: usize,
    /// Warning ids of the accepted rows, in row order (for users; a machine client learns
    /// nothing of where a warning went).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ids: Option<Vec<i64>>,
    /// Of those, routed to a station, the rest waiting in the centre's queue (for users).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routed: Option<usize>,
    /// Rows refused, each with its row number and field: the first
    /// [`crate::import::REPORT_MAX_ERRORS`].
    pub rejected: Vec<RowError>,
    /// Every refused row, listed or not.
    pub rejected_total: usize,
}

/// The idempotency key of an upstream warning: the source's namespace and its id. The
/// platforms above the county (national, provincial, city, 96110) each have one namespace;
/// banks and operators are many, so each member unit has its own, and one bank's ids can
/// never answer, or pre-empt, another's.
fn event_id(p: &Principal, source: &str, upstream_id: &str) -> String {
    match source {
        "bank" | "operator" => format!("up:{source}:{}:{upstream_id}", p.unit_id),
        _ => format!("up:{source}:{upstream_id}"),
    }
}

/// Whether the caller may send warnings of `source`: a user with the permission may hand any
/// over (the centre imports what the province sends); a machine key only the sources it was
/// issued for.
fn may_send(p: &Principal, source: &str) -> bool {
    p.can(Permission::UpstreamPush) && (p.kind == ActorKind::User || p.sources.iter().any(|s| s == source))
}

/// One row checked and turned into a warning to store, or the field at fault.
async fn to_warning(
    s: &AppState,
    p: &Principal,
    w: &UpstreamWarning,
) -> ApiResult<Result<store::NewWarning, (String, String)>> {
    let bad = |f: &str, m: String| Ok(Err((f.to_string(), m)));
    let upstream_id = w.upstream_id.trim();
    if upstream_id.is_empty() || upstream_id.len() > 128 {
        return bad("upstream_id", "required, at most 128 characters".into());
    }
    let Some((source, _)) = SOURCES.iter().find(|(k, zh)| *k == w.source.trim() || *zh == w.source.trim()) else {
        return bad(
            "source",
            format!("'{}' is not one of national, provincial, city, 96110, bank, operator", w.source),
        );
    };
    if !may_send(p, source) {
        return bad("source", format!("this caller may not send warnings of '{source}'"));
    }
    let grade = match w.grade.trim() {
        "high" | "高" | "高风险" => "high",
        "medium" | "中" | "中风险" => "medium",
        "low" | "低" | "低风险" => "low",
        other => return bad("grade", format!("'{other}' is not high, medium or low")),
    };
    let issued = match w.issued_at.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => match v.parse::<jiff::Timestamp>() {
            Ok(t) => match s.config.event_time.check(t.as_millisecond(), store::now_ms()) {
                Ok(ms) => ms,
                Err(m) => return bad("issued_at", m),
            },
            Err(_) => return bad("issued_at", format!("'{v}' is not an RFC 3339 time")),
        },
        None => store::now_ms(),
    };
    let fraud_type = match w.fraud_type.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => match domain::case::fraud_type(v) {
            Ok(t) => t.to_string(),
            Err(e) => return bad("fraud_type", e.message),
        },
        None => String::new(),
    };
    let amount_fen = match w.amount_yuan.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => match supervision::money::yuan_to_fen(v) {
            Ok(f) => f,
            Err(e) => return bad("amount_yuan", e.to_string()),
        },
        None => 0,
    };
    let (kind, subject, route) = match w.subject_kind.trim() {
        "phone" | "手机号" => match domain::Phone::parse(&w.subject) {
            Ok(p) => ("person", p.as_str().to_string(), s.store.route_phone(&p).await?),
            Err(e) => return bad("subject", e.message),
        },
        "id_number" | "身份证号" => match domain::IdNumber::parse(&w.subject) {
            Ok(id) => ("person_id", id.as_str().to_string(), s.store.route_id_number(&id).await?),
            Err(e) => return bad("subject", e.message),
        },
        "account" | "账户" | "银行账户" => {
            let a: String = w.subject.chars().filter(|c| !c.is_whitespace()).collect();
            if a.len() < 6 || a.len() > 40 || !a.chars().all(|c| c.is_ascii_alphanumeric()) {
                return bad("subject", "an account is 6 to 40 letters or digits".into());
            }
            ("account", a, None)
        }
        other => return bad("subject_kind", format!("'{other}' is not phone, id_number or account")),
    };
    let (route, station_id) = crate::intake::route_warning(s, source, grade, kind, route).await?;
    Ok(Ok(store::NewWarning {
        event_id: event_id(p, source, upstream_id),
        source: (*source).to_string(),
        event_ts: issued,
        raised_ms: store::now_ms(),
        action: "warn".into(),
        scenario: "upstream".into(),
        score: 0.0,
        grade: grade.into(),
        fraud_type_hint: fraud_type,
        subject_kind: kind.into(),
        subject,
        payer: String::new(),
        payee: String::new(),
        amount_fen,
        jurisdiction_id: route.as_ref().map(|(j, _)| *j),
        jurisdiction_path: route.map(|(_, p)| p).unwrap_or_default(),
        station_id,
        ruleset_version: String::new(),
        model_version: String::new(),
        fired: "[]".into(),
    }))
}

/// Stores the warnings of `rows`; `refused` are rows of the same upload already refused
/// (cells over their limit), counted and listed with the rest in one report and one audit entry.
async fn receive(
    s: &AppState,
    p: &Principal,
    rows: Vec<(usize, UpstreamWarning)>,
    mut refused: Vec<RowError>,
) -> ApiResult<UpstreamReport> {
    let n_rows = rows.len() + refused.len();
    let mut accepted = 0;
    let (mut ids, mut routed_n) = (Vec::new(), 0);
    for (row, w) in rows {
        match to_warning(s, p, &w).await? {
            Ok(nw) => {
                let routed = nw.station_id.is_some();
                let id = crate::intake::store_warning(s, &nw).await?;
                accepted += 1;
                routed_n += usize::from(routed);
                ids.push(id);
                // The live feed shows it like any other warning (masked).
                let _ = s.live.send(crate::intake::LiveWarning::of(id, &nw, 0.0, vec![]));
            }
            Err((field, message)) => refused.push(RowError { row, field, message }),
        }
    }
    let (rejected, rejected_total) = crate::import::first_errors(refused);
    let mut entry = p.audit("import", "warning", None, &[]);
    entry.detail = serde_json::json!({"upstream": true, "rows": n_rows, "accepted": accepted, "routed": routed_n, "rejected": rejected_total}).to_string();
    s.store.audit(entry).await?;
    // Where warnings went is for users; a machine client learns nothing of it.
    let user = p.kind == ActorKind::User;
    Ok(UpstreamReport {
        rows: n_rows,
        accepted,
        ids: user.then_some(ids),
        routed: user.then_some(routed_n),
        rejected,
        rejected_total,
    })
}

/// Warnings pushed by an upstream platform (JSON); row numbers count from 1.
#[utoipa::path(post, path = "/warnings/upstream", tag = "warnings", request_body = Vec<UpstreamWarning>, responses((status = 200, body = UpstreamReport), (status = 403, body = crate::error::ErrorBody)))]
async fn push(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::UPSTREAM_PUSH }>,
    Json(rows): Json<Vec<UpstreamWarning>>,
) -> ApiResult<Json<UpstreamReport>> {
    if rows.len() > 10_000 {
        return Err(ApiError::invalid("at most 10,000 warnings per request"));
    }
    Ok(Json(receive(&s, &p, rows.into_iter().enumerate().map(|(i, w)| (i + 1, w)).collect(), Vec::new()).await?))
}

/// Warnings handed over as a CSV or XLSX file (预警下发清单): columns upstream_id, source,
/// grade, issued_at, subject_kind, subject, fraud_type, amount_yuan (Chinese headers accepted).
#[utoipa::path(post, path = "/warnings/upstream/import", tag = "warnings", responses((status = 200, body = UpstreamReport), (status = 403, body = crate::error::ErrorBody)))]
async fn import(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::UPSTREAM_PUSH }>,
    mp: Multipart,
) -> ApiResult<Json<UpstreamReport>> {
    let t = crate::import::read_upload(mp).await?;
    t.require(&["upstream_id", "source", "grade", "subject_kind", "subject"])?;
    let (rows, too_long) = t.checked_rows();
    let rows = rows
        .into_iter()
        .map(|(row, cells)| {
            let get = |k: &str| t.col(k).and_then(|i| cells.get(i)).cloned().unwrap_or_default();
            let opt = |k: &str| Some(get(k)).filter(|v| !v.is_empty());
            (
                *row,
                UpstreamWarning {
                    upstream_id: get("upstream_id"),
                    source: get("source"),
                    grade: get("grade"),
                    issued_at: opt("issued_at"),
                    subject_kind: get("subject_kind"),
                    subject: get("subject"),
                    fraud_type: opt("fraud_type"),
                    amount_yuan: opt("amount_yuan"),
                },
            )
        })
        .collect();
    Ok(Json(receive(&s, &p, rows, too_long).await?))
}

/// The routing of warnings in force (the `[routing]` configuration): rules in order, the first
/// that holds decides; none holding, the station of the person's residence.
#[utoipa::path(get, path = "/warnings/routing", tag = "warnings", responses((status = 200, body = Object)))]
async fn routing(
    State(s): State<AppState>,
    Authorized(_p): Authorized<{ perm::WARNING_READ }>,
) -> Json<domain::dispatch::Routing> {
    Json(s.config.routing.clone())
}
