//! Bulk import of CSV and XLSX files. Every row is judged on its own: a bad row is reported
//! with its row number (as a spreadsheet shows it, header = row 1) and field, and never
//! costs the good rows their place.

use std::collections::HashMap;
use std::io::Cursor;

use axum::extract::Multipart;
use std::io::Read;

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
    /// Cells longer than the limit, by row: the row is refused naming the column; the cell is
    /// kept empty so nothing downstream holds the long text.
    pub too_long: Vec<RowError>,
}

/// One rejected row. Serialised with `message_zh` too: the column's label and what is
/// wrong, in Chinese, for the page.
#[derive(Debug, Clone, utoipa::ToSchema)]
pub struct RowError {
    /// Row number as a spreadsheet shows it (the header is row 1).
    pub row: usize,
    /// The column at fault.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl Serialize for RowError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let (_, zh) = domain::messages::invalid_zh(&format!("{}: {}", self.field, self.message));
        let mut st = s.serialize_struct("RowError", 4)?;
        st.serialize_field("row", &self.row)?;
        st.serialize_field("field", &self.field)?;
        st.serialize_field("message", &self.message)?;
        st.serialize_field("message_zh", &zh)?;
        st.end()
    }
}

/// The outcome of an import.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    /// Data rows read.
    pub rows: usize,
    /// Rows stored.
    pub accepted: usize,
    /// Rows refused, each with the reason: the first [`REPORT_MAX_ERRORS`] by row number.
    pub rejected: Vec<RowError>,
    /// Every refused row, listed or not.
    pub rejected_total: usize,
}

/// Refused rows an import's answer lists; the rest are counted. A workbook of a million bad
/// rows is answered with a page of them, not with a report larger than the upload.
pub const REPORT_MAX_ERRORS: usize = 500;

impl ImportReport {
    /// The report of `rows` read and `accepted` stored, listing the first refused rows.
    pub fn new(rows: usize, accepted: usize, rejected: Vec<RowError>) -> Self {
        let (rejected, rejected_total) = first_errors(rejected);
        Self { rows, accepted, rejected, rejected_total }
    }
}

