//! `fanzha eval demo`: what the demo county's station inboxes would hold. The demo's transfers
//! are replayed through the engine in the order they were logged, and the warnings of the last
//! days of the seeded period are scored against the generator's own ground truth
//! ([`crate::demo_events::fraud_side`]): the share of warnings that are fraud (precision) and
//! the share of seeded fraud transfers that warned (recall).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use engine::event::Event;
use engine::ruleset::Ruleset;
use engine::{Action, Engine, Outcome};
use serde_json::json;

use crate::config::{Config, Overrides};

/// Arguments of `fanzha eval demo`.
#[derive(clap::Args)]
pub struct DemoEvalArgs {
    /// Rules from this TOML file instead of the ruleset in force in the data directory (or the
    /// shipped default when it has none).
    #[arg(long)]
    ruleset: Option<PathBuf>,
    /// Days at the end of the seeded period that are scored.
    #[arg(long, default_value_t = 7)]
    days: i64,
    /// Seed of the generator, when the data directory holds no seeded events.
    #[arg(long, default_value_t = ::demo::DEFAULT_SEED)]
    seed: u64,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

/// Counts of one rule among the scored warnings.
#[derive(Default)]
struct RuleCount {
    warnings: u64,
    fraud: u64,
}

/// Runs the evaluation: the demo data directory's logged events when it has them (the county
/// as it was served), else the generator's events for the seed.
pub async fn run(args: DemoEvalArgs, overrides: &Overrides) -> anyhow::Result<()> {
    let mut o = overrides.clone();
    if o.data_dir.is_none() && o.config.is_none() {
        o.data_dir = Some("data/demo".into());
    }
    let cfg = Config::load(&o)?;
    let has_db = cfg.database_url() != store::sqlite_url(&cfg.data_dir) || cfg.data_dir.join("fanzha.db").exists();
    let store = if has_db { Some(cfg.open_store().await?) } else { None };
    let (events, from_log) = match &store {
        Some(s) if s.event_log_len().await? > 0 => (server::learning::logged_events(s).await?, true),
        _ => (generated_events(args.seed), false),
    };
    let ruleset = match (&args.ruleset, &store) {
        (Some(path), _) => crate::config::read_ruleset(path)?,
        (None, Some(s)) => server::learning::ruleset_in_force(s).await?,
        (None, None) => Ruleset::default_ruleset(),
    };
    // As `serve` decides: a model file named in the configuration, else the version in force.
    let model = match &store {
        Some(s) => crate::model::model_in_force(&cfg, s).await?,
        None => cfg.engine_model()?,
    };
    let report = tokio::task::spawn_blocking(move || score(&events, ruleset, model, args.days, from_log)).await??;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_text(&report);
    }
    Ok(())
}

/// The generator's events at the demo's reference day, payers known by made-up numbers (the
/// engine only matches a call's callee with a transfer's payer, so any distinct numbers do).
fn generated_events(seed: u64) -> Vec<Event> {
    let now = ::demo::reference_date()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .map(|z| z.timestamp().as_millisecond())
        .unwrap_or_default();
    let phones: Vec<String> = (0..400).map(|i| format!("138{:08}", 10_000_000 + i)).collect();
    crate::demo_events::generate(seed, now, &phones)
}

fn score(
    events: &[Event],
    ruleset: Ruleset,
    model: Option<Arc<engine::model::Model>>,
    days: i64,
    from_log: bool,
) -> anyhow::Result<serde_json::Value> {
    let truth = crate::demo_events::fraud_side(events);
    let end = events.iter().map(Event::ts_ms).max().context("no events to score")?;
    let from = end - days.max(1) * 86_400_000;
    let version = ruleset.version.clone();
    let model_version = model.as_ref().map(|m| m.version.clone());
    let mut engine = Engine::new(Arc::new(ruleset));
    engine.set_model(model);
    let bar = crate::eval::progress_bar(events.len() as u64);
    bar.set_prefix("replay");
    let (mut transfers, mut warnings, mut fraud_warnings, mut seeded) = (0u64, 0u64, 0u64, 0u64);
    let mut by_rule: BTreeMap<String, RuleCount> = BTreeMap::new();
    let mut by_day: BTreeMap<i64, (u64, u64)> = BTreeMap::new();
    for (i, e) in events.iter().enumerate() {
        if i % 4096 == 0 {
            bar.set_position(i as u64);
        }
        let Outcome::Decided(d) = engine.apply(e) else { continue };
        if e.ts_ms() < from {
            continue;
        }
        transfers += 1;
        let fraud = truth.contains_key(d.event_id.as_str());
        let warned = d.action >= Action::Warn;
        seeded += u64::from(fraud);
        if !warned {
            continue;
        }
        warnings += 1;
        fraud_warnings += u64::from(fraud);
        let day = by_day.entry((e.ts_ms() - from) / 86_400_000).or_default();
        day.0 += 1;
        day.1 += u64::from(fraud);
        for f in &d.fired {
            let c = by_rule.entry(f.rule.clone()).or_default();
            c.warnings += 1;
            c.fraud += u64::from(fraud);
        }
    }
    bar.finish_and_clear();
    let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    Ok(json!({
        "source": if from_log { "event_log" } else { "generated" },
        "ruleset_version": version,
        "model_version": model_version,
        "days": days,
        "from_ms": from,
        "to_ms": end,
        "transfers": transfers,
        "warnings": warnings,
        "fraud_warnings": fraud_warnings,
        "precision": ratio(fraud_warnings, warnings),
        "seeded_frauds": seeded,
        // A seeded fraud is caught when it warned: the fraud warnings are the caught frauds.
        "caught": fraud_warnings,
        "recall": ratio(fraud_warnings, seeded),
        "warn_rate": ratio(warnings, transfers),
        "by_rule": by_rule.iter().map(|(r, c)| (r.clone(), json!({"warnings": c.warnings, "fraud": c.fraud}))).collect::<serde_json::Map<_, _>>(),
        "by_day": by_day.iter().map(|(d, (w, f))| json!({"day": d, "warnings": w, "fraud": f})).collect::<Vec<_>>(),
    }))
}

fn print_text(r: &serde_json::Value) {
    let n = |k: &str| r[k].as_u64().unwrap_or_default();
    let f = |k: &str| r[k].as_f64().unwrap_or_default();
    println!(
        "Demo county, last {} days ({} events, ruleset {}):",
        n("days"),
        r["source"].as_str().unwrap_or_default(),
        r["ruleset_version"].as_str().unwrap_or_default()
    );
    println!("  transfers            {:>8}", n("transfers"));
    println!("  warnings             {:>8}  ({:.2} % of transfers)", n("warnings"), 100.0 * f("warn_rate"));
    println!("  of them fraud        {:>8}  precision {:.1} %", n("fraud_warnings"), 100.0 * f("precision"));
    println!("  seeded fraud transfers {:>6}  recall {:.1} %", n("seeded_frauds"), 100.0 * f("recall"));
    println!("  rule   warnings  fraud");
    if let Some(m) = r["by_rule"].as_object() {
        for (rule, c) in m {
            println!(
                "  {rule:<6} {:>8} {:>6}",
                c["warnings"].as_u64().unwrap_or_default(),
                c["fraud"].as_u64().unwrap_or_default()
            );
        }
    }
}
