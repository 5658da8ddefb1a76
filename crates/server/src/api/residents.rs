//! Residents: masked lists and records, audited reads, unmasking with a reason, imports.

use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use domain::{AgeBand, IdNumber, Phone};
use serde::{Deserialize, Serialize};
use store::{Page, ResidentFilter, ResidentPatch, ResidentView, RevealField};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::Paging;
use crate::AppState;
use crate::auth::{Authorized, perm};
use crate::error::{ApiError, ApiResult};
use crate::import::{self, ImportReport};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_residents, create_resident))
        .routes(routes!(get_resident, update_resident))
        .routes(routes!(unmask))
        .routes(routes!(import_residents))
}

/// Filters for the resident list.
#[derive(Deserialize, utoipa::IntoParams)]
struct ResidentQuery {
    /// Within this jurisdiction's subtree.
    jurisdiction_id: Option<i64>,
    /// Exact name.
    name: Option<String>,
    /// Exact identity number: an unmasking (needs `pii_unmask` and a reason).
    id_number: Option<String>,
    /// Exact phone: an unmasking (needs `pii_unmask` and a reason).
    phone: Option<String>,
    /// Age band code.
    age_band: Option<String>,
    /// Why an identifier is searched (required with `id_number` or `phone`).
    reason: Option<String>,
}

/// Identifier searches one user may make in [`SEARCH_WINDOW`]: enough for casework, far too
/// few to walk the ten thousand numbers a mask leaves open.
const SEARCHES_PER_WINDOW: usize = 30;
const SEARCH_WINDOW: std::time::Duration = std::time::Duration::from_secs(600);

const MASKED_FIELDS: [&str; 4] = ["name", "id_number", "phone", "address"];

/// Residents in scope, masked. The read is audited.
#[utoipa::path(get, path = "/residents", tag = "residents", params(ResidentQuery, Paging), responses((status = 200, body = Page<ResidentView>)))]
async fn list_residents(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::RESIDENT_READ }>,
    Query(q): Query<ResidentQuery>,
    Query(pg): Query<Paging>,
) -> ApiResult<Json<Page<ResidentView>>> {
    if let Some(n) = q.name.as_deref() {
        domain::text::line("name", n, domain::text::NAME_MAX_CHARS)?;
    }
    // The permission before the value: a caller who may not search by number learns nothing,
    // not even whether the number it tried is well-formed.
    let by_identifier = [&q.id_number, &q.phone].iter().any(|v| v.as_deref().is_some_and(|v| !v.trim().is_empty()));
    if by_identifier && !p.can(domain::Permission::PiiUnmask) {
        return Err(ApiError::forbidden("pii_unmask (a search by phone or identity number reveals it)"));
    }
    let filter = ResidentFilter {
        jurisdiction_id: q.jurisdiction_id,
        name: q.name.clone(),
        id_number: q.id_number.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(IdNumber::parse).transpose()?,
        phone: q.phone.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(Phone::parse).transpose()?,
        age_band: q.age_band.as_deref().filter(|v| !v.is_empty()).map(AgeBand::parse).transpose()?,
    };
    // Finding a row by its full identifier tells the caller that identifier: it is an
    // unmasking, with the permission, a reason, a rate and an audit entry of its own.
    let mut searched = Vec::new();
    if let Some(id) = &filter.id_number {
        searched.push(serde_json::json!({"field": "id_number", "fingerprint": s.store.search_fingerprint(pii::Field::IdNumber, id.as_str())}));
    }
    if let Some(ph) = &filter.phone {
        searched.push(serde_json::json!({"field": "phone", "fingerprint": s.store.search_fingerprint(pii::Field::Phone, ph.as_str())}));
    }
    let reason = q.reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
    if !searched.is_empty() {
        let Some(reason) = reason else {
            return Err(ApiError::invalid("reason: required to search by phone or identity number"));
        };
        domain::text::line("reason", reason, domain::text::LINE_MAX_CHARS)?;
        if !s.search_limiter.allow(&format!("{:?}:{}", p.kind, p.id), SEARCHES_PER_WINDOW, SEARCH_WINDOW) {
            return Err(ApiError::new(
                axum::http::StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("at most {SEARCHES_PER_WINDOW} searches by identifier in ten minutes"),
            ));
        }
    }
    let page = s.store.list_residents(&p.scope, &filter, pg.req()).await?;
    let mut entry = p.audit(
        if searched.is_empty() { "read_pii" } else { "search_identifier" },
        "resident",
        Some("list".into()),
        &MASKED_FIELDS,
    );
    entry.reason = if searched.is_empty() { None } else { reason.map(str::to_string) };
    // Record which rows were seen and how they were searched; a searched identifier only as
    // its keyed fingerprint.
    entry.detail = serde_json::json!({
        "masked": true,
        "ids": page.items.iter().map(|r| r.id).collect::<Vec<_>>(),
        "by": {"jurisdiction_id": q.jurisdiction_id, "name": q.name.is_some(), "id_number": q.id_number.is_some(), "phone": q.phone.is_some()},
        "searched": searched,
    })
    .to_string();
    s.store.audit(entry).await?;
    Ok(Json(page))
}

