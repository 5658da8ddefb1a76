//! `fanzha model train`: the engine's model learned from the county's own outcomes. The event
//! log is replayed in order; each transfer's features are what the engine knew when it decided
//! it; its label is what the work system had found out by the end of the period it belongs to
//! ([`domain::labels`]): warnings closed as fraud or as false positives, accounts named by
//! cases, confirmed clues and executed stop-payments. The model learns on one period and is
//! scored on the next, labelled as known at that period's end.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use domain::labels::Labeller;
use engine::event::Event;
use engine::model::{DEFAULT_PARAMS, Model};
use engine::{Action, Engine};
use serde_json::json;

use crate::config::{Config, Overrides};
use crate::eval::Score;

/// `fanzha model …`.
#[derive(clap::Subcommand)]
pub enum ModelCommand {
    /// Learns the engine's model from the event log and the work system's outcomes, and keeps
    /// it as a new version (not yet in force).
    Train(TrainArgs),
    /// The model versions, newest first, with the one in force.
    List,
    /// Replays the last days of the event log through the ruleset and model in force and
    /// through a candidate, side by side: warnings, the known frauds each caught or missed,
    /// and the stations that would get more or fewer.
    Replay(ReplayArgs),
    /// Puts a version in force (the server loads it at its next start); `none`: the rules alone.
    Use {
        /// The version, or `none`.
        version: String,
    },
}

