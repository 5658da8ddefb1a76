//! Jurisdictions, population, police stations and member units.

use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use domain::{JurisdictionKind, MemberUnitKind, Scope};
use serde::{Deserialize, Serialize};
use store::{Jurisdiction, MemberUnit, Page, PoliceStation, PopulationRow};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::Paging;
use crate::AppState;
use crate::auth::{Authorized, Principal, perm};
use crate::error::{ApiError, ApiResult};
use crate::import::{self, ImportReport};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_jurisdictions, create_jurisdiction))
        .routes(routes!(jurisdiction_tree))
        .routes(routes!(get_jurisdiction, update_jurisdiction))
        .routes(routes!(set_population))
        .routes(routes!(import_jurisdictions))
        .routes(routes!(list_stations, create_station))
        .routes(routes!(get_station))
        .routes(routes!(set_precinct))
        .routes(routes!(list_units, create_unit))
        .routes(routes!(get_unit, update_unit))
        .routes(routes!(unit_kinds))
        .routes(routes!(registry_stats))
}

/// Counts for the dashboard, all within the caller's scope.
#[derive(Serialize, utoipa::ToSchema)]
struct RegistryStats {
    /// Residents registered, per age band code.
    residents_by_age_band: Vec<(String, i64)>,
    /// Residents registered in all.
    residents: i64,
    /// Nodes per kind.
    jurisdictions_by_kind: Vec<(String, i64)>,
    /// Police stations in the county.
    stations: i64,
    /// Member units visible.
    units: i64,
}

/// Registry counts in scope.
#[utoipa::path(get, path = "/stats/registry", tag = "registry", responses((status = 200, body = RegistryStats)))]
async fn registry_stats(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::REGISTRY_READ }>,
) -> ApiResult<Json<RegistryStats>> {
    let by_age = if p.can(domain::Permission::ResidentRead) {
        s.store.resident_counts_by_age(&p.scope).await?
    } else {
        Vec::new()
    };
    let tree = s.store.jurisdiction_tree(&p.scope).await?;
    let mut by_kind: Vec<(String, i64)> = JurisdictionKind::ALL.iter().map(|k| (k.as_str().to_string(), 0)).collect();
    for j in &tree {
        if let Some(e) = by_kind.iter_mut().find(|(k, _)| *k == j.kind) {
            e.1 += 1;
        }
    }
    let units = s
        .store
        .list_units(&p.scope, &store::UnitFilter::default(), store::PageReq { page: 1, per_page: 1 })
        .await?
        .total;
    Ok(Json(RegistryStats {
        residents: by_age.iter().map(|(_, n)| n).sum(),
        residents_by_age_band: by_age,
        jurisdictions_by_kind: by_kind,
        stations: s.store.list_stations().await?.len() as i64,
        units,
    }))
}

/// Filters for the jurisdiction list.
#[derive(Deserialize, utoipa::IntoParams)]
struct JurisdictionQuery {
    /// county / town / village / grid.
    kind: Option<String>,
    /// Children of this node.
    parent_id: Option<i64>,
    /// Name contains.
    q: Option<String>,
}

/// Jurisdictions in the caller's scope.
#[utoipa::path(get, path = "/jurisdictions", tag = "registry", params(JurisdictionQuery, Paging), responses((status = 200, body = Page<Jurisdiction>)))]
async fn list_jurisdictions(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::REGISTRY_READ }>,
    Query(q): Query<JurisdictionQuery>,
    Query(pg): Query<Paging>,
) -> ApiResult<Json<Page<Jurisdiction>>> {
    let kind = q.kind.as_deref().filter(|k| !k.is_empty()).map(JurisdictionKind::parse).transpose()?;
    Ok(Json(s.store.list_jurisdictions(&p.scope, kind, q.parent_id, q.q.as_deref(), pg.req()).await?))
}

