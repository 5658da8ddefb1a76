//! What every request passes before a handler sees it, and every response after: the body
//! limit of its route (refused by `Content-Length` before a byte is read), a cap on every text
//! in a JSON body, rejections of the HTTP layer answered in the API's error contract, the
//! browser's security headers, and a panic answered 500 instead of a dropped connection.

use std::any::Any;

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::error::ApiError;

pub use domain::text::{LINE_MAX_CHARS, NAME_MAX_CHARS, TEXT_MAX_CHARS};

/// A JSON body's limit where the route names none: every form of the UI fits many times over.
pub const JSON_MAX_BYTES: usize = 64 * 1024;

/// What a route may receive: body bytes and the characters of any one string in a JSON body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyLimit {
    /// Bytes of the body.
    pub bytes: usize,
    /// Characters of one JSON string (`usize::MAX`: the handler bounds its own fields).
    pub string_chars: usize,
}

/// Routes whose bodies are larger than a form, by the path as the router declares it. The
/// imports take the configured upload size; the rest are fixed here so that `docs/SECURITY.md`
/// can list them.
const ROUTE_LIMITS: &[(&str, usize, usize)] = &[
    // A screenshot of at most 5 MiB as base64 is 6.7 MiB; the handler caps the other fields
    // and counts the address's submissions before reading the body.
    ("/api/v1/public/clues", 7 * 1024 * 1024, usize::MAX),
    ("/api/v1/warnings/{id}/evidence", domain::dispatch::EVIDENCE_MAX_BYTES + 64 * 1024, TEXT_MAX_CHARS),
    ("/api/v1/prevention/activities/{id}/files", domain::dispatch::EVIDENCE_MAX_BYTES + 64 * 1024, TEXT_MAX_CHARS),
    // Batches from systems: up to a few thousand rows.
    ("/api/v1/decide", 1024 * 1024, LINE_MAX_CHARS),
    ("/api/v1/warnings/upstream", 4 * 1024 * 1024, TEXT_MAX_CHARS),
    ("/api/v1/engine/lists", 4 * 1024 * 1024, TEXT_MAX_CHARS),
    ("/api/v1/governance/outlets/{unit_id}/accounts", 4 * 1024 * 1024, TEXT_MAX_CHARS),
    ("/api/v1/flow/mules", 1024 * 1024, TEXT_MAX_CHARS),
    // A ruleset is a TOML text in one JSON string.
    ("/api/v1/engine/ruleset", 256 * 1024, 256 * 1024),
    ("/api/v1/reports/{id}/narrative", 256 * 1024, 64 * 1024),
];

const IMPORTS: &[&str] = &[
    "/api/v1/residents/import",
    "/api/v1/jurisdictions/import",
    "/api/v1/cases/import",
    "/api/v1/warnings/upstream/import",
];

/// The limit of a route (`route` as the router declares it, `None` for the UI's files).
pub fn body_limit(route: Option<&str>, max_upload_bytes: usize) -> BodyLimit {
    let Some(route) = route else { return BodyLimit { bytes: JSON_MAX_BYTES, string_chars: TEXT_MAX_CHARS } };
    if IMPORTS.contains(&route) {
        return BodyLimit { bytes: max_upload_bytes, string_chars: TEXT_MAX_CHARS };
    }
    ROUTE_LIMITS
        .iter()
        .find(|(r, ..)| *r == route)
        .map(|&(_, bytes, string_chars)| BodyLimit { bytes, string_chars })
        .unwrap_or(BodyLimit { bytes: JSON_MAX_BYTES, string_chars: TEXT_MAX_CHARS })
}

/// A field longer than `max` characters is refused, naming it.
pub fn cap(field: &'static str, v: &str, max: usize) -> Result<(), ApiError> {
    domain::text::text(field, v, max).map(|_| ()).map_err(ApiError::from)
}

