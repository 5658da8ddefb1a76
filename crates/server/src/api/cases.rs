//! Fraud cases (案件) and the monthly ranking of police stations (排名通报) with its interviews.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use domain::case::CaseStatus;
use serde::{Deserialize, Serialize};
use store::{CaseFilter, CaseView, NewCase, Page, PoliceStation};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::Paging;
use crate::AppState;
use crate::auth::{Authorized, Principal, perm};
use crate::error::{ApiError, ApiResult};
use crate::import::{ImportReport, RowError, Table};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_cases, create_case))
        .routes(routes!(import_cases))
        .routes(routes!(change_status))
        .routes(routes!(ranking))
        .routes(routes!(publish_ranking))
        .routes(routes!(taxonomy))
        .routes(routes!(observables))
        .routes(routes!(links))
        .routes(routes!(ladder))
        .routes(routes!(stats))
        .routes(routes!(summary))
        .routes(routes!(evaluation))
}

/// Which month of the ladder.
#[derive(Deserialize, utoipa::IntoParams)]
struct LadderQuery {
    /// `YYYY-MM`.
    month: String,
}

/// Villages named in the monthly notices up to a month, those listed for rectification (with
/// the deadline computed), and the month's cases that need a full trace-back review.
#[utoipa::path(get, path = "/supervision/ladder", tag = "cases", params(LadderQuery), responses((status = 200, body = crate::figures::Ladder)))]
async fn ladder(
    State(s): State<AppState>,
    Authorized(_p): Authorized<{ perm::CASE_READ }>,
    Query(q): Query<LadderQuery>,
) -> ApiResult<Json<crate::figures::Ladder>> {
    Ok(Json(crate::figures::ladder(&s.store, &q.month, &s.config.ladder).await?))
}

/// Which year.
#[derive(Deserialize, utoipa::IntoParams)]
struct YearQuery {
    /// `YYYY`.
    year: i16,
}

/// The annual evaluation of the stations: count or loss up on the year before, or the
/// county's highest cases per 10,000 residents → no award that year.
#[utoipa::path(get, path = "/supervision/evaluation", tag = "cases", params(YearQuery), responses((status = 200, body = Object)))]
async fn evaluation(
    State(s): State<AppState>,
    Authorized(_p): Authorized<{ perm::CASE_READ }>,
    Query(q): Query<YearQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    if !domain::time::YEARS.contains(&(i32::from(q.year) - 1))
        || !domain::time::YEARS.contains(&(i32::from(q.year) + 1))
    {
        return Err(ApiError::invalid(format!("year: {} is outside the years the platform reads", q.year)));
    }
    let stations = s.store.list_stations().await?;
    let name_of: HashMap<i64, String> = stations.iter().map(|x| (x.id, x.name.clone())).collect();
    let bounds = |y: i16| -> ApiResult<(i64, i64)> {
        let (a, _) = crate::figures::month_bounds(&format!("{y:04}-01"))?;
        let (b, _) = crate::figures::month_bounds(&format!("{:04}-01", y + 1))?;
        Ok((a, b))
    };
    let mut totals = Vec::new();
    for y in [q.year, q.year - 1] {
        let (a, b) = bounds(y)?;
        let mut m: std::collections::BTreeMap<String, (u32, i64)> =
            stations.iter().map(|x| (x.name.clone(), (0, 0))).collect();
        for c in s.store.case_facts(a, b, store::now_ms()).await? {
            if let Some(n) = name_of.get(&c.station_id) {
                let e = m.entry(n.clone()).or_default();
                e.0 += 1;
                e.1 += c.loss_fen;
            }
        }
        totals.push(m);
    }
    let last_day = format!("{:04}-12-31", q.year);
    let residents: std::collections::BTreeMap<String, i64> = s
        .store
        .station_populations(&last_day)
        .await?
        .into_iter()
        .filter_map(|(id, n)| Some((name_of.get(&id)?.clone(), n)))
        .collect();
    let e = supervision::ladder::evaluate(&totals[0], &totals[1], &residents);
    Ok(Json(serde_json::json!({"year": q.year, "stations": e})))
}

