//! The supervision figures (statistics, ranking, ladder) read from the store, shared by the
//! statistics API and the reports, so that a report and the API can never disagree.

use std::collections::{BTreeMap, HashMap};

use domain::Scope;
use serde::Serialize;
use supervision::ladder::{LadderRules, listed_for_rectification, named_in_notice};
use supervision::ranking::{CaseRow, RankingRules, StationRank};
use supervision::stats::StatCase;

use crate::error::{ApiError, ApiResult};

/// The `n` months ending with `month`, oldest first.
pub fn months_ending(month: &str, n: i32) -> ApiResult<Vec<String>> {
    let first = supervision::ranking::shift_month(month, 1 - n)
        .ok_or_else(|| ApiError::invalid(format!("month: '{month}' is not YYYY-MM")))?;
    Ok(supervision::ranking::month_range(&first, month))
}

/// Month bounds `[start, end)` in UTC ms of a `YYYY-MM` in China time.
pub fn month_bounds(m: &str) -> ApiResult<(i64, i64)> {
    domain::time::month_bounds(m).ok_or_else(|| ApiError::invalid(format!("month: '{m}' is not YYYY-MM")))
}

/// The cases in scope reported from the first month to the end of the last, as statistics read
/// them.
pub async fn stat_cases(
    store: &store::Store,
    scope: &Scope,
    first_month: &str,
    last_month: &str,
) -> ApiResult<Vec<StatCase>> {
    let (from, _) = month_bounds(first_month)?;
    let (_, to) = month_bounds(last_month)?;
    Ok(store
        .case_stats_rows(scope, from, to)
        .await?
        .into_iter()
        .map(|r| StatCase {
            reported_at: r.reported_at,
            station: r.station_name,
            jurisdiction: r.jurisdiction_name,
            path: r.jurisdiction_path,
            fraud_type: r.fraud_type,
            age_band: r.victim_age_band,
            contact_channel: r.contact_channel,
            loss_fen: r.loss_fen,
            recovered_fen: r.recovered_fen,
            solved: r.status == "solved" || r.status == "closed",
            arrested: r.arrested.max(0) as u64,
        })
        .collect())
}

/// The statistics of a month for an area (the statistics API's figures), with the rows they
/// came from: the cases of the 24 months up to it.
pub async fn month_stats(
    store: &store::Store,
    scope: &Scope,
    month: &str,
) -> ApiResult<(Vec<StatCase>, supervision::stats::MonthStats)> {
    let rows = stat_cases(store, scope, &months_ending(month, 24)?[0], month).await?;
    let stats = supervision::stats::month_stats(&rows, month)
        .ok_or_else(|| ApiError::invalid(format!("month: '{month}' is not YYYY-MM")))?;
    Ok((rows, stats))
}

/// An interview due, as shown.
#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct EscalationView {
    /// Station.
    pub station: String,
    /// The month that completed the run.
    pub month: String,
    /// interview_deputy / interview_chief.
    #[schema(value_type = String)]
    pub action: supervision::ranking::Action,
    /// Months running at the top.
    pub months_running: u32,
}

/// The month's ranking, with the previous month's ranks for the arrows.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RankingView {
    /// `YYYY-MM`.
    pub month: String,
    /// The ranking rules version.
    pub rules_version: String,
    /// Data cut-off: cases registered after it do not count.
    pub cutoff_ms: i64,
    /// The stored result was found (and the recomputation agreed with it).
    pub stored: bool,
    /// The month is not over at the cut-off: the figures may still change, nothing is stored.
    pub provisional: bool,
    /// The stations, by rank on cases.
    #[schema(value_type = Object)]
    pub ranking: Vec<StationRank>,
    /// The month before.
    #[schema(value_type = Object)]
    pub previous: Vec<StationRank>,
    /// Interviews due up to the month.
    pub escalations: Vec<EscalationView>,
    /// Cases counted in the month.
    pub cases: u64,
}

