//! The engine's learned model versions, for the centre: which exist, with what they scored on
//! their held-out period, and which one is in force (put in force or taken out, audited, live).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::AppState;
use crate::auth::{Authorized, perm};
use crate::error::{ApiError, ApiResult};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(model_versions, put_model))
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
    let model = match &version {
        Some(v) => {
            let body = s.store.model_body(v).await?.ok_or_else(|| ApiError::not_found("model version"))?;
            let mut m = engine::model::Model::from_json(&body)
                .map_err(|e| ApiError::invalid(format!("version: this model cannot be used by this build ({e})")))?;
            m.version = v.clone();
            Some(Arc::new(m))
        }
        None => None,
    };
    let old = s.store.model_in_force().await?;
    // The object is the version put in force; taking the model out has none (the detail says so).
    let mut entry = p.audit("update", "engine_model", version.clone(), &[]);
    entry.detail = serde_json::json!({"from": old, "to": version}).to_string();
    s.store.put_model_in_force(version.as_deref(), entry).await?;
    s.engine.set_model(model);
    model_versions(State(s), Authorized(p)).await
}