/// One resident, masked. The read is audited.
#[utoipa::path(get, path = "/residents/{id}", tag = "residents", responses((status = 200, body = ResidentView)))]
async fn get_resident(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::RESIDENT_READ }>,
    Path(id): Path<i64>,
) -> ApiResult<Json<ResidentView>> {
    let r = s.store.resident(&p.scope, id).await?;
    let mut entry = p.audit("read_pii", "resident", Some(id.to_string()), &MASKED_FIELDS);
    entry.detail = r#"{"masked":true}"#.into();
    s.store.audit(entry).await?;
    Ok(Json(r))
}

/// A new resident.
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct NewResidentBody {
    name: String,
    id_number: String,
    phone: Option<String>,
    address: Option<String>,
    #[serde(default)]
    gender: String,
    /// Derived from the identity number when absent.
    age_band: Option<String>,
    #[serde(default)]
    household_code: String,
    jurisdiction_id: i64,
}

/// Adds a resident in scope.
#[utoipa::path(post, path = "/residents", tag = "residents", request_body = NewResidentBody, responses((status = 200, body = ResidentView)))]
async fn create_resident(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::RESIDENT_WRITE }>,
    Json(b): Json<NewResidentBody>,
) -> ApiResult<Json<ResidentView>> {
    let j = s.store.jurisdiction(b.jurisdiction_id).await?.ok_or_else(|| ApiError::not_found("jurisdiction"))?;
    if !p.scope.contains(&j.path) {
        return Err(ApiError::not_found("jurisdiction"));
    }
    let id_number = IdNumber::parse(&b.id_number)?;
    let age_band = match b.age_band.as_deref().filter(|a| !a.is_empty()) {
        Some(a) => AgeBand::parse(a)?,
        None => import::age_band_from_id(&id_number),
    };
    let r = store::NewResident {
        name: b.name,
        phone: b.phone.as_deref().filter(|v| !v.is_empty()).map(Phone::parse).transpose()?,
        address: b.address,
        gender: if b.gender.is_empty() { import::gender_from_id(&id_number).into() } else { b.gender },
        age_band,
        household_code: b.household_code,
        jurisdiction_id: b.jurisdiction_id,
        id_number,
    };
    let id = s
        .store
        .create_resident(
            &r,
            p.audit(
                "create",
                "resident",
                None,
                &["name", "id_number", "phone", "address", "age_band", "jurisdiction_id"],
            ),
        )
        .await?;
    Ok(Json(s.store.resident(&p.scope, id).await?))
}

