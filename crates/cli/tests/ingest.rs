//! `fanzha ingest`: a malformed event is dead-lettered with its line and field, and never stops
//! the events after it.

use std::process::Command;

#[test]
fn malformed_lines_are_dead_lettered_and_the_rest_decided() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = dir.path().join("events.jsonl");
    std::fs::write(
        &f,
        [
            r#"{"type":"list","event_id":"l1","ts_ms":0,"op":"add","kind":"account","value":"6217000099998888","colour":"red"}"#,
            r#"{"type":"transfer","event_id":"t1","ts_ms":1000,"payer":"A","payee":"6217000099998888","amount_fen":500000}"#,
            r#"{"type":"transfer","event_id":"t2","ts_ms":2000,"payer":"A","payee":"B"}"#,
            "garbage",
            r#"{"type":"transfer","event_id":"t1","ts_ms":1000,"payer":"A","payee":"6217000099998888","amount_fen":500000}"#,
            r#"{"type":"transfer","event_id":"t3","ts_ms":3000,"payer":"C","payee":"D","amount_fen":100}"#,
        ]
        .join("\n"),
    )
    .expect("write");
    let dec = dir.path().join("d.jsonl");
    let dl = dir.path().join("dl.jsonl");
    let out = Command::new(env!("CARGO_BIN_EXE_fanzha"))
        .arg("ingest")
        .arg(&f)
        .arg("--decisions")
        .arg(&dec)
        .arg("--dead-letter")
        .arg(&dl)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let decisions: Vec<serde_json::Value> =
        std::fs::read_to_string(&dec).expect("d").lines().map(|l| serde_json::from_str(l).expect("json")).collect();
    assert_eq!(decisions.len(), 2, "t1 and t3 decided; the replayed t1 is ignored");
    assert_eq!(decisions[0]["action"], "hold", "red-listed payee held");
    assert_eq!(decisions[1]["event_id"], "t3", "the line after the bad ones is still decided");
    let dead: Vec<serde_json::Value> =
        std::fs::read_to_string(&dl).expect("dl").lines().map(|l| serde_json::from_str(l).expect("json")).collect();
    assert_eq!(dead.len(), 2);
    assert_eq!((dead[0]["line"].as_u64(), dead[0]["field"].as_str()), (Some(3), Some("amount_fen")));
    assert_eq!(dead[1]["line"].as_u64(), Some(4));
}

#[test]
fn csv_transfers_with_a_bad_row() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = dir.path().join("t.csv");
    std::fs::write(&f, "event_id,ts_ms,payer,payee,amount_fen,channel\nt1,1000,A,B,100,mobile\nt2,oops,A,B,100,mobile\n\"t3\",3000,\"C,1\",D,100,atm\n").expect("write");
    let dec = dir.path().join("d.jsonl");
    let dl = dir.path().join("dl.jsonl");
    let out = Command::new(env!("CARGO_BIN_EXE_fanzha"))
        .arg("ingest")
        .arg(&f)
        .arg("--decisions")
        .arg(&dec)
        .arg("--dead-letter")
        .arg(&dl)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read_to_string(&dec).expect("d").lines().count(), 2);
    let dead = std::fs::read_to_string(&dl).expect("dl");
    let v: serde_json::Value = serde_json::from_str(dead.lines().next().expect("one")).expect("json");
    assert_eq!((v["line"].as_u64(), v["field"].as_str()), (Some(3), Some("ts_ms")));
}
