//! `fanzha eval demo`: the contract of its JSON and what the shipped ruleset does to the demo
//! county's station inboxes.

use std::process::Command;

fn eval_demo(data_dir: &std::path::Path, extra: &[&str]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_fanzha"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(["eval", "demo", "--json"])
        .args(extra)
        .output()
        .expect("run fanzha eval demo");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

#[test]
fn the_demo_week_warns_on_frauds() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // An empty data directory: the generator's own events, and nothing is written there.
    let v = eval_demo(&tmp.path().join("none"), &[]);
    assert!(!tmp.path().join("none").exists(), "eval demo made a data directory");
    for k in ["warnings", "fraud_warnings", "precision", "seeded_frauds", "recall"] {
        assert!(v[k].is_number(), "{k} missing: {v}");
    }
    let (warnings, fraud) = (v["warnings"].as_u64().unwrap_or(0), v["fraud_warnings"].as_u64().unwrap_or(0));
    assert!(warnings > 0, "{v}");
    // The goal: at least 80 % of the week's warnings are frauds.
    assert!(v["precision"].as_f64().unwrap_or(0.0) >= 0.8, "{v}");
    assert_eq!(v["precision"].as_f64(), Some(fraud as f64 / warnings as f64));

    // The previous default (its fan-in and fan-out counted every counterparty, and it called
    // anything it had not met new) warned mostly on households, and caught no more frauds.
    let old = tmp.path().join("old.toml");
    let text = engine::ruleset::DEFAULT_RULESET
        .replace("new_only = true\n", "")
        .replace("warm_up_s = 7776000", "warm_up_s = 0");
    std::fs::write(&old, text).expect("write");
    let before = eval_demo(&tmp.path().join("none"), &["--ruleset", old.to_str().expect("utf-8 path")]);
    assert!(before["precision"].as_f64().unwrap_or(1.0) < 0.5, "{before}");
    assert!(v["recall"].as_f64() >= before["recall"].as_f64(), "recall fell: {before} → {v}");
    assert_eq!(v["seeded_frauds"], before["seeded_frauds"]);
}
