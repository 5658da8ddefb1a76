//! Renders a bulletin built from small fixture figures in every format.

use std::collections::BTreeMap;

use report::Document;
use report::build::{BulletinInput, Heading, Interview, LargeCase, Listed, bulletin};
use supervision::ranking::{CaseRow, RankingRules, rank};
use supervision::stats::{StatCase, month_stats, summarize};

fn ms(date: &str) -> i64 {
    let d: jiff::civil::Date = date.parse().expect("date");
    d.to_zoned(domain::time::china()).expect("zoned").timestamp().as_millisecond()
}

/// A bulletin for 2026-10 over three stations.
pub fn fixture() -> report::model::Report {
    let mut rows = Vec::new();
    let villages = ["城关社区", "东关村", "西河村", "南湖社区"];
    let types = ["fake_investment", "brushing_rebate", "fake_police", "fake_loan"];
    for (k, (month, n)) in [("2025-10", 9), ("2026-08", 12), ("2026-09", 14), ("2026-10", 17)].into_iter().enumerate() {
        for j in 0..n {
            rows.push(StatCase {
                reported_at: ms(&format!("{month}-{:02}", 1 + j % 28)),
                station: ["城关派出所", "东关派出所", "西河派出所"][j % 3].into(),
                jurisdiction: villages[(j + k) % 4].into(),
                path: format!("/1/{}/", (j + k) % 4 + 2),
                fraud_type: types[j % 4].into(),
                age_band: ["18_30", "31_45", "over_60"][j % 3].into(),
                contact_channel: "phone".into(),
                loss_fen: 100_000 * (j as i64 + 1) * 37,
                recovered_fen: 10_000 * j as i64,
                solved: j % 4 == 0,
                arrested: u64::from(j % 4 == 0) * 2,
            });
        }
    }
    let stats = month_stats(&rows, "2026-10").expect("stats");
    let (a, b) = domain::time::month_bounds("2026-10").expect("bounds");
    let case_rows: Vec<CaseRow> = rows
        .iter()
        .map(|r| CaseRow {
            case_id: String::new(),
            station: r.station.clone(),
            month: domain::time::china_month(r.reported_at).expect("month"),
            loss_fen: r.loss_fen,
        })
        .collect();
    let stations: Vec<String> = ["城关派出所", "东关派出所", "西河派出所"].map(String::from).to_vec();
    let ranked =
        rank(&case_rows, &stations, &|s, _| if s == "城关派出所" { 52_000 } else { 31_000 }, &RankingRules::default());
    let this = ranked.months.iter().find(|m| m.month == "2026-10").expect("oct").ranking.clone();
    let previous = ranked.months.iter().find(|m| m.month == "2026-09").expect("sep").ranking.clone();
    bulletin(&BulletinInput {
        month: "2026-10".into(),
        heading: Heading {
            issuer: "示范县打击治理电信网络诈骗违法犯罪工作领导小组办公室".into(),
            scope_name: "示范县".into(),
            area_word: "全县".into(),
            cutoff_ms: ms("2026-11-03"),
            rule_versions: BTreeMap::from([("排名规则".to_string(), "2026.11-1".to_string())]),
        },
        stats,
        areas: summarize(&rows, a, b),
        ranking: this,
        previous,
        interviews: vec![Interview { station: "城关派出所".into(), months_running: 2, chief: false }],
        named: vec!["城关社区".into(), "东关村".into()],
        listed: vec![Listed { jurisdiction: "城关社区".into(), times_named: 3, rectify_by_ms: ms("2026-12-01") }],
        large_cases: vec![LargeCase {
            case_no: "A2026100001".into(),
            loss_fen: 62_000_000,
            jurisdiction: "东关村".into(),
            review_due_ms: ms("2026-11-20"),
        }],
    })
}

fn doc(r: &report::model::Report) -> Document<'_> {
    Document {
        report: r,
        narrative: "各派出所要对照排名，查找短板。\n\n各成员单位要落实宣传责任。",
        watermark: None,
        dated: "2026年11月3日".into(),
    }
}

#[test]
fn html_has_every_section_and_the_narrative() {
    let r = fixture();
    let html = report::html::render(&doc(&r));
    for h in
        ["总体发案情况", "各派出所排名情况", "案件类型分析", "重点村（社区）通报", "约谈、挂牌整治与倒查", "工作要求"]
    {
        assert!(html.contains(h), "{h}");
    }
    assert!(html.contains("<svg"), "charts inline");
    assert!(html.contains("各派出所要对照排名"));
    assert_eq!(html.matches("<figure>").count(), 4);
}