/// The suspects' observables of a case (masked; the read is audited).
#[utoipa::path(get, path = "/cases/{id}/observables", tag = "cases", params(("id" = i64, Path)), responses((status = 200, body = Vec<store::ObservableView>)))]
async fn observables(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::CASE_READ }>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<store::ObservableView>>> {
    let v = s.store.case_observables(&p.scope, id).await?;
    let mut entry = p.audit("read_pii", "case_observable", Some(id.to_string()), &["value"]);
    entry.detail = serde_json::json!({"masked": true}).to_string();
    s.store.audit(entry).await?;
    Ok(Json(v))
}

/// The cases linked to this one through shared observables (串并案), nearest first, within the
/// caller's area.
#[utoipa::path(get, path = "/cases/{id}/links", tag = "cases", params(("id" = i64, Path)), responses((status = 200, body = Vec<store::LinkedCase>)))]
async fn links(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::CASE_READ }>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<store::LinkedCase>>> {
    let links = s.store.linked_cases(&p.scope, id, 200).await?;
    let fields = ["case_no", "victim_age_band", "victim_occupation"];
    super::audit_read(&s, &p, "case_link", id.to_string(), &fields, links.len()).await?;
    Ok(Json(links))
}

/// What a case is made of, as text (a form, a JSON body or a spreadsheet row).
struct Fields<'a>(&'a (dyn Fn(&str) -> String + Sync));

impl Fields<'_> {
    fn get(&self, k: &str) -> String {
        (self.0)(k).trim().to_string()
    }
}

fn time(field: &'static str, v: &str) -> Result<Option<i64>, (String, String)> {
    if v.is_empty() {
        return Ok(None);
    }
    v.parse::<jiff::Timestamp>()
        .map(|t| Some(t.as_millisecond()))
        .or_else(|_| {
            // A spreadsheet gives local times without an offset: they are China time.
            v.replace('/', "-")
                .parse::<jiff::civil::DateTime>()
                .ok()
                .and_then(|dt| dt.to_zoned(domain::time::china()).ok())
                .map(|z| Some(z.timestamp().as_millisecond()))
                .ok_or(())
        })
        .map_err(|_| (field.to_string(), format!("'{v}' is not a time (RFC 3339, or YYYY-MM-DD HH:MM:SS China time)")))
}

