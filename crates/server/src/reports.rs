//! Generating reports from the store: the figures of a period and an area, gathered through
//! [`crate::figures`] (the statistics API's own functions) and shaped by [`report::build`].

use std::collections::BTreeMap;

use domain::Scope;
use report::build::{
    AnalysisInput, BankWork, BriefingInput, BulletinInput, Heading, Interview, LargeCase, Listed, WarningWork,
};
use report::model::{Kind, Report};
use store::{Jurisdiction, Store};
use supervision::stats::summarize;

use crate::error::{ApiError, ApiResult};
use crate::figures;

/// What a report covers: a jurisdiction (county, town, village), or a police station's
/// precinct (then `jurisdiction` is the station's seat, which decides who the report reaches).
#[derive(Debug, Clone)]
pub struct Area {
    /// The jurisdiction.
    pub jurisdiction: Jurisdiction,
    /// The station, for a station's report.
    pub station: Option<store::PoliceStation>,
}

impl Area {
    /// The data the report counts: the jurisdiction's subtree, or the station's precinct.
    pub fn scope(&self) -> Scope {
        match &self.station {
            Some(st) => Scope::Subtrees(st.precinct_paths.clone()),
            None if self.jurisdiction.parent_id.is_none() => Scope::All,
            None => Scope::Subtrees(vec![self.jurisdiction.path.clone()]),
        }
    }

    /// The stored station id (0 for a jurisdiction's report).
    pub fn station_id(&self) -> i64 {
        self.station.as_ref().map_or(0, |s| s.id)
    }

    /// A station's area: its precinct, reaching from its seat.
    pub async fn of_station(store: &Store, station_id: i64) -> ApiResult<Self> {
        let st = store.station(station_id).await?.ok_or_else(|| ApiError::not_found("station"))?;
        let seat = store.station_seat(st.id).await?.ok_or_else(|| ApiError::not_found("jurisdiction"))?;
        Ok(Self { jurisdiction: seat, station: Some(st) })
    }
}

/// A generated report as stored: a new draft version of its kind, period and area.
#[allow(clippy::too_many_arguments)]
pub fn new_report(
    r: &Report,
    area: &Area,
    cutoff_ms: i64,
    narrative: String,
    corrects_id: Option<i64>,
    created_by: String,
) -> ApiResult<store::NewReport> {
    Ok(store::NewReport {
        kind: r.kind.as_str().into(),
        period: r.period.clone(),
        scope_jurisdiction_id: area.jurisdiction.id,
        scope_path: area.jurisdiction.path.clone(),
        station_id: area.station_id(),
        cutoff_ms,
        rule_versions: serde_json::to_string(&r.rule_versions).map_err(ApiError::internal)?,
        snapshot: serde_json::to_string(r).map_err(ApiError::internal)?,
        narrative,
        corrects_id,
        created_by,
    })
}

/// Who issues a report: the office of the area's county or town (a village's report is issued
/// by its town; a police station's by the county).
async fn heading(
    store: &Store,
    area: &Area,
    cutoff_ms: i64,
    rule_versions: BTreeMap<String, String>,
) -> ApiResult<Heading> {
    let j = &area.jurisdiction;
    let mut issuer_node = j.clone();
    while !matches!(issuer_node.kind.as_str(), "county" | "town")
        || (area.station.is_some() && issuer_node.parent_id.is_some())
    {
        match issuer_node.parent_id {
            Some(p) => issuer_node = store.jurisdiction(p).await?.ok_or_else(|| ApiError::not_found("jurisdiction"))?,
            None => break,
        }
    }
    let area_word = match (&area.station, j.kind.as_str()) {
        (Some(_), _) => "本所辖区",
        (None, "county") => "全县",
        (None, "town") => "全镇",
        _ => "本村（社区）",
    };
    Ok(Heading {
        issuer: format!("{}打击治理电信网络诈骗违法犯罪工作领导小组办公室", issuer_node.name),
        scope_name: area.station.as_ref().map_or_else(|| j.name.clone(), |s| s.name.clone()),
        area_word: area_word.into(),
        cutoff_ms,
        rule_versions,
    })
}

