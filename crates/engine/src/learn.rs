//! The transfer model learned from the county's own outcomes. The event log is replayed in
//! order; each transfer's features are what the engine knew when it decided it; its label is
//! what the work system had found out by the end of the period it belongs to
//! ([`domain::labels`]). The model learns on one period and is scored on the next, labelled as
//! known at that period's end, beside the rules alone.

use std::sync::Arc;

use domain::labels::Labeller;
use serde_json::json;

use crate::event::Event;
use crate::features::{Features, N, NAMES, NAMES_ZH};
use crate::model::{DEFAULT_PARAMS, Model, ModelError};
use crate::ruleset::Ruleset;
use crate::{Action, Engine};

/// Counts of flagged and positive examples, and the figures from them.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Score {
    /// Flagged and positive.
    pub tp: u64,
    /// Flagged, not positive.
    pub fp: u64,
    /// Positive, not flagged.
    pub fn_: u64,
}

impl Score {
    /// Counts one example.
    pub fn add(&mut self, flagged: bool, positive: bool) {
        match (flagged, positive) {
            (true, true) => self.tp += 1,
            (true, false) => self.fp += 1,
            (false, true) => self.fn_ += 1,
            _ => {}
        }
    }
    /// Share of the flagged that are positive (0 when nothing is flagged).
    pub fn precision(&self) -> f64 {
        if self.tp + self.fp == 0 { 0.0 } else { self.tp as f64 / (self.tp + self.fp) as f64 }
    }
    /// Share of the positives flagged (0 when there are none).
    pub fn recall(&self) -> f64 {
        if self.tp + self.fn_ == 0 { 0.0 } else { self.tp as f64 / (self.tp + self.fn_) as f64 }
    }
    /// Harmonic mean of the two.
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) }
    }
    /// The figures as JSON.
    pub fn json(&self) -> serde_json::Value {
        json!({"precision": self.precision(), "recall": self.recall(), "f1": self.f1(), "tp": self.tp, "fp": self.fp, "fn": self.fn_})
    }
}

/// The learning period `[from, test_from)` and the held-out period `[test_from, to)` (ms).
#[derive(Debug, Clone, Copy)]
pub struct Periods {
    /// Start of learning.
    pub from: i64,
    /// Start of the held-out period.
    pub test_from: i64,
    /// End of the held-out period.
    pub to: i64,
}

/// A transfer of either period: its features when decided, its label as known at its
/// period's end, and what the rules decided.
#[derive(Debug, Clone)]
pub struct Example {
    /// Its place in the replayed events.
    pub event: usize,
    /// When it happened.
    pub ts_ms: i64,
    /// The engine's features, the state before it.
    pub features: Features,
    /// Known as fraud by the end of its period.
    pub fraud: bool,
    /// What the rules decided.
    pub rules: Action,
}

/// Where a long learning run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Replaying the event log.
    Replay,
    /// Fitting the trees.
    Fit,
    /// Scoring the held-out period.
    Score,
}

impl Phase {
    /// Every phase, in the order a training goes through them.
    pub const ALL: [Phase; 3] = [Phase::Replay, Phase::Fit, Phase::Score];

    /// The name people read.
    pub fn zh(self) -> &'static str {
        match self {
            Phase::Replay => "回放交易流水",
            Phase::Fit => "训练",
            Phase::Score => "检验与解释",
        }
    }

    /// `replay`, `fit` or `score`.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Replay => "replay",
            Phase::Fit => "fit",
            Phase::Score => "score",
        }
    }
}

/// Reports progress: the phase, and how far it is (done of total; 0 of 0 when it cannot say).
pub type Progress<'a> = &'a (dyn Fn(Phase, u64, u64) + Sync);

