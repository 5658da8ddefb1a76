//! `fanzha model …`: the engine's model learned from the county's own outcomes
//! (`server::learning`, the same path as the 预警模型 page: [`engine::learn`] replays the event
//! log, labels each transfer as the work system knew it at its period's end, learns on one
//! period and scores the next), its versions, and replays of a candidate beside what is in force.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use domain::labels::Labeller;
use engine::event::Event;
use engine::learn::Phase;
use engine::model::Model;
use engine::{Action, Engine};
use serde_json::json;

use crate::config::{Config, Overrides};

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
                let figures = held_out(&m.figures);
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
    let day = |d: Option<jiff::civil::Date>| d.map(day_start).transpose();
    let req = server::learning::TrainRequest {
        from: day(a.from)?,
        test_from: day(a.test_from)?,
        to: day(a.to)?,
        threshold: a.threshold,
        by: a.by.clone(),
    };
    let bar = crate::eval::progress_bar(0);
    let progress: server::learning::ProgressFn = {
        let bar = bar.clone();
        Arc::new(move |phase: Phase, done: u64, total: u64| {
            bar.set_prefix(phase.as_str());
            bar.set_length(total);
            bar.set_position(done);
        })
    };
    let audit = |version: &str| {
        let mut entry = domain::audit::AuditContent::system("fanzha model", "create", "engine_model", store::now_ms());
        entry.object_id = Some(version.to_string());
        entry
    };
    let trained = server::learning::train(&store, req, audit, progress).await;
    bar.finish_and_clear();
    let trained = trained?;
    let mut report = trained.report;
    if let Some(path) = &a.save {
        std::fs::write(path, &trained.body).with_context(|| format!("write {}", path.display()))?;
        report["saved"] = json!(path.display().to_string());
    }
    report["version"] = json!(trained.version);
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
        println!("kept as version {} (`fanzha model use {}` puts it in force)", trained.version, trained.version);
    }
    Ok(())
}

/// A stored model version, ready to score (its version label set).
pub(crate) async fn stored_model(store: &store::Store, version: &str) -> anyhow::Result<Arc<Model>> {
    let body = store.model_body(version).await?.with_context(|| format!("no model version {version}"))?;
    Ok(Arc::new(Model::from_stored(version, &body).with_context(|| format!("model version {version}"))?))
}

/// The model the engine decides with, as `serve` loads it: a model file named in the
/// configuration wins, else the version put in force (`fanzha model use`, the 预警模型 page).
pub(crate) async fn model_in_force(cfg: &Config, store: &store::Store) -> anyhow::Result<Option<Arc<Model>>> {
    if let Some(model) = cfg.engine_model()? {
        return Ok(Some(model));
    }
    match store.model_in_force().await? {
        Some(version) => Ok(Some(
            stored_model(store, &version)
                .await
                .with_context(|| format!("the model version {version} in force cannot be loaded"))?,
        )),
        None => Ok(None),
    }
}

/// One side of a replay: its engine and what it raised.
struct Side {
    engine: Engine,
    warned: std::collections::HashSet<usize>,
}

async fn replay(a: ReplayArgs, overrides: &Overrides) -> anyhow::Result<()> {
    let cfg = Config::load(overrides)?;
    let store = cfg.open_store().await?;
    let events = server::learning::logged_events(&store).await?;
    let end = events.iter().map(Event::ts_ms).max().context("the event log is empty: nothing to replay")?;
    let from = end - a.days.max(1) * 86_400_000;
    let in_force_rules = server::learning::ruleset_in_force(&store).await?;
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
    let names = store.station_names().await?;
    for (i, t) in &scored {
        let hit = [sides[0].warned.contains(i), sides[1].warned.contains(i)];
        if !hit[0] && !hit[1] {
            continue;
        }
        // The residence's station, as routing sends a person's warning; else the centre.
        let station = store.residence_station(t.payer_person.as_deref()).await?;
        let c = stations.entry(names.of(station)).or_default();
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

/// A version's held-out figures of the model: `test.model` of the figures kept with it (older
/// versions kept those alone).
pub(crate) fn held_out(figures: &str) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_str(figures).unwrap_or_default();
    match v.pointer("/test/model") {
        Some(m) => m.clone(),
        None => v,
    }
}
