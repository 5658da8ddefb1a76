//! Bulk import of CSV and XLSX files. Every row is judged on its own: a bad row is reported
//! with its row number (as a spreadsheet shows it, header = row 1) and field, and never
//! costs the good rows their place.

use std::collections::HashMap;
use std::io::Cursor;

use axum::extract::Multipart;
use calamine::{Data, Reader, Xlsx};
use domain::{AgeBand, IdNumber, JurisdictionKind, Phone};
use serde::Serialize;

use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};

/// An uploaded table: normalised headers and the rows under them.
#[derive(Debug, Default)]
pub struct Table {
    /// Column names, trimmed and lower-cased, Chinese names mapped to the canonical ones.
    pub headers: Vec<String>,
    /// `(row number, cells)`.
    pub rows: Vec<(usize, Vec<String>)>,
}

/// One rejected row.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RowError {
    /// Row number as a spreadsheet shows it (the header is row 1).
    pub row: usize,
    /// The column at fault.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

/// The outcome of an import.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    /// Data rows read.
    pub rows: usize,
    /// Rows stored.
    pub accepted: usize,
    /// Rows refused, each with the reason.
    pub rejected: Vec<RowError>,
}

const ALIASES: &[(&str, &str)] = &[
    ("姓名", "name"),
    ("身份证号", "id_number"),
    ("身份证号码", "id_number"),
    ("手机号", "phone"),
    ("手机号码", "phone"),
    ("联系电话", "phone"),
    ("住址", "address"),
    ("地址", "address"),
    ("性别", "gender"),
    ("年龄段", "age_band"),
    ("户号", "household_code"),
    ("辖区编码", "jurisdiction_code"),
    ("编码", "code"),
    ("名称", "name"),
    ("层级", "kind"),
    ("上级编码", "parent_code"),
    ("常住人口", "residents"),
    ("统计日期", "as_of"),
    ("案件编号", "case_no"),
    ("预警编号", "upstream_id"),
    ("预警来源", "source"),
    ("风险等级", "grade"),
    ("下发时间", "issued_at"),
    ("对象类型", "subject_kind"),
    ("预警对象", "subject"),
    ("涉案金额(元)", "amount_yuan"),
    ("报案时间", "reported_at"),
    ("立案时间", "filed_at"),
    ("破案时间", "solved_at"),
    ("派出所", "station"),
    ("受害人所在辖区", "jurisdiction_code"),
    ("诈骗类型", "fraud_type"),
    ("抓获人数", "arrested"),
    ("抓获嫌疑人数", "arrested"),
    ("损失金额", "loss_yuan"),
    ("损失金额(元)", "loss_yuan"),
    ("挽损金额", "recovered_yuan"),
    ("挽损金额(元)", "recovered_yuan"),
    ("受害人职业", "victim_occupation"),
    ("接触渠道", "contact_channel"),
    ("案件状态", "status"),
    ("嫌疑人电话", "suspect_phone"),
    ("涉案账户", "suspect_account"),
    ("涉案银行账户", "suspect_account"),
    ("涉案支付账户", "suspect_payment_account"),
    ("涉案网址", "suspect_url"),
    ("涉案APP", "suspect_app"),
    ("嫌疑人社交账号", "suspect_im"),
];

fn normalise_header(h: &str) -> String {
    let h = h.trim().trim_start_matches('\u{feff}');
    ALIASES.iter().find(|(zh, _)| *zh == h).map(|(_, en)| en.to_string()).unwrap_or_else(|| h.to_lowercase())
}

/// Reads the `file` field of a multipart upload as CSV or XLSX (told apart by content).
pub async fn read_upload(mut mp: Multipart) -> ApiResult<Table> {
    while let Some(field) = mp.next_field().await.map_err(|e| ApiError::invalid(format!("file: {e}")))? {
        if field.name() == Some("file") {
            let bytes = field.bytes().await.map_err(|e| ApiError::invalid(format!("file: {e}")))?;
            return parse_table(&bytes);
        }
    }
    Err(ApiError::invalid("file: no multipart field named 'file'"))
}

/// Parses CSV or XLSX bytes.
pub fn parse_table(bytes: &[u8]) -> ApiResult<Table> {
    if bytes.starts_with(b"PK\x03\x04") { parse_xlsx(bytes) } else { parse_csv(bytes) }
}