/// The whole tree in scope, flat with parent ids, for the tree view.
#[utoipa::path(get, path = "/jurisdictions/tree", tag = "registry", responses((status = 200, body = Vec<Jurisdiction>)))]
async fn jurisdiction_tree(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::REGISTRY_READ }>,
) -> ApiResult<Json<Vec<Jurisdiction>>> {
    Ok(Json(s.store.jurisdiction_tree(&p.scope).await?))
}

/// One jurisdiction with all its population figures.
#[derive(Serialize, utoipa::ToSchema)]
struct JurisdictionDetail {
    #[serde(flatten)]
    jurisdiction: Jurisdiction,
    population: Vec<PopulationRow>,
    station_id: Option<i64>,
}

async fn visible_jurisdiction(s: &AppState, p: &Principal, id: i64) -> ApiResult<Jurisdiction> {
    let j = s.store.jurisdiction(id).await?.ok_or_else(|| ApiError::not_found("jurisdiction"))?;
    if !p.scope.contains(&j.path) {
        return Err(ApiError::not_found("jurisdiction"));
    }
    Ok(j)
}

/// One jurisdiction.
#[utoipa::path(get, path = "/jurisdictions/{id}", tag = "registry", responses((status = 200, body = JurisdictionDetail)))]
async fn get_jurisdiction(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::REGISTRY_READ }>,
    Path(id): Path<i64>,
) -> ApiResult<Json<JurisdictionDetail>> {
    let j = visible_jurisdiction(&s, &p, id).await?;
    let population = s.store.population_figures(id).await?;
    let station_id = s.store.station_for_path(&j.path).await?;
    Ok(Json(JurisdictionDetail { jurisdiction: j, population, station_id }))
}

/// A new jurisdiction.
#[derive(Deserialize, utoipa::ToSchema)]
struct NewJurisdictionBody {
    parent_id: Option<i64>,
    kind: String,
    code: String,
    name: String,
}

/// Adds a node under a parent in scope.
#[utoipa::path(post, path = "/jurisdictions", tag = "registry", request_body = NewJurisdictionBody, responses((status = 200, body = Jurisdiction)))]
async fn create_jurisdiction(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::REGISTRY_WRITE }>,
    Json(b): Json<NewJurisdictionBody>,
) -> ApiResult<Json<Jurisdiction>> {
    match b.parent_id {
        Some(pid) => {
            visible_jurisdiction(&s, &p, pid).await?;
        }
        None if p.scope != Scope::All => return Err(ApiError::forbidden("a county-wide scope to add a county")),
        None => {}
    }
    let j = s
        .store
        .create_jurisdiction(
            &store::NewJurisdiction {
                parent_id: b.parent_id,
                kind: JurisdictionKind::parse(&b.kind)?,
                code: b.code,
                name: b.name,
            },
            Some(Box::new(|id: &i64| {
                p.audit("create", "jurisdiction", Some(id.to_string()), &["kind", "code", "name", "parent_id"])
            })),
        )
        .await?;
    Ok(Json(j))
}

/// A change of code or name.
#[derive(Deserialize, utoipa::ToSchema)]
struct JurisdictionPatch {
    code: Option<String>,
    name: Option<String>,
}

/// Renames a jurisdiction.
#[utoipa::path(patch, path = "/jurisdictions/{id}", tag = "registry", request_body = JurisdictionPatch, responses((status = 200, body = Jurisdiction)))]
async fn update_jurisdiction(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::REGISTRY_WRITE }>,
    Path(id): Path<i64>,
    Json(b): Json<JurisdictionPatch>,
) -> ApiResult<Json<Jurisdiction>> {
    visible_jurisdiction(&s, &p, id).await?;
    let fields: Vec<&str> =
        [b.code.as_ref().map(|_| "code"), b.name.as_ref().map(|_| "name")].into_iter().flatten().collect();
    let entry = p.audit("update", "jurisdiction", Some(id.to_string()), &fields);
    let j = s.store.update_jurisdiction(id, b.code.as_deref(), b.name.as_deref(), Some(entry)).await?;
    Ok(Json(j))
}

