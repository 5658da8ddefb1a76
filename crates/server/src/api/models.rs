//! The engine's learned model versions, for the centre: which exist, with what they scored on
//! their held-out period, and which one is in force (put in force or taken out, audited, live);
//! and shadow runs: a candidate ruleset and model deciding beside the ones in force on the live
//! stream, compared against what the work system has confirmed, then promoted or stopped, and a
//! promotion rolled back.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::AppState;
use crate::auth::{Authorized, perm};
use crate::error::{ApiError, ApiResult};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(model_versions, put_model))
        .routes(routes!(start_training, training))
        .routes(routes!(shadow, start_shadow, stop_shadow))
        .routes(routes!(promote_shadow))
        .routes(routes!(roll_back_promotion))
}

/// The versions, newest first, and the one in force.
#[derive(Serialize, utoipa::ToSchema)]
struct ModelVersions {
    /// The version the engine decides with; none: the rules alone.
    in_force: Option<String>,
    versions: Vec<store::ModelVersion>,
}

/// Every trained model version (`fanzha model train`) and the one in force.
#[utoipa::path(get, path = "/engine/models", tag = "engine", responses((status = 200, body = ModelVersions)))]
async fn model_versions(
    State(s): State<AppState>,
    Authorized(_p): Authorized<{ perm::WARNING_READ }>,
) -> ApiResult<Json<ModelVersions>> {
    Ok(Json(ModelVersions { in_force: s.store.model_in_force().await?, versions: s.store.model_versions().await? }))
}

/// Which model version to decide with.
#[derive(Deserialize, utoipa::ToSchema)]
struct ModelChoice {
    /// A stored version; absent or empty: the rules alone.
    version: Option<String>,
}

/// Puts a model version in force, or takes the model out (the rules alone): kept first, with
/// its audit entry, then in force for the next event, as a restart would load it.
#[utoipa::path(put, path = "/engine/model", tag = "engine", request_body = ModelChoice, responses((status = 200, body = ModelVersions), (status = 404, body = crate::error::ErrorBody)))]
async fn put_model(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::LIST_WRITE }>,
    Json(b): Json<ModelChoice>,
) -> ApiResult<Json<ModelVersions>> {
    let version = b.version.map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let model = stored_model(&s, version.as_deref()).await?;
    let old = s.store.model_in_force().await?;
    // The object is the version put in force; taking the model out has none (the detail says so).
    let mut entry = p.audit("update", "engine_model", version.clone(), &[]);
    entry.detail = serde_json::json!({"from": old, "to": version}).to_string();
    s.store.put_model_in_force(version.as_deref(), entry).await?;
    s.engine.set_model(model);
    model_versions(State(s), Authorized(p)).await
}

/// A stored model version as the engine uses it (`None`: the rules alone).
async fn stored_model(s: &AppState, version: Option<&str>) -> ApiResult<Option<Arc<engine::model::Model>>> {
    let Some(v) = version else { return Ok(None) };
    let body = s.store.model_body(v).await?.ok_or_else(|| ApiError::not_found("model version"))?;
    let m = engine::model::Model::from_stored(v, &body)
        .map_err(|e| ApiError::invalid(format!("version: this model cannot be used by this build ({e})")))?;
    Ok(Some(Arc::new(m)))
}

/// A ruleset file as the engine uses it.
fn ruleset_of(body: &str) -> ApiResult<Arc<engine::ruleset::Ruleset>> {
    let rs = engine::ruleset::Ruleset::from_toml(body)
        .map_err(|e| ApiError::invalid(format!("ruleset_version: this ruleset cannot be used by this build ({e})")))?;
    Ok(Arc::new(rs))
}

/// The candidate of a stored shadow run, loaded for the engine.
pub(crate) async fn shadow_of(s: &AppState, run: &store::ShadowRun) -> ApiResult<engine::Shadow> {
    let body =
        s.store.ruleset_body(&run.ruleset_version).await?.ok_or_else(|| ApiError::not_found("ruleset version"))?;
    Ok(engine::Shadow {
        run: run.id,
        ruleset: ruleset_of(&body)?,
        model: stored_model(s, Some(run.model_version.as_str()).filter(|m| !m.is_empty())).await?,
    })
}