/// The first [`REPORT_MAX_ERRORS`] refused rows by row number, and how many there were.
pub fn first_errors(mut rejected: Vec<RowError>) -> (Vec<RowError>, usize) {
    let total = rejected.len();
    rejected.sort_by_key(|e| e.row);
    rejected.truncate(REPORT_MAX_ERRORS);
    (rejected, total)
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

/// Limits on an uploaded table, checked while it is read, before anything is kept.
#[derive(Debug, Clone, Copy)]
pub struct TableLimits {
    /// Data rows (the header not counted).
    pub max_rows: usize,
    /// Columns: a cell with a value further right refuses the file.
    pub max_cols: usize,
    /// Characters in one cell; a longer cell refuses its row.
    pub max_cell_chars: usize,
    /// Cells with a value in the whole table.
    pub max_cells: usize,
    /// Uncompressed bytes of any one part of an XLSX workbook (its sheet, its shared strings):
    /// a small file may unzip to gigabytes.
    pub max_unzipped_bytes: u64,
    /// Parts in an XLSX workbook.
    pub max_zip_entries: usize,
}

impl TableLimits {
    /// The limits of every import.
    pub const DEFAULT: TableLimits = TableLimits {
        max_rows: 200_000,
        max_cols: 64,
        max_cell_chars: 1_000,
        max_cells: 4_000_000,
        max_unzipped_bytes: 128 * 1024 * 1024,
        max_zip_entries: 200,
    };
}

/// Reads the `file` field of a multipart upload as CSV or XLSX (told apart by content). The
/// body is bounded by the route's limit before it gets here; parsing runs off the async workers.
pub async fn read_upload(mut mp: Multipart) -> ApiResult<Table> {
    while let Some(field) = mp.next_field().await.map_err(|e| ApiError::invalid(format!("file: {e}")))? {
        if field.name() == Some("file") {
            let bytes = field.bytes().await.map_err(|e| ApiError::invalid(format!("file: {e}")))?;
            return tokio::task::spawn_blocking(move || parse_table(&bytes, &TableLimits::DEFAULT))
                .await
                .map_err(ApiError::internal)?;
        }
    }
    Err(ApiError::invalid("file: no multipart field named 'file'"))
}

/// Parses CSV or XLSX bytes within the limits.
pub fn parse_table(bytes: &[u8], limits: &TableLimits) -> ApiResult<Table> {
    if bytes.starts_with(b"PK\x03\x04") { parse_xlsx(bytes, limits) } else { parse_csv(bytes, limits) }
}

fn too_many_rows(limits: &TableLimits) -> ApiError {
    ApiError::invalid(format!("file: more than {} data rows; split it into several files", limits.max_rows))
}

fn too_many_cells(limits: &TableLimits) -> ApiError {
    ApiError::invalid(format!("file: more than {} cells with a value; split it into several files", limits.max_cells))
}

fn parse_csv(bytes: &[u8], limits: &TableLimits) -> ApiResult<Table> {
    let mut rdr = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(bytes);
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| ApiError::invalid(format!("file: cannot read the header row: {e}")))?
        .iter()
        .map(normalise_header)
        .collect();
    if headers.len() > limits.max_cols {
        return Err(ApiError::invalid(format!(
            "file: {} columns in the header row; at most {}",
            headers.len(),
            limits.max_cols
        )));
    }
    let mut t = Table { headers, rows: Vec::new(), too_long: Vec::new() };
    let mut rec = csv::StringRecord::new();
    let (mut row, mut n_cells) = (1, 0usize);
    loop {
        row += 1;
        match rdr.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {
                if t.rows.len() == limits.max_rows {
                    return Err(too_many_rows(limits));
                }
                n_cells += rec.len().min(limits.max_cols);
                if n_cells > limits.max_cells {
                    return Err(too_many_cells(limits));
                }
                let mut cells = Vec::with_capacity(rec.len().min(limits.max_cols));
                for (col, v) in rec.iter().enumerate() {
                    // Cells beyond the header have no column to go to; a long one only costs time.
                    if col >= limits.max_cols {
                        break;
                    }
                    cells.push(t.bounded_cell(row, col, v, limits));
                }
                t.rows.push((row, cells));
            }
            // A row that is not valid CSV (e.g. bad UTF-8) becomes a row with no cells; the
            // importer then reports it by number instead of dropping it silently.
            Err(e) if matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) => {
                if t.rows.len() == limits.max_rows {
                    return Err(too_many_rows(limits));
                }
                t.rows.push((row, vec![]));
            }
            Err(e) => return Err(ApiError::invalid(format!("file: row {row} cannot be read: {e}"))),
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

/// Checks every part of the workbook before calamine reads it: how many parts, and that none
/// unzips to more than the limit (counted by unzipping, since the sizes a zip declares are
/// whatever its maker wrote).
fn check_zip(bytes: &[u8], limits: &TableLimits) -> ApiResult<()> {
    let bad = |m: String| ApiError::invalid(format!("file: {m}"));
    let mut zip =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| bad(format!("not a readable XLSX workbook: {e}")))?;
    if zip.len() > limits.max_zip_entries {
        return Err(bad(format!("the workbook has {} parts; at most {}", zip.len(), limits.max_zip_entries)));
    }
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(|e| bad(format!("not a readable XLSX workbook: {e}")))?;
        let name = part.name().map(|n| n.into_owned()).unwrap_or_else(|_| format!("part {i}"));
        if part.size() > limits.max_unzipped_bytes {
            return Err(bad(format!(
                "part '{name}' unzips to {} bytes; at most {}",
                part.size(),
                limits.max_unzipped_bytes
            )));
        }
        let n = std::io::copy(&mut (&mut part).take(limits.max_unzipped_bytes + 1), &mut std::io::sink())
            .map_err(|e| bad(format!("part '{name}' cannot be unzipped: {e}")))?;
        if n > limits.max_unzipped_bytes {
            return Err(bad(format!("part '{name}' unzips to more than {} bytes", limits.max_unzipped_bytes)));
        }
    }
    Ok(())
}

