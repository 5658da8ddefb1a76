//! From figures to a report: what each report says, in which order, with which tables and
//! charts. The figures come from the same functions as the statistics API.

use std::collections::BTreeMap;

use supervision::ranking::StationRank;
use supervision::stats::{MonthStats, Summary, change_pct, share_pct};

use crate::model::{Block, Cell, Chart, ChartKind, Column, Format, Kind, Report, Section, Series, Table};

/// Villages listed on paper; the workbook has all.
const TOP_VILLAGES: usize = 10;

/// 10,000 yuan in fen.
const WAN_FEN: f64 = 1_000_000.0;

/// Fen in 10,000 yuan, unrounded: the cell keeps the exact figure, the format shows two decimals.
fn wan(fen: i64) -> f64 {
    fen as f64 / WAN_FEN
}

fn col(header: &str, format: Format) -> Column {
    Column { header: header.into(), format }
}

/// "上升12.5%" / "下降3.0%" / "持平" / "（上期无案件）".
fn change_zh(pct: Option<f64>) -> String {
    match pct {
        None => "上期无可比数据".into(),
        Some(p) if p > 0.0 => format!("上升{p:.1}%"),
        Some(p) if p < 0.0 => format!("下降{:.1}%", -p),
        Some(_) => "持平".into(),
    }
}

fn short_month(m: &str) -> String {
    let (y, mo) = m.split_once('-').unwrap_or((m, ""));
    if mo == "01" {
        format!("{}年1月", &y[y.len().saturating_sub(2)..])
    } else {
        format!("{}月", mo.trim_start_matches('0'))
    }
}

/// Age band codes as people read them.
pub fn age_band_zh(code: &str) -> String {
    match code {
        "unknown" | "" => "未登记".into(),
        "under_18" => "18岁以下".into(),
        "over_60" => "60岁以上".into(),
        other => {
            let t = other.replace('_', "-");
            format!("{t}岁")
        }
    }
}

/// Contact channel codes as people read them.
pub fn channel_zh(code: &str) -> String {
    match code {
        "unknown" | "" => "未登记".into(),
        "phone" => "电话".into(),
        "sms" => "短信".into(),
        "wechat" => "微信".into(),
        "qq" => "QQ".into(),
        "app" => "App".into(),
        "website" | "web" => "网站".into(),
        "dating_app" => "婚恋交友平台".into(),
        "game" => "游戏平台".into(),
        "short_video" => "短视频平台".into(),
        other => other.into(),
    }
}

/// Who issues and what the report is about.
#[derive(Debug, Clone)]
pub struct Heading {
    /// 发文机关.
    pub issuer: String,
    /// Area covered.
    pub scope_name: String,
    /// The county (or town) name for sentences: 全县 / 全镇.
    pub area_word: String,
    /// Data cut-off, ms.
    pub cutoff_ms: i64,
    /// Rule versions.
    pub rule_versions: BTreeMap<String, String>,
}

/// An interview due.
#[derive(Debug, Clone)]
pub struct Interview {
    /// Station.
    pub station: String,
    /// Months running at the top.
    pub months_running: u32,
    /// Whose interview: the chief (所长) when true, else the deputy (分管所长).
    pub chief: bool,
}

/// A village listed for rectification.
#[derive(Debug, Clone)]
pub struct Listed {
    /// Village or community.
    pub jurisdiction: String,
    /// Times named.
    pub times_named: usize,
    /// Deadline, ms.
    pub rectify_by_ms: i64,
}

/// A large case under trace-back review.
#[derive(Debug, Clone)]
pub struct LargeCase {
    /// Case number.
    pub case_no: String,
    /// Loss, fen.
    pub loss_fen: i64,
    /// Village or community.
    pub jurisdiction: String,
    /// Review due, ms.
    pub review_due_ms: i64,
}

/// What the monthly bulletin reads.
#[derive(Debug, Clone)]
pub struct BulletinInput {
    /// `YYYY-MM`.
    pub month: String,
    /// Who and what.
    pub heading: Heading,
    /// The statistics of the month for the area (the statistics API's figures).
    pub stats: MonthStats,
    /// The month's figures of the area by village (for the area map).
    pub areas: Summary,
    /// The month's station ranking.
    pub ranking: Vec<StationRank>,
    /// The month before's ranking (for the arrows).
    pub previous: Vec<StationRank>,
    /// Interviews completed by this month's run.
    pub interviews: Vec<Interview>,
    /// Villages named in this month's notice.
    pub named: Vec<String>,
    /// Villages listed for rectification.
    pub listed: Vec<Listed>,
    /// Cases of the month that need the full trace-back.
    pub large_cases: Vec<LargeCase>,
}

fn rank_change(prev: Option<u32>, now: u32) -> Cell {
    // Rank 1 is the worst; moving from 4 to 2 is "up" by 2 (worse).
    prev.map_or(Cell::Empty, |p| Cell::Num(f64::from(p) - f64::from(now)))
}

