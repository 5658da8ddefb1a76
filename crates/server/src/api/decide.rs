//! The decide API (banks call it per transfer) and the warnings it raises.

use axum::Json;
use axum::extract::{Query, State};
use engine::Outcome;
use engine::event::{Channel, Event, Transfer};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use store::{Page, WarningView};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::Paging;
use crate::AppState;
use crate::auth::{Authorized, perm};
use crate::error::{ApiError, ApiResult};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(decide))
        .routes(routes!(list_warnings))
        .routes(routes!(live_warnings))
        .routes(routes!(take_step, warning_steps))
        .routes(routes!(add_evidence, list_evidence))
        .routes(routes!(evidence_file))
}

/// New warnings as they are raised, as server-sent events (`warning`, masked), for the
/// caller's area only.
#[utoipa::path(get, path = "/warnings/live", tag = "engine", responses((status = 200, description = "text/event-stream of LiveWarning", body = crate::intake::LiveWarning)))]
async fn live_warnings(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::WARNING_READ }>,
) -> ApiResult<
    axum::response::Sse<impl futures::Stream<Item = Result<axum::response::sse::Event, std::convert::Infallible>>>,
> {
    use axum::response::sse::{Event as SseEvent, KeepAlive};
    let mut entry = p.audit("read_pii", "warning", Some("live".into()), &["subject"]);
    entry.detail = serde_json::json!({"masked": true, "feed": true}).to_string();
    s.store.audit(entry).await?;
    let rx = s.live.subscribe();
    let scope = p.scope.clone();
    let stream = futures::stream::unfold(rx, move |mut rx| {
        let scope = scope.clone();
        async move {
            loop {
                match rx.recv().await {
                    Ok(w) if scope.contains(&w.jurisdiction_path) => {
                        let ev = SseEvent::default()
                            .event("warning")
                            .json_data(&w)
                            .unwrap_or_else(|_| SseEvent::default().comment("unserialisable"));
                        return Some((Ok(ev), rx));
                    }
                    Ok(_) => continue,
                    // A slow reader skips what it missed; the list API has every warning.
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                        return Some((Ok(SseEvent::default().event("lagged").data(n.to_string())), rx));
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                }
            }
        }
    });
    Ok(axum::response::Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// A transfer to decide on.
#[derive(Deserialize, utoipa::ToSchema)]
struct DecideRequest {
    /// Unique id of the transfer at the bank (idempotency key).
    event_id: String,
    /// RFC 3339 time; default: now.
    time: Option<String>,
    payer_account: String,
    #[serde(default)]
    payer_bank: String,
    payee_account: String,
    #[serde(default)]
    payee_bank: String,
    /// Amount in fen.
    amount_fen: i64,
    /// counter / mobile / online / atm / third_party.
    #[serde(default)]
    channel: Option<String>,
    /// The payer's mobile number, when the bank knows it (routes the warning to the person's area).
    payer_phone: Option<String>,
    device_id: Option<String>,
    ip: Option<String>,
}

/// A fired rule, explained.
#[derive(Serialize, utoipa::ToSchema)]
struct FiredRule {
    rule: String,
    name_zh: String,
    value: f64,
    points: f64,
}

/// The decision.
#[derive(Serialize, utoipa::ToSchema)]
struct DecideResponse {
    event_id: String,
    /// allow / warn / hold.
    action: String,
    scenario: Option<String>,
    score: f64,
    fired: Vec<FiredRule>,
    ruleset_version: String,
    /// The stored warning, for warn and hold.
    warning_id: Option<i64>,
    /// The event id was seen before; the state was not changed again.
    duplicate: bool,
}

fn channel(s: Option<&str>) -> Result<Channel, ApiError> {
    Ok(match s.unwrap_or("mobile") {
        "counter" => Channel::Counter,
        "mobile" => Channel::Mobile,
        "online" => Channel::Online,
        "atm" => Channel::Atm,
        "third_party" => Channel::ThirdParty,
        other => {
            return Err(ApiError::invalid(format!(
                "channel: unknown '{other}' (counter, mobile, online, atm, third_party)"
            )));
        }
    })
}

/// The engine's idempotency key of an event a caller sends: its id within the caller's
/// organisation, so that one bank's ids never collide with another's, nor with the ids the
/// platform gives its own events (`sys:`, `up:`).
pub(crate) fn caller_event_id(p: &crate::auth::Principal, id: &str) -> String {
    format!("api:{}:{id}", p.unit_id)
}

/// Decides one transfer within the request: allow, warn or hold, with reasons. Warnings are
/// stored, routed to the payer's area when the payer's phone is known, before the answer.
#[utoipa::path(post, path = "/decide", tag = "engine", request_body = DecideRequest, responses((status = 200, body = DecideResponse), (status = 400, body = crate::error::ErrorBody)))]
async fn decide(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::DECIDE }>,
    Json(b): Json<DecideRequest>,
) -> ApiResult<Json<DecideResponse>> {
    if b.event_id.trim().is_empty() {
        return Err(ApiError::invalid("event_id: must not be empty"));
    }
    if b.amount_fen <= 0 || b.amount_fen > domain::MAX_FEN {
        return Err(ApiError::invalid(format!(
            "amount_fen: must be a positive number of fen, at most {}",
            domain::MAX_FEN
        )));
    }
    if b.payer_account.trim().is_empty() || b.payee_account.trim().is_empty() {
        return Err(ApiError::invalid("payer_account/payee_account: must not be empty"));
    }
    let now = store::now_ms();
    let ts_ms = match b.time.as_deref() {
        Some(t) => {
            let ts = t
                .parse::<jiff::Timestamp>()
                .map_err(|_| ApiError::invalid("time: expected RFC 3339, e.g. 2026-11-27T10:00:00+08:00"))?
                .as_millisecond();
            s.config.event_time.check(ts, now).map_err(|m| ApiError::invalid(format!("time: {m}")))?
        }
        None => now,
    };
    let phone = b.payer_phone.as_deref().filter(|v| !v.is_empty()).map(domain::Phone::parse).transpose()?;
    let t = Transfer {
        event_id: caller_event_id(&p, b.event_id.trim()),
        ts_ms,
        payer: b.payer_account.trim().to_string(),
        payer_bank: b.payer_bank,
        payee: b.payee_account.trim().to_string(),
        payee_bank: b.payee_bank,
        amount_fen: b.amount_fen,
        channel: channel(b.channel.as_deref())?,
        payer_person: phone.as_ref().map(|p| p.as_str().to_string()),
        device_id: b.device_id,
        ip: b.ip,
    };
    let event = Event::Transfer(t.clone());
    // The decision and the ruleset it was made with, together.
    let (outcome, rs) = s.engine.apply_versioned(&event);
    if matches!(outcome, Outcome::Decided(_)) {
        s.log_event(&event);
    }
    let d = match outcome {
        Outcome::Decided(d) => d,
        Outcome::Duplicate => {
            return Ok(Json(DecideResponse {
                event_id: b.event_id.trim().to_string(),
                action: "allow".into(),
                scenario: None,
                score: 0.0,
                fired: vec![],
                ruleset_version: rs.version.clone(),
                warning_id: None,
                duplicate: true,
            }));
        }
        Outcome::Applied => return Err(ApiError::internal("transfer was not decided")),
    };
    let warning_id =
        crate::intake::raise_warning(&s, &t, &d, &rs, &format!("engine:{}", p.name), crate::stream::Raised::OnArrival)
            .await?;
    let name = |id: &str| rs.rules.iter().find(|r| r.id == id).map(|r| r.name_zh.clone()).unwrap_or_default();
    Ok(Json(DecideResponse {
        event_id: b.event_id.trim().to_string(),
        action: d.action.as_str().into(),
        scenario: d.scenario,
        score: d.score,
        fired: d
            .fired
            .iter()
            .map(|f| FiredRule { rule: f.rule.clone(), name_zh: name(&f.rule), value: f.value, points: f.points })
            .collect(),
        ruleset_version: d.ruleset_version,
        warning_id,
        duplicate: false,
    }))
}

/// A warning with what is due on it.
#[derive(Serialize, utoipa::ToSchema)]
struct WarningItem {
    #[serde(flatten)]
    warning: WarningView,
    /// Next step due: sign_for, contact, visit (none when visited or closed).
    next_step: Option<String>,
    /// Its deadline (ms), from the grade's policy.
    due_by_ms: Option<i64>,
    /// none, station_chief (overdue), centre (long overdue).
    escalation: String,
    /// Version of the deadline policy.
    policy_version: String,
}

fn with_due(w: WarningView, policy: &domain::dispatch::Policy, now: i64) -> WarningItem {
    let state = domain::dispatch::State::parse(&w.status).unwrap_or(domain::dispatch::State::Received);
    let due = policy.due(&w.grade, state, w.created_at, now);
    WarningItem {
        next_step: due.next.map(str::to_string),
        due_by_ms: due.by_ms,
        escalation: serde_json::to_value(due.escalation)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        policy_version: policy.version.clone(),
        warning: w,
    }
}

/// Which warnings.
#[derive(Deserialize, utoipa::IntoParams)]
struct WarningQuery {
    /// Only those not closed yet.
    #[serde(default)]
    open: bool,
}

/// Warnings for the caller's area, newest first (masked), each with its next deadline.
#[utoipa::path(get, path = "/warnings", tag = "engine", params(Paging, WarningQuery), responses((status = 200, body = Page<WarningItem>)))]
async fn list_warnings(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::WARNING_READ }>,
    Query(pg): Query<Paging>,
    Query(q): Query<WarningQuery>,
) -> ApiResult<Json<Page<WarningItem>>> {
    let page = s.store.list_warnings(&p.scope, q.open, pg.req()).await?;
    let mut entry = p.audit("read_pii", "warning", Some("list".into()), &["subject", "payer", "payee"]);
    entry.detail =
        serde_json::json!({"masked": true, "ids": page.items.iter().map(|w| w.id).collect::<Vec<_>>()}).to_string();
    s.store.audit(entry).await?;
    let policy = domain::dispatch::Policy::default();
    let now = store::now_ms();
    Ok(Json(Page {
        total: page.total,
        page: page.page,
        per_page: page.per_page,
        items: page.items.into_iter().map(|w| with_due(w, &policy, now)).collect(),
    }))
}