/// Validates one case; `stations` by code and by name.
async fn validate(
    s: &AppState,
    p: &Principal,
    f: &Fields<'_>,
    stations: &HashMap<String, PoliceStation>,
) -> ApiResult<Result<NewCase, (String, String)>> {
    let bad = |field: &str, m: String| Ok(Err((field.to_string(), m)));
    let case_no = f.get("case_no");
    if case_no.is_empty() {
        return bad("case_no", "empty".into());
    }
    let reported_at = match time("reported_at", &f.get("reported_at")) {
        Ok(Some(t)) => t,
        Ok(None) => return bad("reported_at", "empty".into()),
        Err(e) => return Ok(Err(e)),
    };
    let (filed_at, solved_at) = match (time("filed_at", &f.get("filed_at")), time("solved_at", &f.get("solved_at"))) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return Ok(Err(e)),
    };
    let station_key = f.get("station");
    let Some(station) = stations.get(&station_key) else {
        return bad("station", format!("no police station with code or name '{station_key}'"));
    };
    // An officer files the cases of the officer's own station; only the county-wide roles
    // (the centre) file for any station.
    if !p.scope.is_all() && station.unit_id != p.unit_id {
        return bad(
            "station",
            format!("'{station_key}' is not your station; the centre files cases for other stations"),
        );
    }
    let jurisdiction = match f.get("jurisdiction_code").as_str() {
        "" => match station.precinct.first() {
            Some(id) => match s.store.jurisdiction(*id).await? {
                Some(j) => j,
                None => return bad("jurisdiction_code", "the station's precinct is gone".into()),
            },
            None => return bad("jurisdiction_code", "empty, and the station has no precinct".into()),
        },
        code => match s.store.jurisdiction_by_code(code).await? {
            Some(j) => j,
            None => return bad("jurisdiction_code", format!("no jurisdiction with code '{code}'")),
        },
    };
    if !p.scope.contains(&jurisdiction.path) {
        return bad("jurisdiction_code", "outside your area".into());
    }
    let fraud_type = match domain::case::fraud_type(&f.get("fraud_type")) {
        Ok(t) => t.to_string(),
        Err(e) => return bad("fraud_type", e.message),
    };
    let money = |field: &str| -> Result<i64, (String, String)> {
        let v = f.get(field);
        if v.is_empty() {
            return Ok(0);
        }
        supervision::money::yuan_to_fen(&v).map_err(|e| (field.to_string(), e.to_string()))
    };
    let (loss_fen, recovered_fen) = match (money("loss_yuan"), money("recovered_yuan")) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return Ok(Err(e)),
    };
    if recovered_fen > loss_fen {
        return bad("recovered_yuan", "more than the loss".into());
    }
    let arrested = match f.get("arrested").as_str() {
        "" => 0,
        v => match v.parse::<i64>() {
            Ok(n) if (0..=10_000).contains(&n) => n,
            _ => return bad("arrested", format!("'{v}' is not a number of people")),
        },
    };
    let age = f.get("age_band");
    let victim_age_band = if age.is_empty() {
        String::new()
    } else {
        match domain::AgeBand::parse(&age) {
            Ok(a) => a.as_str().to_string(),
            Err(e) => return bad("age_band", e.message),
        }
    };
    let status = match f.get("status").as_str() {
        "" => CaseStatus::Reported,
        v => match CaseStatus::parse(v) {
            Ok(s) => s,
            Err(e) => return bad("status", e.message),
        },
    };
    let mut observables = Vec::new();
    for (col, kind) in SUSPECT_COLUMNS {
        for v in f.get(col).split([';', '；']).map(str::trim).filter(|v| !v.is_empty()) {
            match domain::case::observable(kind, v) {
                Ok((k, v)) => observables.push((k.to_string(), v)),
                Err(e) => return bad(col, e.message),
            }
        }
    }
    Ok(Ok(NewCase {
        observables,
        case_no,
        reported_at,
        filed_at,
        solved_at,
        station_id: station.id,
        jurisdiction_id: jurisdiction.id,
        fraud_type,
        loss_fen,
        recovered_fen,
        arrested,
        victim_resident_id: None,
        victim_age_band,
        victim_occupation: f.get("victim_occupation"),
        contact_channel: f.get("contact_channel"),
        status,
    }))
}

/// Columns of suspects' observables (several values separated by `;`).
const SUSPECT_COLUMNS: [(&str, &str); 6] = [
    ("suspect_phone", "phone"),
    ("suspect_account", "bank_account"),
    ("suspect_payment_account", "payment_account"),
    ("suspect_url", "url"),
    ("suspect_app", "app"),
    ("suspect_im", "im_account"),
];

async fn stations_by_key(s: &AppState) -> ApiResult<HashMap<String, PoliceStation>> {
    let mut m = HashMap::new();
    for st in s.store.list_stations().await? {
        m.insert(st.name.clone(), st.clone());
        m.insert(st.code.clone(), st);
    }
    Ok(m)
}

/// A case to register.
#[derive(Deserialize, utoipa::ToSchema)]
struct CaseBody {
    case_no: String,
    /// RFC 3339.
    reported_at: String,
    filed_at: Option<String>,
    solved_at: Option<String>,
    /// Station code or name.
    station: String,
    /// The victim's jurisdiction (code); default: the station's seat.
    jurisdiction_code: Option<String>,
    /// Fraud type (id or Chinese name).
    fraud_type: String,
    /// Loss in yuan, at most two decimals.
    loss_yuan: String,
    recovered_yuan: Option<String>,
    /// Suspects arrested (抓获人数).
    arrested: Option<i64>,
    age_band: Option<String>,
    victim_occupation: Option<String>,
    contact_channel: Option<String>,
    /// Suspects' phones, accounts, URLs…: `[{"kind": "phone", "value": "…"}]`.
    #[serde(default)]
    observables: Vec<ObservableBody>,
}

/// One observable of a suspect.
#[derive(Deserialize, utoipa::ToSchema)]
struct ObservableBody {
    /// phone, bank_account, payment_account, url, app, im_account.
    kind: String,
    value: String,
}