/// A dated population figure.
#[derive(Deserialize, utoipa::ToSchema)]
struct PopulationBody {
    /// `YYYY-MM-DD`.
    as_of: String,
    residents: i64,
    #[serde(default)]
    source: String,
}

/// Records the population of a node as of a date.
#[utoipa::path(post, path = "/jurisdictions/{id}/population", tag = "registry", request_body = PopulationBody, responses((status = 200, body = Vec<PopulationRow>)))]
async fn set_population(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::REGISTRY_WRITE }>,
    Path(id): Path<i64>,
    Json(b): Json<PopulationBody>,
) -> ApiResult<Json<Vec<PopulationRow>>> {
    visible_jurisdiction(&s, &p, id).await?;
    let as_of: jiff::civil::Date =
        b.as_of.trim().parse().map_err(|_| ApiError::invalid("as_of: expected a date YYYY-MM-DD"))?;
    let entry = p.audit("update", "population", Some(format!("{id}@{as_of}")), &["residents"]);
    s.store.set_population(id, as_of, b.residents, &b.source, Some(entry)).await?;
    Ok(Json(s.store.population_figures(id).await?))
}

/// Imports jurisdictions and population figures from CSV or XLSX.
#[utoipa::path(post, path = "/jurisdictions/import", tag = "registry", request_body(content_type = "multipart/form-data", description = "field `file`: CSV or XLSX with columns code,name,kind,parent_code[,residents,as_of]"), responses((status = 200, body = ImportReport)))]
async fn import_jurisdictions(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::REGISTRY_WRITE }>,
    mp: Multipart,
) -> ApiResult<Json<ImportReport>> {
    let table = import::read_upload(mp).await?;
    let report = import::jurisdictions(&s, &p, &table).await?;
    let mut entry = p.audit("import", "jurisdiction", None, &["code", "name", "kind", "parent_code", "residents"]);
    entry.detail = serde_json::json!({"accepted": report.accepted, "rejected": report.rejected_total}).to_string();
    s.store.audit(entry).await?;
    Ok(Json(report))
}

/// Police stations (all are listed: knowing which station covers where is not personal data).
#[utoipa::path(get, path = "/stations", tag = "registry", responses((status = 200, body = Vec<PoliceStation>)))]
async fn list_stations(
    State(s): State<AppState>,
    Authorized(_p): Authorized<{ perm::REGISTRY_READ }>,
) -> ApiResult<Json<Vec<PoliceStation>>> {
    Ok(Json(s.store.list_stations().await?))
}

/// One station.
#[utoipa::path(get, path = "/stations/{id}", tag = "registry", responses((status = 200, body = PoliceStation)))]
async fn get_station(
    State(s): State<AppState>,
    Authorized(_p): Authorized<{ perm::REGISTRY_READ }>,
    Path(id): Path<i64>,
) -> ApiResult<Json<PoliceStation>> {
    Ok(Json(s.store.station(id).await?.ok_or_else(|| ApiError::not_found("station"))?))
}

/// A new station.
#[derive(Deserialize, utoipa::ToSchema)]
struct NewStationBody {
    code: String,
    name: String,
    jurisdiction_id: i64,
    #[serde(default)]
    chief_name: String,
    #[serde(default)]
    deputy_chief_name: String,
    #[serde(default)]
    precinct: Vec<i64>,
}

/// Adds a station.
#[utoipa::path(post, path = "/stations", tag = "registry", request_body = NewStationBody, responses((status = 200, body = PoliceStation)))]
async fn create_station(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::REGISTRY_WRITE }>,
    Json(b): Json<NewStationBody>,
) -> ApiResult<Json<PoliceStation>> {
    visible_jurisdiction(&s, &p, b.jurisdiction_id).await?;
    for j in &b.precinct {
        visible_jurisdiction(&s, &p, *j).await?;
    }
    let st = s
        .store
        .create_station(
            &store::NewStation {
                code: b.code,
                name: b.name,
                jurisdiction_id: b.jurisdiction_id,
                chief_name: b.chief_name,
                deputy_chief_name: b.deputy_chief_name,
                precinct: b.precinct,
            },
            Some(Box::new(|id: &i64| {
                p.audit("create", "station", Some(id.to_string()), &["code", "name", "precinct"])
            })),
        )
        .await?;
    Ok(Json(st))
}