/// A step on a warning.
#[derive(Deserialize, utoipa::ToSchema)]
struct StepBody {
    /// sign_for, contact, visit, close.
    step: String,
    /// For contact: phone, sms, robot_call, family.
    channel: Option<String>,
    /// For close: dissuaded, already_defrauded, false_positive, unreachable, refused.
    outcome: Option<String>,
    note: Option<String>,
    /// Dissuasion checklist items ticked (visit, close): told_method, checked_money,
    /// stopped_transfer, app_installed, family_told, pledge, followup.
    #[serde(default)]
    checklist: Vec<String>,
}

/// Takes a step on a warning of the caller's area: sign for, contact, visit, close with an
/// outcome. Steps follow the state machine; a closed warning is final.
#[utoipa::path(post, path = "/warnings/{id}/steps", tag = "engine", params(("id" = i64, Path)), request_body = StepBody, responses((status = 200, body = WarningItem), (status = 400, body = crate::error::ErrorBody)))]
async fn take_step(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::WARNING_READ }>,
    axum::extract::Path(id): axum::extract::Path<i64>,
    Json(b): Json<StepBody>,
) -> ApiResult<Json<WarningItem>> {
    use domain::dispatch::{Outcome, State as St, Step};
    let current = s.store.warning(&p.scope, id).await?;
    let from = St::parse(&current.status)?;
    let channel = b.channel.unwrap_or_default();
    let step = match b.step.as_str() {
        "sign_for" => Step::SignFor,
        "contact" => {
            if !domain::dispatch::CONTACT_CHANNELS.iter().any(|(c, _)| *c == channel.as_str()) {
                return Err(ApiError::invalid("channel: phone, sms, robot_call or family"));
            }
            Step::Contact
        }
        "visit" => Step::Visit,
        "close" => Step::Close(Outcome::parse(b.outcome.as_deref().unwrap_or(""))?),
        other => return Err(ApiError::invalid(format!("step: unknown '{other}' (sign_for, contact, visit, close)"))),
    };
    let to = step.apply(from)?;
    let outcome = match step {
        Step::Close(o) => o.as_str(),
        _ => "",
    };
    let ticked = domain::dispatch::checklist_for(step, &b.checklist)?;
    let mut entry = p.audit("update", "warning", Some(id.to_string()), &["status"]);
    entry.detail = serde_json::json!({"step": b.step, "to": to.as_str(), "outcome": outcome}).to_string();
    let w = s
        .store
        .warning_step(
            &p.scope,
            id,
            from.as_str(),
            to.as_str(),
            step.as_str(),
            store::now_ms(),
            &super::actor_label(&s, &p).await?,
            &channel,
            b.note.as_deref().unwrap_or(""),
            outcome,
            &ticked.join(","),
            Some(entry),
        )
        .await?;
    Ok(Json(with_due(w, &domain::dispatch::Policy::default(), store::now_ms())))
}

