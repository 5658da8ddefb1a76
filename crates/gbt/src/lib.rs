//! Gradient-boosted trees (the `gbdt` crate) fitted the one way the platform needs: laundering
//! and fraud are rare, so positives carry a weight and negatives are sampled down to a bound,
//! each kept negative standing for those left out. Several such fits on different samples of
//! the negatives (bags) are averaged: with a few hundred positives one fit's score moves a lot
//! with the sample, and the average moves much less.

pub use gbdt::decision_tree::{Data, DataVec};
pub use gbdt::gradient_boost::GBDT;
use serde::{Deserialize, Serialize};

/// How to fit; saved with a model as what it was learned with.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Fit {
    /// Trees.
    pub trees: usize,
    /// Depth of each tree.
    pub depth: u32,
    /// Learning rate.
    pub shrinkage: f32,
    /// Weight of a positive example.
    pub positive_weight: f32,
    /// Keep at most this many negatives.
    pub max_negatives: usize,
    /// Smallest leaf (absent from model files older than it: those were fitted with 1).
    #[serde(default = "one")]
    pub min_leaf: usize,
    /// Fits to average, each on its own sample of the negatives (1: one fit on an even
    /// sample; absent from model files older than bags, which were one fit).
    #[serde(default = "one")]
    pub bags: usize,
}

fn one() -> usize {
    1
}

/// Only one class to learn from.
#[derive(Debug, thiserror::Error)]
#[error("no positive or no negative examples to learn from (positives {pos}, negatives {neg})")]
pub struct OneClass {
    /// Positives.
    pub pos: usize,
    /// Negatives.
    pub neg: usize,
}

/// One or more fitted models whose scores are averaged.
#[derive(Serialize, Deserialize)]
pub struct Ensemble {
    models: Vec<GBDT>,
}

/// Share of the (already bounded) negatives each bag keeps when there are several bags.
const BAG_SHARE: f64 = 0.7;