/// The monthly ranking bulletin (排名通报).
pub fn bulletin(i: &BulletinInput) -> Report {
    let s = &i.stats;
    let mz = domain::time::month_zh(&i.month);
    let area = &i.heading.area_word;
    let mut sections = Vec::new();

    // 一、总体发案情况
    let last12: Vec<&supervision::stats::SeriesPoint> =
        s.series.iter().rev().take(12).collect::<Vec<_>>().into_iter().rev().collect();
    let year_total: (u64, i64) = s
        .series
        .iter()
        .filter(|p| p.month[..4] == i.month[..4] && p.month <= i.month)
        .fold((0, 0), |a, p| (a.0 + p.cases, a.1 + p.loss_fen));
    sections.push(Section {
        heading: "总体发案情况".into(),
        paragraphs: vec![format!(
            "{mz}，{area}共发生电信网络诈骗案件{}起，环比{}，同比{}；造成经济损失{:.2}万元，环比{}，同比{}。{}年1月至{}月累计发案{}起，累计损失{:.2}万元。",
            s.cases,
            change_zh(s.mom_cases_pct),
            change_zh(s.yoy_cases_pct),
            wan(s.loss_fen),
            change_zh(s.mom_loss_pct),
            change_zh(s.yoy_loss_pct),
            &i.month[..4],
            i.month[5..].trim_start_matches('0'),
            year_total.0,
            wan(year_total.1)
        )],
        blocks: vec![
            Block::Chart(Chart {
                title: "近12个月发案趋势".into(),
                kind: ChartKind::Trend,
                labels: last12.iter().map(|p| short_month(&p.month)).collect(),
                series: vec![
                    Series { name: "发案数".into(), unit: "起".into(), values: last12.iter().map(|p| p.cases as f64).collect() },
                    Series { name: "经济损失".into(), unit: "万元".into(), values: last12.iter().map(|p| wan(p.loss_fen)).collect() },
                ],
            }),
            Block::Table(Table {
                sheet: "月度趋势".into(),
                caption: "近24个月发案情况".into(),
                columns: vec![col("月份", Format::Text), col("发案数(起)", Format::Int), col("经济损失(万元)", Format::WanYuan)],
                rows: s.series.iter().map(|p| vec![Cell::text(p.month.clone()), Cell::int(p.cases as i64), Cell::Num(wan(p.loss_fen))]).collect(),
                total: None,
                note: None,
                sheet_only: true,
            }),
        ],
    });

    // 二、各派出所排名
    let prev: BTreeMap<&str, &StationRank> = i.previous.iter().map(|r| (r.station.as_str(), r)).collect();
    let total_cases: u32 = i.ranking.iter().map(|r| r.cases).sum();
    let total_loss: i64 = i.ranking.iter().map(|r| r.loss_fen).sum();
    let total_res: i64 = i.ranking.iter().map(|r| r.residents).sum();
    let top: Vec<&StationRank> = i.ranking.iter().filter(|r| r.cases > 0 && r.rank_cases == 1).collect();
    let mut para = vec![format!(
        "按照发案数、经济损失数、万人发案数三项指标对各派出所进行排名（名次1为最高位，名次变化以上月为基准，↑表示名次上升即情况变差）。{}",
        if top.is_empty() {
            "本月各派出所均无发案。".to_string()
        } else {
            format!(
                "本月发案数最多的是{}（{}起）。",
                top.iter().map(|r| r.station.as_str()).collect::<Vec<_>>().join("、"),
                top[0].cases
            )
        }
    )];
    let worst: Vec<&StationRank> = i
        .ranking
        .iter()
        .filter(|r| r.cases > 0 && r.rank_cases == 1 && r.rank_loss == 1 && r.rank_per_10k == 1)
        .collect();
    if !worst.is_empty() {
        para.push(format!(
            "{}三项指标均处于最高位。",
            worst.iter().map(|r| r.station.as_str()).collect::<Vec<_>>().join("、")
        ));
    }
    sections.push(Section {
        heading: "各派出所排名情况".into(),
        paragraphs: para,
        blocks: vec![
            Block::Table(Table {
                sheet: "派出所排名".into(),
                caption: format!("{mz}各派出所电信网络诈骗发案排名"),
                columns: vec![
                    col("派出所", Format::Text),
                    col("发案数(起)", Format::Int),
                    col("名次", Format::Int),
                    col("变化", Format::RankChange),
                    col("经济损失(万元)", Format::WanYuan),
                    col("名次", Format::Int),
                    col("变化", Format::RankChange),
                    col("万人发案数", Format::Rate),
                    col("名次", Format::Int),
                    col("变化", Format::RankChange),
                    col("辖区人口", Format::Int),
                ],
                rows: i
                    .ranking
                    .iter()
                    .map(|r| {
                        let p = prev.get(r.station.as_str());
                        vec![
                            Cell::text(r.station.clone()),
                            Cell::int(r.cases),
                            Cell::int(r.rank_cases),
                            rank_change(p.map(|p| p.rank_cases), r.rank_cases),
                            Cell::Num(wan(r.loss_fen)),
                            Cell::int(r.rank_loss),
                            rank_change(p.map(|p| p.rank_loss), r.rank_loss),
                            Cell::Num((r.per_10k * 100.0).round() / 100.0),
                            Cell::int(r.rank_per_10k),
                            rank_change(p.map(|p| p.rank_per_10k), r.rank_per_10k),
                            Cell::int(r.residents),
                        ]
                    })
                    .collect(),
                total: Some(vec![
                    Cell::text("合计"),
                    Cell::int(total_cases),
                    Cell::Empty,
                    Cell::Empty,
                    Cell::Num(wan(total_loss)),
                    Cell::Empty,
                    Cell::Empty,
                    Cell::Num(if total_res > 0 {
                        (f64::from(total_cases) * 10_000.0 / total_res as f64 * 100.0).round() / 100.0
                    } else {
                        0.0
                    }),
                    Cell::Empty,
                    Cell::Empty,
                    Cell::int(total_res),
                ]),
                sheet_only: false,
                note: Some("万人发案数 = 发案数 ÷ 当月辖区人口 × 10000；名次相同者并列，下一名次顺延。".into()),
            }),
            Block::Chart(Chart {
                title: "各派出所万人发案数".into(),
                kind: ChartKind::Bars,
                labels: i.ranking.iter().map(|r| r.station.clone()).collect(),
                series: vec![Series {
                    name: "万人发案数".into(),
                    unit: "".into(),
                    values: i.ranking.iter().map(|r| (r.per_10k * 100.0).round() / 100.0).collect(),
                }],
            }),
        ],
    });

    // 三、案件类型
    let mut types = s.by_type.clone();
    types.sort_by(|a, b| b.cases.cmp(&a.cases).then(b.loss_fen.cmp(&a.loss_fen)).then(a.fraud_type.cmp(&b.fraud_type)));
    let top_types: Vec<String> = types.iter().take(3).map(|t| format!("{}{}起", t.name_zh, t.cases)).collect();
    sections.push(Section {
        heading: "案件类型分析".into(),
        paragraphs: vec![if types.is_empty() {
            "本月无发案。".into()
        } else {
            format!(
                "从案件类型看，发案较多的是{}，合计占发案总数的{:.1}%。",
                top_types.join("、"),
                share_pct(types.iter().take(3).map(|t| t.cases).sum(), s.cases)
            )
        }],
        blocks: vec![
            Block::Chart(Chart {
                title: "案件类型构成".into(),
                kind: ChartKind::Pie,
                labels: types.iter().map(|t| t.name_zh.clone()).collect(),
                series: vec![Series {
                    name: "发案数".into(),
                    unit: "起".into(),
                    values: types.iter().map(|t| t.cases as f64).collect(),
                }],
            }),
            Block::Table(Table {
                sheet: "案件类型".into(),
                caption: format!("{mz}发案类型统计"),
                columns: vec![
                    col("诈骗类型", Format::Text),
                    col("发案数(起)", Format::Int),
                    col("占比", Format::Pct),
                    col("经济损失(万元)", Format::WanYuan),
                    col("损失占比", Format::Pct),
                ],
                rows: types
                    .iter()
                    .map(|t| {
                        vec![
                            Cell::text(t.name_zh.clone()),
                            Cell::int(t.cases as i64),
                            Cell::Num(share_pct(t.cases, s.cases)),
                            Cell::Num(wan(t.loss_fen)),
                            Cell::Num(share_pct(t.loss_fen.max(0) as u64, s.loss_fen.max(0) as u64)),
                        ]
                    })
                    .collect(),
                total: Some(vec![
                    Cell::text("合计"),
                    Cell::int(s.cases as i64),
                    Cell::Num(if s.cases > 0 { 100.0 } else { 0.0 }),
                    Cell::Num(wan(s.loss_fen)),
                    Cell::Num(if s.loss_fen > 0 { 100.0 } else { 0.0 }),
                ]),
                note: None,
                sheet_only: false,
            }),
            Block::Table(Table {
                sheet: "受害人年龄".into(),
                caption: "受害人年龄段分布".into(),
                columns: vec![col("年龄段", Format::Text), col("发案数(起)", Format::Int), col("占比", Format::Pct)],
                rows: s
                    .by_age_band
                    .iter()
                    .map(|(k, n)| {
                        vec![Cell::text(age_band_zh(k)), Cell::int(*n as i64), Cell::Num(share_pct(*n, s.cases))]
                    })
                    .collect(),
                total: None,
                note: None,
                sheet_only: false,
            }),
        ],
    });

    // 四、重点村（社区）
    let mut villages: Vec<(&String, &(u64, i64))> = i.areas.by_jurisdiction.iter().collect();
    villages.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(b.1.1.cmp(&a.1.1)).then(a.0.cmp(b.0)));
    let village_row = |(k, v): &(&String, &(u64, i64))| {
        vec![
            Cell::text((*k).clone()),
            Cell::int(v.0 as i64),
            Cell::Num(wan(v.1)),
            Cell::text(if i.named.contains(k) { "是" } else { "" }),
        ]
    };
    sections.push(Section {
        heading: "重点村（社区）通报".into(),
        paragraphs: vec![if i.named.is_empty() {
            "本月无通报村（社区）。".into()
        } else {
            format!("本月发案数排名靠前、予以通报的村（社区）为：{}。", i.named.join("、"))
        }],
        blocks: vec![
            Block::Chart(Chart {
                title: "各村（社区）发案分布".into(),
                kind: ChartKind::Treemap,
                labels: villages.iter().map(|(k, _)| (*k).clone()).collect(),
                series: vec![Series {
                    name: "发案数".into(),
                    unit: "起".into(),
                    values: villages.iter().map(|(_, v)| v.0 as f64).collect(),
                }],
            }),
            Block::Table(Table {
                sheet: "重点村社区".into(),
                caption: format!("发案数居前的村（社区）（前{}位，全部见Excel）", villages.len().min(TOP_VILLAGES)),
                columns: vec![
                    col("村（社区）", Format::Text),
                    col("发案数(起)", Format::Int),
                    col("经济损失(万元)", Format::WanYuan),
                    col("本月通报", Format::Text),
                ],
                rows: villages.iter().take(TOP_VILLAGES).map(village_row).collect(),
                total: None,
                note: None,
                sheet_only: false,
            }),
            Block::Table(Table {
                sheet: "村社区发案".into(),
                caption: "各村（社区）发案情况".into(),
                columns: vec![
                    col("村（社区）", Format::Text),
                    col("发案数(起)", Format::Int),
                    col("经济损失(万元)", Format::WanYuan),
                    col("本月通报", Format::Text),
                ],
                rows: villages.iter().map(village_row).collect(),
                total: None,
                note: None,
                sheet_only: true,
            }),
        ],
    });

    // 五、约谈、挂牌整治与倒查
    let mut para = Vec::new();
    if i.interviews.is_empty() {
        para.push("本月无派出所达到约谈条件。".to_string());
    } else {
        for v in &i.interviews {
            para.push(format!(
                "{}三项指标连续{}个月处于最高位，由领导小组约谈其{}。",
                v.station,
                v.months_running,
                if v.chief { "所长" } else { "分管所长" }
            ));
        }
    }
    para.push(if i.listed.is_empty() {
        "本月无村（社区）达到挂牌整治条件。".into()
    } else {
        format!(
            "{}累计被通报三次以上，实行挂牌整治，限期整改。",
            i.listed.iter().map(|l| l.jurisdiction.as_str()).collect::<Vec<_>>().join("、")
        )
    });
    para.push(if i.large_cases.is_empty() {
        "本月无损失50万元以上案件。".into()
    } else {
        format!("本月损失50万元以上案件{}起，均须开展全环节倒查。", i.large_cases.len())
    });
    sections.push(Section {
        heading: "约谈、挂牌整治与倒查".into(),
        paragraphs: para,
        blocks: vec![
            Block::Table(Table {
                sheet: "约谈".into(),
                caption: "约谈名单".into(),
                columns: vec![
                    col("派出所", Format::Text),
                    col("连续处于最高位(月)", Format::Int),
                    col("约谈对象", Format::Text),
                ],
                rows: i
                    .interviews
                    .iter()
                    .map(|v| {
                        vec![
                            Cell::text(v.station.clone()),
                            Cell::int(v.months_running),
                            Cell::text(if v.chief { "所长" } else { "分管所长" }),
                        ]
                    })
                    .collect(),
                total: None,
                note: None,
                sheet_only: false,
            }),
            Block::Table(Table {
                sheet: "挂牌整治".into(),
                caption: "挂牌整治名单".into(),
                columns: vec![
                    col("村（社区）", Format::Text),
                    col("被通报次数", Format::Int),
                    col("整改期限", Format::Text),
                ],
                rows: i
                    .listed
                    .iter()
                    .map(|l| {
                        vec![
                            Cell::text(l.jurisdiction.clone()),
                            Cell::int(l.times_named as i64),
                            Cell::text(crate::date_zh(l.rectify_by_ms)),
                        ]
                    })
                    .collect(),
                total: None,
                note: None,
                sheet_only: false,
            }),
            Block::Table(Table {
                sheet: "倒查案件".into(),
                caption: "损失50万元以上案件倒查".into(),
                columns: vec![
                    col("案件编号", Format::Text),
                    col("经济损失(万元)", Format::WanYuan),
                    col("村（社区）", Format::Text),
                    col("倒查期限", Format::Text),
                ],
                rows: i
                    .large_cases
                    .iter()
                    .map(|c| {
                        vec![
                            Cell::text(c.case_no.clone()),
                            Cell::Num(wan(c.loss_fen)),
                            Cell::text(c.jurisdiction.clone()),
                            Cell::text(crate::date_zh(c.review_due_ms)),
                        ]
                    })
                    .collect(),
                total: None,
                note: None,
                sheet_only: false,
            }),
        ],
    });

    // 六、四上升
    sections.push(Section {
        heading: "打击“四上升”情况".into(),
        paragraphs: vec![format!(
            "与去年同期相比，抓获人数、破案数、破案率、挽回损失四项均上升（“四上升”）的派出所{}个{}。",
            s.four_ups.iter().filter(|f| f.all_up).count(),
            {
                let up: Vec<&str> = s.four_ups.iter().filter(|f| f.all_up).map(|f| f.station.as_str()).collect();
                if up.is_empty() { String::new() } else { format!("（{}）", up.join("、")) }
            }
        )],
        blocks: vec![Block::Table(Table {
            sheet: "四上升".into(),
            caption: "各派出所打击成效（本月 / 去年同月）".into(),
            columns: vec![
                col("派出所", Format::Text),
                col("抓获人数", Format::Int),
                col("去年同月", Format::Int),
                col("破案数", Format::Int),
                col("去年同月", Format::Int),
                col("破案率", Format::Pct),
                col("去年同月", Format::Pct),
                col("挽回损失(万元)", Format::WanYuan),
                col("去年同月", Format::WanYuan),
                col("四项均上升", Format::Text),
            ],
            rows: s
                .four_ups
                .iter()
                .map(|f| {
                    vec![
                        Cell::text(f.station.clone()),
                        Cell::int(f.arrested[0] as i64),
                        Cell::int(f.arrested[1] as i64),
                        Cell::int(f.solved[0] as i64),
                        Cell::int(f.solved[1] as i64),
                        Cell::Num(f.solve_rate_pct[0]),
                        Cell::Num(f.solve_rate_pct[1]),
                        Cell::Num(wan(f.recovered_fen[0])),
                        Cell::Num(wan(f.recovered_fen[1])),
                        Cell::text(if f.all_up { "是" } else { "否" }),
                    ]
                })
                .collect(),
            total: None,
            sheet_only: false,
            note: None,
        })],
    });

    Report {
        kind: Kind::Bulletin,
        period: i.month.clone(),
        period_zh: mz.clone(),
        scope_name: i.heading.scope_name.clone(),
        issuer: i.heading.issuer.clone(),
        issue_no: format!("{}年第{}期", &i.month[..4], i.month[5..].trim_start_matches('0')),
        title: format!("关于{mz}{}电信网络诈骗犯罪发案情况的通报", i.heading.scope_name),
        cutoff_ms: i.heading.cutoff_ms,
        rule_versions: i.heading.rule_versions.clone(),
        summary: vec![format!(
            "现将{mz}{}电信网络诈骗犯罪发案情况及各派出所排名通报如下：本月发案{}起，损失{:.2}万元。",
            i.heading.scope_name,
            s.cases,
            wan(s.loss_fen)
        )],
        sections,
    }
}