/// The steps taken on a warning, in order.
#[utoipa::path(get, path = "/warnings/{id}/steps", tag = "engine", params(("id" = i64, Path)), responses((status = 200, body = Vec<store::WarningStep>)))]
async fn warning_steps(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::WARNING_READ }>,
    axum::extract::Path(id): axum::extract::Path<i64>,
) -> ApiResult<Json<Vec<store::WarningStep>>> {
    let steps = s.store.warning_steps(&p.scope, id).await?;
    super::audit_read(&s, &p, "warning_step", id.to_string(), &["note", "actor"], steps.len()).await?;
    Ok(Json(steps))
}

pub(super) fn engine_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(ruleset, replace_ruleset))
        .routes(routes!(list_entries, change_list))
        .routes(routes!(ruleset_versions))
        .routes(routes!(ruleset_version))
        .routes(routes!(dead_letters))
}

/// Every ruleset version that was put in force, newest first.
#[utoipa::path(get, path = "/engine/rulesets", tag = "engine", responses((status = 200, body = Vec<store::RulesetVersion>)))]
async fn ruleset_versions(
    State(s): State<AppState>,
    Authorized(_p): Authorized<{ perm::WARNING_READ }>,
) -> ApiResult<Json<Vec<store::RulesetVersion>>> {
    Ok(Json(s.store.ruleset_versions().await?))
}