/// Validates a period for a kind: `YYYY-MM` for the bulletin and the briefing, `YYYY-MM-1|2` for
/// the analysis.
pub fn check_period(kind: Kind, period: &str) -> ApiResult<()> {
    let ok = match kind {
        Kind::Analysis => domain::time::HalfMonth::parse(period).is_some(),
        _ => period.len() == 7 && domain::time::month_bounds(period).is_some(),
    };
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid(format!(
            "period: '{period}' is not {}",
            if kind == Kind::Analysis {
                "YYYY-MM-1 or YYYY-MM-2 (first or second half of the month)"
            } else {
                "YYYY-MM"
            }
        )))
    }
}

/// Generates a report of `kind` for `period` about an area, with the data as of `cutoff_ms`.
pub async fn generate(
    store: &Store,
    kind: Kind,
    period: &str,
    area: &Area,
    cutoff_ms: i64,
    rules: &supervision::ladder::LadderRules,
) -> ApiResult<Report> {
    check_period(kind, period)?;
    let scope = area.scope();
    let taxonomy = ("案件分类".to_string(), domain::case::TAXONOMY_VERSION.to_string());
    match kind {
        Kind::Bulletin => {
            let month = period;
            let ranking = figures::ranking(store, month, Some(cutoff_ms), None).await?;
            let ladder = figures::ladder(store, month, rules).await?;
            let (rows, stats) = figures::month_stats(store, &scope, month).await?;
            let (a, b) = figures::month_bounds(month)?;
            let versions = BTreeMap::from([
                ("排名规则".to_string(), ranking.rules_version.clone()),
                ("通报点名规则".to_string(), rules.version.clone()),
                taxonomy,
            ]);
            // The notice, the rectification list and the trace-backs are the county's; a town's or
            // a station's bulletin lists those of its own villages.
            let mine: Option<std::collections::HashSet<String>> = match scope {
                Scope::All => None,
                _ => Some(store.jurisdiction_tree(&scope).await?.into_iter().map(|j| j.name).collect()),
            };
            let ours = |name: &str| mine.as_ref().is_none_or(|m| m.contains(name));
            Ok(report::build::bulletin(&BulletinInput {
                month: month.to_string(),
                heading: heading(store, area, cutoff_ms, versions).await?,
                stats,
                areas: summarize(&rows, a, b),
                interviews: ranking
                    .escalations
                    .iter()
                    .filter(|e| e.month == month)
                    .map(|e| Interview {
                        station: e.station.clone(),
                        months_running: e.months_running,
                        chief: e.action == supervision::ranking::Action::InterviewChief,
                    })
                    .collect(),
                ranking: ranking.ranking,
                previous: ranking.previous,
                named: ladder.named.iter().filter(|v| ours(v)).cloned().collect(),
                listed: ladder
                    .rectification
                    .iter()
                    .filter(|r| ours(&r.jurisdiction))
                    .map(|r| Listed {
                        jurisdiction: r.jurisdiction.clone(),
                        times_named: r.times_named,
                        rectify_by_ms: r.rectify_by_ms,
                    })
                    .collect(),
                large_cases: ladder
                    .traceback
                    .iter()
                    .filter(|c| ours(&c.jurisdiction))
                    .map(|c| LargeCase {
                        case_no: c.case_no.clone(),
                        loss_fen: c.loss_fen,
                        jurisdiction: c.jurisdiction.clone(),
                        review_due_ms: c.review_due_ms,
                    })
                    .collect(),
            }))
        }
        Kind::Analysis => {
            let half = domain::time::HalfMonth::parse(period).ok_or_else(|| ApiError::invalid("period"))?;
            let first =
                supervision::ranking::shift_month(&half.month, -12).ok_or_else(|| ApiError::invalid("period"))?;
            let rows = figures::stat_cases(store, &scope, &first, &half.month).await?;
            let of = |h: Option<domain::time::HalfMonth>| -> ApiResult<supervision::stats::Summary> {
                let (a, b) = h.and_then(|h| h.bounds()).ok_or_else(|| ApiError::invalid("period"))?;
                Ok(summarize(&rows, a, b))
            };
            let mut trend = Vec::new();
            for k in (0..12).rev() {
                let h = half.shift(-k).ok_or_else(|| ApiError::invalid("period"))?;
                let s = of(Some(h.clone()))?;
                trend.push((h, s.cases, s.loss_fen));
            }
            Ok(report::build::analysis(&AnalysisInput {
                heading: heading(store, area, cutoff_ms, BTreeMap::from([taxonomy])).await?,
                this: of(Some(half.clone()))?,
                previous: of(half.shift(-1))?,
                year_ago: of(half.shift(-24))?,
                trend,
                half,
            }))
        }
        Kind::Briefing => {
            let month = period;
            let (a, b) = figures::month_bounds(month)?;
            let policy = domain::dispatch::Policy::default();
            let mut warnings: BTreeMap<String, WarningWork> = BTreeMap::new();
            for w in store.warning_facts(&scope, a, b).await? {
                let e = warnings
                    .entry(if w.station_name.is_empty() { store::CENTRE_ZH.into() } else { w.station_name.clone() })
                    .or_default();
                e.raised += 1;
                e.high += u64::from(w.grade == "high");
                let limit = policy.of(&w.grade).sign_min * 60_000;
                e.signed_on_time += u64::from(w.signed_at.is_some_and(|t| t - w.created_at <= limit));
                if w.status == "closed" {
                    e.closed += 1;
                    e.dissuaded += u64::from(w.outcome == "dissuaded");
                    e.defrauded += u64::from(w.outcome == "already_defrauded");
                } else {
                    e.open += 1;
                }
            }
            let mut bank: BTreeMap<String, (u64, u64, u64, u64, i64)> = BTreeMap::new();
            for (kind, status, n, amount) in store.bank_figures(&scope, a, b).await? {
                let e = bank.entry(kind).or_default();
                let n = n.max(0) as u64;
                e.0 += n;
                match status.as_str() {
                    "executed" => {
                        e.1 += n;
                        e.4 += amount;
                    }
                    "failed" => e.2 += n,
                    _ => e.3 += n,
                }
            }
            let bank = BankWork {
                rows: ["stop_payment", "freeze"]
                    .iter()
                    .map(|k| {
                        let v = bank.get(*k).copied().unwrap_or_default();
                        ((if *k == "stop_payment" { "止付" } else { "冻结" }).to_string(), v.0, v.1, v.2, v.3, v.4)
                    })
                    .collect(),
            };
            let (c0, c1, c2, c3) = store.clue_figures(a, b).await?;
            let (_, stats) = figures::month_stats(store, &scope, month).await?;
            let versions = BTreeMap::from([("处置时限".to_string(), policy.version.clone()), taxonomy]);
            Ok(report::build::briefing(&BriefingInput {
                month: month.to_string(),
                heading: heading(store, area, cutoff_ms, versions).await?,
                warnings,
                bank,
                clues: (c0.max(0) as u64, c1.max(0) as u64, c2.max(0) as u64, c3),
                stats,
            }))
        }
    }
}

