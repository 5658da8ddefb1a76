//! The report as a workbook: a cover sheet with the key figures and the narrative, then one
//! sheet per table, with Chinese headers and numbers stored as numbers.

use rust_xlsxwriter::{Format as XFormat, FormatAlign, FormatBorder, Workbook, XlsxError};

use crate::Document;
use crate::model::{Block, Cell, Format};

/// Characters Excel refuses in a sheet name.
fn sheet_name(raw: &str, used: &mut Vec<String>) -> String {
    let clean: String =
        raw.chars().filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\')).take(28).collect();
    let mut name = if clean.is_empty() { "表".to_string() } else { clean };
    let base = name.clone();
    let mut k = 2;
    while used.iter().any(|u| u == &name) {
        name = format!("{base}{k}");
        k += 1;
    }
    used.push(name.clone());
    name
}

fn num_format(f: Format) -> &'static str {
    match f {
        Format::Text | Format::Int | Format::RankChange => "#,##0",
        Format::Yuan | Format::WanYuan | Format::Rate => "#,##0.00",
        // The cell holds the percentage itself (12.5 for 12.5 %).
        Format::Pct => "0.0\"%\"",
    }
}

/// The workbook, in memory.
pub fn render(doc: &Document<'_>) -> Result<Vec<u8>, XlsxError> {
    let r = doc.report;
    let mut wb = Workbook::new();
    let title = XFormat::new().set_bold().set_font_size(16).set_font_color(0xC00000);
    let bold = XFormat::new().set_bold();
    let wrap = XFormat::new().set_text_wrap().set_align(FormatAlign::Top);
    let head = XFormat::new()
        .set_bold()
        .set_background_color(0xF2E6E6)
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center);
    let text = XFormat::new().set_border(FormatBorder::Thin);
    let mut used = Vec::new();

    let ws = wb.add_worksheet().set_name(sheet_name("概要", &mut used))?;
    ws.set_column_width(0, 16)?;
    ws.set_column_width(1, 90)?;
    ws.write_string_with_format(0, 0, &r.title, &title)?;
    let meta = [
        ("发文机关", r.issuer.clone()),
        ("期号", r.issue_no.clone()),
        ("统计范围", r.scope_name.clone()),
        ("统计周期", r.period_zh.clone()),
        ("数据截止", domain::time::format_china(r.cutoff_ms)),
        ("规则版本", crate::versions_line(r)),
        ("状态", doc.watermark.unwrap_or("已发布").to_string()),
    ];
    let mut row = 2u32;
    for (k, v) in meta {
        ws.write_string_with_format(row, 0, k, &bold)?;
        ws.write_string(row, 1, v)?;
        row += 1;
    }
    row += 1;
    ws.write_string_with_format(row, 0, "主要情况", &bold)?;
    for p in &r.summary {
        ws.write_string_with_format(row, 1, p, &wrap)?;
        row += 1;
    }
    let paragraphs = crate::narrative_paragraphs(doc.narrative);
    if !paragraphs.is_empty() {
        row += 1;
        ws.write_string_with_format(row, 0, "工作要求", &bold)?;
        for p in paragraphs {
            ws.write_string_with_format(row, 1, p, &wrap)?;
            row += 1;
        }
    }

    for sec in &r.sections {
        for b in &sec.blocks {
            let Block::Table(t) = b else { continue };
            let ws = wb.add_worksheet().set_name(sheet_name(&t.sheet, &mut used))?;
            ws.write_string_with_format(0, 0, &t.caption, &bold)?;
            for (c, col) in t.columns.iter().enumerate() {
                ws.write_string_with_format(2, c as u16, &col.header, &head)?;
            }
            let formats: Vec<XFormat> = t
                .columns
                .iter()
                .map(|c| XFormat::new().set_num_format(num_format(c.format)).set_border(FormatBorder::Thin))
                .collect();
            let totals: Vec<XFormat> = formats.iter().map(|f| f.clone().set_bold()).collect();
            let mut rr = 3u32;
            let rows = t.rows.iter().map(|x| (x, false)).chain(t.total.iter().map(|x| (x, true)));
            for (cells, is_total) in rows {
                for (c, (cell, col)) in cells.iter().zip(&t.columns).enumerate() {
                    let c = c as u16;
                    match cell {
                        Cell::Num(v) => {
                            ws.write_number_with_format(
                                rr,
                                c,
                                *v,
                                if is_total { &totals[c as usize] } else { &formats[c as usize] },
                            )?;
                        }
                        Cell::Text(s) => {
                            ws.write_string_with_format(rr, c, s, if is_total { &bold } else { &text })?;
                        }
                        Cell::Empty => {
                            let _ = col;
                            ws.write_blank(rr, c, &text)?;
                        }
                    }
                }
                rr += 1;
            }
            if let Some(n) = &t.note {
                ws.write_string(rr + 1, 0, n)?;
            }
            ws.autofit();
            ws.set_freeze_panes(3, 0)?;
        }
    }
    wb.save_to_buffer()
}
