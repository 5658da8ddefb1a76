//! Residents: minimal personal data, encrypted at rest, masked on the way out.

use std::collections::HashMap;

use domain::{AgeBand, IdNumber, Phone, Scope, mask_address, mask_name};
use pii::Field;
use serde::Serialize;

use crate::audit::append_in_tx;
use crate::sql::{Arg, Filter, bind_args};
use crate::{BeginWrite, Page, PageReq, Result, Store, StoreError, now_ms, on_pool};
use domain::audit::AuditContent;

/// A resident to add. The identifiers are validated types, so nothing unchecked is stored.
#[derive(Debug, Clone)]
pub struct NewResident {
    /// Full name.
    pub name: String,
    /// Identity number.
    pub id_number: IdNumber,
    /// Mobile number.
    pub phone: Option<Phone>,
    /// Home address.
    pub address: Option<String>,
    /// `男` / `女` / empty.
    pub gender: String,
    /// Age band.
    pub age_band: AgeBand,
    /// Household (户) code, to count households reached.
    pub household_code: String,
    /// The leaf jurisdiction the resident lives in.
    pub jurisdiction_id: i64,
}

/// A change to a resident; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ResidentPatch {
    /// New name.
    pub name: Option<String>,
    /// New phone.
    pub phone: Option<Phone>,
    /// New address.
    pub address: Option<String>,
    /// New age band.
    pub age_band: Option<AgeBand>,
    /// New household.
    pub household_code: Option<String>,
    /// Moved to another jurisdiction.
    pub jurisdiction_id: Option<i64>,
}

/// A resident as every API response and page shows it: masked.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ResidentView {
    /// Stable id.
    pub id: i64,
    /// `张*`.
    pub name: String,
    /// `110***********1234`.
    pub id_number: String,
    /// `138****1234`.
    pub phone: Option<String>,
    /// `城关镇东街村****`.
    pub address: Option<String>,
    /// Gender.
    pub gender: String,
    /// Age band code.
    pub age_band: String,
    /// Household code.
    pub household_code: String,
    /// Jurisdiction id.
    pub jurisdiction_id: i64,
    /// Jurisdiction name.
    pub jurisdiction_name: String,
}

/// Which field to unmask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RevealField {
    /// Full name.
    Name,
    /// Identity number.
    IdNumber,
    /// Phone.
    Phone,
    /// Address.
    Address,
}

impl RevealField {
    /// The field's API name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::IdNumber => "id_number",
            Self::Phone => "phone",
            Self::Address => "address",
        }
    }
}

/// Filter for resident lists.
#[derive(Debug, Clone, Default)]
pub struct ResidentFilter {
    /// Within this jurisdiction's subtree (intersected with the caller's scope).
    pub jurisdiction_id: Option<i64>,
    /// Exact name.
    pub name: Option<String>,
    /// Exact identity number (found through the blind index).
    pub id_number: Option<IdNumber>,
    /// Exact phone (found through the blind index).
    pub phone: Option<Phone>,
    /// Age band.
    pub age_band: Option<AgeBand>,
}

struct Row {
    id: i64,
    name: String,
    id_number_enc: Vec<u8>,
    phone_enc: Option<Vec<u8>>,
    address_enc: Option<Vec<u8>>,
    gender: String,
    age_band: String,
    household_code: String,
    jurisdiction_id: i64,
    jurisdiction_name: String,
}
crate::rows::from_row!(Row {
    id,
    name,
    id_number_enc,
    phone_enc,
    address_enc,
    gender,
    age_band,
    household_code,
    jurisdiction_id,
    jurisdiction_name
});

const COLS: &str = "r.id, r.name, r.id_number_enc, r.phone_enc, r.address_enc, r.gender, r.age_band, r.household_code, r.jurisdiction_id, j.name AS jurisdiction_name";

impl Store {
    fn view(&self, r: Row) -> Result<ResidentView> {
        let v = self.vault();
        let id = v.decrypt(Field::IdNumber, &r.id_number_enc)?;
        Ok(ResidentView {
            id: r.id,
            name: mask_name(&r.name),
            id_number: domain::person::mask_keep(&id, 3, 4),
            phone: r
                .phone_enc
                .map(|c| v.decrypt(Field::Phone, &c).map(|p| domain::person::mask_keep(&p, 3, 4)))
                .transpose()?,
            address: r.address_enc.map(|c| v.decrypt(Field::Address, &c).map(|a| mask_address(&a))).transpose()?,
            gender: r.gender,
            age_band: r.age_band,
            household_code: r.household_code,
            jurisdiction_id: r.jurisdiction_id,
            jurisdiction_name: r.jurisdiction_name,
        })
    }