fn too_large(limit: usize) -> Response {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!("body: larger than this route's limit of {limit} bytes"),
    )
    .into_response()
}

/// The body limit and the JSON text cap of the route (a `Router::layer` middleware: the
/// matched route is known here).
pub async fn limit_body(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string());
    let limit = body_limit(route.as_deref(), s.config.max_upload_bytes);
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit.bytes as u64) {
        return too_large(limit.bytes);
    }
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let (parts, body) = req.into_parts();
    let req = if is_json {
        // JSON bodies are small: read under the limit, then every string checked at once.
        let bytes = match axum::body::to_bytes(body, limit.bytes).await {
            Ok(b) => b,
            Err(_) => return too_large(limit.bytes),
        };
        if let Some((key, chars)) = over_long_string(&bytes, limit.string_chars) {
            let field = if key.is_empty() { "body".to_string() } else { key };
            return ApiError::invalid(format!("{field}: a text of {chars} characters; at most {}", limit.string_chars))
                .into_response();
        }
        Request::from_parts(parts, Body::from(bytes))
    } else {
        Request::from_parts(parts, Body::new(http_body_util::Limited::new(body, limit.bytes)))
    };
    json_errors(next.run(req).await).await
}

/// Rejections of the HTTP layer (malformed JSON, wrong content type, a multipart stream cut
/// off, a body over its limit) come as plain text; the API answers `{code, message, type}`.
async fn json_errors(res: Response) -> Response {
    let status = res.status();
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return res;
    }
    let text = axum::body::to_bytes(res.into_body(), 4096)
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    ApiError::new(status, crate::error::rejection_code(status), text).into_response()
}

/// The first JSON string (key or value) longer than `max` characters, with the key it belongs
/// to. A scan of the bytes, without building the document: cheap enough for every request.
/// Escapes count as they are written (`\u00e9` as six), which only errs on the strict side.
pub fn over_long_string(b: &[u8], max: usize) -> Option<(String, usize)> {
    if b.len() <= max {
        return None;
    }
    let mut key = String::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'"' {
            i += 1;
            continue;
        }
        let start = i + 1;
        let (mut j, mut chars) = (start, 0usize);
        while j < b.len() && b[j] != b'"' {
            if b[j] == b'\\' {
                j += 1;
            }
            j += 1;
            chars += 1;
            // UTF-8 continuation bytes are part of the character already counted.
            while j < b.len() && b[j] & 0xC0 == 0x80 {
                j += 1;
            }
        }
        let end = j.min(b.len());
        let mut k = end + 1;
        while k < b.len() && b[k].is_ascii_whitespace() {
            k += 1;
        }
        let is_key = k < b.len() && b[k] == b':';
        if chars > max {
            let name = if is_key { String::from("key") } else { key };
            return Some((name, chars));
        }
        if is_key {
            key = String::from_utf8_lossy(&b[start..end]).into_owned();
        }
        i = end + 1;
    }
    None
}