/// What one side raised during a run.
#[derive(Serialize, utoipa::ToSchema, Default)]
struct SideFigures {
    /// Transfers it warned on or held.
    warnings: u64,
    /// Of those, the ones the work system has since confirmed as fraud.
    frauds_caught: u64,
}

/// Warnings a station would get from each side.
#[derive(Serialize, utoipa::ToSchema)]
struct StationFigures {
    /// Station name (the centre when the payer's residence is unknown).
    station: String,
    in_force: u64,
    candidate: u64,
}

/// Warnings of one China-time day from each side.
#[derive(Serialize, utoipa::ToSchema)]
struct DayFigures {
    /// `YYYY-MM-DD`.
    day: String,
    in_force: u64,
    candidate: u64,
}

/// A run's two sides side by side, over the transfers where either warned.
#[derive(Serialize, utoipa::ToSchema)]
struct ShadowComparison {
    run: store::ShadowRun,
    /// The ruleset and model in force during the run.
    in_force: SideFigures,
    /// The candidate.
    candidate: SideFigures,
    /// Transfers both warned on.
    both: u64,
    /// Transfers either warned on that the work system has confirmed as fraud.
    known_frauds: u64,
    /// Confirmed frauds only the side in force warned on (the candidate would miss them).
    caught_only_in_force: u64,
    /// Confirmed frauds only the candidate warned on.
    caught_only_candidate: u64,
    stations: Vec<StationFigures>,
    days: Vec<DayFigures>,
}

/// The shadow page: a run compared, the latest runs, and the promotion that can be rolled back.
#[derive(Serialize, utoipa::ToSchema)]
struct ShadowView {
    /// The run asked for, else the one under way, else the latest.
    comparison: Option<ShadowComparison>,
    /// Whether a run is under way.
    running: bool,
    /// The latest runs, newest first.
    runs: Vec<store::ShadowRun>,
    /// The latest promotion, while it is what is in force (it can be rolled back).
    last_promotion: Option<store::ShadowRun>,
}

/// Which run to compare.
#[derive(Deserialize, utoipa::IntoParams)]
struct ShadowQuery {
    /// A run id; absent: the one under way, else the latest.
    run: Option<i64>,
}

async fn compare(s: &AppState, run: store::ShadowRun) -> ApiResult<ShadowComparison> {
    let rows = s.store.shadow_decisions(run.id).await?;
    let labeller = domain::labels::Labeller::new(s.store.learning_evidence().await?);
    let names = s.store.station_names().await?;
    let warned = |a: &str| a == "warn" || a == "hold";
    let (mut live, mut cand) = (SideFigures::default(), SideFigures::default());
    let (mut both, mut known, mut only_live, mut only_cand) = (0, 0, 0, 0);
    let mut stations: std::collections::BTreeMap<String, [u64; 2]> = Default::default();
    let mut days: std::collections::BTreeMap<String, [u64; 2]> = Default::default();
    for r in &rows {
        let hit = [warned(&r.live_action), warned(&r.shadow_action)];
        let fraud = labeller.label(&r.event_id, &r.payer, &r.payee, i64::MAX).is_some_and(|l| l.fraud);
        for (side, h) in [(&mut live, hit[0]), (&mut cand, hit[1])] {
            side.warnings += u64::from(h);
            side.frauds_caught += u64::from(h && fraud);
        }
        both += u64::from(hit[0] && hit[1]);
        known += u64::from(fraud);
        only_live += u64::from(fraud && hit[0] && !hit[1]);
        only_cand += u64::from(fraud && hit[1] && !hit[0]);
        let station = names.of(r.station_id);
        let day = domain::time::china_date(r.event_ts).map(|d| d.to_string()).unwrap_or_default();
        for c in [stations.entry(station).or_default(), days.entry(day).or_default()] {
            c[0] += u64::from(hit[0]);
            c[1] += u64::from(hit[1]);
        }
    }
    Ok(ShadowComparison {
        run,
        in_force: live,
        candidate: cand,
        both,
        known_frauds: known,
        caught_only_in_force: only_live,
        caught_only_candidate: only_cand,
        stations: stations
            .into_iter()
            .map(|(station, [in_force, candidate])| StationFigures { station, in_force, candidate })
            .collect(),
        days: days.into_iter().map(|(day, [in_force, candidate])| DayFigures { day, in_force, candidate }).collect(),
    })
}