/// Why nothing was learned.
#[derive(Debug, thiserror::Error)]
pub enum LearnError {
    /// The periods do not follow each other.
    #[error("the periods must follow each other: from < test_from < to")]
    Periods,
    /// Only one kind of example in the learning period.
    #[error(
        "the learning period has {positives} fraud transfers of {total}: a model needs both kinds (close more warnings, or choose a longer period)"
    )]
    OneClass {
        /// Fraud examples.
        positives: usize,
        /// All examples.
        total: usize,
    },
    /// The trees could not be fitted.
    #[error(transparent)]
    Model(#[from] ModelError),
}

/// The examples of the two periods, in event order. Events before `from` only build the
/// engine's state.
pub fn examples(
    events: &[Event],
    labeller: &Labeller,
    ruleset: Ruleset,
    p: Periods,
    progress: Progress<'_>,
) -> Vec<Example> {
    let mut eng = Engine::new(Arc::new(ruleset));
    let total = events.len() as u64;
    let mut out = Vec::new();
    for (i, e) in events.iter().enumerate() {
        if i % 4096 == 0 {
            progress(Phase::Replay, i as u64, total);
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
        let known_at = if t.ts_ms < p.test_from { p.test_from } else { p.to };
        let fraud = labeller.label(&t.event_id, &t.payer, &t.payee, known_at).is_some_and(|l| l.fraud);
        out.push(Example { event: i, ts_ms: t.ts_ms, features, fraud, rules: decision.action });
    }
    progress(Phase::Replay, total, total);
    out
}

/// What a learning run produced: the model, its figures, and the held-out transfers (by their
/// place in the events) that the model and the rules warned on.
pub struct Learned {
    /// The model (its version not set yet).
    pub model: Model,
    /// Figures: periods, evidence, sizes, held-out precision and recall of the model and of the
    /// rules, warnings per day, the precision-recall curve, feature importance.
    pub report: serde_json::Value,
    /// Held-out transfers the model warned on at the threshold.
    pub model_warned: Vec<usize>,
    /// Held-out transfers the rules warned on.
    pub rules_warned: Vec<usize>,
}

/// Replays `events`, learns on the first period, scores the second.
pub fn fit(
    events: &[Event],
    labeller: &Labeller,
    ruleset: Ruleset,
    p: Periods,
    threshold: f64,
    progress: Progress<'_>,
) -> Result<Learned, LearnError> {
    if !(p.from < p.test_from && p.test_from < p.to) {
        return Err(LearnError::Periods);
    }
    let version = ruleset.version.clone();
    let examples = examples(events, labeller, ruleset, p, progress);
    let train: Vec<_> = examples.iter().filter(|x| x.ts_ms < p.test_from).map(|x| (x.features, x.fraud)).collect();
    let positives = train.iter().filter(|(_, y)| *y).count();
    if positives == 0 || positives == train.len() {
        return Err(LearnError::OneClass { positives, total: train.len() });
    }
    progress(Phase::Fit, 0, 0);
    let model = Model::train(&train, DEFAULT_PARAMS)?;
    let test: Vec<&Example> = examples.iter().filter(|x| x.ts_ms >= p.test_from).collect();
    progress(Phase::Score, 0, 0);
    let scores = score_all(&model, test.iter().map(|x| x.features));
    let mut at = Score::default();
    let mut rules = Score::default();
    let mut per_day: std::collections::BTreeMap<i64, (u64, u64)> = Default::default();
    let (mut model_warned, mut rules_warned) = (Vec::new(), Vec::new());
    for (x, s) in test.iter().zip(&scores) {
        let (m, r) = (*s >= threshold, x.rules >= Action::Warn);
        at.add(m, x.fraud);
        rules.add(r, x.fraud);
        let d = per_day.entry((x.ts_ms - p.test_from) / 86_400_000).or_default();
        d.0 += u64::from(m);
        d.1 += u64::from(r);
        if m {
            model_warned.push(x.event);
        }
        if r {
            rules_warned.push(x.event);
        }
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
    let importance = importance(&model, &test, &scores, progress);
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
            "per_day": per_day.iter().map(|(d, (m, r))| json!({"day": d, "day_ms": p.test_from + d * 86_400_000, "model_warnings": m, "rule_warnings": r})).collect::<Vec<_>>(),
        },
        "threshold": threshold,
        "curve": curve,
        "importance": importance,
        "ruleset_version": version,
        "params": DEFAULT_PARAMS,
    });
    Ok(Learned { model, report, model_warned, rules_warned })
}

