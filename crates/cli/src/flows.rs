//! `fanzha trace DIR` and `fanzha eval mules DIR`: fund-flow tracing and the mule-network
//! analysis over an AMLSim folder.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use flow::mules::{self, DEFAULT_PARAMS, Model, TrainParams, Window};
use flow::trace::{Method, TraceParams};
use flow::{Transfer, TransferGraph};
use serde_json::json;

use crate::amlsim::{Dataset, load};
use crate::eval::Score;

const DAY_MS: i64 = 86_400_000;

/// Arguments of `fanzha trace`.
#[derive(clap::Args)]
pub struct TraceArgs {
    /// AMLSim folder (transactions.csv[.gz]).
    dir: PathBuf,
    /// Account to trace from.
    #[arg(long)]
    account: String,
    /// Start time: RFC 3339 (e.g. 2018-06-09T00:00:00Z), a date (2018-06-09) or a day index.
    #[arg(long)]
    since: String,
    /// Hops to follow.
    #[arg(long, default_value_t = 6)]
    hops: u32,
    /// fifo or proportional.
    #[arg(long, default_value = "fifo")]
    method: String,
    /// Days after the start to look at.
    #[arg(long, default_value_t = 30)]
    horizon_days: i64,
    /// Traced amounts below this many yuan are not followed.
    #[arg(long, default_value_t = 1.0)]
    min_yuan: f64,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
    /// Also write the tree as an XLSX in the investigators' layout.
    #[arg(long)]
    xlsx: Option<PathBuf>,
}

/// The transfers of a data set as a graph; day `d` is at `d` days after the epoch (AMLSim has
/// days only; the order inside a day is the transfer id).
pub fn graph_of(ds: &Dataset) -> TransferGraph {
    let mut g = TransferGraph::new();
    for t in &ds.txs {
        let from = g.account(&t.orig, "bank");
        let to = g.account(&t.bene, "bank");
        g.push(Transfer { id: t.id, ts_ms: t.day * DAY_MS, from, to, amount_fen: t.fen, stop: None });
    }
    g.finish();
    g
}

fn since_day(s: &str, first_date: Option<jiff::civil::Date>) -> anyhow::Result<i64> {
    if let Ok(d) = s.parse::<i64>() {
        return Ok(d);
    }
    let date: jiff::civil::Date = match s.parse::<jiff::Timestamp>() {
        Ok(ts) => ts.to_zoned(jiff::tz::TimeZone::UTC).date(),
        Err(_) => s.parse().with_context(|| format!("--since: expected RFC 3339, a date or a day index, got '{s}'"))?,
    };
    let first = first_date.context("the data set has no dates")?;
    Ok(i64::from(first.until(date).map_err(|e| anyhow::anyhow!("--since: {e}"))?.get_days()))
}