/// Computes the ranking of a month from the stored cases (with the population in force in each
/// month) and the interviews due, as of a data cut-off (never in the future: cases not yet
/// known cannot be counted). Without a cut-off: as published for the month, or else the data
/// as of now. Only `publish` (the act's audit entry) stores a ranking (a final month only),
/// with its entry in the same transaction; a published ranking is never overwritten, and
/// reading it never fails because a late case arrived since.
pub async fn ranking(
    store: &store::Store,
    month: &str,
    cutoff_ms: Option<i64>,
    publish: Option<domain::audit::AuditContent>,
) -> ApiResult<RankingView> {
    let rules = RankingRules::default();
    let (_, month_end) = month_bounds(month)?;
    let now = store::now_ms();
    if cutoff_ms.is_some_and(|c| c > now) {
        return Err(ApiError::invalid("cutoff: in the future; a ranking counts only the cases known at its cut-off"));
    }
    let published = if cutoff_ms.is_none() { store.latest_stored_ranking(month, &rules.version).await? } else { None };
    let cutoff_ms = cutoff_ms.or(published.as_ref().map(|(c, _)| *c)).unwrap_or(now);
    let provisional = cutoff_ms < month_end;
    // Twelve months up to the asked one: enough for the interview ladder to see its runs.
    let months = months_ending(month, 12)?;
    let (from_ms, _) = month_bounds(&months[0])?;
    let stations = store.list_stations().await?;
    let name_of: HashMap<i64, String> = stations.iter().map(|x| (x.id, x.name.clone())).collect();
    let rows: Vec<CaseRow> = store
        .case_facts(from_ms, month_end, cutoff_ms)
        .await?
        .into_iter()
        .filter_map(|c| {
            Some(CaseRow {
                station: name_of.get(&c.station_id)?.clone(),
                month: domain::time::china_month(c.reported_at)?,
                case_id: c.case_no,
                loss_fen: c.loss_fen,
            })
        })
        .collect();
    // Population of each station as in force at the end of each month.
    let mut pop: HashMap<(String, String), i64> = HashMap::new();
    for m in &months {
        let (_, end) = month_bounds(m)?;
        let last_day = domain::time::china_date(end - 1).map(|d| d.to_string()).unwrap_or_default();
        for (st, n) in store.station_populations(&last_day).await? {
            if let Some(name) = name_of.get(&st) {
                pop.insert((name.clone(), m.clone()), n);
            }
        }
    }
    let names: Vec<String> = stations.iter().map(|x| x.name.clone()).collect();
    let result = supervision::ranking::rank(
        &rows,
        &names,
        &|st, mo| pop.get(&(st.to_string(), mo.to_string())).copied().unwrap_or(1),
        &rules,
    );
    let this = result.months.iter().find(|x| x.month == month).map(|x| x.ranking.clone()).unwrap_or_default();
    let previous =
        result.months.iter().rev().find(|x| x.month.as_str() < month).map(|x| x.ranking.clone()).unwrap_or_default();
    let escalations: Vec<EscalationView> = result
        .escalations
        .iter()
        .filter(|e| e.month.as_str() <= month)
        .map(|e| EscalationView {
            station: e.station.clone(),
            month: e.month.clone(),
            action: e.action,
            months_running: e.months_running,
        })
        .collect();
    let text = serde_json::json!({"ranking": this, "escalations": escalations}).to_string();
    let publish = publish.map(|mut entry| {
        entry.detail = serde_json::json!({"cutoff_ms": cutoff_ms, "rules_version": rules.version}).to_string();
        entry
    });
    let (stored, this, escalations) = match store.stored_ranking(month, &rules.version, cutoff_ms).await? {
        // Published again with the same figures: nothing changes but the act is recorded.
        Some(old) if old == text => {
            if let Some(entry) = publish {
                store.audit(entry).await?;
            }
            (true, this, escalations)
        }
        // Cases corrected after publication (a case moved back in time) change a recomputation;
        // what was published stays what it was, and is what everyone reads.
        Some(old) => {
            if publish.is_some() {
                return Err(ApiError::new(
                    axum::http::StatusCode::CONFLICT,
                    "conflict",
                    format!(
                        "cutoff: the ranking of {month} at this cut-off was published with other figures; publish at a new cut-off"
                    ),
                ));
            }
            tracing::warn!(
                month,
                cutoff_ms,
                "a recomputed ranking differs from the published one; answering the published one"
            );
            let p: PublishedRanking = serde_json::from_str(&old).map_err(ApiError::internal)?;
            (true, p.ranking, p.escalations)
        }
        None if publish.is_some() && provisional => {
            return Err(ApiError::invalid(format!(
                "cutoff: before the end of {month}; only a final ranking is published"
            )));
        }
        None if publish.is_some() => {
            store.store_ranking(month, &rules.version, cutoff_ms, &text, publish).await?;
            (true, this, escalations)
        }
        None => (false, this, escalations),
    };
    Ok(RankingView {
        month: month.to_string(),
        rules_version: rules.version,
        cutoff_ms,
        stored,
        provisional,
        cases: this.iter().map(|r| u64::from(r.cases)).sum(),
        ranking: this,
        previous,
        escalations,
    })
}

