//! The Fanzha HTTP server: JSON API under `/api/v1`, OpenAPI at `/api/openapi.json`, health,
//! Prometheus metrics and the embedded zh-CN web UI.
//!
//! Architecture invariant: every handler that touches data takes an [`auth::Authorized`]
//! extractor, so authentication, permission and scope cannot be forgotten; every read of
//! personal data writes an audit entry before the data leaves the server.

pub mod api;
pub mod auth;
pub mod error;
pub mod figures;
pub mod guard;
pub mod import;
pub mod intake;
pub mod learning;
pub mod notify;
pub mod reports;
pub mod stream;
mod telemetry;
mod ui;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

pub use telemetry::metrics_handle;

/// Settings of the server that are not the database.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Mark the session cookie `Secure` (serve behind TLS). Off only for plain-HTTP local use.
    pub cookie_secure: bool,
    /// Session lifetime.
    pub session_ttl: Duration,
    /// Largest upload accepted (imports).
    pub max_upload_bytes: usize,
    /// Where warnings go (`[routing]`): by default the station of the person's residence.
    pub routing: domain::dispatch::Routing,
    /// Coverage targets and the supervision rules of prevention (`[prevention]`).
    pub prevention: domain::prevention::PreventionConfig,
    /// The ladder after the ranking: notices, rectification listing, trace-backs (`[ladder]`).
    pub ladder: supervision::ladder::LadderRules,
    /// Notifications: webhooks and delivery settings (`[notify]`).
    pub notify: notify::NotifyConfig,
    /// Working days of the banks (`[calendar]`): public holidays and make-up days.
    pub calendar: domain::legal::WorkCalendar,
    /// How far an event's own time may lie from now (`/decide`, the stream, upstream warnings).
    pub event_time: domain::time::EventTimeWindow,
    /// A session unused this long ends (besides its absolute lifetime).
    pub session_idle: Duration,
    /// Addresses besides this machine's own that may read `/metrics` (the monitoring server).
    pub metrics_from: Vec<std::net::IpAddr>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            cookie_secure: true,
            session_ttl: Duration::from_secs(8 * 3600),
            max_upload_bytes: 32 * 1024 * 1024,
            routing: Default::default(),
            prevention: Default::default(),
            ladder: Default::default(),
            notify: Default::default(),
            calendar: Default::default(),
            event_time: Default::default(),
            session_idle: Duration::from_secs(30 * 60),
            metrics_from: Vec::new(),
        }
    }
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The store.
    pub store: store::Store,
    /// Settings.
    pub config: Arc<ServerConfig>,
    /// Recently authenticated sessions, so a burst of requests does not look the user and
    /// scope up again each time.
    pub(crate) sessions: Arc<auth::SessionCache>,
    /// The real-time engine, its accounts in shards so that requests decide in parallel.
    pub engine: Arc<engine::sharded::ShardedEngine>,
    /// Events the engine applied, on their way to the event log (written in batches).
    event_log: tokio::sync::mpsc::UnboundedSender<(String, i64, String)>,
    /// New warnings, for the live feed (masked).
    pub live: tokio::sync::broadcast::Sender<intake::LiveWarning>,
    /// Recent public clue submissions per address, for the rate limit.
    pub(crate) clue_limiter: Arc<guard::WindowLimiter>,
    /// Recent searches by an identifier per user, for the rate limit.
    pub(crate) search_limiter: Arc<guard::WindowLimiter>,
    /// The model training run started from the 预警模型 page (one at a time).
    pub(crate) training: Arc<std::sync::Mutex<learning::TrainingStatus>>,
}

impl AppState {
    /// State for a store and settings.
    pub fn new(store: store::Store, config: ServerConfig) -> Self {
        // More shards than cores, so that two requests seldom want the same one.
        let shards = std::thread::available_parallelism().map_or(1, usize::from) * 16;
        let engine = engine::sharded::ShardedEngine::new(Arc::new(engine::ruleset::Ruleset::default_ruleset()), shards);
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(write_event_log(store.clone(), rx));
        let (live, _) = tokio::sync::broadcast::channel(1024);
        Self {
            store,
            config: Arc::new(config),
            sessions: Arc::default(),
            engine: Arc::new(engine),
            event_log: tx,
            live,
            clue_limiter: Arc::default(),
            search_limiter: Arc::default(),
            training: Arc::default(),
        }
    }

    /// Records an event the engine applied (asynchronously, in batches: the decision is not
    /// held up by the write; a crash can lose the last few milliseconds of the log, which
    /// only makes the rebuilt windows miss those events).
    pub(crate) fn log_event(&self, e: &engine::event::Event) {
        if let Ok(body) = serde_json::to_string(e) {
            let _ = self.event_log.send((e.id().to_string(), e.ts_ms(), body));
        }
    }

    /// Applies standing events (fraud-list changes) to the engine and logs them, so that they
    /// hold at once and after a restart.
    pub(crate) fn apply_and_log(&self, events: &[engine::event::Event]) {
        for e in events {
            self.engine.apply(e);
            self.log_event(e);
        }
    }

