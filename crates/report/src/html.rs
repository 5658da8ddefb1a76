//! The report as a standalone web page (charts inline, laid out for screen and A4 print).

use std::fmt::Write;

use crate::charts::{self, esc};
use crate::model::{Block, Format, Report};
use crate::{Document, NUMERALS};

const STYLE: &str = r#"
body{font-family:"Noto Serif CJK SC","Songti SC",serif;color:#222;background:#f3f3f3;margin:0}
.page{max-width:800px;margin:16px auto;background:#fff;padding:48px 64px;box-shadow:0 1px 4px #0002}
.issuer{color:#c00;text-align:center;font-size:28px;font-weight:bold;letter-spacing:2px}
.issue{text-align:center;margin:10px 0 4px}
.rule{border:0;border-top:2px solid #c00;margin:6px 0 20px}
h1{text-align:center;font-size:22px;margin:18px 0}
h2{font-family:"Noto Sans CJK SC",sans-serif;font-size:17px;margin:22px 0 8px}
p{text-indent:2em;line-height:1.8;margin:6px 0}
.meta{color:#666;font-size:12px;text-align:center}
table{border-collapse:collapse;width:100%;font-size:13px;margin:8px 0}
caption{font-weight:bold;margin-bottom:4px}
th,td{border:1px solid #999;padding:3px 6px}
th{background:#f2e6e6}
td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.total td{font-weight:bold;background:#fafafa}
.up{color:#c00}.down{color:#080}
.note{font-size:12px;color:#555;text-indent:0}
figure{margin:10px 0;text-align:center}
figure svg{max-width:100%;height:auto}
.narrative{border-left:3px solid #c00;padding-left:8px}
.draft{color:#c00;font-weight:bold;text-align:center;border:2px dashed #c00;padding:4px}
@media print{body{background:#fff}.page{box-shadow:none;margin:0;padding:0;max-width:none}@page{size:A4;margin:25mm 22mm}}
"#;

/// The page.
pub fn render(doc: &Document<'_>) -> String {
    let r: &Report = doc.report;
    let mut s = String::with_capacity(64 * 1024);
    let _ = write!(
        s,
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{}</title><style>{STYLE}</style></head><body><div class=\"page\">",
        esc(&r.title)
    );
    if let Some(w) = doc.watermark {
        let _ = write!(s, "<div class=\"draft\">{}</div>", esc(w));
    }
    let _ = write!(
        s,
        "<div class=\"issuer\">{}</div><div class=\"issue\">{}</div><hr class=\"rule\"><h1>{}</h1>",
        esc(&r.issuer),
        esc(&r.issue_no),
        esc(&r.title)
    );
    let _ = write!(
        s,
        "<div class=\"meta\">统计范围：{}　统计周期：{}　数据截止：{}　规则版本：{}</div>",
        esc(&r.scope_name),
        esc(&r.period_zh),
        esc(&domain::time::format_china(r.cutoff_ms)),
        esc(&crate::versions_line(r))
    );
    for p in &r.summary {
        let _ = write!(s, "<p>{}</p>", esc(p));
    }
    for (i, sec) in r.sections.iter().enumerate() {
        let _ = write!(s, "<h2>{}、{}</h2>", NUMERALS.get(i).copied().unwrap_or("　"), esc(&sec.heading));
        for p in &sec.paragraphs {
            let _ = write!(s, "<p>{}</p>", esc(p));
        }
        for b in &sec.blocks {
            match b {
                Block::Chart(c) => {
                    let _ = write!(s, "<figure>{}</figure>", charts::svg(c));
                }
                Block::Table(t) if t.sheet_only || t.rows.is_empty() => {}
                Block::Table(t) => {
                    let _ = write!(s, "<table><caption>{}</caption><thead><tr>", esc(&t.caption));
                    for c in &t.columns {
                        let _ = write!(s, "<th>{}</th>", esc(&c.header));
                    }
                    s.push_str("</tr></thead><tbody>");
                    let rows = t.rows.iter().map(|r| (r, false)).chain(t.total.iter().map(|r| (r, true)));
                    for (row, total) in rows {
                        s.push_str(if total { "<tr class=\"total\">" } else { "<tr>" });
                        for (cell, col) in row.iter().zip(&t.columns) {
                            let text = esc(&cell.display(col.format));
                            match col.format {
                                Format::Text => {
                                    let _ = write!(s, "<td>{text}</td>");
                                }
                                Format::RankChange => {
                                    let class = if text.starts_with('↑') {
                                        "n up"
                                    } else if text.starts_with('↓') {
                                        "n down"
                                    } else {
                                        "n"
                                    };
                                    let _ = write!(s, "<td class=\"{class}\">{text}</td>");
                                }
                                _ => {
                                    let _ = write!(s, "<td class=\"n\">{text}</td>");
                                }
                            }
                        }
                        s.push_str("</tr>");
                    }
                    s.push_str("</tbody></table>");
                    if let Some(n) = &t.note {
                        let _ = write!(s, "<p class=\"note\">{}</p>", esc(n));
                    }
                }
            }
        }
    }
    let paragraphs = crate::narrative_paragraphs(doc.narrative);
    if !paragraphs.is_empty() {
        let _ = write!(
            s,
            "<h2>{}、工作要求</h2><div class=\"narrative\">",
            NUMERALS.get(r.sections.len()).copied().unwrap_or("　")
        );
        for p in paragraphs {
            let _ = write!(s, "<p>{}</p>", esc(p));
        }
        s.push_str("</div>");
    }
    let _ = write!(s, "<p style=\"text-align:right;margin-top:32px\">{}<br>{}</p>", esc(&r.issuer), esc(&doc.dated));
    s.push_str("</div></body></html>");
    s
}