/// What the semi-monthly analysis reads.
#[derive(Debug, Clone)]
pub struct AnalysisInput {
    /// The half month.
    pub half: domain::time::HalfMonth,
    /// Who and what.
    pub heading: Heading,
    /// The half's figures.
    pub this: Summary,
    /// The half before.
    pub previous: Summary,
    /// The same half a year before.
    pub year_ago: Summary,
    /// The twelve halves up to this one: (half, cases, loss fen), oldest first.
    pub trend: Vec<(domain::time::HalfMonth, u64, i64)>,
}

/// Loss bands of single cases.
const LOSS_BANDS: [(i64, &str); 5] = [
    (0, "1万元以下"),
    (1_000_000, "1万至5万元"),
    (5_000_000, "5万至10万元"),
    (10_000_000, "10万至50万元"),
    (50_000_000, "50万元以上"),
];

fn loss_band_counts(losses: &[i64]) -> [u64; 5] {
    let mut out = [0u64; 5];
    for l in losses {
        let k = LOSS_BANDS.iter().rposition(|(from, _)| l >= from).unwrap_or(0);
        out[k] += 1;
    }
    out
}

fn map_table(
    sheet: &str,
    caption: &str,
    key: &str,
    this: &BTreeMap<String, u64>,
    before: &BTreeMap<String, u64>,
    total: u64,
    name: &dyn Fn(&str) -> String,
) -> Table {
    let mut keys: Vec<&String> = this.keys().chain(before.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.sort_by(|a, b| this.get(*b).unwrap_or(&0).cmp(this.get(*a).unwrap_or(&0)).then(a.cmp(b)));
    Table {
        sheet: sheet.into(),
        caption: caption.into(),
        columns: vec![
            col(key, Format::Text),
            col("本期(起)", Format::Int),
            col("占比", Format::Pct),
            col("上期(起)", Format::Int),
            col("环比", Format::Pct),
        ],
        rows: keys
            .iter()
            .map(|k| {
                let (a, b) = (*this.get(*k).unwrap_or(&0), *before.get(*k).unwrap_or(&0));
                vec![
                    Cell::text(name(k)),
                    Cell::int(a as i64),
                    Cell::Num(share_pct(a, total)),
                    Cell::int(b as i64),
                    Cell::opt(change_pct(a as f64, b as f64)),
                ]
            })
            .collect(),
        total: None,
        note: None,
        sheet_only: false,
    }
}

/// The semi-monthly analysis of the case situation (半月分析研判).
pub fn analysis(i: &AnalysisInput) -> Report {
    let (t, p, y) = (&i.this, &i.previous, &i.year_ago);
    let hz = i.half.zh();
    let area = &i.heading.area_word;
    let counts =
        |m: &BTreeMap<String, (u64, i64)>| m.iter().map(|(k, v)| (k.clone(), v.0)).collect::<BTreeMap<String, u64>>();
    let mut sections = Vec::new();
    sections.push(Section {
        heading: "发案总体情况".into(),
        paragraphs: vec![format!(
            "{hz}，{area}共发生电信网络诈骗案件{}起，较上半月{}，较去年同期{}；经济损失{:.2}万元，较上半月{}；挽回损失{:.2}万元；已破案件{}起。",
            t.cases,
            change_zh(change_pct(t.cases as f64, p.cases as f64)),
            change_zh(change_pct(t.cases as f64, y.cases as f64)),
            wan(t.loss_fen),
            change_zh(change_pct(t.loss_fen as f64, p.loss_fen as f64)),
            wan(t.recovered_fen),
            t.solved
        )],
        blocks: vec![
            Block::Chart(Chart {
                title: "近12个半月发案趋势".into(),
                kind: ChartKind::Trend,
                labels: i.trend.iter().map(|(h, _, _)| format!("{}{}", short_month(&h.month), if h.half == 1 { "上" } else { "下" })).collect(),
                series: vec![
                    Series { name: "发案数".into(), unit: "起".into(), values: i.trend.iter().map(|(_, c, _)| *c as f64).collect() },
                    Series { name: "经济损失".into(), unit: "万元".into(), values: i.trend.iter().map(|(_, _, l)| wan(*l)).collect() },
                ],
            }),
            Block::Table(Table {
                sheet: "总体对比".into(),
                caption: "发案情况对比".into(),
                columns: vec![col("指标", Format::Text), col("本期", Format::Rate), col("上期", Format::Rate), col("环比", Format::Pct), col("去年同期", Format::Rate), col("同比", Format::Pct)],
                rows: vec![
                    vec![Cell::text("发案数(起)"), Cell::int(t.cases as i64), Cell::int(p.cases as i64), Cell::opt(change_pct(t.cases as f64, p.cases as f64)), Cell::int(y.cases as i64), Cell::opt(change_pct(t.cases as f64, y.cases as f64))],
                    vec![Cell::text("经济损失(万元)"), Cell::Num(wan(t.loss_fen)), Cell::Num(wan(p.loss_fen)), Cell::opt(change_pct(t.loss_fen as f64, p.loss_fen as f64)), Cell::Num(wan(y.loss_fen)), Cell::opt(change_pct(t.loss_fen as f64, y.loss_fen as f64))],
                    vec![Cell::text("挽回损失(万元)"), Cell::Num(wan(t.recovered_fen)), Cell::Num(wan(p.recovered_fen)), Cell::opt(change_pct(t.recovered_fen as f64, p.recovered_fen as f64)), Cell::Num(wan(y.recovered_fen)), Cell::opt(change_pct(t.recovered_fen as f64, y.recovered_fen as f64))],
                    vec![Cell::text("破案数(起)"), Cell::int(t.solved as i64), Cell::int(p.solved as i64), Cell::opt(change_pct(t.solved as f64, p.solved as f64)), Cell::int(y.solved as i64), Cell::opt(change_pct(t.solved as f64, y.solved as f64))],
                ],
                total: None,
                note: None,
                sheet_only: false,
            }),
        ],
    });
    let mut types: Vec<(&String, &(u64, i64))> = t.by_type.iter().collect();
    types.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(b.0)));
    sections.push(Section {
        heading: "案件类型研判".into(),
        paragraphs: vec![match types.first() {
            Some((k, v)) => format!(
                "本期发案最多的类型是{}（{}起，占{:.1}%），应作为下一阶段宣传防范和预警劝阻的重点。",
                domain::case::fraud_type_zh(k),
                v.0,
                share_pct(v.0, t.cases)
            ),
            None => "本期无发案。".into(),
        }],
        blocks: vec![
            Block::Chart(Chart {
                title: "案件类型构成".into(),
                kind: ChartKind::Pie,
                labels: types.iter().map(|(k, _)| domain::case::fraud_type_zh(k).to_string()).collect(),
                series: vec![Series {
                    name: "发案数".into(),
                    unit: "起".into(),
                    values: types.iter().map(|(_, v)| v.0 as f64).collect(),
                }],
            }),
            Block::Table(map_table(
                "案件类型",
                "发案类型对比",
                "诈骗类型",
                &counts(&t.by_type),
                &counts(&p.by_type),
                t.cases,
                &|k| domain::case::fraud_type_zh(k).to_string(),
            )),
        ],
    });
    sections.push(Section {
        heading: "受害群体与接触渠道".into(),
        paragraphs: vec![match t.by_age_band.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))) {
            Some((k, n)) => format!("受害人以{}为主（{}起）；诈骗分子接触受害人的主要渠道见下表。", age_band_zh(k), n),
            None => "本期无发案。".into(),
        }],
        blocks: vec![
            Block::Table(map_table(
                "受害人年龄",
                "受害人年龄段",
                "年龄段",
                &t.by_age_band,
                &p.by_age_band,
                t.cases,
                &age_band_zh,
            )),
            Block::Table(map_table(
                "接触渠道",
                "诈骗接触渠道",
                "渠道",
                &t.by_channel,
                &p.by_channel,
                t.cases,
                &channel_zh,
            )),
            {
                let (a, b) = (loss_band_counts(&t.largest_losses), loss_band_counts(&p.largest_losses));
                Block::Table(Table {
                    sheet: "损失金额分布".into(),
                    caption: "单案损失金额分布".into(),
                    columns: vec![
                        col("损失金额", Format::Text),
                        col("本期(起)", Format::Int),
                        col("上期(起)", Format::Int),
                    ],
                    rows: LOSS_BANDS
                        .iter()
                        .enumerate()
                        .map(|(k, (_, name))| vec![Cell::text(*name), Cell::int(a[k] as i64), Cell::int(b[k] as i64)])
                        .collect(),
                    total: Some(vec![Cell::text("合计"), Cell::int(t.cases as i64), Cell::int(p.cases as i64)]),
                    note: None,
                    sheet_only: false,
                })
            },
        ],
    });
    let mut villages: Vec<(&String, &(u64, i64))> = t.by_jurisdiction.iter().collect();
    villages.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(b.1.1.cmp(&a.1.1)).then(a.0.cmp(b.0)));
    sections.push(Section {
        heading: "发案区域研判".into(),
        paragraphs: vec![if villages.is_empty() {
            "本期无发案。".into()
        } else {
            format!(
                "发案较集中的村（社区）为{}。",
                villages.iter().take(5).map(|(k, v)| format!("{k}（{}起）", v.0)).collect::<Vec<_>>().join("、")
            )
        }],
        blocks: vec![
            Block::Chart(Chart {
                title: "各村（社区）发案分布".into(),
                kind: ChartKind::Treemap,
                labels: villages.iter().map(|(k, _)| (*k).clone()).collect(),
                series: vec![Series {
                    name: "发案数".into(),
                    unit: "起".into(),
                    values: villages.iter().map(|(_, v)| v.0 as f64).collect(),
                }],
            }),
            Block::Table(map_table(
                "派出所",
                "各派出所发案",
                "派出所",
                &counts(&t.by_station),
                &counts(&p.by_station),
                t.cases,
                &|k| k.to_string(),
            )),
        ],
    });
    Report {
        kind: Kind::Analysis,
        period: i.half.to_string(),
        period_zh: hz.clone(),
        scope_name: i.heading.scope_name.clone(),
        issuer: i.heading.issuer.clone(),
        issue_no: format!(
            "{}年第{}期",
            &i.half.month[..4],
            (i.half.month[5..].parse::<u32>().unwrap_or(1) - 1) * 2 + u32::from(i.half.half)
        ),
        title: format!("{}{hz}电信网络诈骗案件分析研判报告", i.heading.scope_name),
        cutoff_ms: i.heading.cutoff_ms,
        rule_versions: i.heading.rule_versions.clone(),
        summary: vec![format!("根据案件数据，现将{hz}{}电信网络诈骗案件形势分析研判如下。", i.heading.scope_name)],
        sections,
    }
}

