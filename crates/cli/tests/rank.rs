//! `fanzha rank` from exports: months in China time, the escalation ladder, bad rows named and
//! left out without losing the good ones.

use std::process::Command;

fn run(cases: &str, pop: &str) -> (serde_json::Value, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (c, p) = (dir.path().join("cases.csv"), dir.path().join("pop.csv"));
    std::fs::write(&c, cases).expect("cases");
    std::fs::write(&p, pop).expect("pop");
    let out = Command::new(env!("CARGO_BIN_EXE_fanzha"))
        .args(["rank", "--json", "--cases"])
        .arg(&c)
        .arg("--population")
        .arg(&p)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    (serde_json::from_slice(&out.stdout).expect("json"), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn ranking_and_escalations_from_exports() {
    let mut cases = String::from("case_id,station,reported_at,loss_yuan,fraud_type\n");
    let mut n = 0;
    // 城关所 tops all three indicators in January, February and March; 河口所 has one case a month.
    for (m, day) in [("01", "10"), ("02", "11"), ("03", "12")] {
        for _ in 0..3 {
            n += 1;
            cases.push_str(&format!("C{n},城关所,2026-{m}-{day}T10:00:00+08:00,12000.50,刷单返利\n"));
        }
        n += 1;
        cases.push_str(&format!("C{n},河口所,2026-{m}-{day}T10:00:00+08:00,800,冒充公检法\n"));
    }
    // 23:30 UTC on 31 March is 07:30 on 1 April in China.
    cases.push_str("C100,河口所,2026-03-31T23:30:00Z,100.1,虚假征信\n");
    // Bad rows, each named by line and field.
    cases.push_str("C101,河口所,2026-04-01,5,刷单返利\nC102,河口所,2026-04-02T10:00:00+08:00,12.345,刷单返利\nC103,无名所,2026-04-02T10:00:00+08:00,1,刷单返利\nC1,城关所,2026-04-02T10:00:00+08:00,1,刷单返利\n");
    let (v, stderr) = run(&cases, "station,residents\n城关所,60000\n河口所,25000\n");
    let months: Vec<&str> =
        v["months"].as_array().expect("months").iter().map(|m| m["month"].as_str().expect("m")).collect();
    assert_eq!(months, ["2026-01", "2026-02", "2026-03", "2026-04"]);
    let jan = &v["months"][0]["ranking"];
    assert_eq!(jan[0]["station"], "城关所");
    assert_eq!(
        (jan[0]["cases"].as_u64(), jan[0]["loss_yuan"].as_f64(), jan[0]["per_10k"].as_f64()),
        (Some(3), Some(36001.5), Some(0.5))
    );
    assert_eq!(
        (jan[0]["rank_cases"].as_u64(), jan[0]["rank_loss"].as_u64(), jan[0]["rank_per_10k"].as_u64()),
        (Some(1), Some(1), Some(1))
    );
    assert_eq!(jan[1]["rank_per_10k"], 2);
    let apr = &v["months"][3]["ranking"];
    assert_eq!(
        (apr[0]["station"].as_str(), apr[0]["cases"].as_u64()),
        (Some("河口所"), Some(1)),
        "the late-March UTC case counts in April"
    );
    let esc: Vec<(String, String, String)> = v["escalations"]
        .as_array()
        .expect("esc")
        .iter()
        .map(|e| {
            (
                e["station"].as_str().expect("s").into(),
                e["month"].as_str().expect("m").into(),
                e["action"].as_str().expect("a").into(),
            )
        })
        .collect();
    assert_eq!(
        esc,
        vec![
            ("城关所".into(), "2026-02".into(), "interview_deputy".into()),
            ("城关所".into(), "2026-03".into(), "interview_chief".into())
        ]
    );
    let fields: Vec<&str> =
        v["rejected"].as_array().expect("rejected").iter().map(|r| r["field"].as_str().expect("f")).collect();
    assert_eq!(fields, ["reported_at", "loss_yuan", "station", "case_id"]);
    assert_eq!(v["rejected"][0]["line"], 15);
    assert!(stderr.contains("line 15: reported_at"), "{stderr}");
    assert_eq!(v["cases"], 13);
}