/// A ranking as stored when published.
#[derive(serde::Deserialize)]
struct PublishedRanking {
    ranking: Vec<StationRank>,
    escalations: Vec<EscalationView>,
}

/// A village listed for rectification.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Rectification {
    /// Village or community.
    pub jurisdiction: String,
    /// Its id.
    pub jurisdiction_id: i64,
    /// Times named within the look-back.
    pub times_named: usize,
    /// Deadline, ms.
    pub rectify_by_ms: i64,
}

/// A village named in the month's notice.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Named {
    /// Place in the notice (1 = most cases).
    pub rank: usize,
    /// Village or community.
    pub jurisdiction_id: i64,
    /// Its name.
    pub name: String,
    /// Cases in the month.
    pub cases: u32,
    /// Loss in the month, fen.
    pub loss_fen: i64,
    /// Times named within the look-back, this month included.
    pub times_named: usize,
}

/// A case that needs a full trace-back review.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Traceback {
    /// Case id.
    pub case_id: i64,
    /// Case number.
    pub case_no: String,
    /// Loss, fen.
    pub loss_fen: i64,
    /// Reported, ms.
    pub reported_at: i64,
    /// The victim's village or community.
    pub jurisdiction: String,
    /// The station that handles the case.
    pub station_id: i64,
    /// Review due, ms.
    pub review_due_ms: i64,
}

/// The rest of the ladder for a month.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Ladder {
    /// `YYYY-MM`.
    pub month: String,
    /// The rules.
    #[schema(value_type = Object)]
    pub rules: LadderRules,
    /// Villages named in this month's notice.
    pub named: Vec<String>,
    /// The same, with their figures.
    pub named_detail: Vec<Named>,
    /// Month → villages named, over the look-back.
    pub notices: BTreeMap<String, Vec<String>>,
    /// Listed for rectification.
    pub rectification: Vec<Rectification>,
    /// The month's cases that need a trace-back review.
    pub traceback: Vec<Traceback>,
}

