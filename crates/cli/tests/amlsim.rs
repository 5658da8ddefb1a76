//! Detection on the shared AMLSim data, when it is there (CI has it). A floor that catches a
//! broken engine or split, not a performance assertion: the measured figures go to BENCHMARKS.md.

use std::path::PathBuf;
use std::process::Command;

fn data() -> Option<PathBuf> {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/amlsim-research10k");
    d.join("transactions.csv.gz").exists().then_some(d)
}

#[test]
fn eval_amlsim_research10k() {
    let Some(dir) = data() else {
        eprintln!("skipped: ../shared/data/amlsim-research10k is not here");
        return;
    };
    let out_csv = std::env::temp_dir().join(format!("fanzha-decisions-{}.csv", std::process::id()));
    let out = Command::new(env!("CARGO_BIN_EXE_fanzha"))
        .args(["eval", "amlsim"])
        .arg(&dir)
        .args(["--json", "--decisions"])
        .arg(&out_csv)
        .output()
        .expect("run fanzha eval");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    // The split is the documented one.
    assert_eq!(v["split"]["test"], 40_096);
    assert_eq!(v["account"]["candidates"], 3_197);
    assert_eq!(v["account"]["tp"].as_u64().unwrap_or(0) + v["account"]["fn"].as_u64().unwrap_or(0), 189);
    for k in ["precision", "recall", "f1", "tp", "fp", "fn"] {
        assert!(v["tx"][k].is_number() && v["account"][k].is_number(), "missing {k}");
    }
    assert!(v["tx"]["f1"].as_f64().unwrap_or(0.0) > 0.8, "tx F1 fell: {v}");
    let lines = std::fs::read_to_string(&out_csv).expect("decisions");
    assert_eq!(lines.lines().count(), 40_097, "header + one line per test transfer");
    assert!(lines.starts_with("tran_id,action\n"));
    let _ = std::fs::remove_file(&out_csv);
}
