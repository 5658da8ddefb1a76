//! A gradient-boosted tree model over [`crate::features`], learned from confirmed labels
//! (in production: accounts confirmed by cases; in evaluation: the training part's labels).

use gbdt::config::Config;
use gbdt::decision_tree::{Data, DataVec};
use gbdt::gradient_boost::GBDT;
use serde::{Deserialize, Serialize};

use crate::features::{Features, N};

/// Training settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrainParams {
    /// Trees.
    pub trees: usize,
    /// Depth of each tree.
    pub depth: u32,
    /// Learning rate.
    pub shrinkage: f32,
    /// Weight of a positive example relative to a negative one (the classes are very unequal).
    pub positive_weight: f32,
    /// Keep at most this many negatives (sampled evenly) to bound training time.
    pub max_negatives: usize,
}

impl Default for TrainParams {
    fn default() -> Self {
        Self { trees: 100, depth: 5, shrinkage: 0.1, positive_weight: 30.0, max_negatives: 60_000 }
    }
}

/// A trained model.
#[derive(Serialize, Deserialize)]
pub struct Model {
    gbdt: GBDT,
    /// What it was trained with.
    pub params: TrainParams,
    /// Feature names, to check a saved model matches this build.
    pub features: Vec<String>,
}

/// A model that cannot be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// Not a model file.
    #[error("model: {0}")]
    Parse(#[from] serde_json::Error),
    /// Made for other features.
    #[error("model was trained on other features ({0}); retrain it")]
    Features(String),
    /// Nothing to learn from.
    #[error("model: no positive or no negative examples to learn from")]
    NoExamples,
}

impl Model {
    /// Learns from `(features, is_positive)` examples.
    pub fn train(examples: &[(Features, bool)], params: TrainParams) -> Result<Self, ModelError> {
        let pos = examples.iter().filter(|(_, y)| *y).count();
        let neg = examples.len() - pos;
        if pos == 0 || neg == 0 {
            return Err(ModelError::NoExamples);
        }
        let step = neg.div_ceil(params.max_negatives.max(1)).max(1);
        let mut data: DataVec = Vec::with_capacity(pos + neg / step + 1);
        let mut k = 0usize;
        for (f, y) in examples {
            if *y {
                data.push(Data::new_training_data(f.to_vec(), params.positive_weight, 1.0, None));
            } else {
                if k % step == 0 {
                    // Each kept negative stands for `step` of them.
                    data.push(Data::new_training_data(f.to_vec(), step as f32, -1.0, None));
                }
                k += 1;
            }
        }
        let mut cfg = Config::new();
        cfg.set_feature_size(N);
        cfg.set_max_depth(params.depth);
        cfg.set_iterations(params.trees);
        cfg.set_shrinkage(params.shrinkage);
        cfg.set_loss("LogLikelyhood");
        cfg.set_min_leaf_size(5);
        cfg.set_debug(false);
        cfg.set_training_optimization_level(2);
        let mut g = GBDT::new(&cfg);
        g.fit(&mut data);
        Ok(Self { gbdt: g, params, features: crate::features::NAMES.iter().map(|s| s.to_string()).collect() })
    }

    /// Probability-like score in 0..1.
    pub fn score(&self, f: &Features) -> f64 {
        let d = vec![Data::new_test_data(f.to_vec(), None)];
        f64::from(self.gbdt.predict(&d).first().copied().unwrap_or(0.0))
    }

    /// JSON for the model file.
    pub fn to_json(&self) -> Result<String, ModelError> {
        Ok(serde_json::to_string(self)?)
    }

    /// Reads a model file's JSON.
    pub fn from_json(s: &str) -> Result<Self, ModelError> {
        let m: Model = serde_json::from_str(s)?;
        let now: Vec<String> = crate::features::NAMES.iter().map(|s| s.to_string()).collect();
        if m.features != now {
            return Err(ModelError::Features(m.features.join(",")));
        }
        Ok(m)
    }
}