/// Reads the first sheet cell by cell (calamine's streaming reader): a workbook that claims a
/// vast extent costs nothing; a value beyond the column or row limit refuses the file.
fn parse_xlsx(bytes: &[u8], limits: &TableLimits) -> ApiResult<Table> {
    check_zip(bytes, limits)?;
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes))
        .map_err(|e| ApiError::invalid(format!("file: not a readable XLSX workbook: {e}")))?;
    let sheet =
        wb.sheet_names().into_iter().next().ok_or_else(|| ApiError::invalid("file: the workbook has no sheet"))?;
    let mut cells = wb
        .worksheet_cells_reader(&sheet)
        .map_err(|e| ApiError::invalid(format!("file: cannot read the first sheet: {e}")))?;
    // Rows as the sheet numbers them (0-based), each with its cells by column.
    let mut by_row: std::collections::BTreeMap<u32, Vec<(u32, String)>> = std::collections::BTreeMap::new();
    let mut n_cells = 0usize;
    loop {
        let cell = match cells.next_cell() {
            Ok(Some(c)) => c,
            Ok(None) => break,
            Err(e) => return Err(ApiError::invalid(format!("file: cannot read the first sheet: {e}"))),
        };
        let (r, c) = cell.get_position();
        let text = cell_text(&Data::from(cell.get_value().clone()));
        // Formatted but empty cells far out are common and harmless.
        if text.is_empty() {
            continue;
        }
        if c as usize >= limits.max_cols {
            return Err(ApiError::invalid(format!(
                "file: a value in column {} (row {}); at most {} columns",
                c + 1,
                r + 1,
                limits.max_cols
            )));
        }
        n_cells += 1;
        if n_cells > limits.max_cells {
            return Err(too_many_cells(limits));
        }
        if by_row.len() > limits.max_rows && !by_row.contains_key(&r) {
            return Err(too_many_rows(limits));
        }
        by_row.entry(r).or_default().push((c, text));
    }
    let mut rows = by_row.into_iter();
    let dense = |cells: Vec<(u32, String)>| {
        let width = cells.iter().map(|(c, _)| *c as usize + 1).max().unwrap_or(0);
        let mut v = vec![String::new(); width];
        for (c, text) in cells {
            v[c as usize] = text;
        }
        v
    };
    let headers =
        rows.next().map(|(_, cells)| dense(cells).iter().map(|h| normalise_header(h)).collect()).unwrap_or_default();
    let mut t = Table { headers, rows: Vec::new(), too_long: Vec::new() };
    for (r, cells) in rows {
        let row = r as usize + 1;
        let cells = dense(cells).into_iter().enumerate().map(|(col, v)| t.bounded_cell(row, col, &v, limits)).collect();
        t.rows.push((row, cells));
    }
    Ok(t)
}

impl Table {
    /// A cell's text, or empty with the row marked when it is longer than the limit.
    fn bounded_cell(&mut self, row: usize, col: usize, v: &str, limits: &TableLimits) -> String {
        if v.chars().count() > limits.max_cell_chars {
            let field = self.headers.get(col).cloned().unwrap_or_else(|| format!("column {}", col + 1));
            self.too_long.push(RowError {
                row,
                field,
                message: format!("longer than {} characters", limits.max_cell_chars),
            });
            return String::new();
        }
        v.to_string()
    }

    /// The rows whose cells all fit the limits, and the errors of those that did not: every
    /// importer takes its rows through this, so a long cell never reaches the store.
    pub(crate) fn checked_rows(&self) -> (Vec<&(usize, Vec<String>)>, Vec<RowError>) {
        let bad: std::collections::HashSet<usize> = self.too_long.iter().map(|e| e.row).collect();
        (self.rows.iter().filter(|(r, _)| !bad.contains(r)).collect(), self.too_long.clone())
    }

    pub(crate) fn col(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }

    pub(crate) fn require(&self, names: &[&str]) -> ApiResult<()> {
        let missing: Vec<_> = names.iter().filter(|n| self.col(n).is_none()).collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(ApiError::invalid(format!("file: missing column(s) {missing:?}; found {:?}", self.headers)))
        }
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
    let (rows, mut rejected) = t.checked_rows();
    let mut good = Vec::new();
    let mut good_rows = Vec::new();
    let mut jur_cache: HashMap<String, Option<store::Jurisdiction>> = HashMap::new();
    for (row, cells) in rows {
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
                Err(store::StoreError::Conflict { field, message }) => {
                    rejected.push(RowError { row: *row, field: field.into(), message })
                }
                Err(store::StoreError::Invalid(v)) => {
                    rejected.push(RowError { row: *row, field: v.field.into(), message: v.message })
                }
                Err(store::StoreError::NotFound(what)) => rejected.push(RowError {
                    row: *row,
                    field: "jurisdiction_code".into(),
                    message: format!("{what} not found"),
                }),
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(ImportReport::new(t.rows.len(), accepted, rejected))
}

/// Imports jurisdictions in file order (a parent may come earlier in the same file), with an
/// optional population figure per row. Columns: code, name, kind, parent_code, residents, as_of.
pub async fn jurisdictions(s: &AppState, p: &Principal, t: &Table) -> ApiResult<ImportReport> {
    t.require(&["code", "name", "kind", "parent_code"])?;
    let (rows, mut rejected) = t.checked_rows();
    let mut accepted = 0;
    for (row, cells) in rows {
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
                    rejected
                        .push(bad("parent_code", format!("no jurisdiction with code '{c}' (parents must come first)")));
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
        let n = store::NewJurisdiction {
            parent_id: parent.map(|j| j.id),
            kind,
            code: r.get("code").into(),
            name: r.get("name").into(),
        };
        match s.store.create_jurisdiction(&n, None).await {
            Ok(j) => {
                if let Some(res) = residents {
                    s.store.set_population(j.id, as_of, res, "import", None).await?;
                }
                accepted += 1;
            }
            Err(store::StoreError::Conflict { field, message }) => rejected.push(bad(field, message)),
            Err(store::StoreError::Invalid(v)) => rejected.push(bad(v.field, v.message)),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(ImportReport::new(t.rows.len(), accepted, rejected))
}

#[cfg(test)]
mod tests {
    //! The importers' decoder under arbitrary bytes and structure-aware junk (issue 29): an
    //! answer every time, never a panic, nothing read past the limits, errors that name the
    //! file and stay short. 512 cases each (`PROPTEST_CASES` raises it).
    use super::*;
    use proptest::collection::vec;
    use proptest::prelude::*;

    const SMALL: TableLimits = TableLimits {
        max_rows: 40,
        max_cols: 8,
        max_cell_chars: 30,
        max_cells: 160,
        max_unzipped_bytes: 1 << 20,
        max_zip_entries: 40,
    };

    /// What a parse may answer: a table within the limits, or a short error naming the file.
    fn judged(r: ApiResult<Table>) -> Result<(), TestCaseError> {
        match r {
            Ok(t) => {
                prop_assert!(t.rows.len() <= SMALL.max_rows, "{} rows", t.rows.len());
                prop_assert!(t.headers.len() <= SMALL.max_cols, "{} columns", t.headers.len());
                let cells: usize = t.rows.iter().map(|(_, c)| c.iter().filter(|x| !x.is_empty()).count()).sum();
                prop_assert!(cells <= SMALL.max_cells, "{cells} cells");
                for (_, row) in &t.rows {
                    prop_assert!(row.iter().all(|c| c.chars().count() <= SMALL.max_cell_chars), "a long cell kept");
                }
            }
            Err(e) => {
                let m = e.to_string();
                prop_assert!(m.contains(": file"), "{m}");
                prop_assert!(m.len() < 600, "an error as long as {}", m.len());
            }
        }
        Ok(())
    }

    fn workbook(rows: &[Vec<String>]) -> Vec<u8> {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                ws.write_string(r as u32, c as u16, v).expect("cell");
            }
        }
        wb.save_to_buffer().expect("xlsx")
    }

    /// A CSV cell as people and programs get them wrong: quotes, separators, breaks, BOMs, CJK.
    fn junk_cell() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z0-9]{0,8}",
            "[一-龥]{0,12}",
            Just("\"".to_string()),
            Just("\"\"".to_string()),
            Just("a\"b".to_string()),
            Just("\r".to_string()),
            Just("\n".to_string()),
            Just(";".to_string()),
            Just("\u{feff}".to_string()),
            "\\PC{0,40}",
            "x{31,80}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn arbitrary_bytes(bytes in vec(any::<u8>(), 0..4096)) {
            judged(parse_table(&bytes, &SMALL))?;
        }

        #[test]
        fn bytes_that_start_as_a_zip(tail in vec(any::<u8>(), 0..4096)) {
            let mut b = b"PK\x03\x04".to_vec();
            b.extend(tail);
            judged(parse_table(&b, &SMALL))?;
        }

        #[test]
        fn csv_of_junk(rows in vec(vec(junk_cell(), 0..12), 0..60), sep in prop_oneof![Just(","), Just(";"), Just("\t")]) {
            let text = rows.iter().map(|r| r.join(sep)).collect::<Vec<_>>().join("\n");
            judged(parse_table(text.as_bytes(), &SMALL))?;
        }

        #[test]
        fn workbook_with_a_byte_changed_or_cut(
            rows in vec(vec("[a-z0-9一-龥]{0,12}", 1..6), 1..30),
            at in any::<prop::sample::Index>(),
            byte in any::<u8>(),
            cut in any::<bool>(),
        ) {
            let mut b = workbook(&rows);
            let i = at.index(b.len());
            if cut { b.truncate(i) } else { b[i] = byte }
            judged(parse_table(&b, &SMALL))?;
        }

        #[test]
        fn workbook_past_the_limits_is_refused_naming_the_file(extra_rows in 42usize..90, wide in any::<bool>()) {
            // The first row is the header: 42 rows are 41 data rows, one past the limit.
            let rows: Vec<Vec<String>> = if wide {
                vec![(0..9).map(|c| format!("c{c}")).collect()]
            } else {
                (0..extra_rows).map(|r| vec![format!("r{r}")]).collect()
            };
            let e = parse_table(&workbook(&rows), &SMALL).expect_err("past the limits").to_string();
            prop_assert!(e.contains(": file"), "{e}");
        }
    }
}