/// The file of one ruleset version (to read, compare or put back in force).
#[utoipa::path(get, path = "/engine/rulesets/{version}", tag = "engine", params(("version" = String, Path)), responses((status = 200, body = Object), (status = 404, body = crate::error::ErrorBody)))]
async fn ruleset_version(
    State(s): State<AppState>,
    Authorized(_p): Authorized<{ perm::WARNING_READ }>,
    axum::extract::Path(version): axum::extract::Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    let body = s.store.ruleset_body(&version).await?.ok_or_else(|| ApiError::not_found("ruleset version"))?;
    Ok(Json(serde_json::json!({"version": version, "toml": body})))
}

/// Events the stream consumer refused, with the reason (content stays encrypted).
#[utoipa::path(get, path = "/engine/dead-letters", tag = "engine", params(Paging), responses((status = 200, body = Page<store::DeadLetter>)))]
async fn dead_letters(
    State(s): State<AppState>,
    Authorized(_p): Authorized<{ perm::LIST_WRITE }>,
    Query(pg): Query<Paging>,
) -> ApiResult<Json<Page<store::DeadLetter>>> {
    Ok(Json(s.store.list_dead_letters(pg.req()).await?))
}

/// The ruleset in force (version, scenarios, rules with Chinese names and parameters).
#[utoipa::path(get, path = "/engine/ruleset", tag = "engine", responses((status = 200, body = Object)))]
async fn ruleset(
    State(s): State<AppState>,
    Authorized(_p): Authorized<{ perm::WARNING_READ }>,
) -> ApiResult<Json<serde_json::Value>> {
    let rs = s.engine.ruleset();
    Ok(Json(serde_json::to_value(rs.as_ref()).map_err(ApiError::internal)?))
}

/// A new ruleset.
#[derive(Deserialize, utoipa::ToSchema)]
struct RulesetUpload {
    /// The whole ruleset file (TOML), with a new `version`.
    toml: String,
    /// Why it changes (kept with the version).
    note: Option<String>,
}

/// Replaces the ruleset without a restart: checked first (an invalid one is refused with the
/// rule at fault and the old one stays), kept with the data, effective for the next event.
#[utoipa::path(put, path = "/engine/ruleset", tag = "engine", request_body = RulesetUpload, responses((status = 200, body = Object), (status = 400, body = crate::error::ErrorBody)))]
async fn replace_ruleset(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::LIST_WRITE }>,
    Json(b): Json<RulesetUpload>,
) -> ApiResult<Json<serde_json::Value>> {
    let rs = engine::ruleset::Ruleset::from_toml(&b.toml).map_err(|e| ApiError::invalid(e.to_string()))?;
    let old = s.engine.ruleset().version.clone();
    if rs.version == old {
        return Err(ApiError::invalid(format!(
            "version: '{old}' is already in force; give the new ruleset a new version"
        )));
    }
    let version = rs.version.clone();
    let mut entry = p.audit("update", "ruleset", Some(version.clone()), &[]);
    entry.detail = serde_json::json!({"from": old, "to": version}).to_string();
    s.store
        .put_ruleset_in_force(
            &version,
            &b.toml,
            &super::actor_label(&s, &p).await?,
            b.note.as_deref().unwrap_or(""),
            entry,
        )
        .await?;
    // In force for the next event only once it is kept: a restart loads what was committed.
    s.engine.set_ruleset(Arc::new(rs));
    ruleset(State(s), Authorized(p)).await
}

