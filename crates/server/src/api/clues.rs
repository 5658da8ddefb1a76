//! Clues from the public (举报线索): a page anyone may use, rate-limited per address, answered
//! with a reference number; analysts review them, confirmed ones go on the fraud list, rewards
//! are recorded (举报奖励).

use std::net::SocketAddr;
use std::time::Duration;

use axum::Json;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use store::{ClueView, Page};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::Paging;
use crate::AppState;
use crate::auth::{Authorized, perm};
use crate::error::{ApiError, ApiResult};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(submit_clue))
        .routes(routes!(list_clues))
        .routes(routes!(review_clue))
        .routes(routes!(screenshot))
}

/// Submissions allowed per address within the window.
const PER_WINDOW: usize = 5;
const WINDOW: Duration = Duration::from_secs(600);

/// A clue from the public.
#[derive(Deserialize, utoipa::ToSchema)]
struct ClueBody {
    /// phone, url, account or message.
    kind: String,
    /// The number, address, account or the message's text.
    value: String,
    /// What happened.
    #[serde(default)]
    description: String,
    /// A phone to call back (optional).
    contact: Option<String>,
    /// A screenshot (JPEG or PNG, at most 5 MiB), base64 or a `data:` URL.
    screenshot_base64: Option<String>,
}

/// Largest screenshot accepted with a clue.
const SCREENSHOT_MAX_BYTES: usize = 5 * 1024 * 1024;

/// Reports a suspicious number, URL, account or message. No login; at most five reports per
/// address in ten minutes. Answers with the reference number.
#[utoipa::path(post, path = "/public/clues", tag = "public", request_body = ClueBody, responses((status = 200, body = Object), (status = 429, body = crate::error::ErrorBody)))]
async fn submit_clue(
    State(s): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    req: axum::extract::Request,
) -> ApiResult<Json<serde_json::Value>> {
    // The limit is counted before the body is read: a flood of large bodies costs the server
    // five reads per address, not one per request. Refused attempts count too.
    if !s.clue_limiter.allow(&addr.ip().to_string(), PER_WINDOW, WINDOW) {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many reports from this address; try again in ten minutes",
        ));
    }
    let Json(b) = <Json<ClueBody> as axum::extract::FromRequest<AppState>>::from_request(req, &s)
        .await
        .map_err(|e| ApiError::new(e.status(), "invalid_value", e.body_text()))?;
    crate::guard::cap("description", &b.description, crate::guard::TEXT_MAX_CHARS)?;
    crate::guard::cap("value", &b.value, crate::guard::LINE_MAX_CHARS)?;
    let kind = match b.kind.as_str() {
        "phone" | "url" | "account" | "message" => b.kind.as_str(),
        other => return Err(ApiError::invalid(format!("kind: unknown '{other}' (phone, url, account, message)"))),
    };
    let value = b.value.trim();
    if value.is_empty() || value.chars().count() > 2_000 {
        return Err(ApiError::invalid("value: empty or longer than 2,000 characters"));
    }
    let value = match kind {
        "phone" | "account" => {
            let v: String = value.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
            if !v.chars().all(|c| c.is_ascii_digit() || c == '+') {
                return Err(ApiError::invalid(format!("value: '{v}' is not a number")));
            }
            v
        }
        _ => value.to_string(),
    };
    if b.description.chars().count() > 2_000 {
        return Err(ApiError::invalid("description: at most 2,000 characters"));
    }
    let contact = b.contact.as_deref().filter(|c| !c.trim().is_empty()).map(domain::Phone::parse).transpose()?;
    let screenshot = match b.screenshot_base64.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => {
            use base64::Engine;
            let raw = v.split_once(";base64,").map_or(v, |(_, d)| d);
            if raw.len() > SCREENSHOT_MAX_BYTES / 3 * 4 + 8 {
                return Err(ApiError::invalid("screenshot_base64: at most 5 MiB"));
            }
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(raw)
                .map_err(|_| ApiError::invalid("screenshot_base64: not base64"))?;
            match domain::dispatch::evidence_kind(&bytes) {
                Some(("photo", mime)) if bytes.len() <= SCREENSHOT_MAX_BYTES => Some((mime, bytes)),
                _ => return Err(ApiError::invalid("screenshot_base64: not a JPEG or PNG picture of at most 5 MiB")),
            }
        }
        None => None,
    };
    let ref_no = s
        .store
        .add_clue(
            kind,
            &value,
            b.description.trim(),
            contact.as_ref().map(|p| p.as_str()),
            screenshot.as_ref().map(|(m, b)| (*m, b.as_slice())),
        )
        .await?;
    Ok(Json(serde_json::json!({"ref_no": ref_no})))
}

