//! The trace as an XLSX workbook (in memory), in the layout investigators use.

use std::collections::HashMap;

use rust_xlsxwriter::XlsxError;

use crate::graph::TransferGraph;
use crate::trace::Trace;

/// The trace as investigators lay it out: one row per transfer that carried traced money,
/// level by level (层级, 账户, 户名, 开户行, 交易时间, 金额, 对手账户), and a sheet of the accounts
/// ranked by what they still hold.
pub fn trace_xlsx(
    g: &TransferGraph,
    tr: &Trace,
    date_of: &dyn Fn(i64) -> String,
    holder_of: &dyn Fn(u32) -> String,
) -> Result<Vec<u8>, XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let head = Format::new().set_bold().set_background_color(0xDDEBF7);
    let money = Format::new().set_num_format("#,##0.00");
    let level: HashMap<u32, u32> = tr.nodes.iter().map(|n| (n.account, n.level)).collect();
    let ws = wb.add_worksheet().set_name("资金流向")?;
    let cols = [
        "层级",
        "转出账户",
        "转出户名",
        "开户行",
        "交易时间",
        "交易金额(元)",
        "其中涉案资金(元)",
        "对手账户(转入)",
        "对手开户行",
        "交易流水号",
    ];
    for (c, h) in cols.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &head)?;
    }
    let mut edges: Vec<&crate::trace::TraceEdge> = tr.edges.iter().collect();
    edges.sort_by_key(|e| (e.hop, e.ts_ms, e.id));
    for (i, e) in edges.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_number(r, 0, f64::from(e.hop))?;
        ws.write_string(r, 1, &g.accounts[e.from as usize])?;
        ws.write_string(r, 2, holder_of(e.from))?;
        ws.write_string(r, 3, &g.banks[e.from as usize])?;
        ws.write_string(r, 4, date_of(e.ts_ms))?;
        ws.write_number_with_format(r, 5, e.amount_fen as f64 / 100.0, &money)?;
        ws.write_number_with_format(r, 6, e.traced_fen as f64 / 100.0, &money)?;
        ws.write_string(r, 7, &g.accounts[e.to as usize])?;
        ws.write_string(r, 8, &g.banks[e.to as usize])?;
        ws.write_number(r, 9, e.id as f64)?;
    }
    ws.autofit();
    let ws = wb.add_worksheet().set_name("建议止付冻结")?;
    for (c, h) in
        ["序号", "账户", "户名", "开户行", "层级", "尚存涉案资金(元)", "流入涉案资金(元)", "首次流入时间", "备注"]
            .iter()
            .enumerate()
    {
        ws.write_string_with_format(0, c as u16, *h, &head)?;
    }
    for (i, n) in tr.freeze_order().iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_number(r, 0, f64::from(r))?;
        ws.write_string(r, 1, &g.accounts[n.account as usize])?;
        ws.write_string(r, 2, holder_of(n.account))?;
        ws.write_string(r, 3, &g.banks[n.account as usize])?;
        ws.write_number(r, 4, f64::from(*level.get(&n.account).unwrap_or(&n.level)))?;
        ws.write_number_with_format(r, 5, n.held_fen as f64 / 100.0, &money)?;
        ws.write_number_with_format(r, 6, n.traced_in_fen as f64 / 100.0, &money)?;
        ws.write_string(r, 7, date_of(n.first_in_ms))?;
        ws.write_string(r, 8, if n.frontier { "已达追踪层数上限，资金可能已继续流出" } else { "" })?;
    }
    ws.autofit();
    wb.save_to_buffer()
}