/// A shadow run compared with the engine in force: warnings each raised, confirmed frauds each
/// caught or missed, by station and by day.
#[utoipa::path(get, path = "/engine/shadow", tag = "engine", params(ShadowQuery), responses((status = 200, body = ShadowView), (status = 404, body = crate::error::ErrorBody)))]
async fn shadow(
    State(s): State<AppState>,
    Authorized(_p): Authorized<{ perm::LIST_WRITE }>,
    Query(q): Query<ShadowQuery>,
) -> ApiResult<Json<ShadowView>> {
    let runs = s.store.shadow_runs(10).await?;
    let running = runs.first().is_some_and(|r| r.ended_at.is_none());
    let run = match q.run {
        Some(id) => Some(s.store.shadow_run(id).await?.ok_or_else(|| ApiError::not_found("shadow run"))?),
        None => runs.first().cloned(),
    };
    let comparison = match run {
        Some(r) => Some(compare(&s, r).await?),
        None => None,
    };
    Ok(Json(ShadowView { comparison, running, runs, last_promotion: s.store.last_promotion().await? }))
}

/// The candidate to run in shadow.
#[derive(Deserialize, utoipa::ToSchema)]
struct ShadowChoice {
    /// A stored ruleset version; absent: the one in force.
    ruleset_version: Option<String>,
    /// A stored model version; absent or empty: the candidate's rules alone.
    model_version: Option<String>,
}

/// Starts a candidate in shadow on the live stream (ending the run under way): its decisions
/// are recorded beside those in force, never acted on. Kept with its audit entry first, then
/// live for the next event.
#[utoipa::path(put, path = "/engine/shadow", tag = "engine", request_body = ShadowChoice, responses((status = 200, body = ShadowView), (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
async fn start_shadow(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::LIST_WRITE }>,
    Json(b): Json<ShadowChoice>,
) -> ApiResult<Json<ShadowView>> {
    let pick = |v: Option<String>| v.map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let ruleset_version = pick(b.ruleset_version).unwrap_or_else(|| s.engine.ruleset().version.clone());
    let model_version = pick(b.model_version);
    if ruleset_version.chars().count() > 100 || model_version.as_ref().is_some_and(|m| m.chars().count() > 100) {
        return Err(ApiError::invalid("ruleset_version: at most 100 characters"));
    }
    let by = super::actor_label(&s, &p).await?;
    let mut entry = p.audit("create", "engine_shadow", None, &[]);
    entry.detail = serde_json::json!({"ruleset": ruleset_version, "model": model_version}).to_string();
    let run = s.store.start_shadow(&ruleset_version, model_version.as_deref(), &by, entry).await?;
    // Loaded after it is kept, as a restart would load it; a file this build cannot use ends
    // the run it just started.
    match shadow_of(&s, &run).await {
        Ok(sh) => s.engine.set_shadow(Some(sh)),
        Err(e) => {
            let _ = s.store.stop_shadow(&by, p.audit("delete", "engine_shadow", Some(run.id.to_string()), &[])).await;
            s.engine.set_shadow(None);
            return Err(e);
        }
    }
    shadow(State(s), Authorized(p), Query(ShadowQuery { run: None })).await
}