/// Arguments of `fanzha model train`.
#[derive(clap::Args)]
pub struct TrainArgs {
    /// First day learned from (YYYY-MM-DD, China time); default: the log's first day.
    #[arg(long)]
    from: Option<jiff::civil::Date>,
    /// First day of the held-out period scored (learning ends the day before); default: the
    /// day on which the last third of the log's transfers begins.
    #[arg(long)]
    test_from: Option<jiff::civil::Date>,
    /// Day after the held-out period; default: the day after the log's last event.
    #[arg(long)]
    to: Option<jiff::civil::Date>,
    /// Who trains it (kept with the version).
    #[arg(long, default_value = "命令行训练")]
    by: String,
    /// Model score from which a transfer warns, for the figures.
    #[arg(long, default_value_t = 0.5)]
    threshold: f64,
    /// Write the model here (JSON; name it as `engine_model` to run with it).
    #[arg(long)]
    save: Option<PathBuf>,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

/// Arguments of `fanzha model replay`.
#[derive(clap::Args)]
pub struct ReplayArgs {
    /// Days at the end of the log replayed (the state is built from everything before).
    #[arg(long, default_value_t = 7)]
    days: i64,
    /// The candidate's rules (TOML); default: the ruleset in force.
    #[arg(long)]
    ruleset: Option<PathBuf>,
    /// The candidate's model: a stored version, or `none`; default: the version in force.
    #[arg(long)]
    model: Option<String>,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

/// Runs a `model` command.
pub async fn run(cmd: ModelCommand, overrides: &Overrides) -> anyhow::Result<()> {
    match cmd {
        ModelCommand::Train(a) => train(a, overrides).await,
        ModelCommand::Replay(a) => replay(a, overrides).await,
        ModelCommand::List => {
            let store = Config::load(overrides)?.open_store().await?;
            let in_force = store.model_in_force().await?;
            for m in store.model_versions().await? {
                let figures: serde_json::Value = serde_json::from_str(&m.figures).unwrap_or_default();
                println!(
                    "{} {}  trained {} by {}  held-out precision {:.3} recall {:.3}",
                    if in_force.as_deref() == Some(m.version.as_str()) { "*" } else { " " },
                    m.version,
                    domain::time::format_china(m.created_at),
                    m.created_by,
                    figures["precision"].as_f64().unwrap_or_default(),
                    figures["recall"].as_f64().unwrap_or_default(),
                );
            }
            Ok(())
        }
        ModelCommand::Use { version } => {
            let store = Config::load(overrides)?.open_store().await?;
            let v = (version != "none").then_some(version.as_str());
            let mut entry =
                domain::audit::AuditContent::system("fanzha model", "update", "engine_model", store::now_ms());
            entry.object_id = v.map(str::to_string);
            entry.detail = serde_json::json!({"to": v}).to_string();
            store.put_model_in_force(v, entry).await?;
            println!(
                "{}",
                match v {
                    Some(v) => format!("model {v} is in force from the server's next start"),
                    None => "the rules alone decide from the server's next start".into(),
                }
            );
            Ok(())
        }
    }
}

fn day_start(d: jiff::civil::Date) -> anyhow::Result<i64> {
    Ok(d.to_zoned(jiff::tz::TimeZone::get("Asia/Shanghai")?)?.timestamp().as_millisecond())
}

async fn train(a: TrainArgs, overrides: &Overrides) -> anyhow::Result<()> {
    let cfg = Config::load(overrides)?;
    let store = cfg.open_store().await?;
    let events = crate::eval_demo::logged_events(&store).await?;
    anyhow::ensure!(!events.is_empty(), "the event log is empty: nothing to learn from");
    let evidence = store.learning_evidence().await?;
    let labeller = Labeller::new(evidence);
    let ruleset = crate::config::ruleset_in_force(&store).await?;
    let transfers = || events.iter().filter_map(|e| if let Event::Transfer(t) = e { Some(t) } else { None });
    let first = transfers().map(|t| t.ts_ms).min().context("the event log holds no transfer")?;
    let last = transfers().map(|t| t.ts_ms).max().unwrap_or(first);
    let day = 86_400_000;
    let from = match a.from {
        Some(d) => day_start(d)?,
        None => first,
    };
    let to = match a.to {
        Some(d) => day_start(d)?,
        None => last + 1,
    };
    let test_from = match a.test_from {
        Some(d) => day_start(d)?,
        None => {
            // The last third of the transfers, from a day's start (China time): a log whose
            // early months are sparse still learns from most of its traffic.
            let mut ts: Vec<i64> = transfers().map(|t| t.ts_ms).filter(|t| (from..to).contains(t)).collect();
            ts.sort_unstable();
            let cut = ts.get(ts.len() * 2 / 3).copied().unwrap_or(to - day);
            let china = 8 * 3_600_000;
            (cut + china).div_euclid(day) * day - china
        }
    };
    anyhow::ensure!(from < test_from && test_from < to, "the periods must follow each other: from < test-from < to");
    let periods = Periods { from, test_from, to };
    let (mut model, mut report) =
        tokio::task::spawn_blocking(move || fit(&events, &labeller, ruleset, periods, a.threshold)).await??;
    model.version = format!(
        "M{}",
        jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::get("Asia/Shanghai")?).strftime("%Y%m%d-%H%M%S")
    );
    let body = model.to_json()?;
    if let Some(path) = &a.save {
        std::fs::write(path, &body).with_context(|| format!("write {}", path.display()))?;
        report["saved"] = json!(path.display().to_string());
    }
    let mut entry = domain::audit::AuditContent::system("fanzha model", "create", "engine_model", store::now_ms());
    entry.object_id = Some(model.version.clone());
    store
        .save_model(
            &store::NewModelVersion {
                version: model.version.clone(),
                body,
                created_by: a.by.clone(),
                period_from: from,
                test_from,
                period_to: to,
                figures: report["test"]["model"].to_string(),
            },
            entry,
        )
        .await?;
    report["version"] = json!(model.version);
    if a.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        let s = &report["test"];
        println!(
            "learned from {} transfers ({} fraud), scored on {} ({} fraud): precision {:.3}, recall {:.3}, F1 {:.3} at score ≥ {}",
            report["train"]["transfers"],
            report["train"]["fraud"],
            s["transfers"],
            s["fraud"],
            s["model"]["precision"].as_f64().unwrap_or_default(),
            s["model"]["recall"].as_f64().unwrap_or_default(),
            s["model"]["f1"].as_f64().unwrap_or_default(),
            report["threshold"]
        );
        if let Some(p) = report["saved"].as_str() {
            println!("model written to {p}");
        }
        println!("kept as version {} (`fanzha model use {}` puts it in force)", model.version, model.version);
    }
    Ok(())
}

/// A stored model version, ready to score (its version label set).
pub(crate) async fn stored_model(store: &store::Store, version: &str) -> anyhow::Result<Arc<Model>> {
    let body = store.model_body(version).await?.with_context(|| format!("no model version {version}"))?;
    Ok(Arc::new(Model::from_stored(version, &body).with_context(|| format!("model version {version}"))?))
}