fn parse_csv(bytes: &[u8]) -> ApiResult<Table> {
    let mut rdr = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(bytes);
    let headers = rdr.headers().map_err(|e| ApiError::invalid(format!("file: cannot read the header row: {e}")))?.iter().map(normalise_header).collect();
    let mut t = Table { headers, rows: Vec::new() };
    for (i, rec) in rdr.records().enumerate() {
        let row = i + 2;
        match rec {
            Ok(r) => t.rows.push((row, r.iter().map(str::to_string).collect())),
            // A row that is not valid CSV (e.g. bad UTF-8) becomes a row with no cells; the
            // importer then reports it by number instead of dropping it silently.
            Err(_) => t.rows.push((row, vec![])),
        }
    }
    Ok(t)
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        // Spreadsheets store long digit strings (phones) as numbers; print them whole.
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e17 => format!("{f:.0}"),
        Data::Int(i) => i.to_string(),
        // Excel's serial day count (1900 system) starts at 1899-12-30.
        Data::DateTime(dt) => jiff::civil::date(1899, 12, 30)
            .checked_add(jiff::Span::new().days(dt.as_f64().floor() as i64))
            .map(|d| d.to_string())
            .unwrap_or_else(|_| dt.to_string()),
        other => other.to_string(),
    }
}

fn parse_xlsx(bytes: &[u8]) -> ApiResult<Table> {
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| ApiError::invalid(format!("file: not a readable XLSX workbook: {e}")))?;
    let range = wb
        .worksheet_range_at(0)
        .ok_or_else(|| ApiError::invalid("file: the workbook has no sheet"))?
        .map_err(|e| ApiError::invalid(format!("file: cannot read the first sheet: {e}")))?;
    let (start_row, _) = range.start().unwrap_or((0, 0));
    let mut rows = range.rows();
    let headers = rows.next().map(|r| r.iter().map(|c| normalise_header(&cell_text(c))).collect()).unwrap_or_default();
    let mut t = Table { headers, rows: Vec::new() };
    for (i, r) in rows.enumerate() {
        let cells: Vec<String> = r.iter().map(cell_text).collect();
        if cells.iter().all(String::is_empty) {
            continue;
        }
        t.rows.push((start_row as usize + i + 2, cells));
    }
    Ok(t)
}

impl Table {
    pub(crate) fn col(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }

    pub(crate) fn require(&self, names: &[&str]) -> ApiResult<()> {
        let missing: Vec<_> = names.iter().filter(|n| self.col(n).is_none()).collect();
        if missing.is_empty() { Ok(()) } else { Err(ApiError::invalid(format!("file: missing column(s) {missing:?}; found {:?}", self.headers))) }
    }
}

struct RowReader<'a> {
    t: &'a Table,
    cells: &'a [String],
}

impl RowReader<'_> {
    fn get(&self, name: &str) -> &str {
        self.t.col(name).and_then(|i| self.cells.get(i)).map(|s| s.trim()).unwrap_or("")
    }
}

/// The age band an identity number implies today.
pub fn age_band_from_id(id: &IdNumber) -> AgeBand {
    let today = domain::time::china_date(store::now_ms()).unwrap_or(jiff::civil::date(2026, 1, 1));
    id.birth_date().map(|b| AgeBand::at(b, today)).unwrap_or(AgeBand::From31To45)
}

/// `男` or `女`, from the 17th character of the identity number.
pub fn gender_from_id(id: &IdNumber) -> &'static str {
    match id.as_str().as_bytes().get(16).map(|b| b - b'0') {
        Some(d) if d % 2 == 1 => "男",
        Some(_) => "女",
        None => "",
    }
}