/// What the office did with the warnings of a period, per station.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WarningWork {
    /// Warnings raised.
    pub raised: u64,
    /// High-risk warnings.
    pub high: u64,
    /// Signed for within the deadline of their grade.
    pub signed_on_time: u64,
    /// Closed.
    pub closed: u64,
    /// Closed as dissuaded.
    pub dissuaded: u64,
    /// Closed as already defrauded.
    pub defrauded: u64,
    /// Still open.
    pub open: u64,
}

impl WarningWork {
    /// One row of the warnings table: the unit, then the figures.
    fn cells(&self, unit: &str) -> Vec<Cell> {
        vec![
            Cell::text(unit),
            Cell::int(self.raised as i64),
            Cell::int(self.high as i64),
            Cell::int(self.signed_on_time as i64),
            Cell::Num(share_pct(self.signed_on_time, self.raised)),
            Cell::int(self.closed as i64),
            Cell::int(self.dissuaded as i64),
            Cell::int(self.defrauded as i64),
            Cell::int(self.open as i64),
        ]
    }
}

/// Stop-payment and freeze work of a period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BankWork {
    /// (kind zh, requested, executed, failed, pending, amount fen executed).
    pub rows: Vec<(String, u64, u64, u64, u64, i64)>,
}

/// What the briefing reads.
#[derive(Debug, Clone)]
pub struct BriefingInput {
    /// `YYYY-MM`.
    pub month: String,
    /// Who and what.
    pub heading: Heading,
    /// Per station (or 反诈中心 for unrouted), the warnings.
    pub warnings: BTreeMap<String, WarningWork>,
    /// Bank requests.
    pub bank: BankWork,
    /// Clues: (received, confirmed, rejected, rewards fen).
    pub clues: (u64, u64, u64, i64),
    /// The month's case statistics (for solved cases and recoveries).
    pub stats: MonthStats,
}