fn score_all(model: &Model, features: impl Iterator<Item = Features>) -> Vec<f64> {
    let fs: Vec<Features> = features.collect();
    model.score_many(&fs)
}

/// What the model leans on: for each feature, the share of the trees' splits that use it, and
/// how much the held-out average precision drops when its values are moved to other
/// transfers (permutation importance, a fixed rotation so that runs agree; near zero for a
/// feature others stand in for). The ten most used, most used first.
fn importance(model: &Model, test: &[&Example], scores: &[f64], progress: Progress<'_>) -> Vec<serde_json::Value> {
    let splits = model.split_counts();
    let total = splits.iter().sum::<u64>().max(1) as f64;
    let mut top: Vec<usize> = (0..N).filter(|&j| splits[j] > 0).collect();
    top.sort_by(|&a, &b| splits[b].cmp(&splits[a]).then(a.cmp(&b)));
    top.truncate(10);
    let drops = permutation_drops(model, test, scores, &top, progress);
    top.iter()
        .zip(drops)
        .map(|(&j, drop)| {
            json!({"feature": NAMES[j], "name_zh": NAMES_ZH[j], "splits": splits[j], "share": splits[j] as f64 / total, "drop": drop})
        })
        .collect()
}

/// Held-out examples that permutation importance scores at most: all the frauds, and the
/// others evenly thinned to this bound.
const IMPORTANCE_SAMPLE: usize = 20_000;

/// The drop in average precision when each of `features` is permuted (none without both kinds).
fn permutation_drops(
    model: &Model,
    test: &[&Example],
    scores: &[f64],
    features: &[usize],
    progress: Progress<'_>,
) -> Vec<Option<f64>> {
    let frauds = test.iter().filter(|x| x.fraud).count();
    if frauds == 0 || frauds == test.len() {
        return vec![None; features.len()];
    }
    let step = (test.len() - frauds).div_ceil(IMPORTANCE_SAMPLE).max(1);
    let mut k = 0usize;
    let keep: Vec<usize> = (0..test.len())
        .filter(|&i| {
            test[i].fraud || {
                k += 1;
                (k - 1).is_multiple_of(step)
            }
        })
        .collect();
    let labels: Vec<bool> = keep.iter().map(|&i| test[i].fraud).collect();
    let base = average_precision(&keep.iter().map(|&i| scores[i]).collect::<Vec<_>>(), &labels);
    let n = keep.len();
    // A rotation by a third of the sample moves every value to another transfer.
    let shift = (n / 3).max(1);
    features
        .iter()
        .enumerate()
        .map(|(done, &j)| {
            progress(Phase::Score, done as u64 + 1, features.len() as u64 + 1);
            let permuted: Vec<Features> = (0..n)
                .map(|r| {
                    let mut f = test[keep[r]].features;
                    f[j] = test[keep[(r + shift) % n]].features[j];
                    f
                })
                .collect();
            Some(base - average_precision(&model.score_many(&permuted), &labels))
        })
        .collect()
}