#[test]
fn xlsx_holds_numbers_as_numbers_with_chinese_headers() {
    use calamine::{Data, Reader, Xlsx};
    let r = fixture();
    let bytes = report::xlsx::render(&doc(&r)).expect("xlsx");
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).expect("open");
    let names = wb.sheet_names();
    assert_eq!(names[0], "概要");
    assert!(names.contains(&"派出所排名".to_string()), "{names:?}");
    let ws = wb.worksheet_range("派出所排名").expect("sheet");
    let header: Vec<String> = ws.rows().nth(2).expect("header").iter().map(|c| c.to_string()).collect();
    assert_eq!(header[0], "派出所");
    assert_eq!(header[1], "发案数(起)");
    let mut total = 0.0;
    for row in ws.rows().skip(3).take(3) {
        match &row[1] {
            Data::Float(v) => total += v,
            other => panic!("cases stored as {other:?}, not a number"),
        }
        assert!(matches!(row[4], Data::Float(_)), "loss is a number: {:?}", row[4]);
    }
    assert_eq!(total, 17.0);
}

#[test]
fn pdf_is_a4_with_embedded_cjk_fonts() {
    let r = fixture();
    let fonts = report::pdf::Fonts::shared().expect("fonts-noto-cjk is installed (see .ci/run)");
    let (bytes, pages) = report::pdf::render(&doc(&r), fonts).expect("pdf");
    assert!(bytes.starts_with(b"%PDF-"));
    assert!(pages >= 3, "{pages} pages");
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("NotoSerifCJK") || text.contains("NotoSansCJK"), "CJK font embedded");
    assert!(text.contains("/MediaBox [0 0 595.") || text.contains("/MediaBox[0 0 595."), "A4 pages");
    if let Ok(dir) = std::env::var("FANZHA_REPORT_OUT") {
        std::fs::write(format!("{dir}/fixture-bulletin.pdf"), &bytes).expect("write");
    }
}

/// A PDF read back as text by poppler's `pdftotext` (installed by `.ci/run`); `None` outside CI
/// when it is missing.
fn pdf_text(bytes: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("r.pdf");
    std::fs::write(&path, bytes).expect("write");
    let out = match std::process::Command::new("pdftotext").arg(&path).arg("-").output() {
        Ok(out) => out,
        Err(e) if std::env::var_os("CI").is_none() => {
            eprintln!("skipped: pdftotext ({e}); install poppler-utils");
            return None;
        }
        Err(e) => panic!("pdftotext is required under CI (poppler-utils): {e}"),
    };
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    Some(String::from_utf8(out.stdout).expect("utf-8"))
}

/// The fonts are embedded with their map back to Unicode, and every part of the layout is on
/// its page, in order.
#[test]
fn pdf_text_reads_back_in_order() {
    let r = fixture();
    let fonts = report::pdf::Fonts::shared().expect("fonts-noto-cjk is installed (see .ci/run)");
    let (bytes, pages) = report::pdf::render(&doc(&r), fonts.clone()).expect("pdf");
    let Some(text) = pdf_text(&bytes) else { return };
    let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let mut at = 0;
    for want in
        [&r.issuer, &r.title, &r.sections[0].heading, &r.sections[1].heading, "城关派出所", "工作要求", "2026年11月3日"]
    {
        let want: String = want.chars().filter(|c| !c.is_whitespace()).collect();
        let found = squeezed[at..].find(&want).unwrap_or_else(|| panic!("{want:?} after byte {at} in {squeezed}"));
        at += found + want.len();
    }
    for p in 1..=pages {
        assert!(squeezed.contains(&format!("第{p}页/共{pages}页")), "page number {p} of {pages}");
    }
    assert_eq!(text.matches('\u{c}').count(), pages, "one form feed per page");
    assert!(!text.contains("草稿"), "a published report has no draft mark");

    // A draft carries its mark on every page.
    let draft = Document { watermark: Some("草稿"), ..doc(&r) };
    let (bytes, pages) = report::pdf::render(&draft, fonts).expect("pdf");
    let text = pdf_text(&bytes).expect("pdftotext ran above");
    // Rotated, the mark reads back one character per line.
    assert_eq!((text.matches('草').count(), text.matches('稿').count()), (pages, pages), "{text}");
}
