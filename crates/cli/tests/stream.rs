//! The NATS JetStream consumer against the real server: a `fanzha serve` killed with SIGKILL in
//! the middle of the stream loses no acknowledged event and counts none twice; malformed
//! messages become dead letters and the stream goes on. Runs when FANZHA_TEST_NATS is set (required under CI)
//! (`.ci/run` sets it and starts the server).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const RED: &str = "6217990000000001";
const TRANSFERS: usize = 20_000;
const BAD: usize = 5;

fn serve(dir: &std::path::Path, config: &std::path::Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_fanzha"))
        .args(["serve", "--insecure-cookies", "--config"])
        .arg(config)
        .env("FANZHA_DATA_DIR", dir)
        .env("FANZHA_LISTEN", "127.0.0.1:0")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start fanzha serve")
}

async fn consumer_state(js: &async_nats::jetstream::Context, stream: &str, durable: &str) -> Option<(u64, u64, usize)> {
    let mut s = js.get_stream(stream).await.ok()?;
    let _ = s.info().await.ok()?;
    let mut c: async_nats::jetstream::consumer::PullConsumer = s.get_consumer(durable).await.ok()?;
    let i = c.info().await.ok()?;
    Some((i.ack_floor.stream_sequence, i.num_pending, i.num_ack_pending))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_events_survive_a_kill_and_count_once() {
    let Some(url) = testkit::nats_url() else {
        return; // testkit said why (a failure under CI)
    };
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    let tag = format!("FZTEST{}X{nanos}", std::process::id());
    let (subject, durable) = (format!("{}.>", tag.to_lowercase()), format!("{}-engine", tag.to_lowercase()));
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let config = tmp.path().join("fanzha.toml");
    // Small batches, so the kill lands between many commits.
    std::fs::write(&config, format!("[stream]\nurl = \"{url}\"\nstream = \"{tag}\"\nsubject = \"{subject}\"\ndurable = \"{durable}\"\nbatch = 50\n")).expect("config");

    // Fraud-list changes come only through the audited API, never from the stream: the red
    // entry is in the store before the consumer starts, as the API would have logged it.
    let list_line = format!(
        r#"{{"type":"list","event_id":"sys:l0","ts_ms":0,"op":"add","kind":"account","value":"{RED}","colour":"red"}}"#
    );
    std::fs::create_dir_all(&data).expect("data dir");
    let seeded =
        store::bootstrap::open(&store::sqlite_url(&data), store::bootstrap::KeySource::File(data.join("master.key")))
            .await
            .expect("create store");
    seeded.log_events(&[("sys:l0".to_string(), 0, list_line.clone())]).await.expect("seed the red entry");
    drop(seeded);
    // Transfers of the last hours: the stream refuses event times far from the server's clock.
    let now_ms =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0);
    let start_ms = now_ms - (TRANSFERS as i64 + 60) * 1000;
    let mut lines = Vec::new();
    for i in 0..TRANSFERS {
        let payee = if i % 10 == 0 { RED.to_string() } else { format!("Q{}", i % 700) };
        lines.push(format!(
            r#"{{"type":"transfer","event_id":"t{i}","ts_ms":{},"payer":"P{}","payee":"{payee}","amount_fen":10000}}"#,
            start_ms + i as i64 * 1000,
            i % 500
        ));
        if i % (TRANSFERS / BAD) == 7 {
            lines.push(format!(r#"{{"type":"transfer","event_id":"bad{i}","payer":"P1"}}"#));
        }
    }
    let events = tmp.path().join("events.jsonl");
    std::fs::write(&events, lines.join("\n")).expect("events");
    let published = Command::new(env!("CARGO_BIN_EXE_fanzha"))
        .arg("publish")
        .arg(&events)
        .arg("--config")
        .arg(&config)
        .output()
        .expect("publish");
    assert!(published.status.success(), "publish: {}", String::from_utf8_lossy(&published.stderr));
    let total = (TRANSFERS + BAD) as u64;

    let js = async_nats::jetstream::new(async_nats::connect(&url).await.expect("connect"));
    let mut first = serve(&data, &config);
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut floor_at_kill = 0;
    while Instant::now() < deadline {
        if let Some((floor, _, _)) = consumer_state(&js, &tag, &durable).await
            && floor >= total / 5
        {
            floor_at_kill = floor;
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    first.kill().expect("SIGKILL");
    let _ = first.wait();
    assert!(floor_at_kill > 0, "the first process acknowledged nothing within two minutes");
    eprintln!("killed with {floor_at_kill} of {total} messages acknowledged");

    let mut second = serve(&data, &config);
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        if let Some((floor, pending, ack_pending)) = consumer_state(&js, &tag, &durable).await
            && floor >= total
            && pending == 0
            && ack_pending == 0
        {
            break;
        }
        assert!(Instant::now() < deadline, "the restarted process did not finish the stream");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = Command::new("kill").arg("-TERM").arg(second.id().to_string()).status();
    let _ = second.wait();
    let _ = js.delete_stream(&tag).await;

    let store =
        store::bootstrap::open(&store::sqlite_url(&data), store::bootstrap::KeySource::File(data.join("master.key")))
            .await
            .expect("open store");
    assert_eq!(
        store.event_log_len().await.expect("log") as u64,
        1 + total - BAD as u64,
        "every good event logged exactly once (and the seeded list entry)"
    );
    // The same events through the engine in one uninterrupted pass: the warnings it raises are
    // what the killed-and-restarted consumer must have stored, no more, no fewer.
    let decisions = tmp.path().join("decisions.jsonl");
    let reference = tmp.path().join("reference.jsonl");
    std::fs::write(&reference, format!("{list_line}\n{}", lines.join("\n"))).expect("reference events");
    let once = Command::new(env!("CARGO_BIN_EXE_fanzha"))
        .arg("ingest")
        .arg(&reference)
        .arg("--decisions")
        .arg(&decisions)
        .output()
        .expect("ingest");
    assert!(once.status.success(), "ingest: {}", String::from_utf8_lossy(&once.stderr));
    let text = std::fs::read_to_string(&decisions).expect("decisions");
    let raised = text.lines().filter(|l| !l.contains(r#""action":"allow""#)).count();
    let held = text.lines().filter(|l| l.contains(r#""action":"hold""#)).count();
    assert!(held >= TRANSFERS / 10, "every transfer to the red-listed payee is held ({held})");
    let warnings = store
        .list_warnings(&domain::Scope::All, false, store::PageReq { page: 1, per_page: 1 })
        .await
        .expect("warnings");
    assert_eq!(warnings.total as usize, raised, "the warnings of an uninterrupted run, none twice, none lost");
    let dead = store.list_dead_letters(store::PageReq { page: 1, per_page: 50 }).await.expect("dead letters");
    assert_eq!(dead.total as usize, BAD, "each malformed message kept once");
    assert!(
        dead.items.iter().all(|d| d.field == "ts_ms" || d.field == "payee" || d.field == "amount_fen"),
        "the field at fault is named: {:?}",
        dead.items
    );
}
