//! `fanzha rank --cases CASES.csv --population POP.csv`: the monthly ranking and escalations
//! from exports alone. A bad row is reported with its line and field and left out; the good
//! rows are ranked.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use serde_json::json;
use supervision::ranking::{CaseRow, RankingRules, TopOn, china_month, rank};

/// Arguments of `fanzha rank`.
#[derive(clap::Args)]
pub struct RankArgs {
    /// Cases: `case_id,station,reported_at,loss_yuan,fraud_type`.
    #[arg(long)]
    cases: PathBuf,
    /// Population: `station,residents`.
    #[arg(long)]
    population: PathBuf,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
    /// Which top positions count for interviews: all (the three indicators) or any.
    #[arg(long, default_value = "all")]
    top_on: String,
}

/// A refused row.
struct Rejected {
    file: String,
    line: u64,
    field: String,
    message: String,
}

fn reader(p: &Path) -> anyhow::Result<(csv::Reader<std::fs::File>, HashMap<String, usize>)> {
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_path(p)
        .with_context(|| format!("open {}", p.display()))?;
    let h: HashMap<String, usize> = r
        .headers()
        .with_context(|| format!("{}: header", p.display()))?
        .iter()
        .enumerate()
        .map(|(i, c)| (c.trim_start_matches('\u{feff}').to_string(), i))
        .collect();
    Ok((r, h))
}

fn column(h: &HashMap<String, usize>, name: &str, p: &Path) -> anyhow::Result<usize> {
    h.get(name).copied().with_context(|| format!("{}: no column '{name}'", p.display()))
}

pub fn run(a: RankArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut rejected = Vec::new();
    let (mut pr, ph) = reader(&a.population)?;
    let (ps, pn) = (column(&ph, "station", &a.population)?, column(&ph, "residents", &a.population)?);
    let mut residents: HashMap<String, i64> = HashMap::new();
    let pop_name = a.population.display().to_string();
    for rec in pr.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                rejected.push(Rejected {
                    file: pop_name.clone(),
                    line: e.position().map(|p| p.line()).unwrap_or(0),
                    field: "row".into(),
                    message: e.to_string(),
                });
                continue;
            }
        };
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        let station = rec.get(ps).unwrap_or("").to_string();
        match rec.get(pn).unwrap_or("").parse::<i64>() {
            Ok(n) if n > 0 && !station.is_empty() => {
                residents.insert(station, n);
            }
            _ if station.is_empty() => rejected.push(Rejected {
                file: pop_name.clone(),
                line,
                field: "station".into(),
                message: "empty".into(),
            }),
            _ => rejected.push(Rejected {
                file: pop_name.clone(),
                line,
                field: "residents".into(),
                message: format!("'{}' is not a positive whole number", rec.get(pn).unwrap_or("")),
            }),
        }
    }
    let (mut cr, ch) = reader(&a.cases)?;
    let cols = ["case_id", "station", "reported_at", "loss_yuan"].map(|c| column(&ch, c, &a.cases));
    let [ci, cs, ct, cl] =
        [&cols[0], &cols[1], &cols[2], &cols[3]].map(|c| c.as_ref().copied().map_err(|e| anyhow::anyhow!("{e}")));
    let (ci, cs, ct, cl) = (ci?, cs?, ct?, cl?);
    let cases_name = a.cases.display().to_string();
    let mut cases = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for rec in cr.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                rejected.push(Rejected {
                    file: cases_name.clone(),
                    line: e.position().map(|p| p.line()).unwrap_or(0),
                    field: "row".into(),
                    message: e.to_string(),
                });
                continue;
            }
        };
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        let get = |i: usize| rec.get(i).unwrap_or("");
        let mut reject = |field: &str, message: String| {
            rejected.push(Rejected { file: cases_name.clone(), line, field: field.into(), message })
        };
        let id = get(ci).to_string();
        if id.is_empty() {
            reject("case_id", "empty".into());
            continue;
        }
        if !seen.insert(id.clone()) {
            reject("case_id", format!("'{id}' appears more than once; the first row is kept"));
            continue;
        }
        let station = get(cs).to_string();
        if !residents.contains_key(&station) {
            reject("station", format!("'{station}' has no population in {pop_name}"));
            continue;
        }
        let Some(month) = china_month(get(ct)) else {
            reject(
                "reported_at",
                format!("'{}' is not RFC 3339 with an offset (e.g. 2026-03-01T09:30:00+08:00)", get(ct)),
            );
            continue;
        };
        let loss_fen = match supervision::money::yuan_to_fen(get(cl)) {
            Ok(f) => f,
            Err(e) => {
                reject("loss_yuan", e.to_string());
                continue;
            }
        };
        cases.push(CaseRow { case_id: id, station, month, loss_fen });
    }
    let rules = RankingRules {
        top_on: match a.top_on.as_str() {
            "all" => TopOn::All,
            "any" => TopOn::Any,
            other => anyhow::bail!("--top-on: unknown '{other}' (all, any)"),
        },
        ..RankingRules::default()
    };
    let stations: Vec<String> = residents.keys().cloned().collect();
    let t = Instant::now();
    let result = rank(&cases, &stations, &|s, _| residents.get(s).copied().unwrap_or(1), &rules);
    let rank_ms = t.elapsed().as_secs_f64() * 1000.0;
    for r in &rejected {
        eprintln!("{} line {}: {}: {}", r.file, r.line, r.field, r.message);
    }
    let mut out = serde_json::to_value(&result)?;
    out["rules"] = serde_json::to_value(&rules)?;
    out["cases"] = json!(cases.len());
    out["rejected"] = json!(
        rejected
            .iter()
            .map(|r| json!({"file": r.file, "line": r.line, "field": r.field, "message": r.message}))
            .collect::<Vec<_>>()
    );
    out["rank_ms"] = json!(rank_ms);
    out["seconds"] = json!(started.elapsed().as_secs_f64());
    if a.json {
        println!("{out}");
    } else {
        println!("{}", serde_json::to_string_pretty(&out)?);
    }
    Ok(())
}