/// Registers a case (within the caller's area).
#[utoipa::path(post, path = "/cases", tag = "cases", request_body = CaseBody, responses((status = 200, body = CaseView), (status = 400, body = crate::error::ErrorBody)))]
async fn create_case(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::CASE_WRITE }>,
    Json(b): Json<CaseBody>,
) -> ApiResult<Json<CaseView>> {
    let mut by_col: HashMap<&str, Vec<String>> = HashMap::new();
    for o in &b.observables {
        let col = SUSPECT_COLUMNS
            .iter()
            .find(|(_, k)| *k == o.kind.trim())
            .map(|(c, _)| *c)
            .ok_or_else(|| ApiError::invalid(format!("observables: unknown kind '{}'", o.kind)))?;
        by_col.entry(col).or_default().push(o.value.replace(';', ""));
    }
    let mut map: HashMap<&str, String> = [
        ("case_no", b.case_no),
        ("reported_at", b.reported_at),
        ("filed_at", b.filed_at.unwrap_or_default()),
        ("solved_at", b.solved_at.unwrap_or_default()),
        ("station", b.station),
        ("jurisdiction_code", b.jurisdiction_code.unwrap_or_default()),
        ("fraud_type", b.fraud_type),
        ("loss_yuan", b.loss_yuan),
        ("recovered_yuan", b.recovered_yuan.unwrap_or_default()),
        ("arrested", b.arrested.map(|n| n.to_string()).unwrap_or_default()),
        ("age_band", b.age_band.unwrap_or_default()),
        ("victim_occupation", b.victim_occupation.unwrap_or_default()),
        ("contact_channel", b.contact_channel.unwrap_or_default()),
    ]
    .into_iter()
    .collect();
    for (col, vals) in by_col {
        map.insert(col, vals.join(";"));
    }
    let get = |k: &str| map.get(k).cloned().unwrap_or_default();
    let stations = stations_by_key(&s).await?;
    let c =
        validate(&s, &p, &Fields(&get), &stations).await?.map_err(|(f, m)| ApiError::invalid(format!("{f}: {m}")))?;
    let mut entry = p.audit("create", "case", None, &[]);
    entry.detail = serde_json::json!({"case_no": c.case_no}).to_string();
    let audit: store::AuditFor<'_, [store::Result<i64>]> = Box::new(move |out| {
        entry.object_id = out.first().and_then(|r| r.as_ref().ok()).map(|id| id.to_string());
        entry
    });
    let id = match s.store.insert_cases(std::slice::from_ref(&c), Some(audit)).await?.pop() {
        Some(r) => r?,
        None => return Err(ApiError::internal("case not stored")),
    };
    crate::intake::feed_fraud_list(&s, &[&c]);
    Ok(Json(s.store.case(&p.scope, id).await?))
}

/// Imports an export of the police case system (CSV or XLSX; Chinese or English headers). Each
/// bad row is reported with its number and field; the good rows are stored.
#[utoipa::path(post, path = "/cases/import", tag = "cases", request_body(content_type = "multipart/form-data", content = Vec<u8>), responses((status = 200, body = ImportReport)))]
async fn import_cases(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::CASE_WRITE }>,
    mp: Multipart,
) -> ApiResult<Json<ImportReport>> {
    let t: Table = crate::import::read_upload(mp).await?;
    t.require(&["case_no", "reported_at", "station", "fraud_type", "loss_yuan"])?;
    let stations = stations_by_key(&s).await?;
    let (rows, mut rejected) = t.checked_rows();
    let mut good = Vec::new();
    let mut rows_of = Vec::new();
    for (row, cells) in rows {
        let get = |k: &str| t.col(k).and_then(|i| cells.get(i)).cloned().unwrap_or_default();
        match validate(&s, &p, &Fields(&get), &stations).await? {
            Ok(c) => {
                good.push(c);
                rows_of.push(*row);
            }
            Err((field, message)) => rejected.push(RowError { row: *row, field, message }),
        }
    }
    let mut entry = p.audit("import", "case", None, &[]);
    let (rows_in, refused) = (t.rows.len(), rejected.len());
    let audit: store::AuditFor<'_, [store::Result<i64>]> = Box::new(move |out| {
        let accepted = out.iter().filter(|r| r.is_ok()).count();
        entry.detail =
            serde_json::json!({"accepted": accepted, "rejected": refused + out.len() - accepted, "rows": rows_in})
                .to_string();
        entry
    });
    let results = s.store.insert_cases(&good, Some(audit)).await?;
    let mut accepted = 0;
    let mut stored = Vec::new();
    for ((r, row), c) in results.into_iter().zip(rows_of).zip(&good) {
        match r {
            Ok(_) => {
                accepted += 1;
                stored.push(c);
            }
            Err(store::StoreError::Conflict { field, message }) => {
                rejected.push(RowError { row, field: field.into(), message })
            }
            Err(e) => return Err(e.into()),
        }
    }
    crate::intake::feed_fraud_list(&s, &stored);
    Ok(Json(ImportReport::new(t.rows.len(), accepted, rejected)))
}

