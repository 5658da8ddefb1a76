//! Request metrics for Prometheus.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The process-wide recorder (installed once; later servers in the same process share it).
pub fn metrics_handle() -> Option<PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets(&[0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5])
                .ok()?
                .build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).ok()?;
            Some(handle)
        })
        .clone()
}

pub(crate) async fn track(req: Request, next: Next) -> Response {
    let _ = metrics_handle();
    let start = Instant::now();
    let path = req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "other".into());
    let method = req.method().to_string();
    let resp = next.run(req).await;
    let status = resp.status().as_u16().to_string();
    let labels = [("method", method), ("path", path), ("status", status)];
    metrics::counter!("fanzha_http_requests_total", &labels).increment(1);
    metrics::histogram!("fanzha_http_request_duration_seconds", &labels).record(start.elapsed().as_secs_f64());
    resp
}

/// The request figures, for this machine and the configured monitoring servers only: they
/// tell an outsider which routes are used and how much, and nothing needs them from outside.
pub(crate) async fn metrics(
    axum::extract::State(s): axum::extract::State<crate::AppState>,
    axum::extract::ConnectInfo(addr): axum::extract::ConnectInfo<std::net::SocketAddr>,
) -> Response {
    if !metrics_allowed(addr.ip(), &s.config.metrics_from) {
        return crate::error::ApiError::not_found("route").into_response();
    }
    match metrics_handle() {
        Some(h) => ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], h.render()).into_response(),
        None => (axum::http::StatusCode::SERVICE_UNAVAILABLE, "metrics recorder unavailable").into_response(),
    }
}

/// Whether `ip` may read the metrics: a loopback address (IPv4-mapped ones included), or one
/// of `from`.
pub fn metrics_allowed(ip: std::net::IpAddr, from: &[std::net::IpAddr]) -> bool {
    let ip = match ip {
        std::net::IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, std::net::IpAddr::V4),
        v4 => v4,
    };
    ip.is_loopback() || from.contains(&ip)
}

#[cfg(test)]
mod tests {
    use super::metrics_allowed;

    #[test]
    fn metrics_only_for_this_machine_and_the_named_scrapers() {
        let p = |s: &str| s.parse::<std::net::IpAddr>().expect("ip");
        assert!(metrics_allowed(p("127.0.0.1"), &[]));
        assert!(metrics_allowed(p("::1"), &[]));
        assert!(metrics_allowed(p("::ffff:127.0.0.1"), &[]));
        assert!(!metrics_allowed(p("10.1.2.3"), &[]));
        assert!(!metrics_allowed(p("::ffff:10.1.2.3"), &[]));
        assert!(metrics_allowed(p("10.1.2.3"), &[p("10.1.2.3")]));
        assert!(!metrics_allowed(p("10.1.2.4"), &[p("10.1.2.3")]));
    }
}