pub fn trace(a: TraceArgs) -> anyhow::Result<()> {
    let t0 = Instant::now();
    let ds = load(&a.dir)?;
    let g = graph_of(&ds);
    let loaded = t0.elapsed();
    let origin = g
        .find(&a.account)
        .with_context(|| format!("--account: {} does not appear in {}", a.account, a.dir.display()))?;
    let method = match a.method.as_str() {
        "fifo" => Method::Fifo,
        "proportional" => Method::Proportional,
        other => anyhow::bail!("--method: unknown '{other}' (fifo, proportional)"),
    };
    let day = since_day(&a.since, ds.first_date)?;
    let p = TraceParams {
        max_hops: a.hops,
        method,
        min_fen: (a.min_yuan * 100.0).round() as i64,
        horizon_ms: Some(a.horizon_days * DAY_MS),
    };
    let t1 = Instant::now();
    let tr = flow::trace::trace(&g, origin, day * DAY_MS, &p);
    let trace_ms = t1.elapsed().as_secs_f64() * 1000.0;
    let date_of = |ts: i64| {
        ds.first_date
            .map(|d| d.saturating_add(jiff::Span::new().days(ts / DAY_MS)).to_string())
            .unwrap_or_else(|| format!("day {}", ts / DAY_MS))
    };
    if let Some(x) = &a.xlsx {
        let bytes = flow::export::trace_xlsx(&g, &tr, &date_of, &|_| String::new())?;
        std::fs::write(x, bytes).with_context(|| format!("write {}", x.display()))?;
    }
    let deepest = tr.nodes.iter().map(|n| n.level).max().unwrap_or(0);
    let out = json!({
        "account": a.account,
        "since_day": day,
        "method": a.method,
        "max_hops": a.hops,
        "deepest_level": deepest,
        "accounts_reached": tr.nodes.len() - 1,
        "transfers_followed": tr.edges.len(),
        "transfers_scanned": tr.scanned,
        "traced_out_of_start_yuan": tr.nodes[0].traced_out_fen as f64 / 100.0,
        "still_held_yuan": tr.nodes.iter().skip(1).map(|n| n.held_fen).sum::<i64>() as f64 / 100.0,
        "trace_ms": trace_ms,
        "load_ms": loaded.as_secs_f64() * 1000.0,
        "freeze_first": tr.freeze_order().iter().take(10).map(|n| json!({"account": g.accounts[n.account as usize], "level": n.level, "held_yuan": n.held_fen as f64 / 100.0, "frontier": n.frontier})).collect::<Vec<_>>(),
        "nodes": tr.nodes.iter().map(|n| json!({"account": g.accounts[n.account as usize], "level": n.level, "first_in": date_of(n.first_in_ms), "in_yuan": n.traced_in_fen as f64 / 100.0, "out_yuan": n.traced_out_fen as f64 / 100.0, "held_yuan": n.held_fen as f64 / 100.0, "frontier": n.frontier})).collect::<Vec<_>>(),
        "edges": tr.edges.iter().map(|e| json!({"tran_id": e.id, "from": g.accounts[e.from as usize], "to": g.accounts[e.to as usize], "date": date_of(e.ts_ms), "amount_yuan": e.amount_fen as f64 / 100.0, "traced_yuan": e.traced_fen as f64 / 100.0, "hop": e.hop})).collect::<Vec<_>>(),
    });
    if a.json {
        println!("{out}");
    } else {
        println!("{}", serde_json::to_string_pretty(&out)?);
    }
    Ok(())
}

/// Arguments of `fanzha eval mules`.
#[derive(clap::Args)]
pub struct MulesArgs {
    /// AMLSim folder.
    dir: PathBuf,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
    /// Also write `acct_id,flagged,typology` for every candidate.
    #[arg(long)]
    accounts: Option<PathBuf>,
    /// Trees of the account model.
    #[arg(long, default_value_t = DEFAULT_PARAMS.trees)]
    trees: usize,
    /// Depth of each tree.
    #[arg(long, default_value_t = DEFAULT_PARAMS.depth)]
    depth: u32,
    /// Weight of positive examples.
    #[arg(long, default_value_t = DEFAULT_PARAMS.positive_weight)]
    positive_weight: f32,
    /// Smallest leaf of a tree.
    #[arg(long, default_value_t = DEFAULT_PARAMS.min_leaf)]
    min_leaf: usize,
    /// Models averaged, each on its own sample of the negatives.
    #[arg(long, default_value_t = DEFAULT_PARAMS.bags)]
    bags: usize,
}