/// The browser's security headers on every response. Vue's runtime template compiler builds
/// render functions with `new Function`, so scripts need `'unsafe-eval'`; no inline script is
/// allowed. Element Plus sets inline styles, hence `style-src 'unsafe-inline'`.
pub async fn security_headers(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let api = path.starts_with("/api/");
    // A report's HTML is previewed inside the reports page: framed by this origin only.
    let framed_by_self = path.starts_with("/api/v1/reports/") && path.ends_with("/download");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        if framed_by_self {
            HeaderValue::from_static("default-src 'self'; script-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'")
        } else {
            HeaderValue::from_static("default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
        },
    );
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static(if framed_by_self { "SAMEORIGIN" } else { "DENY" }));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    // Secure cookies mean TLS in front: the browser is told to come back over HTTPS only (it
    // ignores the header on plain HTTP, so the local demo is unaffected either way).
    if s.config.cookie_secure {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    h.insert("permissions-policy", HeaderValue::from_static("camera=(), microphone=(), geolocation=()"));
    if s.config.cookie_secure {
        // Served behind TLS (the session cookie is `Secure`): browsers keep to HTTPS.
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    if api && !h.contains_key(header::CACHE_CONTROL) {
        // Personal data stays out of shared and disk caches.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// A handler that panicked: logged, answered 500 in the error contract; the connection and
/// the process go on.
pub fn panic_response(err: Box<dyn Any + Send + 'static>) -> Response {
    let detail = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("panic");
    ApiError::internal(format!("handler panicked: {detail}")).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_long_string_is_found_with_its_key() {
        let body = format!(r#"{{"username": "{}", "password": "x"}}"#, "a".repeat(70_000));
        assert_eq!(over_long_string(body.as_bytes(), 4000), Some(("username".into(), 70_000)));
        let ok = format!(r#"{{"note": "{}"}}"#, "村".repeat(4000));
        assert_eq!(over_long_string(ok.as_bytes(), 4000), None, "4000 Chinese characters are 12000 bytes and fit");
        let escaped = format!(r#"{{"a": "{}\"{}"}}"#, "x".repeat(10), "y".repeat(10));
        assert_eq!(
            over_long_string(escaped.as_bytes(), 20),
            Some(("a".into(), 21)),
            "an escaped quote does not end the string"
        );
        let long_key = format!(r#"{{"{}": 1}}"#, "k".repeat(50));
        assert_eq!(over_long_string(long_key.as_bytes(), 20), Some(("key".into(), 50)));
    }

    #[test]
    fn routes_have_their_limits() {
        assert_eq!(body_limit(Some("/api/v1/auth/login"), 32 << 20).bytes, JSON_MAX_BYTES);
        assert_eq!(body_limit(Some("/api/v1/residents/import"), 32 << 20).bytes, 32 << 20);
        assert_eq!(body_limit(None, 32 << 20).bytes, JSON_MAX_BYTES);
        assert!(body_limit(Some("/api/v1/public/clues"), 32 << 20).bytes > 5 * 1024 * 1024 * 4 / 3);
    }

    proptest! {
        #[test]
        fn the_scan_never_panics_and_agrees_with_serde(s in "\\PC{0,40}", junk in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = over_long_string(&junk, 3);
            let doc = serde_json::json!({"k": s}).to_string();
            let n = s.chars().count();
            let escapes = serde_json::to_string(&s).expect("a string serialises").chars().count() - 2;
            let found = over_long_string(doc.as_bytes(), 10);
            if escapes <= 10 { prop_assert_eq!(&found, &None); }
            if n > 10 { prop_assert!(found.is_some()); }
        }
    }
}

/// Counts attempts per key over a sliding window, in memory (a restart forgets them, which
/// only loosens a limit for one window). Used where a caller's rate is the defence: the public
/// clue form per address, identifier searches per user.
#[derive(Default)]
pub struct WindowLimiter {
    map: std::sync::Mutex<std::collections::HashMap<String, std::collections::VecDeque<std::time::Instant>>>,
}

impl WindowLimiter {
    /// Records an attempt of `key` and says whether it is within `per_window` in `window`.
    /// Refused attempts are not recorded: waiting is enough to be let in again.
    pub fn allow(&self, key: &str, per_window: usize, window: std::time::Duration) -> bool {
        let Ok(mut m) = self.map.lock() else { return false };
        let now = std::time::Instant::now();
        // Keep the map small: forget keys whose attempts all lie outside the window.
        if m.len() > 10_000 {
            m.retain(|_, v| v.back().is_some_and(|t| now.duration_since(*t) < window));
        }
        let v = m.entry(key.to_string()).or_default();
        while v.front().is_some_and(|t| now.duration_since(*t) >= window) {
            v.pop_front();
        }
        if v.len() >= per_window {
            return false;
        }
        v.push_back(now);
        true
    }
}