/// A fixed pseudo-random number in 0..1 for example `k` of bag `bag` (SplitMix64), so that
/// a fit is the same on every run.
fn unit(k: u64, bag: u64) -> f64 {
    let mut z = k.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ bag.wrapping_mul(0xD1B5_4A32_D192_ED03);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// Fits a log-likelihood model on `(features, is_positive)` examples of `feature_size` features.
pub fn fit<F: AsRef<[f32]>>(examples: &[(F, bool)], feature_size: usize, p: &Fit) -> Result<Ensemble, OneClass> {
    let pos = examples.iter().filter(|(_, y)| *y).count();
    let neg = examples.len() - pos;
    if pos == 0 || neg == 0 {
        return Err(OneClass { pos, neg });
    }
    let bags = p.bags.max(1);
    let mut models = Vec::with_capacity(bags);
    for bag in 0..bags {
        let mut data: DataVec = Vec::new();
        if bags == 1 {
            let step = neg.div_ceil(p.max_negatives.max(1)).max(1);
            let mut k = 0usize;
            for (f, y) in examples {
                if *y {
                    data.push(Data::new_training_data(f.as_ref().to_vec(), p.positive_weight, 1.0, None));
                } else {
                    if k.is_multiple_of(step) {
                        data.push(Data::new_training_data(f.as_ref().to_vec(), step as f32, -1.0, None));
                    }
                    k += 1;
                }
            }
        } else {
            let keep = (p.max_negatives as f64 / neg as f64).min(1.0) * BAG_SHARE;
            for (k, (f, y)) in examples.iter().enumerate() {
                if *y {
                    data.push(Data::new_training_data(f.as_ref().to_vec(), p.positive_weight, 1.0, None));
                } else if unit(k as u64, bag as u64) < keep {
                    data.push(Data::new_training_data(f.as_ref().to_vec(), (1.0 / keep) as f32, -1.0, None));
                }
            }
        }
        let mut cfg = gbdt::config::Config::new();
        cfg.set_feature_size(feature_size);
        cfg.set_max_depth(p.depth);
        cfg.set_iterations(p.trees);
        cfg.set_shrinkage(p.shrinkage);
        cfg.set_loss("LogLikelyhood");
        cfg.set_min_leaf_size(p.min_leaf);
        cfg.set_debug(false);
        cfg.set_training_optimization_level(2);
        let mut g = GBDT::new(&cfg);
        g.fit(&mut data);
        models.push(g);
    }
    Ok(Ensemble { models })
}

impl Ensemble {
    /// Scores of many feature vectors (0..1): the mean of the bags' scores.
    pub fn score_all<F: AsRef<[f32]>>(&self, fs: &[F]) -> Vec<f64> {
        let d: DataVec = fs.iter().map(|f| Data::new_test_data(f.as_ref().to_vec(), None)).collect();
        let mut sum = vec![0.0f64; fs.len()];
        for g in &self.models {
            for (s, p) in sum.iter_mut().zip(g.predict(&d)) {
                *s += f64::from(p);
            }
        }
        let n = self.models.len().max(1) as f64;
        sum.into_iter().map(|s| s / n).collect()
    }

    /// Fits averaged.
    pub fn bags(&self) -> usize {
        self.models.len()
    }

    /// How many splits of the trees, over every bag, use each of `feature_size` features (the
    /// "weight" importance of boosted trees). Read from the model's saved form, the file format
    /// models are kept in: the `gbdt` crate keeps its trees private.
    pub fn split_counts(&self, feature_size: usize) -> Vec<u64> {
        fn walk(v: &serde_json::Value, out: &mut [u64]) {
            match v {
                serde_json::Value::Object(m) => {
                    if m.get("is_leaf") == Some(&serde_json::Value::Bool(false))
                        && let Some(c) =
                            m.get("feature_index").and_then(|i| i.as_u64()).and_then(|i| out.get_mut(i as usize))
                    {
                        *c += 1;
                    }
                    m.values().for_each(|x| walk(x, out));
                }
                serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
                _ => {}
            }
        }
        let mut out = vec![0; feature_size];
        if let Ok(v) = serde_json::to_value(self) {
            walk(&v, &mut out);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two separable classes: every bag count ranks a positive above a negative, and the same
    /// examples give the same scores on a second fit.
    #[test]
    fn bagged_fit_separates_and_is_repeatable() {
        let ex: Vec<([f32; 2], bool)> = (0..400).map(|i| ([i as f32 % 50.0, (i % 7) as f32], i % 50 >= 45)).collect();
        for bags in [1, 3] {
            let fit = Fit {
                trees: 20,
                depth: 3,
                shrinkage: 0.2,
                positive_weight: 5.0,
                max_negatives: 200,
                min_leaf: 2,
                bags,
            };
            let a = fit_checked(&ex, &fit);
            let b = fit_checked(&ex, &fit);
            let s = a.score_all(&[[48.0f32, 1.0], [10.0, 1.0]]);
            assert!(s[0] > 0.5 && s[1] < 0.5, "bags {bags}: {s:?}");
            assert_eq!(s, b.score_all(&[[48.0f32, 1.0], [10.0, 1.0]]));
            assert_eq!(a.bags(), bags);
        }
    }

    fn fit_checked(ex: &[([f32; 2], bool)], fit: &Fit) -> Ensemble {
        match super::fit(ex, 2, fit) {
            Ok(e) => e,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn one_class_is_refused() {
        let ex = vec![([1.0f32], false), ([2.0], false)];
        let fit =
            Fit { trees: 1, depth: 1, shrinkage: 0.1, positive_weight: 1.0, max_negatives: 10, min_leaf: 1, bags: 1 };
        assert!(matches!(super::fit(&ex, 1, &fit), Err(OneClass { pos: 0, neg: 2 })));
    }
}