/// Filters of the case list.
#[derive(Deserialize, utoipa::IntoParams)]
struct CaseQuery {
    /// `YYYY-MM`: cases reported in that month (China time).
    month: Option<String>,
    station_id: Option<i64>,
    fraud_type: Option<String>,
}

/// Cases of the caller's area, newest first.
#[utoipa::path(get, path = "/cases", tag = "cases", params(CaseQuery, Paging), responses((status = 200, body = Page<CaseView>)))]
async fn list_cases(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::CASE_READ }>,
    Query(q): Query<CaseQuery>,
    Query(pg): Query<Paging>,
) -> ApiResult<Json<Page<CaseView>>> {
    let (from_ms, to_ms) = match q.month.as_deref().filter(|m| !m.is_empty()) {
        Some(m) => {
            let (a, b) = crate::figures::month_bounds(m)?;
            (Some(a), Some(b))
        }
        None => (None, None),
    };
    let fraud_type = q
        .fraud_type
        .as_deref()
        .filter(|v| !v.is_empty())
        .map(domain::case::fraud_type)
        .transpose()?
        .map(str::to_string);
    let page = s
        .store
        .list_cases(&p.scope, &CaseFilter { from_ms, to_ms, station_id: q.station_id, fraud_type }, pg.req())
        .await?;
    let fields = ["victim_age_band", "victim_occupation", "loss_fen"];
    super::audit_read(&s, &p, "case", format!("list:page={}", page.page), &fields, page.items.len()).await?;
    Ok(Json(page))
}

/// A status change.
#[derive(Deserialize, utoipa::ToSchema)]
struct StatusChange {
    /// filed / solved / closed.
    status: String,
    /// When it happened (RFC 3339); default now.
    at: Option<String>,
    /// Suspects arrested so far (recorded with the step, usually solving).
    arrested: Option<i64>,
}

/// Moves a case forward (reported → filed → solved → closed); a closed case is final.
#[utoipa::path(post, path = "/cases/{id}/status", tag = "cases", params(("id" = i64, Path)), request_body = StatusChange, responses((status = 200, body = CaseView), (status = 409, body = crate::error::ErrorBody)))]
async fn change_status(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::CASE_WRITE }>,
    Path(id): Path<i64>,
    Json(b): Json<StatusChange>,
) -> ApiResult<Json<CaseView>> {
    let to = CaseStatus::parse(&b.status)?;
    let at = match b.at.as_deref().filter(|v| !v.is_empty()) {
        Some(v) => {
            v.parse::<jiff::Timestamp>().map_err(|_| ApiError::invalid("at: expected RFC 3339"))?.as_millisecond()
        }
        None => store::now_ms(),
    };
    if b.arrested.is_some_and(|n| !(0..=10_000).contains(&n)) {
        return Err(ApiError::invalid("arrested: not a number of people"));
    }
    let mut entry = p.audit("update", "case", Some(id.to_string()), &["status"]);
    entry.detail = serde_json::json!({"status": to.as_str()}).to_string();
    Ok(Json(s.store.set_case_status(&p.scope, id, to, at, b.arrested, entry).await?))
}

/// The fraud-type taxonomy in force.
#[utoipa::path(get, path = "/cases/taxonomy", tag = "cases", responses((status = 200, body = Object)))]
async fn taxonomy(Authorized(_p): Authorized<{ perm::CASE_READ }>) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "version": domain::case::TAXONOMY_VERSION,
        "types": domain::case::FRAUD_TYPES.iter().map(|(id, zh)| serde_json::json!({"id": id, "name_zh": zh})).collect::<Vec<_>>(),
    }))
}