/// Imports residents. Required columns: name, id_number, jurisdiction_code.
pub async fn residents(s: &AppState, p: &Principal, t: &Table) -> ApiResult<ImportReport> {
    t.require(&["name", "id_number", "jurisdiction_code"])?;
    let mut rejected = Vec::new();
    let mut good = Vec::new();
    let mut good_rows = Vec::new();
    let mut jur_cache: HashMap<String, Option<store::Jurisdiction>> = HashMap::new();
    for (row, cells) in &t.rows {
        let r = RowReader { t, cells };
        let mut errs = Vec::new();
        let mut err = |field: &str, message: String| errs.push(RowError { row: *row, field: field.into(), message });
        if cells.is_empty() {
            err("row", "the row could not be read (not valid CSV or not UTF-8)".into());
        }
        let name = r.get("name").to_string();
        if name.is_empty() {
            err("name", "must not be empty".into());
        }
        let id = IdNumber::parse(r.get("id_number")).map_err(|e| err("id_number", e.message)).ok();
        let phone = match r.get("phone") {
            "" => None,
            v => Phone::parse(v).map_err(|e| err("phone", e.message)).ok(),
        };
        let age_band = match r.get("age_band") {
            "" => id.as_ref().map(age_band_from_id),
            v => AgeBand::parse(v).map_err(|e| err("age_band", e.message)).ok(),
        };
        let code = r.get("jurisdiction_code").to_string();
        if !jur_cache.contains_key(&code) {
            let j = s.store.jurisdiction_by_code(&code).await?;
            jur_cache.insert(code.clone(), j);
        }
        let jur = match jur_cache.get(&code).cloned().flatten() {
            Some(j) if p.scope.contains(&j.path) => Some(j),
            Some(_) => {
                err("jurisdiction_code", format!("'{code}' is outside your area"));
                None
            }
            None => {
                err("jurisdiction_code", format!("no jurisdiction with code '{code}'"));
                None
            }
        };
        if !errs.is_empty() {
            rejected.extend(errs);
            continue;
        }
        let (Some(id), Some(age_band), Some(jur)) = (id, age_band, jur) else { continue };
        let gender = match r.get("gender") {
            "" => gender_from_id(&id).to_string(),
            g => g.to_string(),
        };
        good.push(store::NewResident {
            name,
            phone,
            address: Some(r.get("address").to_string()).filter(|a| !a.is_empty()),
            gender,
            age_band,
            household_code: r.get("household_code").to_string(),
            jurisdiction_id: jur.id,
            id_number: id,
        });
        good_rows.push(*row);
    }
    let mut accepted = 0;
    for (chunk, rows) in good.chunks(2000).zip(good_rows.chunks(2000)) {
        for (res, row) in s.store.insert_residents(chunk).await?.into_iter().zip(rows) {
            match res {
                Ok(_) => accepted += 1,
                Err(store::StoreError::Conflict { field, message }) => rejected.push(RowError { row: *row, field: field.into(), message }),
                Err(store::StoreError::Invalid(v)) => rejected.push(RowError { row: *row, field: v.field.into(), message: v.message }),
                Err(store::StoreError::NotFound(what)) => rejected.push(RowError { row: *row, field: "jurisdiction_code".into(), message: format!("{what} not found") }),
                Err(e) => return Err(e.into()),
            }
        }
    }
    rejected.sort_by_key(|e| e.row);
    Ok(ImportReport { rows: t.rows.len(), accepted, rejected })
}

/// Imports jurisdictions in file order (a parent may come earlier in the same file), with an
/// optional population figure per row. Columns: code, name, kind, parent_code, residents, as_of.
pub async fn jurisdictions(s: &AppState, p: &Principal, t: &Table) -> ApiResult<ImportReport> {
    t.require(&["code", "name", "kind", "parent_code"])?;
    let mut rejected = Vec::new();
    let mut accepted = 0;
    for (row, cells) in &t.rows {
        let r = RowReader { t, cells };
        let bad = |field: &str, message: String| RowError { row: *row, field: field.into(), message };
        let kind = match JurisdictionKind::parse(r.get("kind")) {
            Ok(k) => k,
            Err(e) => {
                rejected.push(bad("kind", e.message));
                continue;
            }
        };
        let parent = match r.get("parent_code") {
            "" => None,
            c => match s.store.jurisdiction_by_code(c).await? {
                Some(j) if p.scope.contains(&j.path) => Some(j),
                Some(_) => {
                    rejected.push(bad("parent_code", format!("'{c}' is outside your area")));
                    continue;
                }
                None => {
                    rejected.push(bad("parent_code", format!("no jurisdiction with code '{c}' (parents must come first)")));
                    continue;
                }
            },
        };
        if parent.is_none() && p.scope != domain::Scope::All {
            rejected.push(bad("parent_code", "only a county-wide user may add a root".into()));
            continue;
        }
        let residents = match r.get("residents") {
            "" => None,
            v => match v.parse::<i64>() {
                Ok(n) if n >= 0 => Some(n),
                _ => {
                    rejected.push(bad("residents", format!("'{v}' is not a non-negative whole number")));
                    continue;
                }
            },
        };
        let as_of = match r.get("as_of") {
            "" => domain::time::china_date(store::now_ms()).unwrap_or(jiff::civil::date(2026, 1, 1)),
            v => match v.parse::<jiff::civil::Date>() {
                Ok(d) => d,
                Err(_) => {
                    rejected.push(bad("as_of", format!("'{v}' is not a date YYYY-MM-DD")));
                    continue;
                }
            },
        };
        let n = store::NewJurisdiction { parent_id: parent.map(|j| j.id), kind, code: r.get("code").into(), name: r.get("name").into() };
        match s.store.create_jurisdiction(&n).await {
            Ok(j) => {
                if let Some(res) = residents {
                    s.store.set_population(j.id, as_of, res, "import").await?;
                }
                accepted += 1;
            }
            Err(store::StoreError::Conflict { field, message }) => rejected.push(bad(field, message)),
            Err(store::StoreError::Invalid(v)) => rejected.push(bad(v.field, v.message)),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(ImportReport { rows: t.rows.len(), accepted, rejected })
}
