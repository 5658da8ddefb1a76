//! Training the engine's model in the product: the event log and the work system's outcomes
//! ([`store::Store::learning_evidence`]) into a new model version, with progress, for
//! `fanzha model train` and the 预警模型 page alike ([`engine::learn`] does the learning).

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::Context;
use domain::audit::AuditContent;
use domain::labels::Labeller;
use engine::event::Event;
use engine::learn::{LearnError, Periods, Phase};
use serde_json::json;

/// Every logged event, in the order the engine applied them.
pub async fn logged_events(s: &store::Store) -> anyhow::Result<Vec<Event>> {
    let mut out = Vec::new();
    let mut after = 0i64;
    loop {
        let page = s.logged_events(i64::MIN, after, 10_000).await?;
        let Some((last, _)) = page.last() else { break };
        after = *last;
        for (seq, body) in page {
            out.push(serde_json::from_str(&body).with_context(|| format!("logged event {seq}"))?);
        }
    }
    Ok(out)
}

/// The ruleset in force in a database (put in force through the API), or the shipped default.
pub async fn ruleset_in_force(store: &store::Store) -> anyhow::Result<engine::ruleset::Ruleset> {
    Ok(match store.setting("engine_ruleset").await? {
        Some(text) => engine::ruleset::Ruleset::from_toml(&text)
            .map_err(|e| anyhow::anyhow!("the ruleset in force in the database: {e}"))?,
        None => engine::ruleset::Ruleset::default_ruleset(),
    })
}

/// What to learn from. Absent bounds: the log's first transfer, the day on which the last third
/// of its transfers begins (China time), the end of the log.
#[derive(Debug, Clone)]
pub struct TrainRequest {
    /// Start of learning (ms).
    pub from: Option<i64>,
    /// Start of the held-out period (ms).
    pub test_from: Option<i64>,
    /// End of the held-out period (ms).
    pub to: Option<i64>,
    /// Model score from which a transfer warns, for the figures.
    pub threshold: f64,
    /// Who trains it (kept with the version).
    pub by: String,
}

/// A trained and kept model version.
pub struct Trained {
    /// Its version label.
    pub version: String,
    /// Its figures (kept with it).
    pub report: serde_json::Value,
    /// The model file's JSON.
    pub body: String,
}

/// Progress of a training run, from any thread.
pub type ProgressFn = Arc<dyn Fn(Phase, u64, u64) + Send + Sync>;

const DAY: i64 = 86_400_000;

/// Learns a model from the store's event log and outcomes and keeps it as a new version (not in
/// force), with the audit entry `audit(version)` in the same transaction.
pub async fn train(
    store: &store::Store,
    req: TrainRequest,
    audit: impl FnOnce(&str) -> AuditContent,
    progress: ProgressFn,
) -> anyhow::Result<Trained> {
    let events = logged_events(store).await?;
    let labeller = Labeller::new(store.learning_evidence().await?);
    let ruleset = ruleset_in_force(store).await?;
    let transfers = || events.iter().filter_map(|e| if let Event::Transfer(t) = e { Some(t) } else { None });
    let first = transfers().map(|t| t.ts_ms).min().ok_or(NothingToLearn)?;
    let last = transfers().map(|t| t.ts_ms).max().unwrap_or(first);
    let from = req.from.unwrap_or(first);
    let to = req.to.unwrap_or(last + 1);
    let test_from = req.test_from.unwrap_or_else(|| {
        // The last third of the transfers, from a day's start (China time): a log whose early
        // months are sparse still learns from most of its traffic.
        let mut ts: Vec<i64> = transfers().map(|t| t.ts_ms).filter(|t| (from..to).contains(t)).collect();
        ts.sort_unstable();
        let cut = ts.get(ts.len() * 2 / 3).copied().unwrap_or(to - DAY);
        let china = 8 * 3_600_000;
        (cut + china).div_euclid(DAY) * DAY - china
    });
    let periods = Periods { from, test_from, to };
    let threshold = req.threshold;
    let (events, learned) = tokio::task::spawn_blocking(move || {
        let learned = engine::learn::fit(&events, &labeller, ruleset, periods, threshold, &*progress);
        (events, learned)
    })
    .await?;
    let mut learned = learned?;
    let version = format!("M{}", jiff::Timestamp::now().to_zoned(domain::time::china()).strftime("%Y%m%d-%H%M%S"));
    learned.model.version = version.clone();
    // Which stations the held-out warnings would have gone to: the payer's residence.
    let names = store.station_names().await?;
    let mut by_person: HashMap<Option<&str>, Option<i64>> = HashMap::new();
    let mut stations: std::collections::BTreeMap<String, [u64; 2]> = Default::default();
    for (k, warned) in [&learned.model_warned, &learned.rules_warned].into_iter().enumerate() {
        for &i in warned {
            let Some(Event::Transfer(t)) = events.get(i) else { continue };
            let person = t.payer_person.as_deref();
            let station = match by_person.get(&person) {
                Some(s) => *s,
                None => {
                    let s = store.residence_station(person).await?;
                    by_person.insert(person, s);
                    s
                }
            };
            stations.entry(names.of(station)).or_default()[k] += 1;
        }
    }
    learned.report["test"]["stations"] =
        json!(stations.iter().map(|(n, c)| json!({"station": n, "model": c[0], "rules": c[1]})).collect::<Vec<_>>());
    let body = learned.model.to_json()?;
    store
        .save_model(
            &store::NewModelVersion {
                version: version.clone(),
                body: body.clone(),
                created_by: req.by,
                period_from: from,
                test_from,
                period_to: to,
                figures: learned.report.to_string(),
            },
            audit(&version),
        )
        .await?;
    Ok(Trained { version, report: learned.report, body })
}

/// The event log holds no transfer.
#[derive(Debug, thiserror::Error)]
#[error("the event log holds no transfer: nothing to learn from")]
pub struct NothingToLearn;

/// Why a training run failed, in Chinese for the page.
pub fn failure_zh(e: &anyhow::Error) -> String {
    if let Some(l) = e.downcast_ref::<LearnError>() {
        return match l {
            LearnError::Periods => "学习期、检验期须先后相接：学习期起 < 检验期起 < 检验期止".into(),
            LearnError::OneClass { positives, total } => format!(
                "学习期内 {total} 笔交易中已证实为诈骗的有 {positives} 笔：模型需要两类样本，请办结更多预警或选择更长的学习期"
            ),
            LearnError::Model(_) => "模型训练失败，详见服务器日志".into(),
        };
    }
    if e.downcast_ref::<NothingToLearn>().is_some() {
        return "交易流水中没有转账，无可学习".into();
    }
    "模型训练失败，详见服务器日志".into()
}

/// A training run on the page: one at a time.
#[derive(Debug, Clone, Default, serde::Serialize, utoipa::ToSchema)]
pub struct TrainingStatus {
    /// A run is under way.
    pub running: bool,
    /// `replay`, `fit` or `score` while it runs.
    pub phase: Option<String>,
    /// How far the phase is (done of total; 0 of 0 when it cannot say).
    pub done: u64,
    /// See `done`.
    pub total: u64,
    /// When the latest run started (ms).
    pub started_at: Option<i64>,
    /// Who started it.
    pub started_by: String,
    /// When it ended (ms).
    pub finished_at: Option<i64>,
    /// The version it kept.
    pub version: Option<String>,
    /// Why it failed, in Chinese.
    pub error_zh: Option<String>,
}