/// Which ranking.
#[derive(Deserialize, utoipa::IntoParams)]
struct RankingQuery {
    /// `YYYY-MM`.
    month: String,
    /// Data cut-off, RFC 3339: cases registered after it do not count. Default: the ranking
    /// already published for the month, or else the data as of now.
    cutoff: Option<String>,
}

/// Computes the ranking of a month from the stored cases (with the population in force in each
/// month) and the interviews due; stores it with its rules version and data cut-off, and gives
/// the stored one back when asked again (a recomputation that disagrees is an error).
#[utoipa::path(get, path = "/supervision/ranking", tag = "cases", params(RankingQuery), responses((status = 200, body = crate::figures::RankingView)))]
async fn ranking(
    State(s): State<AppState>,
    Authorized(_p): Authorized<{ perm::CASE_READ }>,
    Query(q): Query<RankingQuery>,
) -> ApiResult<Json<crate::figures::RankingView>> {
    let cutoff_ms = match q.cutoff.as_deref().filter(|v| !v.is_empty()) {
        Some(v) => Some(
            v.parse::<jiff::Timestamp>().map_err(|_| ApiError::invalid("cutoff: expected RFC 3339"))?.as_millisecond(),
        ),
        None => None,
    };
    Ok(Json(crate::figures::ranking(&s.store, &q.month, cutoff_ms, None).await?))
}

/// A ranking to publish.
#[derive(Deserialize, utoipa::ToSchema)]
struct PublishRanking {
    /// `YYYY-MM`, a month that has ended.
    month: String,
    /// The data cut-off, RFC 3339, not in the future; default now.
    cutoff: Option<String>,
}

/// Publishes the ranking of an ended month at a cut-off: stored with its rules version, it is
/// what the month's ranking shows from then on, whatever cases arrive late.
#[utoipa::path(post, path = "/supervision/ranking/publish", tag = "cases", request_body = PublishRanking, responses((status = 200, body = crate::figures::RankingView), (status = 409, body = crate::error::ErrorBody)))]
async fn publish_ranking(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::REPORT_APPROVE }>,
    Json(b): Json<PublishRanking>,
) -> ApiResult<Json<crate::figures::RankingView>> {
    let cutoff_ms = match b.cutoff.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => {
            v.parse::<jiff::Timestamp>().map_err(|_| ApiError::invalid("cutoff: expected RFC 3339"))?.as_millisecond()
        }
        None => store::now_ms(),
    };
    let entry = p.audit("publish", "ranking", Some(b.month.trim().to_string()), &[]);
    Ok(Json(crate::figures::ranking(&s.store, b.month.trim(), Some(cutoff_ms), Some(entry)).await?))
}

/// Which months.
#[derive(Deserialize, utoipa::IntoParams)]
struct StatsQuery {
    /// The last month, `YYYY-MM`; the series covers the 24 months up to it.
    month: String,
}

/// Case statistics of the caller's area: the monthly series of cases and losses (24 months, so
/// that the same month a year before is in it), the month's mix by fraud type and age band,
/// month-on-month and year-on-year changes, and per station the solved cases, solve rate and
/// recovered money of the month against a year before, with the suspects arrested (the "four ups").
#[utoipa::path(get, path = "/supervision/stats", tag = "cases", params(StatsQuery), responses((status = 200, body = Object)))]
async fn stats(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::CASE_READ }>,
    Query(q): Query<StatsQuery>,
) -> ApiResult<Json<supervision::stats::MonthStats>> {
    Ok(Json(crate::figures::month_stats(&s.store, &p.scope, &q.month).await?.1))
}

/// Which period and area.
#[derive(Deserialize, utoipa::IntoParams)]
struct SummaryQuery {
    /// `YYYY` (year), `YYYY-MM` (month) or `YYYY-MM-1` / `YYYY-MM-2` (half month).
    period: String,
    /// The area (county, town, village); default the caller's own.
    jurisdiction_id: Option<i64>,
}