/// The briefing on the month's work (工作简报).
pub fn briefing(i: &BriefingInput) -> Report {
    let mz = domain::time::month_zh(&i.month);
    let all = i.warnings.values().fold(WarningWork::default(), |mut a, w| {
        a.raised += w.raised;
        a.high += w.high;
        a.signed_on_time += w.signed_on_time;
        a.closed += w.closed;
        a.dissuaded += w.dissuaded;
        a.defrauded += w.defrauded;
        a.open += w.open;
        a
    });
    let solved: u64 = i.stats.four_ups.iter().map(|f| f.solved[0]).sum();
    let recovered: i64 = i.stats.four_ups.iter().map(|f| f.recovered_fen[0]).sum();
    let mut sections = vec![Section {
        heading: "预警劝阻".into(),
        paragraphs: vec![format!(
            "{mz}，{}共接收预警{}条（其中高风险{}条），按时签收{}条，按时签收率{:.1}%；已办结{}条，成功劝阻{}条，劝阻成功率{:.1}%；核实已被骗{}条；尚在处置{}条。",
            i.heading.area_word,
            all.raised,
            all.high,
            all.signed_on_time,
            share_pct(all.signed_on_time, all.raised),
            all.closed,
            all.dissuaded,
            share_pct(all.dissuaded, all.closed),
            all.defrauded,
            all.open
        )],
        blocks: vec![Block::Table(Table {
            sheet: "预警劝阻".into(),
            caption: "各单位预警处置情况".into(),
            columns: vec![
                col("单位", Format::Text),
                col("接收预警", Format::Int),
                col("高风险", Format::Int),
                col("按时签收", Format::Int),
                col("按时签收率", Format::Pct),
                col("已办结", Format::Int),
                col("成功劝阻", Format::Int),
                col("已被骗", Format::Int),
                col("在办", Format::Int),
            ],
            rows: i.warnings.iter().map(|(k, w)| w.cells(k)).collect(),
            total: Some(all.cells("合计")),
            sheet_only: false,
            note: Some("按时签收：在对应风险等级的签收时限内签收（预警处置时限策略）。".into()),
        })],
    }];
    let executed: i64 = i.bank.rows.iter().map(|r| r.5).sum();
    sections.push(Section {
        heading: "止付冻结".into(),
        paragraphs: vec![format!(
            "本月向银行发出止付、冻结请求{}次，已执行{}次，涉及资金{:.2}万元。",
            i.bank.rows.iter().map(|r| r.1).sum::<u64>(),
            i.bank.rows.iter().map(|r| r.2).sum::<u64>(),
            wan(executed)
        )],
        blocks: vec![Block::Table(Table {
            sheet: "止付冻结".into(),
            caption: "止付冻结请求办理情况".into(),
            columns: vec![
                col("类别", Format::Text),
                col("请求数", Format::Int),
                col("已执行", Format::Int),
                col("执行失败", Format::Int),
                col("待答复", Format::Int),
                col("已执行金额(万元)", Format::WanYuan),
            ],
            rows: i
                .bank
                .rows
                .iter()
                .map(|r| {
                    vec![
                        Cell::text(r.0.clone()),
                        Cell::int(r.1 as i64),
                        Cell::int(r.2 as i64),
                        Cell::int(r.3 as i64),
                        Cell::int(r.4 as i64),
                        Cell::Num(wan(r.5)),
                    ]
                })
                .collect(),
            total: None,
            note: None,
            sheet_only: false,
        })],
    });
    sections.push(Section {
        heading: "群众举报与打击破案".into(),
        paragraphs: vec![format!(
            "本月受理群众举报线索{}条，核实有效{}条，不予采信{}条，发放举报奖励{:.2}元。本月破获电信网络诈骗案件{}起，挽回经济损失{:.2}万元。",
            i.clues.0,
            i.clues.1,
            i.clues.2,
            i.clues.3 as f64 / 100.0,
            solved,
            wan(recovered)
        )],
        blocks: vec![],
    });
    Report {
        kind: Kind::Briefing,
        period: i.month.clone(),
        period_zh: mz.clone(),
        scope_name: i.heading.scope_name.clone(),
        issuer: i.heading.issuer.clone(),
        issue_no: format!("{}年第{}期", &i.month[..4], i.month[5..].trim_start_matches('0')),
        title: format!("{}打击治理电信网络诈骗工作简报（{mz}）", i.heading.scope_name),
        cutoff_ms: i.heading.cutoff_ms,
        rule_versions: i.heading.rule_versions.clone(),
        summary: vec![format!("现将{mz}{}打击治理电信网络诈骗工作开展情况简报如下。", i.heading.scope_name)],
        sections,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loss_bands_take_the_band_the_amount_falls_in() {
        assert_eq!(loss_band_counts(&[0, 999_999, 1_000_000, 49_999_999, 50_000_000, 90_000_000]), [2, 1, 0, 1, 2]);
    }

    #[test]
    fn rank_arrow_points_to_worse() {
        assert_eq!(rank_change(Some(4), 2), Cell::Num(2.0));
        assert_eq!(rank_change(Some(1), 3), Cell::Num(-2.0));
        assert_eq!(rank_change(None, 3), Cell::Empty);
    }
}