/// A new precinct.
#[derive(Deserialize, utoipa::ToSchema)]
struct PrecinctBody {
    jurisdictions: Vec<i64>,
}

/// Replaces a station's precinct.
#[utoipa::path(put, path = "/stations/{id}/precinct", tag = "registry", request_body = PrecinctBody, responses((status = 200, body = PoliceStation)))]
async fn set_precinct(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::REGISTRY_WRITE }>,
    Path(id): Path<i64>,
    Json(b): Json<PrecinctBody>,
) -> ApiResult<Json<PoliceStation>> {
    let st = s.store.station(id).await?.ok_or_else(|| ApiError::not_found("station"))?;
    // A station outside the caller's area, or one whose precinct reaches beyond it, answers as
    // absent: nobody redraws another area's map.
    let seat = s.store.unit(st.unit_id).await?.ok_or_else(|| ApiError::not_found("station"))?;
    if !p.scope.contains(&seat.jurisdiction_path) || !st.precinct_paths.iter().all(|path| p.scope.contains(path)) {
        return Err(ApiError::not_found("station"));
    }
    for j in &b.jurisdictions {
        visible_jurisdiction(&s, &p, *j).await?;
    }
    s.store
        .set_precinct(id, &b.jurisdictions, Some(p.audit("update", "station", Some(id.to_string()), &["precinct"])))
        .await?;
    Ok(Json(s.store.station(id).await?.ok_or_else(|| ApiError::not_found("station"))?))
}

/// Filters for the unit list.
#[derive(Deserialize, utoipa::IntoParams)]
struct UnitQuery {
    kind: Option<String>,
    q: Option<String>,
}

/// Member units visible in the caller's scope.
#[utoipa::path(get, path = "/units", tag = "registry", params(UnitQuery, Paging), responses((status = 200, body = Page<MemberUnit>)))]
async fn list_units(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::REGISTRY_READ }>,
    Query(q): Query<UnitQuery>,
    Query(pg): Query<Paging>,
) -> ApiResult<Json<Page<MemberUnit>>> {
    let kind = q.kind.as_deref().filter(|k| !k.is_empty()).map(MemberUnitKind::parse).transpose()?;
    Ok(Json(s.store.list_units(&p.scope, &store::UnitFilter { kind, q: q.q }, pg.req()).await?))
}

/// One unit with its coverage.
#[derive(Serialize, utoipa::ToSchema)]
struct UnitDetail {
    #[serde(flatten)]
    unit: MemberUnit,
    kind_zh: String,
    covers: Vec<i64>,
}

/// One unit.
#[utoipa::path(get, path = "/units/{id}", tag = "registry", responses((status = 200, body = UnitDetail)))]
async fn get_unit(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::REGISTRY_READ }>,
    Path(id): Path<i64>,
) -> ApiResult<Json<UnitDetail>> {
    let unit = s.store.unit(id).await?.ok_or_else(|| ApiError::not_found("unit"))?;
    let visible = p.scope.contains(&unit.jurisdiction_path)
        || p.scope.roots().is_some_and(|r| r.iter().any(|r| r.starts_with(&unit.jurisdiction_path)));
    if !visible {
        return Err(ApiError::not_found("unit"));
    }
    let kind_zh = MemberUnitKind::parse(&unit.kind).map(|k| k.zh().to_string()).unwrap_or_default();
    let covers = s.store.unit_coverage(id).await?;
    Ok(Json(UnitDetail { unit, kind_zh, covers }))
}