/// One fraud-list entry, masked.
#[derive(Serialize, utoipa::ToSchema)]
struct ListEntryView {
    kind: String,
    value: String,
    colour: String,
    valid_from_ms: Option<i64>,
    valid_to_ms: Option<i64>,
    /// Where it came from (case number, bank, platform, mule analysis, a resident's report).
    source: String,
    /// When it was listed.
    listed_ms: i64,
    /// In force now (listed, and within its validity window).
    active: bool,
}

/// The fraud list (values masked).
#[utoipa::path(get, path = "/engine/lists", tag = "engine", responses((status = 200, body = Vec<ListEntryView>)))]
async fn list_entries(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::WARNING_READ }>,
) -> ApiResult<Json<Vec<ListEntryView>>> {
    let entries = s.engine.list_entries();
    let now = store::now_ms();
    let mut out: Vec<ListEntryView> = entries
        .into_iter()
        .map(|e| ListEntryView {
            active: e.active(now),
            kind: serde_json::to_value(e.kind).ok().and_then(|x| x.as_str().map(str::to_string)).unwrap_or_default(),
            value: if matches!(e.kind, engine::event::ListKind::Url) {
                e.value
            } else {
                domain::person::mask_keep(&e.value, 3, 4)
            },
            colour: serde_json::to_value(e.colour)
                .ok()
                .and_then(|x| x.as_str().map(str::to_string))
                .unwrap_or_default(),
            valid_from_ms: e.valid_from_ms,
            valid_to_ms: e.valid_to_ms,
            source: e.source,
            listed_ms: e.listed_ms,
        })
        .collect();
    // The latest listings first: what a person reviewing the list looks for.
    out.sort_by_key(|e| std::cmp::Reverse(e.listed_ms));
    super::audit_read(&s, &p, "list_entry", "list".into(), &["value", "source"], out.len()).await?;
    Ok(Json(out))
}

/// A change to the fraud list.
#[derive(Deserialize, utoipa::ToSchema)]
struct ListChange {
    /// add / remove.
    op: String,
    /// account / phone / url / device.
    kind: String,
    value: String,
    /// red / amber.
    #[serde(default = "amber")]
    colour: String,
    /// Where it comes from (case number, bank, platform).
    #[serde(default)]
    source: String,
    /// Expiry, RFC 3339.
    valid_to: Option<String>,
}

/// Parses a snake_case enum value, naming the field when it is unknown.
fn field<T: serde::de::DeserializeOwned>(name: &str, v: &str) -> Result<T, ApiError> {
    serde_json::from_value(serde_json::Value::String(v.trim().to_string()))
        .map_err(|_| ApiError::invalid(format!("{name}: unknown value '{v}'")))
}

fn amber() -> String {
    "amber".into()
}

/// Adds to or removes from the fraud list; effective for the next transfer, kept across restarts.
#[utoipa::path(post, path = "/engine/lists", tag = "engine", request_body = ListChange, responses((status = 200, body = Vec<ListEntryView>)))]
async fn change_list(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::LIST_WRITE }>,
    Json(b): Json<ListChange>,
) -> ApiResult<Json<Vec<ListEntryView>>> {
    let value = b.value.trim().to_string();
    if value.is_empty() {
        return Err(ApiError::invalid("value: must not be empty"));
    }
    let valid_to_ms = b
        .valid_to
        .as_deref()
        .filter(|v| !v.is_empty())
        .map(|v| {
            v.parse::<jiff::Timestamp>()
                .map(|t| t.as_millisecond())
                .map_err(|_| ApiError::invalid("valid_to: expected RFC 3339"))
        })
        .transpose()?;
    let now = store::now_ms();
    let update = engine::event::ListUpdate {
        event_id: format!("sys:list-{}-{}", now, auth_token_suffix()?),
        ts_ms: now,
        op: field("op", &b.op)?,
        kind: field("kind", &b.kind)?,
        value,
        colour: field("colour", &b.colour)?,
        // Without a source given, the entry names who listed it (person and unit).
        source: if b.source.is_empty() { super::actor_label(&s, &p).await? } else { b.source },
        valid_from_ms: None,
        valid_to_ms,
    };
    s.apply_and_log(&[Event::List(update)]);
    let mut entry = p.audit("update", "fraud_list", None, &["value", "colour"]);
    entry.detail = serde_json::json!({"op": b.op, "kind": b.kind, "colour": b.colour}).to_string();
    s.store.audit(entry).await?;
    list_entries(State(s), Authorized(p)).await
}