/// Villages named in the monthly notices up to a month, those listed for rectification (with
/// the deadline computed), and the month's cases that need a full trace-back review.
pub async fn ladder(store: &store::Store, month: &str, rules: &LadderRules) -> ApiResult<Ladder> {
    let rules = rules.clone();
    let (this_from, month_end) = month_bounds(month)?;
    let months = months_ending(month, rules.lookback_months as i32)?;
    let (from_ms, _) = month_bounds(&months[0])?;
    let facts = store.case_facts(from_ms, month_end, store::now_ms()).await?;
    // Villages are counted by id: two towns may each have a village of the same name.
    let mut by_month: BTreeMap<String, BTreeMap<i64, (u32, i64)>> = BTreeMap::new();
    let mut names: BTreeMap<i64, String> = BTreeMap::new();
    for c in &facts {
        let (Some(m), Some(j)) = (domain::time::china_month(c.reported_at), c.jurisdiction_id) else { continue };
        names.entry(j).or_insert_with(|| c.jurisdiction_name.clone());
        let e = by_month.entry(m).or_default().entry(j).or_default();
        e.0 += 1;
        e.1 += c.loss_fen;
    }
    let notice_ids: BTreeMap<String, Vec<i64>> =
        by_month.iter().map(|(m, v)| (m.clone(), named_in_notice(v, rules.notice_top_n))).collect();
    let listed = listed_for_rectification(&notice_ids, &rules);
    let name = |j: &i64| names.get(j).cloned().unwrap_or_default();
    let notices: BTreeMap<String, Vec<String>> =
        notice_ids.iter().map(|(m, v)| (m.clone(), v.iter().map(name).collect())).collect();
    let times = |j: i64| notice_ids.values().rev().take(rules.lookback_months).filter(|v| v.contains(&j)).count();
    let named_detail: Vec<Named> = notice_ids
        .get(month)
        .map(|ids| {
            ids.iter()
                .enumerate()
                .map(|(i, j)| {
                    let (cases, loss_fen) = by_month.get(month).and_then(|m| m.get(j)).copied().unwrap_or_default();
                    Named { rank: i + 1, jurisdiction_id: *j, name: name(j), cases, loss_fen, times_named: times(*j) }
                })
                .collect()
        })
        .unwrap_or_default();
    let deadline = month_end + rules.rectify_days * 86_400_000;
    let traceback = facts
        .iter()
        .filter(|c| c.reported_at >= this_from && c.loss_fen >= rules.traceback_from_fen)
        .map(|c| Traceback {
            case_id: c.id,
            case_no: c.case_no.clone(),
            loss_fen: c.loss_fen,
            reported_at: c.reported_at,
            jurisdiction: c.jurisdiction_name.clone(),
            station_id: c.station_id,
            review_due_ms: c.reported_at + 30 * 86_400_000,
        })
        .collect();
    Ok(Ladder {
        month: month.to_string(),
        named: notices.get(month).cloned().unwrap_or_default(),
        rectification: listed
            .into_iter()
            .map(|(j, n)| Rectification {
                jurisdiction: name(&j),
                jurisdiction_id: j,
                times_named: n,
                rectify_by_ms: deadline,
            })
            .collect(),
        named_detail,
        notices,
        traceback,
        rules,
    })
}