/// One side of a replay: its engine and what it raised.
struct Side {
    engine: Engine,
    warned: std::collections::HashSet<usize>,
}

async fn replay(a: ReplayArgs, overrides: &Overrides) -> anyhow::Result<()> {
    let cfg = Config::load(overrides)?;
    let store = cfg.open_store().await?;
    let events = crate::eval_demo::logged_events(&store).await?;
    let end = events.iter().map(Event::ts_ms).max().context("the event log is empty: nothing to replay")?;
    let from = end - a.days.max(1) * 86_400_000;
    let in_force_rules = crate::config::ruleset_in_force(&store).await?;
    let candidate_rules = match &a.ruleset {
        Some(path) => crate::config::read_ruleset(path)?,
        None => in_force_rules.clone(),
    };
    let in_force_model = match store.model_in_force().await? {
        Some(v) => Some(stored_model(&store, &v).await?),
        None => None,
    };
    let candidate_model = match a.model.as_deref() {
        None => in_force_model.clone(),
        Some("none") => None,
        Some(v) => Some(stored_model(&store, v).await?),
    };
    let labeller = Labeller::new(store.learning_evidence().await?);
    let side = |rules: engine::ruleset::Ruleset, model: Option<Arc<Model>>| {
        let mut engine = Engine::new(Arc::new(rules));
        engine.set_model(model);
        Side { engine, warned: Default::default() }
    };
    let mut sides = [side(in_force_rules, in_force_model), side(candidate_rules, candidate_model)];
    let versions: Vec<(String, Option<String>)> = sides
        .iter()
        .map(|s| (s.engine.ruleset().version.clone(), s.engine.model().map(|m| m.version.clone())))
        .collect();
    // Both sides see every event; the window's transfers are scored, by their place in the log.
    let (sides, events) = tokio::task::spawn_blocking(move || {
        for (i, e) in events.iter().enumerate() {
            for s in sides.iter_mut() {
                if let engine::Outcome::Decided(d) = s.engine.apply(e)
                    && e.ts_ms() >= from
                    && d.action >= Action::Warn
                {
                    s.warned.insert(i);
                }
            }
        }
        (sides, events)
    })
    .await?;
    let scored: Vec<(usize, &engine::event::Transfer)> = events
        .iter()
        .enumerate()
        .filter_map(|(i, e)| match e {
            Event::Transfer(t) if t.ts_ms >= from => Some((i, t)),
            _ => None,
        })
        .collect();
    // Known frauds: what the work system knows now.
    let known: Vec<(usize, &engine::event::Transfer)> = scored
        .iter()
        .copied()
        .filter(|(_, t)| labeller.label(&t.event_id, &t.payer, &t.payee, i64::MAX).is_some_and(|l| l.fraud))
        .collect();
    let mut stations: std::collections::BTreeMap<String, [u64; 2]> = Default::default();
    let names: std::collections::HashMap<i64, String> =
        store.list_stations().await?.into_iter().map(|s| (s.id, s.name)).collect();
    for (i, t) in &scored {
        let hit = [sides[0].warned.contains(i), sides[1].warned.contains(i)];
        if !hit[0] && !hit[1] {
            continue;
        }
        // The residence's station, as routing sends a person's warning; else the centre.
        let station = match t.payer_person.as_deref().and_then(|p| domain::Phone::parse(p).ok()) {
            Some(ph) => store.residence_station(&ph).await?,
            None => None,
        };
        let name = station.and_then(|id| names.get(&id).cloned()).unwrap_or_else(|| "反诈中心".into());
        let c = stations.entry(name).or_default();
        for k in 0..2 {
            c[k] += u64::from(hit[k]);
        }
    }
    let summary = |k: usize| {
        let s = &sides[k];
        json!({
            "ruleset_version": versions[k].0,
            "model_version": versions[k].1,
            "warnings": s.warned.len(),
            "frauds_caught": known.iter().filter(|(i, _)| s.warned.contains(i)).count(),
        })
    };
    let ids = |pred: &dyn Fn(usize) -> bool| -> Vec<String> {
        known.iter().filter(|(i, _)| pred(*i)).map(|(_, t)| t.event_id.clone()).collect()
    };
    let report = json!({
        "days": a.days,
        "from_ms": from,
        "to_ms": end,
        "transfers": scored.len(),
        "known_frauds": known.len(),
        "in_force": summary(0),
        "candidate": summary(1),
        "caught_only_in_force": ids(&|i| sides[0].warned.contains(&i) && !sides[1].warned.contains(&i)),
        "caught_only_candidate": ids(&|i| sides[1].warned.contains(&i) && !sides[0].warned.contains(&i)),
        "stations": stations.iter().map(|(n, c)| json!({"station": n, "in_force": c[0], "candidate": c[1]})).collect::<Vec<_>>(),
    });
    if a.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("last {} days, {} transfers, {} known frauds", a.days, report["transfers"], known.len());
        for (label, k) in [("in force ", "in_force"), ("candidate", "candidate")] {
            let s = &report[k];
            println!(
                "  {label}  rules {} model {}: {} warnings, {} of the known frauds",
                s["ruleset_version"].as_str().unwrap_or_default(),
                s["model_version"].as_str().unwrap_or("-"),
                s["warnings"],
                s["frauds_caught"]
            );
        }
        for s in report["stations"].as_array().into_iter().flatten() {
            println!(
                "  {:<16} {:>5} → {:>5}",
                s["station"].as_str().unwrap_or_default(),
                s["in_force"],
                s["candidate"]
            );
        }
    }
    Ok(())
}