/// One area below the asked one.
#[derive(Serialize, utoipa::ToSchema)]
struct AreaFigures {
    id: i64,
    name: String,
    /// town / village / grid.
    kind: String,
    cases: u64,
    loss_fen: i64,
    /// Residents in force at the period's end (a node without its own figure counts its children).
    residents: i64,
    /// Cases per 10,000 residents; null without a population.
    per_10k: Option<f64>,
}

/// Statistics of any period (year, month, half month) for any level of the tree: the area's
/// cases, loss, recoveries and cases per 10,000 residents against the period before and a
/// year before, its mix by type, station, age band and channel, and the same figures for each
/// area one level down.
#[utoipa::path(get, path = "/supervision/summary", tag = "cases", params(SummaryQuery), responses((status = 200, body = Object)))]
async fn summary(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::CASE_READ }>,
    Query(q): Query<SummaryQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    use supervision::stats::{change_pct, summarize};
    let per = crate::figures::period(&q.period)?;
    let area = super::reports::own_area(&s, &p, q.jurisdiction_id).await?;
    let scope = crate::reports::Area { jurisdiction: area.clone(), station: None }.scope();
    let rows = crate::figures::stat_cases(&s.store, &scope, &per.months.0, &per.months.1).await?;
    let (this, prev, ago) = (
        summarize(&rows, per.this.0, per.this.1),
        summarize(&rows, per.previous.0, per.previous.1),
        summarize(&rows, per.year_ago.0, per.year_ago.1),
    );
    // The population in force on the period's last day.
    let last_day = domain::time::china_date(per.this.1 - 1).map(|d| d.to_string()).unwrap_or_default();
    let nodes = s.store.subtree_populations(&area.path, &last_day).await?;
    let pops = domain::population::rolled_up(&nodes.iter().map(|n| (n.0, n.1, n.5)).collect::<Vec<_>>());
    let residents = pops.get(&area.id).copied().unwrap_or(0);
    let children: Vec<AreaFigures> = nodes
        .iter()
        .filter(|n| n.1 == Some(area.id))
        .map(|n| {
            let mine = rows.iter().filter(|r| {
                r.reported_at >= per.this.0 && r.reported_at < per.this.1 && r.path.starts_with(n.4.as_str())
            });
            let (cases, loss_fen) = mine.fold((0u64, 0i64), |a, r| (a.0 + 1, a.1 + r.loss_fen));
            let residents = pops.get(&n.0).copied().unwrap_or(0);
            AreaFigures {
                id: n.0,
                name: n.3.clone(),
                kind: n.2.clone(),
                cases,
                loss_fen,
                residents,
                per_10k: domain::population::per_10k(cases as i64, residents).map(|v| (v * 100.0).round() / 100.0),
            }
        })
        .collect();
    let pct = |a: f64, b: f64| change_pct(a, b);
    Ok(Json(serde_json::json!({
        "period": q.period, "period_zh": per.zh, "area": area.name, "jurisdiction_id": area.id, "from_ms": per.this.0, "to_ms": per.this.1,
        "residents": residents, "per_10k": domain::population::per_10k(this.cases as i64, residents).map(|v| (v * 100.0).round() / 100.0),
        "cases": this.cases, "loss_fen": this.loss_fen, "recovered_fen": this.recovered_fen, "solved": this.solved,
        "previous": {"cases": prev.cases, "loss_fen": prev.loss_fen}, "year_ago": {"cases": ago.cases, "loss_fen": ago.loss_fen},
        "change_cases_pct": pct(this.cases as f64, prev.cases as f64), "change_loss_pct": pct(this.loss_fen as f64, prev.loss_fen as f64),
        "yoy_cases_pct": pct(this.cases as f64, ago.cases as f64), "yoy_loss_pct": pct(this.loss_fen as f64, ago.loss_fen as f64),
        "by_type": this.by_type.iter().map(|(t, (c, l))| serde_json::json!({"fraud_type": t, "name_zh": domain::case::fraud_type_zh(t), "cases": c, "loss_fen": l})).collect::<Vec<_>>(),
        "by_station": this.by_station.iter().map(|(st, (c, l))| serde_json::json!({"station": st, "cases": c, "loss_fen": l})).collect::<Vec<_>>(),
        "by_age_band": this.by_age_band, "by_channel": this.by_channel,
        "children": children,
    })))
}
