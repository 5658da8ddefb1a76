//! One error contract for the whole API: `{code, message, type}` with stable machine codes
//! the UI translates. A 5xx answers a generic message and logs the detail.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// An API error.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

/// The JSON body of every error.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable machine code, e.g. `not_found`, `invalid_value`, `forbidden`.
    pub code: &'static str,
    /// Human-readable explanation (English, for the systems that call the API).
    pub message: String,
    /// For a refused value or a conflict: the field as the API names it, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// For a refused value or a conflict: the same in Chinese for people, the field named by
    /// its label on the forms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_zh: Option<String>,
    /// `invalid_request`, `auth` or `internal`.
    #[serde(rename = "type")]
    pub kind: &'static str,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for ApiError {}

impl ApiError {
    /// An error with an explicit status and code.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into() }
    }
    /// 400 with a field named.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_value", message)
    }
    /// 401.
    pub fn unauthenticated() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", "log in or present an API key")
    }
    /// 403.
    pub fn forbidden(what: &str) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", format!("missing permission: {what}"))
    }
    /// 404.
    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", format!("{what} not found"))
    }
    /// 500; the detail goes to the log only.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(error = %detail, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error; see the server log")
    }
    /// The code, for tests.
    pub fn code(&self) -> &'static str {
        self.code
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let kind = match self.status.as_u16() {
            401 | 403 => "auth",
            500..=599 => "internal",
            _ => "invalid_request",
        };
        let (field, message_zh) = match self.code {
            "invalid_value" | "conflict" => {
                let (f, zh) = domain::messages::invalid_zh(&self.message);
                (f, Some(zh))
            }
            _ => (None, None),
        };
        (self.status, Json(ErrorBody { code: self.code, message: self.message, field, message_zh, kind }))
            .into_response()
    }
}

impl From<store::StoreError> for ApiError {
    fn from(e: store::StoreError) -> Self {
        use store::StoreError as E;
        match e {
            E::NotFound(what) => Self::not_found(what),
            E::Conflict { field, message } => {
                Self::new(StatusCode::CONFLICT, "conflict", format!("{field}: {message}"))
            }
            E::Invalid(v) => Self::invalid(v.to_string()),
            other => Self::internal(other),
        }
    }
}

impl From<domain::InvalidValue> for ApiError {
    fn from(v: domain::InvalidValue) -> Self {
        Self::invalid(v.to_string())
    }
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;

/// A JSON body taken as `Result<Json<T>, JsonRejection>` and decoded only after the handler
/// has checked who calls: a caller without the permission hears 403, not what its body lacks.
pub fn body<T>(b: Result<Json<T>, axum::extract::rejection::JsonRejection>) -> Result<T, ApiError> {
    b.map(|Json(v)| v).map_err(|r| ApiError::new(r.status(), rejection_code(r.status()), r.body_text()))
}

/// The machine code of a rejection of the HTTP layer (malformed JSON, wrong content type, a
/// body over its limit), by its status: one mapping for the middleware and the handlers.
pub fn rejection_code(status: StatusCode) -> &'static str {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::NOT_FOUND => "not_found",
        s if s.is_server_error() => "internal",
        _ => "invalid_value",
    }
}