/// Last SAR time per account among the transfers `[..upto)` before `before_ms`.
fn confirmed(g: &TransferGraph, ds: &Dataset, upto: usize, before_ms: i64) -> mules::Confirmed {
    let mut v = vec![i64::MIN; g.len()];
    let mut pairs = HashSet::default();
    let mut count_first = vec![(0u32, i64::MAX); g.len()];
    for t in &ds.txs[..upto] {
        let ts = t.day * DAY_MS;
        if ts >= before_ms || t.sar != Some(true) {
            continue;
        }
        for a in [&t.orig, &t.bene] {
            if let Some(i) = g.find(a) {
                v[i as usize] = v[i as usize].max(ts);
                let cf = &mut count_first[i as usize];
                cf.0 += 1;
                cf.1 = cf.1.min(ts);
            }
        }
        if let (Some(a), Some(b)) = (g.find(&t.orig), g.find(&t.bene)) {
            pairs.insert((a, b));
        }
    }
    mules::Confirmed { last_ms: v, pairs, count_first }
}

/// Accounts party to a SAR transfer within the window (labels of `[..upto)` only).
fn positives(g: &TransferGraph, ds: &Dataset, upto: usize, w: Window) -> HashSet<u32> {
    let mut s = HashSet::new();
    for t in &ds.txs[..upto] {
        let ts = t.day * DAY_MS;
        if ts >= w.from_ms && ts < w.to_ms && t.sar == Some(true) {
            s.extend(g.find(&t.orig));
            s.extend(g.find(&t.bene));
        }
    }
    s
}