fn auth_token_suffix() -> Result<String, ApiError> {
    Ok(crate::auth::random_token()?[..8].to_string())
}

/// Attaches an evidence file (photo or recording) to a warning of the caller's area: multipart
/// fields `file` and optional `note`; at most 10 MiB; the type is read from the bytes, never the
/// name; kept encrypted.
#[utoipa::path(post, path = "/warnings/{id}/evidence", tag = "engine", params(("id" = i64, Path)), responses((status = 200, body = store::EvidenceView), (status = 400, body = crate::error::ErrorBody)))]
async fn add_evidence(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::WARNING_READ }>,
    axum::extract::Path(id): axum::extract::Path<i64>,
    mut mp: axum::extract::Multipart,
) -> ApiResult<Json<store::EvidenceView>> {
    let (mut file, mut note) = (None, String::new());
    while let Some(field) = mp.next_field().await.map_err(|e| ApiError::invalid(format!("file: {e}")))? {
        match field.name() {
            Some("file") => file = Some(field.bytes().await.map_err(|e| ApiError::invalid(format!("file: {e}")))?),
            Some("note") => {
                note =
                    field.text().await.map_err(|e| ApiError::invalid(format!("note: {e}")))?.chars().take(500).collect()
            }
            _ => {}
        }
    }
    let bytes = file.ok_or_else(|| ApiError::invalid("file: no multipart field named 'file'"))?;
    if bytes.len() > domain::dispatch::EVIDENCE_MAX_BYTES {
        return Err(ApiError::invalid(format!(
            "file: {} bytes; at most {} (10 MiB)",
            bytes.len(),
            domain::dispatch::EVIDENCE_MAX_BYTES
        )));
    }
    let (kind, mime) = domain::dispatch::evidence_kind(&bytes)
        .ok_or_else(|| ApiError::invalid("file: not a photo (JPEG, PNG) or a recording (MP3, M4A, WAV, AMR)"))?;
    let sha256 = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
    let size = bytes.len();
    let entry = |eid: &i64| {
        let mut entry = p.audit("create", "warning_evidence", Some(eid.to_string()), &[]);
        entry.detail = serde_json::json!({"warning": id, "kind": kind, "bytes": size, "sha256": sha256}).to_string();
        entry
    };
    let e = s
        .store
        .add_evidence(
            &p.scope,
            id,
            kind,
            mime,
            &bytes,
            &note,
            &super::actor_label(&s, &p).await?,
            Some(Box::new(entry)),
        )
        .await?;
    Ok(Json(e))
}

/// The evidence files of a warning (without their bytes).
#[utoipa::path(get, path = "/warnings/{id}/evidence", tag = "engine", params(("id" = i64, Path)), responses((status = 200, body = Vec<store::EvidenceView>)))]
async fn list_evidence(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::WARNING_READ }>,
    axum::extract::Path(id): axum::extract::Path<i64>,
) -> ApiResult<Json<Vec<store::EvidenceView>>> {
    let files = s.store.evidence_list(&p.scope, id).await?;
    super::audit_read(&s, &p, "warning_evidence", format!("list:{id}"), &["note"], files.len()).await?;
    Ok(Json(files))
}

/// One evidence file (it shows the person: every download is audited).
#[utoipa::path(get, path = "/warnings/{id}/evidence/{eid}", tag = "engine", params(("id" = i64, Path), ("eid" = i64, Path)), responses((status = 200, description = "the file")))]
async fn evidence_file(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::WARNING_READ }>,
    axum::extract::Path((id, eid)): axum::extract::Path<(i64, i64)>,
) -> ApiResult<impl axum::response::IntoResponse> {
    let (e, bytes) = s.store.evidence_file(&p.scope, id, eid).await?;
    let mut entry = p.audit("read_pii", "warning_evidence", Some(eid.to_string()), &["file"]);
    entry.detail = serde_json::json!({"warning": id}).to_string();
    s.store.audit(entry).await?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, e.mime),
            (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"evidence-{eid}\"")),
        ],
        bytes,
    ))
}