/// A rendered file.
pub struct Rendered {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// MIME type.
    pub content_type: &'static str,
    /// File extension.
    pub ext: &'static str,
}

/// Renders a report in a format (`html`, `xlsx`, `pdf`). CPU-bound: call it off the async
/// runtime's worker threads.
pub fn render(
    r: &Report,
    narrative: &str,
    watermark: Option<&str>,
    dated_ms: i64,
    format: &str,
) -> ApiResult<Rendered> {
    let doc = report::Document { report: r, narrative, watermark, dated: report::date_zh(dated_ms) };
    Ok(match format {
        "html" => Rendered {
            bytes: report::html::render(&doc).into_bytes(),
            content_type: "text/html; charset=utf-8",
            ext: "html",
        },
        "xlsx" => Rendered {
            bytes: report::xlsx::render(&doc).map_err(ApiError::internal)?,
            content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ext: "xlsx",
        },
        "pdf" => {
            let fonts = report::pdf::Fonts::shared().map_err(ApiError::internal)?;
            Rendered {
                bytes: report::pdf::render(&doc, fonts).map_err(ApiError::internal)?.0,
                content_type: "application/pdf",
                ext: "pdf",
            }
        }
        other => return Err(ApiError::invalid(format!("format: unknown '{other}' (html, xlsx, pdf)"))),
    })
}