/// Stops the run under way; what it recorded stays for comparison.
#[utoipa::path(delete, path = "/engine/shadow", tag = "engine", responses((status = 200, body = ShadowView), (status = 404, body = crate::error::ErrorBody)))]
async fn stop_shadow(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::LIST_WRITE }>,
) -> ApiResult<Json<ShadowView>> {
    let by = super::actor_label(&s, &p).await?;
    let run = s.store.open_shadow().await?.ok_or_else(|| ApiError::not_found("shadow run"))?;
    s.store.stop_shadow(&by, p.audit("delete", "engine_shadow", Some(run.id.to_string()), &[])).await?;
    s.engine.set_shadow(None);
    shadow(State(s), Authorized(p), Query(ShadowQuery { run: Some(run.id) })).await
}

/// Puts the candidate under way in force (its ruleset and model) and ends its run, keeping
/// what it replaced for a roll-back; audited, live for the next event.
#[utoipa::path(post, path = "/engine/shadow/promote", tag = "engine", responses((status = 200, body = ShadowView), (status = 404, body = crate::error::ErrorBody)))]
async fn promote_shadow(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::LIST_WRITE }>,
) -> ApiResult<Json<ShadowView>> {
    let run = s.store.open_shadow().await?.ok_or_else(|| ApiError::not_found("shadow run"))?;
    // Loaded before anything changes: a candidate this build cannot use is refused whole.
    let candidate = shadow_of(&s, &run).await?;
    let by = super::actor_label(&s, &p).await?;
    let old = s.engine.ruleset().version.clone();
    let mut entry = p.audit("update", "engine_shadow", Some(run.id.to_string()), &[]);
    entry.detail = serde_json::json!({"promoted": {"ruleset": run.ruleset_version, "model": run.model_version}, "replaced_ruleset": old}).to_string();
    s.store.promote_shadow(&old, &by, entry).await?;
    s.engine.set_ruleset(candidate.ruleset);
    s.engine.set_model(candidate.model);
    s.engine.set_shadow(None);
    shadow(State(s), Authorized(p), Query(ShadowQuery { run: Some(run.id) })).await
}

/// Puts back the ruleset and model that the latest promotion replaced; audited, live for the
/// next event.
#[utoipa::path(post, path = "/engine/shadow/rollback", tag = "engine", responses((status = 200, body = ShadowView), (status = 404, body = crate::error::ErrorBody)))]
async fn roll_back_promotion(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::LIST_WRITE }>,
) -> ApiResult<Json<ShadowView>> {
    let run = s.store.last_promotion().await?.ok_or_else(|| ApiError::not_found("promotion"))?;
    let body =
        s.store.ruleset_body(&run.replaced_ruleset).await?.ok_or_else(|| ApiError::not_found("ruleset version"))?;
    let (ruleset, model) =
        (ruleset_of(&body)?, stored_model(&s, Some(run.replaced_model.as_str()).filter(|m| !m.is_empty())).await?);
    let by = super::actor_label(&s, &p).await?;
    let mut entry = p.audit("update", "engine_shadow", Some(run.id.to_string()), &[]);
    entry.detail =
        serde_json::json!({"rolled_back_to": {"ruleset": run.replaced_ruleset, "model": run.replaced_model}})
            .to_string();
    s.store.roll_back_promotion(&by, entry).await?;
    s.engine.set_ruleset(ruleset);
    s.engine.set_model(model);
    shadow(State(s), Authorized(p), Query(ShadowQuery { run: Some(run.id) })).await
}

/// What to train on; absent: the defaults of `fanzha model train`.
#[derive(Deserialize, utoipa::ToSchema)]
struct TrainChoice {
    /// First day learned from (YYYY-MM-DD, China time).
    from: Option<String>,
    /// First day of the held-out period.
    test_from: Option<String>,
    /// Day after the held-out period.
    to: Option<String>,
    /// Model score from which a transfer warns, for the figures (default 0.5).
    threshold: Option<f64>,
}