pub fn eval_mules(a: MulesArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let ds = load(&a.dir)?;
    let g = graph_of(&ds);
    let loaded = started.elapsed().as_secs_f64();
    let (val_day, test_day) = (ds.day_at(ds.cut_validation), ds.day_at(ds.cut_test));
    let end_day = ds.txs.last().map(|t| t.day + 1).unwrap_or(0);
    let len = end_day - test_day;
    let w1 = Window { from_ms: (val_day - len).max(0) * DAY_MS, to_ms: val_day * DAY_MS };
    let w2 = Window { from_ms: val_day * DAY_MS, to_ms: test_day * DAY_MS };
    let w3 = Window { from_ms: test_day * DAY_MS, to_ms: end_day * DAY_MS };
    let labelled_upto = ds.cut_test;
    let params = TrainParams {
        trees: a.trees,
        depth: a.depth,
        positive_weight: a.positive_weight,
        min_leaf: a.min_leaf,
        bags: a.bags,
        ..DEFAULT_PARAMS
    };

    // Learn on a window of the training part, choose the threshold on the validation part:
    // both only with labels of the first 80 %.
    let t_learn = Instant::now();
    let mut ex1 = Vec::new();
    // Three windows of the training part, each as long as the test part, stepping back a
    // quarter of that length: a structure cut by one window's edge is whole in another, so the
    // model learns from partial and whole structures alike. Measured on research10k: one window
    // 0.934, three 0.953; the earliest windows, near the simulation's start where every
    // relationship is new, were left out (`BENCHMARKS.md`).
    let step = len / 4;
    for k in 0..3 {
        let w = Window { from_ms: w1.from_ms - k * step * DAY_MS, to_ms: w1.to_ms - k * step * DAY_MS };
        if w.from_ms < 0 || (k > 0 && step == 0) {
            continue;
        }
        let v = mules::measure(&g, w, &confirmed(&g, &ds, labelled_upto, w.from_ms));
        let p = positives(&g, &ds, labelled_upto, w);
        ex1.extend(v.candidates.iter().zip(&v.features).map(|(c, f)| (*f, p.contains(c))));
    }
    let model = Model::train(&ex1, params).context("learning the account model")?;
    let v2 = mules::measure(&g, w2, &confirmed(&g, &ds, labelled_upto, w2.from_ms));
    let p2 = positives(&g, &ds, labelled_upto, w2);
    let y2: Vec<bool> = v2.candidates.iter().map(|c| p2.contains(c)).collect();
    let (threshold, val_f1) = mules::best_threshold(&mules::ranking(&model, &v2.features), &y2);
    // The threshold chosen, the model is learned again on the training windows and the
    // validation window: the validation part is the most recent behaviour before the test part.
    let model = {
        let mut all = ex1;
        all.extend(v2.features.iter().zip(&y2).map(|(f, y)| (*f, *y)));
        drop(model);
        Model::train(&all, params).context("learning the account model")?
    };
    let learn_s = t_learn.elapsed().as_secs_f64();

    // The analysis proper: measure the test window and score it.
    let t_an = Instant::now();
    let v3 = mules::measure(&g, w3, &confirmed(&g, &ds, labelled_upto, w3.from_ms));
    let found = mules::findings(&v3, &model, threshold);
    let analysis_s = t_an.elapsed().as_secs_f64();
    let flagged: HashMap<u32, &mules::Finding> = found.iter().map(|f| (f.account, f)).collect();

    if let Some(p) = &a.accounts {
        let mut w =
            std::io::BufWriter::new(std::fs::File::create(p).with_context(|| format!("create {}", p.display()))?);
        writeln!(w, "acct_id,flagged,typology")?;
        for (i, c) in v3.candidates.iter().enumerate() {
            let f = flagged.contains_key(c);
            writeln!(
                w,
                "{},{},{}",
                g.accounts[*c as usize],
                u8::from(f),
                if f { mules::typology(&v3.features[i]).id() } else { "" }
            )?;
        }
    }
    let mut by_type: HashMap<&str, usize> = HashMap::new();
    for f in &found {
        *by_type.entry(f.typology.id()).or_default() += 1;
    }
    let mut out = json!({
        "dataset": a.dir.display().to_string(),
        "windows_days": {"learn": [w1.from_ms / DAY_MS, w1.to_ms / DAY_MS], "threshold": [w2.from_ms / DAY_MS, w2.to_ms / DAY_MS], "test": [w3.from_ms / DAY_MS, w3.to_ms / DAY_MS]},
        "threshold": threshold,
        "validation_f1": val_f1,
        "model": params,
        "candidates": v3.candidates.len(),
        "flagged": found.len(),
        "flagged_by_structure": by_type,
        "load_seconds": loaded,
        "learn_seconds": learn_s,
        "analysis_seconds": analysis_s,
        "seconds": started.elapsed().as_secs_f64(),
    });
    let test = &ds.txs[ds.cut_test..];
    if test.iter().all(|t| t.sar.is_some()) {
        let mut pos: HashMap<u32, String> = HashMap::new();
        for t in test.iter().filter(|t| t.sar == Some(true)) {
            let ty = ds.typology.get(&t.id).cloned().unwrap_or_else(|| "unknown".into());
            for acct in [&t.orig, &t.bene] {
                if let Some(i) = g.find(acct) {
                    pos.entry(i).or_insert_with(|| ty.clone());
                }
            }
        }
        let mut s = Score::default();
        let mut per: HashMap<String, (u64, u64)> = HashMap::new();
        for c in &v3.candidates {
            let y = pos.get(c);
            s.add(flagged.contains_key(c), y.is_some());
            if let Some(ty) = y {
                let e = per.entry(ty.clone()).or_default();
                e.1 += 1;
                if flagged.contains_key(c) {
                    e.0 += 1;
                }
            }
        }
        let mut types: Vec<_> = per.into_iter().collect();
        types.sort();
        out["account"] = s.json();
        out["precision"] = json!(s.precision());
        out["recall"] = json!(s.recall());
        out["f1"] = json!(s.f1());
        out["tp"] = json!(s.tp);
        out["fp"] = json!(s.fp);
        out["fn"] = json!(s.fn_);
        out["per_typology"] = json!(
            types
                .iter()
                .map(|(k, (hit, all))| (
                    k.clone(),
                    json!({"recall": *hit as f64 / (*all).max(1) as f64, "accounts": all})
                ))
                .collect::<serde_json::Map<_, _>>()
        );
    } else {
        out["note"] = json!("test labels absent: accounts written, no scores");
    }
    if a.json {
        println!("{out}");
    } else {
        println!("{}", serde_json::to_string_pretty(&out)?);
    }
    Ok(())
}