/// The learning period `[from, test_from)` and the held-out period `[test_from, to)`.
#[derive(Clone, Copy)]
pub(crate) struct Periods {
    pub from: i64,
    pub test_from: i64,
    pub to: i64,
}

/// Replays `events`, learns on the first period, scores the second. A transfer's label is
/// read as known at the end of its own period: the learning never sees what was found out
/// later, and the features are the engine's state before the transfer.
pub(crate) fn fit(
    events: &[Event],
    labeller: &Labeller,
    ruleset: engine::ruleset::Ruleset,
    p: Periods,
    threshold: f64,
) -> anyhow::Result<(Model, serde_json::Value)> {
    let examples = examples(events, labeller, ruleset.clone(), p);
    let train: Vec<_> = examples.iter().filter(|x| x.ts_ms < p.test_from).map(|x| (x.features, x.fraud)).collect();
    let positives = train.iter().filter(|(_, y)| *y).count();
    anyhow::ensure!(
        positives > 0 && positives < train.len(),
        "the learning period has {positives} fraud transfers of {}: a model needs both kinds (close more warnings, or choose a longer period)",
        train.len()
    );
    let model = Model::train(&train, DEFAULT_PARAMS).context("training the model")?;
    let test: Vec<&Example> = examples.iter().filter(|x| x.ts_ms >= p.test_from).collect();
    let scores: Vec<f64> = test.iter().map(|x| model.score(&x.features)).collect();
    let mut at = Score::default();
    let mut rules = Score::default();
    let mut per_day: std::collections::BTreeMap<i64, (u64, u64)> = Default::default();
    for (x, s) in test.iter().zip(&scores) {
        at.add(*s >= threshold, x.fraud);
        rules.add(x.rules >= Action::Warn, x.fraud);
        let d = per_day.entry((x.ts_ms - p.test_from) / 86_400_000).or_default();
        d.0 += u64::from(*s >= threshold);
        d.1 += u64::from(x.rules >= Action::Warn);
    }
    // The precision-recall curve over thresholds, for choosing the operating point.
    let curve: Vec<serde_json::Value> = (1..20)
        .map(|k| {
            let th = f64::from(k) / 20.0;
            let mut s = Score::default();
            for (x, sc) in test.iter().zip(&scores) {
                s.add(*sc >= th, x.fraud);
            }
            json!({"threshold": th, "precision": s.precision(), "recall": s.recall(), "f1": s.f1(), "warnings": s.tp + s.fp})
        })
        .collect();
    let (warnings, accounts) = labeller.counts();
    let report = json!({
        "periods": {"from_ms": p.from, "test_from_ms": p.test_from, "to_ms": p.to},
        "evidence": {"closed_warnings": warnings, "fraud_accounts": accounts},
        "train": {"transfers": train.len(), "fraud": positives},
        "test": {
            "transfers": test.len(),
            "fraud": test.iter().filter(|x| x.fraud).count(),
            "model": at.json(),
            "rules": rules.json(),
            "per_day": per_day.iter().map(|(d, (m, r))| json!({"day": d, "model_warnings": m, "rule_warnings": r})).collect::<Vec<_>>(),
        },
        "threshold": threshold,
        "curve": curve,
        "ruleset_version": ruleset.version,
        "params": DEFAULT_PARAMS,
    });
    Ok((model, report))
}