/// A new unit.
#[derive(Deserialize, utoipa::ToSchema)]
struct NewUnitBody {
    code: String,
    name: String,
    kind: String,
    parent_unit_id: Option<i64>,
    jurisdiction_id: i64,
    #[serde(default)]
    contact_name: String,
    #[serde(default)]
    covers: Vec<i64>,
}

/// Adds a member unit.
#[utoipa::path(post, path = "/units", tag = "registry", request_body = NewUnitBody, responses((status = 200, body = MemberUnit)))]
async fn create_unit(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::REGISTRY_WRITE }>,
    Json(b): Json<NewUnitBody>,
) -> ApiResult<Json<MemberUnit>> {
    visible_jurisdiction(&s, &p, b.jurisdiction_id).await?;
    for j in &b.covers {
        visible_jurisdiction(&s, &p, *j).await?;
    }
    let kind = MemberUnitKind::parse(&b.kind)?;
    if kind == MemberUnitKind::PoliceStation {
        return Err(ApiError::invalid("kind: add police stations through /stations, which also records the precinct"));
    }
    let u = s
        .store
        .create_unit(
            &store::NewMemberUnit {
                code: b.code,
                name: b.name,
                kind,
                parent_unit_id: b.parent_unit_id,
                jurisdiction_id: b.jurisdiction_id,
                contact_name: b.contact_name,
                covers: b.covers,
            },
            Some(Box::new(|id: &i64| {
                p.audit("create", "unit", Some(id.to_string()), &["code", "name", "kind", "covers"])
            })),
        )
        .await?;
    Ok(Json(u))
}

/// A change of name or contact.
#[derive(Deserialize, utoipa::ToSchema)]
struct UnitPatch {
    name: Option<String>,
    contact_name: Option<String>,
}

/// Changes a unit.
#[utoipa::path(patch, path = "/units/{id}", tag = "registry", request_body = UnitPatch, responses((status = 200, body = MemberUnit)))]
async fn update_unit(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::REGISTRY_WRITE }>,
    Path(id): Path<i64>,
    Json(b): Json<UnitPatch>,
) -> ApiResult<Json<MemberUnit>> {
    let unit = s.store.unit(id).await?.ok_or_else(|| ApiError::not_found("unit"))?;
    if !p.scope.contains(&unit.jurisdiction_path) {
        return Err(ApiError::not_found("unit"));
    }
    let entry = p.audit("update", "unit", Some(id.to_string()), &["name", "contact_name"]);
    let u = s.store.update_unit(id, b.name.as_deref(), b.contact_name.as_deref(), Some(entry)).await?;
    Ok(Json(u))
}

/// A code with its Chinese name.
#[derive(Serialize, utoipa::ToSchema)]
struct KindName {
    code: std::borrow::Cow<'static, str>,
    zh: std::borrow::Cow<'static, str>,
}

impl KindName {
    fn of(code: &'static str, zh: &'static str) -> Self {
        Self { code: code.into(), zh: zh.into() }
    }
}

/// The code lists the forms and pages use, with Chinese names: one load for the whole UI.
#[derive(Serialize, utoipa::ToSchema)]
struct Vocabulary {
    unit_kinds: Vec<KindName>,
    roles: Vec<KindName>,
    jurisdiction_kinds: Vec<KindName>,
    age_bands: Vec<KindName>,
    /// Where a warning is in its handling.
    warning_states: Vec<KindName>,
    /// How a warning ended.
    outcomes: Vec<KindName>,
    /// The steps taken on a warning.
    steps: Vec<KindName>,
    /// How a station reaches the person.
    contact_channels: Vec<KindName>,
    /// The dissuasion checklist.
    checklist: Vec<KindName>,
    /// Where a case is in its life.
    case_statuses: Vec<KindName>,
    /// What a case names of the suspects (accounts, phones, sites).
    observable_kinds: Vec<KindName>,
    /// What the centre asks a bank to do.
    bank_request_kinds: Vec<KindName>,
    /// Where a bank request stands.
    bank_request_statuses: Vec<KindName>,
    /// The prevention rates that have a target.
    coverage_targets: Vec<KindName>,
    /// Where a fund trace stops following the money.
    trace_stops: Vec<KindName>,
    /// What a fraud-list entry names.
    list_kinds: Vec<KindName>,
    /// What a rule tests.
    rule_kinds: Vec<KindName>,
    /// Which side of a transfer a rule looks at.
    sides: Vec<KindName>,
    /// The interviews of the escalation ladder.
    interview_actions: Vec<KindName>,
    /// The questions a warning answers: the scenarios of the ruleset in force (and of the
    /// shipped one, for older warnings) and the upstream issue.
    scenarios: Vec<KindName>,
    /// A report's statuses.
    report_statuses: Vec<KindName>,
    /// Where a key person's measure stands.
    measure_states: Vec<KindName>,
    /// How a shadow run ended.
    shadow_outcomes: Vec<KindName>,
    /// The phases of a training.
    training_phases: Vec<KindName>,
}