fn day_ms(field: &str, v: Option<&str>) -> ApiResult<Option<i64>> {
    let Some(v) = v.map(str::trim).filter(|v| !v.is_empty()) else { return Ok(None) };
    let bad = || ApiError::invalid(format!("{field}: expected a date YYYY-MM-DD"));
    let d: jiff::civil::Date = v.parse().map_err(|_| bad())?;
    if !domain::time::YEARS.contains(&i32::from(d.year())) {
        return Err(bad());
    }
    Ok(Some(d.to_zoned(domain::time::china()).map_err(|_| bad())?.timestamp().as_millisecond()))
}

fn lock_training(s: &AppState) -> std::sync::MutexGuard<'_, crate::learning::TrainingStatus> {
    s.training.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Trains a new model version from the event log and the work system's outcomes, in the
/// background (one run at a time); `GET /engine/models/training` follows it. The version is
/// kept with its figures and audited; it is not put in force.
#[utoipa::path(post, path = "/engine/models/train", tag = "engine", request_body = TrainChoice, responses((status = 202, body = crate::learning::TrainingStatus), (status = 400, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
async fn start_training(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::LIST_WRITE }>,
    Json(b): Json<TrainChoice>,
) -> ApiResult<(axum::http::StatusCode, Json<crate::learning::TrainingStatus>)> {
    let from = day_ms("from", b.from.as_deref())?;
    let test_from = day_ms("test_from", b.test_from.as_deref())?;
    let to = day_ms("to", b.to.as_deref())?;
    let threshold = b.threshold.unwrap_or(0.5);
    if !(threshold > 0.0 && threshold < 1.0) {
        return Err(ApiError::invalid("threshold: must lie between 0 and 1 (exclusive)"));
    }
    let by = super::actor_label(&s, &p).await?;
    {
        let mut st = lock_training(&s);
        if st.running {
            return Err(ApiError::new(axum::http::StatusCode::CONFLICT, "conflict", "training: a run is under way"));
        }
        *st = crate::learning::TrainingStatus {
            running: true,
            phase: Some(engine::learn::Phase::Replay.as_str().into()),
            started_at: Some(store::now_ms()),
            started_by: by.clone(),
            ..Default::default()
        };
    }
    let req = crate::learning::TrainRequest { from, test_from, to, threshold, by };
    let job = s.clone();
    let progress: crate::learning::ProgressFn = {
        let job = job.clone();
        Arc::new(move |phase: engine::learn::Phase, done: u64, total: u64| {
            let mut st = lock_training(&job);
            st.phase = Some(phase.as_str().into());
            (st.done, st.total) = (done, total);
        })
    };
    let audit = move |version: &str| {
        let mut e = p.audit("create", "engine_model", Some(version.to_string()), &[]);
        e.detail =
            serde_json::json!({"from": from, "test_from": test_from, "to": to, "threshold": threshold}).to_string();
        e
    };
    tokio::spawn(async move {
        let r = crate::learning::train(&job.store, req, audit, progress).await;
        let mut st = lock_training(&job);
        st.running = false;
        st.phase = None;
        st.finished_at = Some(store::now_ms());
        match r {
            Ok(t) => st.version = Some(t.version),
            Err(e) => {
                tracing::warn!(error = %e, "model training from the page failed");
                st.error_zh = Some(crate::learning::failure_zh(&e));
            }
        }
    });
    let st = lock_training(&s).clone();
    Ok((axum::http::StatusCode::ACCEPTED, Json(st)))
}

/// The training run started from the page: where it is, or how it ended.
#[utoipa::path(get, path = "/engine/models/training", tag = "engine", responses((status = 200, body = crate::learning::TrainingStatus)))]
async fn training(
    State(s): State<AppState>,
    Authorized(_p): Authorized<{ perm::LIST_WRITE }>,
) -> ApiResult<Json<crate::learning::TrainingStatus>> {
    Ok(Json(lock_training(&s).clone()))
}