    /// Adds residents in one transaction. Each row gets its own result: a duplicate identity
    /// number or unknown jurisdiction fails that row only, the others are kept.
    pub async fn insert_residents(&self, rows: &[NewResident]) -> Result<Vec<Result<i64>>> {
        self.insert_residents_audited(rows, None).await
    }

    /// [`Store::insert_residents`], with `audit` appended in the same transaction when any row
    /// went in (naming the row when there is one).
    async fn insert_residents_audited(
        &self,
        rows: &[NewResident],
        audit: Option<AuditContent>,
    ) -> Result<Vec<Result<i64>>> {
        let mut paths: HashMap<i64, Option<String>> = HashMap::new();
        for r in rows {
            if let std::collections::hash_map::Entry::Vacant(e) = paths.entry(r.jurisdiction_id) {
                e.insert(self.jurisdiction(r.jurisdiction_id).await?.map(|j| j.path));
            }
        }
        let v = self.vault();
        let now = now_ms();
        // Validate and encrypt first; each row keeps its slot in `out`.
        let mut out: Vec<Result<i64>> = Vec::with_capacity(rows.len());
        let mut ready: Vec<(usize, Vec<Arg>)> = Vec::with_capacity(rows.len());
        for (i, r) in rows.iter().enumerate() {
            let Some(Some(path)) = paths.get(&r.jurisdiction_id) else {
                out.push(Err(StoreError::NotFound("jurisdiction")));
                continue;
            };
            if let Err(e) = domain::text::name("name", &r.name) {
                out.push(Err(e.into()));
                continue;
            }
            let opt = |b: Option<Vec<u8>>| b.map(Arg::Bytes).unwrap_or(Arg::Null);
            let args = vec![
                Arg::Text(r.name.trim().to_string()),
                Arg::Bytes(v.encrypt(Field::IdNumber, r.id_number.as_str())?),
                Arg::Bytes(v.blind_index(Field::IdNumber, r.id_number.as_str())),
                opt(r.phone.as_ref().map(|ph| v.encrypt(Field::Phone, ph.as_str())).transpose()?),
                opt(r.phone.as_ref().map(|ph| v.blind_index(Field::Phone, ph.as_str()))),
                opt(r
                    .address
                    .as_deref()
                    .filter(|a| !a.trim().is_empty())
                    .map(|a| v.encrypt(Field::Address, a.trim()))
                    .transpose()?),
                Arg::Text(r.gender.clone()),
                Arg::Text(r.age_band.as_str().to_string()),
                Arg::Text(r.household_code.clone()),
                Arg::I64(r.jurisdiction_id),
                Arg::Text(path.clone()),
                Arg::I64(now),
                Arg::I64(now),
            ];
            ready.push((i, args));
            out.push(Err(StoreError::Conflict {
                field: "id_number",
                message: "a resident with this identity number exists".into(),
            }));
        }
        // Many rows per statement: each statement is a round trip to the database thread.
        // `ON CONFLICT DO NOTHING RETURNING` names the rows that went in by their blind index;
        // the others (already present, or repeated in the same batch) keep the conflict error.
        const COLS_N: usize = 13;
        // sqlx looks every parameter up by name, which costs O(parameters) each: keep batches small.
        const BATCH: usize = 16;
        let pg = self.is_postgres();
        let _writer = self.audit_writer_if(audit.is_some()).await;
        on_pool!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            for batch in ready.chunks(BATCH) {
                let sql = format!(
                    "INSERT INTO residents (name, id_number_enc, id_number_idx, phone_enc, phone_idx, address_enc, gender, age_band, household_code, jurisdiction_id, jurisdiction_path, created_at, updated_at) VALUES {} \
                     ON CONFLICT (id_number_idx) DO NOTHING RETURNING id, id_number_idx",
                    crate::sql::values_rows(batch.len(), COLS_N)
                );
                let args: Vec<Arg> = batch.iter().flat_map(|(_, a)| a.iter().cloned()).collect();
                let got: Vec<(i64, Vec<u8>)> = bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), args).fetch_all(&mut *tx).await?;
                let mut by_idx: HashMap<Vec<u8>, i64> = got.into_iter().map(|(id, idx)| (idx, id)).collect();
                for (i, a) in batch {
                    if let Arg::Bytes(idx) = &a[2]
                        && let Some(id) = by_idx.remove(idx)
                    {
                        out[*i] = Ok(id);
                    }
                }
            }
            if let Some(mut audit) = audit.clone()
                && out.iter().any(Result::is_ok)
            {
                if let [Ok(id)] = out.as_slice() {
                    audit.object_id = Some(id.to_string());
                }
                append_in_tx!(tx, pg, [audit]);
            }
            tx.commit().await?;
        });
        self.forget_counts();
        Ok(out)
    }

    /// Adds one resident, committed with its audit entry.
    pub async fn create_resident(&self, r: &NewResident, audit: AuditContent) -> Result<i64> {
        self.insert_residents_audited(std::slice::from_ref(r), Some(audit))
            .await?
            .pop()
            .ok_or(StoreError::NotFound("resident"))?
    }

    /// Residents in scope matching the filter, masked.
    pub async fn list_residents(
        &self,
        scope: &Scope,
        filter: &ResidentFilter,
        page: PageReq,
    ) -> Result<Page<ResidentView>> {
        let mut f = Filter::default();
        f.scope("r.jurisdiction_path", scope);
        if let Some(jid) = filter.jurisdiction_id {
            let j = self.jurisdiction(jid).await?.ok_or(StoreError::NotFound("jurisdiction"))?;
            f.scope("r.jurisdiction_path", &Scope::Subtrees(vec![j.path]));
        }
        if let Some(n) = filter.name.as_deref().filter(|n| !n.trim().is_empty()) {
            // Exact: a prefix search would read the masked names one letter at a time.
            let ph = f.bind(Arg::Text(n.trim().to_string()));
            f.and(format!("r.name = {ph}"));
        }
        if let Some(id) = &filter.id_number {
            let ph = f.bind(Arg::Bytes(self.vault().blind_index(Field::IdNumber, id.as_str())));
            f.and(format!("r.id_number_idx = {ph}"));
        }
        if let Some(phone) = &filter.phone {
            let ph = f.bind(Arg::Bytes(self.vault().blind_index(Field::Phone, phone.as_str())));
            f.and(format!("r.phone_idx = {ph}"));
        }
        if let Some(b) = filter.age_band {
            let ph = f.bind(Arg::Text(b.as_str().into()));
            f.and(format!("r.age_band = {ph}"));
        }
        let count_sql = format!("SELECT COUNT(*) FROM residents r{}", f.sql());
        let n = f.args.len();
        let lim = f.bind(Arg::I64(page.limit()));
        let off = f.bind(Arg::I64(page.offset()));
        let sql = format!(
            "SELECT {COLS} FROM residents r JOIN jurisdictions j ON j.id = r.jurisdiction_id{} ORDER BY r.id LIMIT {lim} OFFSET {off}",
            f.sql()
        );
        let count_key = format!("{count_sql}|{:?}", &f.args[..n]);
        let cached = self.cached_count(&count_key);
        let (rows, total) = on_pool!(&self.db, p => {
            let rows: Vec<Row> = bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), f.args).fetch_all(p).await?;
            let total = match cached {
                Some(t) => t,
                None => bind_args!(sqlx::query_as::<_, (i64,)>(sqlx::AssertSqlSafe(count_sql)), f.args[..n]).fetch_one(p).await?.0,
            };
            (rows, total)
        });
        if cached.is_none() {
            self.remember_count(count_key, total);
        }
        let items = rows.into_iter().map(|r| self.view(r)).collect::<Result<Vec<_>>>()?;
        Ok(Page { items, total, page: page.page.max(1), per_page: page.limit() })
    }

    async fn resident_row(&self, scope: &Scope, id: i64) -> Result<Row> {
        let mut f = Filter::default();
        let ph = f.bind(Arg::I64(id));
        f.and(format!("r.id = {ph}"));
        f.scope("r.jurisdiction_path", scope);
        let sql = format!("SELECT {COLS} FROM residents r JOIN jurisdictions j ON j.id = r.jurisdiction_id{}", f.sql());
        let row: Option<Row> = on_pool!(&self.db, p => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), f.args).fetch_optional(p).await?);
        // Out of scope and absent look the same, so ids cannot be probed across precincts.
        row.ok_or(StoreError::NotFound("resident"))
    }

    /// One resident in scope, masked.
    pub async fn resident(&self, scope: &Scope, id: i64) -> Result<ResidentView> {
        let r = self.resident_row(scope, id).await?;
        self.view(r)
    }

    /// One field of a resident in clear. The caller must have checked the permission and must
    /// audit the act; the store only guarantees scope.
    pub async fn reveal_resident(&self, scope: &Scope, id: i64, field: RevealField) -> Result<Option<String>> {
        let r = self.resident_row(scope, id).await?;
        let v = self.vault();
        Ok(match field {
            RevealField::Name => Some(r.name),
            RevealField::IdNumber => Some(v.decrypt(Field::IdNumber, &r.id_number_enc)?),
            RevealField::Phone => r.phone_enc.map(|c| v.decrypt(Field::Phone, &c)).transpose()?,
            RevealField::Address => r.address_enc.map(|c| v.decrypt(Field::Address, &c)).transpose()?,
        })
    }

    /// Changes a resident in scope; a move must stay inside the scope too.
    pub async fn update_resident(
        &self,
        scope: &Scope,
        id: i64,
        patch: &ResidentPatch,
        mut audit: AuditContent,
    ) -> Result<ResidentView> {
        self.resident_row(scope, id).await?;
        let v = self.vault();
        let mut f = Filter::default();
        let mut sets = Vec::new();
        let mut changed = Vec::new();
        if let Some(n) = patch.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            domain::text::name("name", n)?;
            sets.push(format!("name = {}", f.bind(Arg::Text(n.into()))));
            changed.push("name");
        }
        if let Some(ph) = &patch.phone {
            sets.push(format!("phone_enc = {}", f.bind(Arg::Bytes(v.encrypt(Field::Phone, ph.as_str())?))));
            sets.push(format!("phone_idx = {}", f.bind(Arg::Bytes(v.blind_index(Field::Phone, ph.as_str())))));
            changed.push("phone");
        }
        if let Some(a) = patch.address.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
            sets.push(format!("address_enc = {}", f.bind(Arg::Bytes(v.encrypt(Field::Address, a)?))));
            changed.push("address");
        }
        if let Some(b) = patch.age_band {
            sets.push(format!("age_band = {}", f.bind(Arg::Text(b.as_str().into()))));
            changed.push("age_band");
        }
        if let Some(h) = &patch.household_code {
            sets.push(format!("household_code = {}", f.bind(Arg::Text(h.trim().into()))));
            changed.push("household_code");
        }
        if let Some(jid) = patch.jurisdiction_id {
            let j = self.jurisdiction(jid).await?.ok_or(StoreError::NotFound("jurisdiction"))?;
            if !scope.contains(&j.path) {
                return Err(StoreError::NotFound("jurisdiction"));
            }
            sets.push(format!("jurisdiction_id = {}", f.bind(Arg::I64(jid))));
            sets.push(format!("jurisdiction_path = {}", f.bind(Arg::Text(j.path))));
            changed.push("jurisdiction_id");
        }
        // The change and its entry, which names the fields changed, commit together.
        audit.fields = changed.iter().map(|f| f.to_string()).collect();
        if sets.is_empty() {
            self.audit(audit).await?;
        } else {
            sets.push(format!("updated_at = {}", f.bind(Arg::I64(now_ms()))));
            let idp = f.bind(Arg::I64(id));
            let sql = format!("UPDATE residents SET {} WHERE id = {idp}", sets.join(", "));
            let pg = self.is_postgres();
            let _writer = self.audit_writer().await;
            on_pool!(&self.db, p => {
                let mut tx = p.begin_write().await?;
                bind_args!(sqlx::query(sqlx::AssertSqlSafe(sql)), f.args).execute(&mut *tx).await?;
                append_in_tx!(tx, pg, [audit]);
                tx.commit().await?;
            });
            self.forget_counts();
        }
        self.resident(scope, id).await
    }

    /// How many residents there are in all (for the demo's "already generated" check).
    pub async fn count_residents(&self) -> Result<i64> {
        let (n,): (i64,) =
            on_pool!(&self.db, p => sqlx::query_as("SELECT COUNT(*) FROM residents").fetch_one(p).await?);
        Ok(n)
    }

    /// Raw stored bytes of a resident's personal columns, for tests that prove nothing is in clear.
    pub async fn raw_resident_columns(&self, id: i64) -> Result<Vec<Vec<u8>>> {
        // id number, phone, address (ciphertexts), id number and phone blind indexes.
        type Raw = (Vec<u8>, Option<Vec<u8>>, Option<Vec<u8>>, Vec<u8>, Option<Vec<u8>>);
        let row: Option<Raw> = on_pool!(&self.db, p => sqlx::query_as(
            "SELECT id_number_enc, phone_enc, address_enc, id_number_idx, phone_idx FROM residents WHERE id = $1").bind(id).fetch_optional(p).await?);
        let (a, b, c, d, e) = row.ok_or(StoreError::NotFound("resident"))?;
        Ok([Some(a), b, c, Some(d), e].into_iter().flatten().collect())
    }
}

impl Store {
    /// Residents in scope per age band, for the dashboard.
    pub async fn resident_counts_by_age(&self, scope: &Scope) -> Result<Vec<(String, i64)>> {
        let mut f = Filter::default();
        f.scope("jurisdiction_path", scope);
        let sql = format!("SELECT age_band, COUNT(*) FROM residents{} GROUP BY age_band ORDER BY age_band", f.sql());
        Ok(on_pool!(&self.db, p => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), f.args).fetch_all(p).await?))
    }
}