/// Clues, newest first (values masked).
#[utoipa::path(get, path = "/clues", tag = "public", params(Paging), responses((status = 200, body = Page<ClueView>)))]
async fn list_clues(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::LIST_WRITE }>,
    Query(pg): Query<Paging>,
) -> ApiResult<Json<Page<ClueView>>> {
    let page = s.store.list_clues(pg.req()).await?;
    let mut entry = p.audit("read_pii", "clue", Some("list".into()), &["value"]);
    entry.detail = serde_json::json!({"masked": true}).to_string();
    s.store.audit(entry).await?;
    Ok(Json(page))
}

/// A verdict on a clue.
#[derive(Deserialize, utoipa::ToSchema)]
struct ClueReviewBody {
    confirmed: bool,
    /// Reward for a useful clue, yuan.
    reward_yuan: Option<String>,
    note: Option<String>,
}

/// Confirms or rejects a new clue; a confirmed phone, URL or account goes on the fraud list
/// (red: a person has checked it), with the clue's reference as the source.
#[utoipa::path(post, path = "/clues/{id}/review", tag = "public", params(("id" = i64, Path)), request_body = ClueReviewBody, responses((status = 200, body = ClueView)))]
async fn review_clue(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::LIST_WRITE }>,
    Path(id): Path<i64>,
    Json(b): Json<ClueReviewBody>,
) -> ApiResult<Json<ClueView>> {
    let reward = match b.reward_yuan.as_deref().filter(|v| !v.is_empty()) {
        Some(v) => supervision::money::yuan_to_fen(v).map_err(|e| ApiError::invalid(format!("reward_yuan: {e}")))?,
        None => 0,
    };
    if reward > 0 && !b.confirmed {
        return Err(ApiError::invalid("reward_yuan: only a confirmed clue is rewarded"));
    }
    let mut entry = p.audit("update", "clue", Some(id.to_string()), &["status"]);
    entry.detail = serde_json::json!({"confirmed": b.confirmed, "reward_fen": reward}).to_string();
    let (c, value) = s
        .store
        .review_clue(
            id,
            b.confirmed,
            &super::actor_label(&s, &p).await?,
            reward,
            b.note.as_deref().unwrap_or(""),
            Some(entry),
        )
        .await?;
    let kind = match c.kind.as_str() {
        "phone" => Some(engine::event::ListKind::Phone),
        "url" => Some(engine::event::ListKind::Url),
        "account" => Some(engine::event::ListKind::Account),
        _ => None,
    };
    if let (true, Some(kind)) = (b.confirmed, kind) {
        let e = engine::event::ListUpdate::add(
            format!("sys:clue-{}", c.ref_no),
            store::now_ms(),
            kind,
            value,
            engine::event::Colour::Red,
            format!("举报 {}", c.ref_no),
        );
        s.apply_and_log(&[engine::event::Event::List(e)]);
    }
    Ok(Json(c))
}

/// The screenshot that came with a clue (it may show people: the read is audited).
#[utoipa::path(get, path = "/clues/{id}/screenshot", tag = "public", params(("id" = i64, Path)), responses((status = 200, description = "the picture"), (status = 404, body = crate::error::ErrorBody)))]
async fn screenshot(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::LIST_WRITE }>,
    Path(id): Path<i64>,
) -> ApiResult<impl axum::response::IntoResponse> {
    let (mime, bytes) = s.store.clue_screenshot(id).await?;
    s.store.audit(p.audit("read_pii", "clue_screenshot", Some(id.to_string()), &["screenshot"])).await?;
    Ok(([(axum::http::header::CONTENT_TYPE, mime)], bytes))
}