/// Issues a month's notice: computes the ladder, gives every village listed for rectification
/// (named `rectify_after` times within the look-back) a rectification task with the
/// rectification list for its village committee, and every case of the month with a loss from
/// `traceback_from_fen` a full trace-back review task for its station. Raising twice raises
/// nothing new. The tasks and the notice's audit entry (`audit`, its detail filled here with
/// what was listed) commit together.
pub async fn raise_ladder_tasks(
    store: &store::Store,
    month: &str,
    rules: &LadderRules,
    by: &str,
    audit: Option<domain::audit::AuditContent>,
) -> ApiResult<Ladder> {
    let l = ladder(store, month, rules).await?;
    let mut tasks = Vec::new();
    for r in &l.rectification {
        // A village stays listed month after month until it drops out of the count: one
        // rectification at a time, a new one only after the last was closed.
        if store.open_task_from(&format!("listing:{}:", r.jurisdiction_id)).await? {
            continue;
        }
        let Some(unit_id) = store.village_committee(r.jurisdiction_id).await? else {
            tracing::warn!(
                jurisdiction = r.jurisdiction_id,
                "a village listed for rectification has no committee unit"
            );
            continue;
        };
        let due = domain::time::china_date(r.rectify_by_ms).unwrap_or(jiff::civil::date(2100, 1, 1));
        tasks.push(store::NewTask {
                unit_id,
                kind: domain::task::TaskKind::Rectification,
                title: format!("挂牌整治：{}近{}个月{}次被通报点名（规则 {}）", r.jurisdiction, l.rules.lookback_months, r.times_named, l.rules.version),
                detail: "整改清单：1. 逐户宣传，签订回执、承诺书，做到全覆盖；2. 国家反诈中心APP安装率达标；3. 重点人员逐一走访帮教；4. 每月向县反诈办报送整改进展。".into(),
                source_ref: format!("listing:{}:{month}", r.jurisdiction_id),
                due_on: due,
                created_by: by.into(),
            });
    }
    let units: BTreeMap<i64, i64> = store.list_stations().await?.into_iter().map(|s| (s.id, s.unit_id)).collect();
    for t in &l.traceback {
        let Some(unit_id) = units.get(&t.station_id).copied() else { continue };
        tasks.push(store::NewTask {
            unit_id,
            kind: domain::task::TaskKind::TraceBack,
            title: format!("全环节倒查：案件{}（损失{:.2}万元）", t.case_no, t.loss_fen as f64 / 1e6),
            detail: format!(
                "{}受害人，损失达50万元以上。请倒查预警、劝阻、宣传、止付冻结各环节，形成倒查报告。",
                t.jurisdiction
            ),
            source_ref: format!("traceback:{}", t.case_id),
            due_on: domain::time::china_date(t.review_due_ms).unwrap_or(jiff::civil::date(2100, 1, 1)),
            created_by: by.into(),
        });
    }
    let audit = audit.map(|mut entry| {
        entry.detail = serde_json::json!({"listed": l.rectification.len(), "traceback": l.traceback.len()}).to_string();
        entry
    });
    store.raise_tasks(&tasks, audit).await?;
    Ok(l)
}

/// A statistics period and the two it is compared with.
#[derive(Debug, Clone)]
pub struct Period {
    /// As people read it.
    pub zh: String,
    /// `[start, end)` ms of the period, the one before and the same one a year before.
    pub this: (i64, i64),
    /// The period before.
    pub previous: (i64, i64),
    /// A year before.
    pub year_ago: (i64, i64),
    /// The first and last months the three cover.
    pub months: (String, String),
}

/// Parses `YYYY` (a year), `YYYY-MM` (a month) or `YYYY-MM-1|2` (a half month).
pub fn period(p: &str) -> ApiResult<Period> {
    let bad = || ApiError::invalid(format!("period: '{p}' is not YYYY, YYYY-MM or YYYY-MM-1|2"));
    let p = p.trim();
    if p.len() == 4 {
        let y: i32 = p.parse().map_err(|_| bad())?;
        let year = |y: i32| -> ApiResult<(i64, i64)> {
            Ok((month_bounds(&format!("{y:04}-01"))?.0, month_bounds(&format!("{y:04}-12"))?.1))
        };
        let this = year(y)?;
        let before = year(y - 1)?;
        return Ok(Period {
            zh: format!("{y}年"),
            this,
            previous: before,
            year_ago: before,
            months: (format!("{:04}-01", y - 1), format!("{y:04}-12")),
        });
    }
    if let Some(h) = domain::time::HalfMonth::parse(p) {
        let b = |h: Option<domain::time::HalfMonth>| h.and_then(|h| h.bounds()).ok_or_else(bad);
        let first = supervision::ranking::shift_month(&h.month, -12).ok_or_else(bad)?;
        return Ok(Period {
            zh: h.zh(),
            this: b(Some(h.clone()))?,
            previous: b(h.shift(-1))?,
            year_ago: b(h.shift(-24))?,
            months: (first, h.month.clone()),
        });
    }
    if p.len() == 7 {
        let this = month_bounds(p)?;
        let prev = supervision::ranking::shift_month(p, -1).ok_or_else(bad)?;
        let ago = supervision::ranking::shift_month(p, -12).ok_or_else(bad)?;
        return Ok(Period {
            zh: domain::time::month_zh(p),
            this,
            previous: month_bounds(&prev)?,
            year_ago: month_bounds(&ago)?,
            months: (ago, p.to_string()),
        });
    }
    Err(bad())
}
