//! A gradient-boosted tree model over [`crate::features`], learned from confirmed labels
//! (in production: accounts confirmed by cases; in evaluation: the training part's labels).

use gbt::Ensemble;
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
    /// Smallest leaf: larger leaves generalise better from few positives.
    #[serde(default = "default_min_leaf")]
    pub min_leaf: usize,
    /// Fits averaged, each on its own sample of the negatives.
    #[serde(default = "default_bags")]
    pub bags: usize,
}

fn default_min_leaf() -> usize {
    TrainParams::default().min_leaf
}

fn default_bags() -> usize {
    TrainParams::default().bags
}

impl Default for TrainParams {
    fn default() -> Self {
        Self { trees: 100, depth: 5, shrinkage: 0.1, positive_weight: 30.0, max_negatives: 60_000, min_leaf: 30, bags: 5 }
    }
}

/// A trained model.
#[derive(Serialize, Deserialize)]
pub struct Model {
    gbdt: Ensemble,
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
        let fit = gbt::Fit { trees: params.trees, depth: params.depth, shrinkage: params.shrinkage, positive_weight: params.positive_weight, max_negatives: params.max_negatives, min_leaf: params.min_leaf, bags: params.bags };
        let g = gbt::fit(examples, N, &fit).map_err(|_| ModelError::NoExamples)?;
        Ok(Self { gbdt: g, params, features: crate::features::NAMES.iter().map(|s| s.to_string()).collect() })
    }

    /// Probability-like score in 0..1.
    pub fn score(&self, f: &Features) -> f64 {
        self.gbdt.score_all(std::slice::from_ref(f)).first().copied().unwrap_or(0.0)
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
