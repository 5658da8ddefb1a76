//! The web UI, embedded in the binary so the one command that runs the demo needs nothing else.

use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

#[derive(rust_embed::Embed)]
#[folder = "ui/"]
struct Assets;

pub(crate) async fn static_handler(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    if path.starts_with("api/") {
        return crate::error::ApiError::not_found("endpoint").into_response();
    }
    let path = if path.is_empty() { "index.html" } else { path };
    match Assets::get(path) {
        Some(f) => {
            let mime = mime_guess::from_path(path).first_or_octet_stream();
            let cache = if path.starts_with("vendor/") { "public, max-age=86400" } else { "no-cache" };
            ([(header::CONTENT_TYPE, mime.as_ref().to_string()), (header::CACHE_CONTROL, cache.to_string())], f.data)
                .into_response()
        }
        // Client-side routes fall back to the app shell; missing files with an extension are 404.
        None if !path.contains('.') => match Assets::get("index.html") {
            Some(f) => ([(header::CONTENT_TYPE, "text/html; charset=utf-8".to_string())], f.data).into_response(),
            None => (StatusCode::NOT_FOUND, "UI not built").into_response(),
        },
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}