/// A transfer of either period: its features when decided, its label as known at its
/// period's end, and what the rules decided.
pub(crate) struct Example {
    pub ts_ms: i64,
    pub features: engine::features::Features,
    pub fraud: bool,
    pub rules: Action,
}

/// The examples of the two periods, in event order. Events before `from` only build the
/// engine's state.
pub(crate) fn examples(
    events: &[Event],
    labeller: &Labeller,
    ruleset: engine::ruleset::Ruleset,
    p: Periods,
) -> Vec<Example> {
    let mut eng = Engine::new(Arc::new(ruleset));
    let bar = crate::eval::progress_bar(events.len() as u64);
    bar.set_prefix("replay");
    let mut out = Vec::new();
    for (i, e) in events.iter().enumerate() {
        if i % 4096 == 0 {
            bar.set_position(i as u64);
        }
        let Event::Transfer(t) = e else {
            eng.apply(e);
            continue;
        };
        if t.ts_ms < p.from || t.ts_ms >= p.to {
            eng.apply(e);
            continue;
        }
        // The features are the state before this transfer; deciding records it.
        let (decision, features) = eng.decide_with_features(t);
        let rules = decision.action;
        let known_at = if t.ts_ms < p.test_from { p.test_from } else { p.to };
        let fraud = labeller.label(&t.event_id, &t.payer, &t.payee, known_at).is_some_and(|l| l.fraud);
        out.push(Example { ts_ms: t.ts_ms, features, fraud, rules });
    }
    bar.finish_and_clear();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::labels::Evidence;
    use engine::event::{Channel, Transfer};

    const DAY: i64 = 86_400_000;

    fn tx(id: &str, day: i64, payer: &str, payee: &str) -> Event {
        Event::Transfer(Transfer {
            event_id: id.into(),
            ts_ms: day * DAY,
            payer: payer.into(),
            payer_bank: String::new(),
            payee: payee.into(),
            payee_bank: String::new(),
            amount_fen: 500_000,
            channel: Channel::Mobile,
            payer_person: None,
            device_id: None,
            ip: None,
        })
    }

    /// The mule is named by a case on day 20. Learning ends on day 10, so the payment to it on
    /// day 2 is not fraud to the learner (nobody knew yet); the payment on day 12 is, to the
    /// held-out period that ends on day 30. A warning closed as defrauded on day 5 labels its
    /// transfer for learning. And no label changes any features.
    #[test]
    fn no_label_from_after_its_period_reaches_learning() {
        let events = vec![
            tx("T1", 1, "A", "SHOP"),
            tx("T2", 2, "B", "MULE"),
            tx("T3", 3, "C", "X"),
            tx("T4", 12, "D", "MULE"),
            tx("T5", 13, "E", "SHOP"),
        ];
        let evidence = vec![
            Evidence::FraudAccount { account: "MULE".into(), at_ms: 20 * DAY },
            Evidence::WarningClosed { event_id: "T3".into(), outcome: "already_defrauded".into(), at_ms: 5 * DAY },
        ];
        let p = Periods { from: 0, test_from: 10 * DAY, to: 30 * DAY };
        let rs = engine::ruleset::Ruleset::default_ruleset();
        let with = examples(&events, &Labeller::new(evidence), rs.clone(), p);
        let fraud: Vec<bool> = with.iter().map(|x| x.fraud).collect();
        assert_eq!(fraud, [false, false, true, true, false]);
        let without = examples(&events, &Labeller::default(), rs, p);
        for (a, b) in with.iter().zip(&without) {
            assert_eq!(a.features, b.features, "a label changed the features");
        }
    }
}
