//! Gradient-boosted trees (the `gbdt` crate) fitted the one way the platform needs: laundering
//! and fraud are rare, so positives carry a weight and negatives are sampled evenly down to a
//! bound, each kept negative standing for those left out.

pub use gbdt::decision_tree::{Data, DataVec};
pub use gbdt::gradient_boost::GBDT;

/// How to fit.
#[derive(Debug, Clone, Copy)]
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
    /// Smallest leaf.
    pub min_leaf: usize,
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

/// Fits a log-likelihood model on `(features, is_positive)` examples of `feature_size` features.
pub fn fit<F: AsRef<[f32]>>(examples: &[(F, bool)], feature_size: usize, p: &Fit) -> Result<GBDT, OneClass> {
    let pos = examples.iter().filter(|(_, y)| *y).count();
    let neg = examples.len() - pos;
    if pos == 0 || neg == 0 {
        return Err(OneClass { pos, neg });
    }
    let step = neg.div_ceil(p.max_negatives.max(1)).max(1);
    let mut data: DataVec = Vec::with_capacity(pos + neg / step + 1);
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
    Ok(g)
}

/// Scores of many feature vectors (0..1).
pub fn score_all<F: AsRef<[f32]>>(g: &GBDT, fs: &[F]) -> Vec<f64> {
    let d: DataVec = fs.iter().map(|f| Data::new_test_data(f.as_ref().to_vec(), None)).collect();
    g.predict(&d).into_iter().map(f64::from).collect()
}
