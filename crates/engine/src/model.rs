//! A gradient-boosted tree model over [`crate::features`], learned from confirmed labels
//! (in production: accounts confirmed by cases; in evaluation: the training part's labels).

use gbt::Ensemble;
use serde::{Deserialize, Serialize};

use crate::features::{Features, N};

/// Training settings: the gradient-boosted trees' [`gbt::Fit`].
pub type TrainParams = gbt::Fit;

/// How the transfer model is fitted unless told otherwise: positives are a few hundred SAR
/// transfers among a hundred thousand, hence their weight and the large smallest leaf.
pub const DEFAULT_PARAMS: TrainParams = TrainParams {
    trees: 100,
    depth: 5,
    shrinkage: 0.1,
    positive_weight: 30.0,
    max_negatives: 60_000,
    min_leaf: 30,
    bags: 5,
};

/// A trained model.
#[derive(Serialize, Deserialize)]
pub struct Model {
    /// Version label (set when it is stored; a file from before versions has none).
    #[serde(default)]
    pub version: String,
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
        let g = gbt::fit(examples, N, &params).map_err(|_| ModelError::NoExamples)?;
        Ok(Self {
            version: String::new(),
            gbdt: g,
            params,
            features: crate::features::NAMES.iter().map(|s| s.to_string()).collect(),
        })
    }

    /// Probability-like score in 0..1.
    pub fn score(&self, f: &Features) -> f64 {
        self.gbdt.score_all(std::slice::from_ref(f)).first().copied().unwrap_or(0.0)
    }

    /// Scores of many feature vectors at once.
    pub fn score_many(&self, fs: &[Features]) -> Vec<f64> {
        self.gbdt.score_all(fs)
    }

    /// How many splits of the trees use each feature, in the order of the features.
    pub fn split_counts(&self) -> Vec<u64> {
        self.gbdt.split_counts(N)
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

    /// A stored version: its file's JSON, labelled with the version it was kept under.
    pub fn from_stored(version: &str, body: &str) -> Result<Self, ModelError> {
        let mut m = Self::from_json(body)?;
        m.version = version.to_string();
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_model_file_keeps_its_settings_and_older_files_still_load() {
        let ex: Vec<(Features, bool)> = (0..200)
            .map(|i| {
                let mut f = [0.0; N];
                f[0] = (i % 20) as f32;
                (f, i % 20 >= 18)
            })
            .collect();
        let p = TrainParams { trees: 3, depth: 2, min_leaf: 2, bags: 2, ..DEFAULT_PARAMS };
        let m = Model::train(&ex, p).expect("two classes");
        let json = m.to_json().expect("serialises");
        let back = Model::from_json(&json).expect("loads");
        assert_eq!(back.params, p);
        let mut probe = [0.0; N];
        probe[0] = 19.0;
        assert_eq!(back.score(&probe), m.score(&probe));
        // Files from before `min_leaf` and `bags` were saved: one fit with leaves of one.
        let mut v: serde_json::Value = serde_json::from_str(&json).expect("json");
        let params = v["params"].as_object_mut().expect("params object");
        params.remove("min_leaf");
        params.remove("bags");
        let old = Model::from_json(&v.to_string()).expect("older file loads");
        assert_eq!((old.params.min_leaf, old.params.bags, old.params.trees), (1, 1, 3));
    }
}