    /// Rebuilds the engine's windows after a start by replaying the logged events of the
    /// longest window before the latest one; returns how many were replayed.
    pub async fn restore_engine(&self) -> anyhow::Result<u64> {
        let filled = self.store.backfill_warning_account_index().await?;
        if filled > 0 {
            tracing::info!(warnings = filled, "account indexes of older warnings filled");
        }
        // A ruleset uploaded through the API outlives the process.
        if let Some(text) = self.store.setting("engine_ruleset").await? {
            let rs = engine::ruleset::Ruleset::from_toml(&text)?;
            self.engine.set_ruleset(Arc::new(rs));
        } else {
            // The shipped ruleset is the first version of the history.
            let rs = engine::ruleset::Ruleset::default_ruleset();
            self.store
                .save_ruleset(&rs.version, engine::ruleset::DEFAULT_RULESET, "system", "随系统发布的默认规则")
                .await?;
        }
        let Some(latest) = self.store.latest_event_ts().await? else {
            self.load_shadow().await?;
            return Ok(0);
        };
        // An event logged before times were checked may lie in the future; the windows end now.
        let latest = latest.min(store::now_ms().saturating_add(self.config.event_time.future_s.saturating_mul(1000)));
        // The features' whole history and a day more, not just the rules' longest window: an
        // account met in the last 90 days is not new after a restart either (the default
        // warm-up is that long), and the model scores on the history it was trained on.
        let history_s = engine::state::MAX_WINDOW_S.max((engine::features::HISTORY_DAYS + 1) * 86_400);
        let since = latest - history_s * 1000;
        // Fraud-list changes and account openings older than any window still hold; then the
        // window itself.
        let mut n = 0u64;
        for standing in [true, false] {
            let mut after = 0i64;
            loop {
                let page = if standing {
                    self.store.logged_standing_events(since, after, 10_000).await?
                } else {
                    self.store.logged_events(since, after, 10_000).await?
                };
                if page.is_empty() {
                    break;
                }
                for (seq, body) in page {
                    after = seq;
                    let e: engine::event::Event = serde_json::from_str(&body)?;
                    self.engine.apply(&e);
                    n += 1;
                }
            }
        }
        tracing::info!(events = n, "engine windows rebuilt from the event log");
        self.load_shadow().await?;
        Ok(n)
    }

    /// A shadow run outlives the process like the ruleset. It starts after the replay: the
    /// replayed events were decided before and are not recorded again.
    async fn load_shadow(&self) -> anyhow::Result<()> {
        if let Some(run) = self.store.open_shadow().await? {
            match crate::api::models::shadow_of(self, &run).await {
                Ok(sh) => self.engine.set_shadow(Some(sh)),
                Err(e) => {
                    tracing::error!(error = %e, run = run.id, "the shadow run under way cannot be loaded; it does not run")
                }
            }
        }
        Ok(())
    }
}

async fn write_event_log(store: store::Store, mut rx: tokio::sync::mpsc::UnboundedReceiver<(String, i64, String)>) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < 2_000 {
            match rx.try_recv() {
                Ok(e) => batch.push(e),
                Err(_) => break,
            }
        }
        if let Err(e) = store.log_events(&batch).await {
            tracing::error!(error = %e, events = batch.len(), "could not write the engine event log");
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Fanzha API", description = "反诈工作平台 API: registry, residents, users, audit."),
    components(schemas(error::ErrorBody))
)]
struct ApiDoc;

/// The whole application as a router (tests drive it in process).
pub fn router(state: AppState) -> Router {
    let (api, openapi) =
        OpenApiRouter::with_openapi(ApiDoc::openapi()).nest("/api/v1", api::routes()).split_for_parts();
    let openapi = Arc::new(openapi);
    let max_upload = state.config.max_upload_bytes;
    Router::new()
        .merge(api)
        .route(
            "/api/openapi.json",
            axum::routing::get(move || {
                let doc = openapi.clone();
                async move { axum::Json(doc.as_ref().clone()) }
            }),
        )
        .route("/healthz", axum::routing::get(api::healthz))
        .route("/metrics", axum::routing::get(telemetry::metrics))
        .fallback(ui::static_handler)
        // Innermost first: the route's limit (it needs the matched route), then the general
        // ceiling of the extractors, panics caught, headers set on whatever answers.
        .layer(axum::middleware::from_fn_with_state(state.clone(), guard::limit_body))
        .layer(axum::extract::DefaultBodyLimit::max(max_upload))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(guard::panic_response))
        .layer(axum::middleware::from_fn_with_state(state.clone(), guard::security_headers))
        .layer(axum::middleware::from_fn(telemetry::track))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves until Ctrl-C (or SIGTERM), then finishes requests in flight.
pub async fn serve(listener: TcpListener, state: AppState) -> anyhow::Result<()> {
    tokio::spawn(notify::run(state.clone()));
    let app = router(state);
    tracing::info!(addr = %listener.local_addr()?, "serving");
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