/// A change to a resident.
#[derive(Deserialize, utoipa::ToSchema)]
struct ResidentPatchBody {
    name: Option<String>,
    phone: Option<String>,
    address: Option<String>,
    age_band: Option<String>,
    household_code: Option<String>,
    jurisdiction_id: Option<i64>,
}

/// Changes a resident in scope.
#[utoipa::path(patch, path = "/residents/{id}", tag = "residents", request_body = ResidentPatchBody, responses((status = 200, body = ResidentView)))]
async fn update_resident(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::RESIDENT_WRITE }>,
    Path(id): Path<i64>,
    Json(b): Json<ResidentPatchBody>,
) -> ApiResult<Json<ResidentView>> {
    let patch = ResidentPatch {
        name: b.name,
        phone: b.phone.as_deref().filter(|v| !v.is_empty()).map(Phone::parse).transpose()?,
        address: b.address,
        age_band: b.age_band.as_deref().filter(|v| !v.is_empty()).map(AgeBand::parse).transpose()?,
        household_code: b.household_code,
        jurisdiction_id: b.jurisdiction_id,
    };
    Ok(Json(
        s.store.update_resident(&p.scope, id, &patch, p.audit("update", "resident", Some(id.to_string()), &[])).await?,
    ))
}

/// A request to see one field in clear.
#[derive(Deserialize, utoipa::ToSchema)]
struct UnmaskBody {
    field: RevealField,
    /// Why the clear value is needed (at least 4 characters); recorded in the audit log.
    reason: String,
}

/// The clear value.
#[derive(Serialize, utoipa::ToSchema)]
struct Unmasked {
    field: RevealField,
    value: Option<String>,
    /// The audit entry that records this unmasking.
    audit_seq: i64,
}

/// Shows one personal field in clear. Needs the unmask permission and a reason; the audit
/// entry is written before the value is returned, and if it cannot be written nothing is shown.
#[utoipa::path(post, path = "/residents/{id}/unmask", tag = "residents", request_body = UnmaskBody, responses((status = 200, body = Unmasked), (status = 403, body = crate::error::ErrorBody)))]
async fn unmask(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::PII_UNMASK }>,
    Path(id): Path<i64>,
    Json(b): Json<UnmaskBody>,
) -> ApiResult<Json<Unmasked>> {
    let reason = b.reason.trim();
    if reason.chars().count() < 4 {
        return Err(ApiError::invalid("reason: state why the clear value is needed (at least 4 characters)"));
    }
    let value = s.store.reveal_resident(&p.scope, id, b.field).await?;
    let mut entry = p.audit("unmask", "resident", Some(id.to_string()), &[b.field.as_str()]);
    entry.reason = Some(reason.to_string());
    let rec = s.store.audit(entry).await?;
    Ok(Json(Unmasked { field: b.field, value, audit_seq: rec.seq }))
}

/// Imports residents from CSV or XLSX; every bad row is reported, every good row kept.
#[utoipa::path(post, path = "/residents/import", tag = "residents", request_body(content_type = "multipart/form-data", description = "field `file`: CSV or XLSX; columns name,id_number,phone,address,gender,age_band,household_code,jurisdiction_code (or 姓名,身份证号,手机号,住址,性别,年龄段,户号,辖区编码)"), responses((status = 200, body = ImportReport)))]
async fn import_residents(
    State(s): State<AppState>,
    Authorized(p): Authorized<{ perm::RESIDENT_WRITE }>,
    mp: Multipart,
) -> ApiResult<Json<ImportReport>> {
    let table = import::read_upload(mp).await?;
    let report = import::residents(&s, &p, &table).await?;
    let mut entry =
        p.audit("import", "resident", None, &["name", "id_number", "phone", "address", "age_band", "jurisdiction_id"]);
    entry.detail =
        serde_json::json!({"accepted": report.accepted, "rejected": report.rejected_total, "rows": report.rows})
            .to_string();
    s.store.audit(entry).await?;
    Ok(Json(report))
}