/// Code lists with Chinese names, for forms.
#[utoipa::path(get, path = "/vocabulary", tag = "registry", responses((status = 200, body = Vocabulary)))]
async fn unit_kinds(State(s): State<AppState>, Authorized(_p): Authorized<{ perm::ANY }>) -> Json<Vocabulary> {
    use domain::dispatch::{Outcome, State as WarningState};
    /// Each value's code and name, by the enum's own `as_str` and `zh`.
    macro_rules! names {
        ($all:expr) => {
            $all.iter().map(|k| KindName::of(k.as_str(), k.zh())).collect()
        };
    }
    // The ruleset in force first, then the shipped one's for warnings raised under it.
    let in_force = s.engine.ruleset();
    let shipped = engine::ruleset::Ruleset::default_ruleset();
    let mut scenarios = vec![KindName::of("upstream", "上级下发")];
    for sc in in_force.scenarios.iter().chain(&shipped.scenarios) {
        if !scenarios.iter().any(|k| k.code == sc.id) {
            scenarios.push(KindName { code: sc.id.clone().into(), zh: sc.name_zh.clone().into() });
        }
    }
    Json(Vocabulary {
        unit_kinds: names!(MemberUnitKind::ALL),
        roles: names!(domain::Role::ALL),
        jurisdiction_kinds: names!(JurisdictionKind::ALL),
        age_bands: names!(domain::AgeBand::ALL),
        warning_states: names!(WarningState::ALL),
        outcomes: names!(Outcome::ALL),
        steps: pairs(&domain::dispatch::STEPS),
        contact_channels: pairs(&domain::dispatch::CONTACT_CHANNELS),
        checklist: pairs(&domain::dispatch::CHECKLIST),
        case_statuses: names!(domain::case::CaseStatus::ALL),
        observable_kinds: pairs(&domain::case::OBSERVABLE_KINDS),
        bank_request_kinds: pairs(&domain::legal::BANK_REQUEST_KINDS),
        bank_request_statuses: pairs(&domain::legal::BANK_REQUEST_STATUSES),
        coverage_targets: pairs(&domain::prevention::TARGET_RATES),
        trace_stops: names!(flow::graph::Stop::ALL),
        list_kinds: names!(engine::event::ListKind::ALL),
        rule_kinds: pairs(&engine::ruleset::RULE_KINDS),
        sides: names!(engine::ruleset::Side::ALL),
        interview_actions: names!(supervision::ranking::Action::ALL),
        scenarios,
        report_statuses: pairs(&store::REPORT_STATUSES),
        measure_states: names!(domain::keyperson::MeasureState::ALL),
        shadow_outcomes: pairs(&store::SHADOW_OUTCOMES),
        training_phases: names!(engine::learn::Phase::ALL),
    })
}

fn pairs(list: &[(&'static str, &'static str)]) -> Vec<KindName> {
    list.iter().map(|(code, zh)| KindName::of(code, zh)).collect()
}