/// Average precision: the mean of the precision at the rank of each positive, scores
/// descending (ties broken by order, so it is deterministic).
pub fn average_precision(scores: &[f64], labels: &[bool]) -> f64 {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    let (mut tp, mut sum) = (0u64, 0.0);
    for (rank, &i) in order.iter().enumerate() {
        if labels[i] {
            tp += 1;
            sum += tp as f64 / (rank + 1) as f64;
        }
    }
    if tp == 0 { 0.0 } else { sum / tp as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Channel, Transfer};
    use domain::labels::Evidence;

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

    fn quiet(_: Phase, _: u64, _: u64) {}

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
        let rs = Ruleset::default_ruleset();
        let with = examples(&events, &Labeller::new(evidence), rs.clone(), p, &quiet);
        let fraud: Vec<bool> = with.iter().map(|x| x.fraud).collect();
        assert_eq!(fraud, [false, false, true, true, false]);
        let without = examples(&events, &Labeller::default(), rs, p, &quiet);
        for (a, b) in with.iter().zip(&without) {
            assert_eq!(a.features, b.features, "a label changed the features");
        }
    }

    #[test]
    fn average_precision_ranks_positives_first() {
        assert_eq!(average_precision(&[0.9, 0.8, 0.1], &[true, true, false]), 1.0);
        // Positives at ranks 2 and 3: (1/2 + 2/3) / 2.
        let ap = average_precision(&[0.9, 0.8, 0.7], &[false, true, true]);
        assert!((ap - (0.5 + 2.0 / 3.0) / 2.0).abs() < 1e-12, "{ap}");
        assert_eq!(average_precision(&[0.5], &[false]), 0.0);
    }

    /// Fraud is a payee many new payers pay on one day: the model learns it, and the feature
    /// that says so leads the importance list.
    #[test]
    fn a_model_is_learned_scored_and_explained() {
        let mut events = Vec::new();
        let mut evidence = Vec::new();
        let mut n = 0;
        for day in 0..40i64 {
            for k in 0..30 {
                n += 1;
                events.push(tx(&format!("H{n}"), day, &format!("H{k}"), &format!("S{}", k % 3)));
            }
            // Each day one collection account, paid by twelve payers seen nowhere else.
            let hub = format!("HUB{day}");
            for k in 0..12 {
                n += 1;
                events.push(tx(&format!("F{n}"), day, &format!("V{day}-{k}"), &hub));
            }
            evidence.push(Evidence::FraudAccount { account: hub, at_ms: day * DAY + 1 });
        }
        let p = Periods { from: 0, test_from: 28 * DAY, to: 40 * DAY };
        let calls = std::sync::atomic::AtomicU64::new(0);
        let progress = |_: Phase, _: u64, _: u64| {
            calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        };
        let l =
            fit(&events, &Labeller::new(evidence), Ruleset::default_ruleset(), p, 0.5, &progress).expect("two classes");
        let test = &l.report["test"];
        assert_eq!(test["fraud"], 12 * 12);
        assert!(test["model"]["recall"].as_f64().is_some_and(|r| r > 0.9), "{test}");
        assert!(test["model"]["precision"].as_f64().is_some_and(|r| r > 0.9), "{test}");
        assert_eq!(
            l.model_warned.len() as u64,
            test["model"]["tp"].as_u64().unwrap_or(0) + test["model"]["fp"].as_u64().unwrap_or(0)
        );
        let imp = l.report["importance"].as_array().expect("importance");
        assert!(!imp.is_empty() && imp.len() <= 10, "{imp:?}");
        assert!(imp[0]["splits"].as_u64().is_some_and(|s| s > 0), "{imp:?}");
        let shares: f64 = imp.iter().filter_map(|x| x["share"].as_f64()).sum();
        assert!(shares > 0.0 && shares <= 1.0 + 1e-9, "{imp:?}");
        // Every amount is the same: no split can use it.
        assert!(imp.iter().all(|x| x["feature"] != "amount_yuan"), "{imp:?}");
        assert!(imp.iter().all(|x| x["name_zh"].as_str().is_some_and(|z| !z.is_ascii())), "{imp:?}");
        assert!(calls.load(std::sync::atomic::Ordering::Relaxed) > 3, "progress is reported");
        assert!(matches!(
            fit(&events, &Labeller::default(), Ruleset::default_ruleset(), p, 0.5, &quiet),
            Err(LearnError::OneClass { positives: 0, .. })
        ));
    }
}
