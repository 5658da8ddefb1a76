//! Measurements. Each prints one JSON object (with `--json`) so runs can be compared; none of
//! them asserts a threshold: the figures go to BENCHMARKS.md.

use std::time::{Duration, Instant};

use anyhow::Context;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::json;

use crate::config::{Config, Overrides};

#[derive(clap::Subcommand)]
pub enum BenchCommand {
    /// The engine in process: AMLSim transfers with synthetic calls and list hits mixed in.
    Engine {
        /// Events to run (transfers are reused from the start when the data set is shorter).
        #[arg(long, default_value_t = 2_000_000)]
        events: usize,
        /// AMLSim folder with transactions.csv[.gz].
        #[arg(long, default_value = "../shared/data/amlsim-research100k")]
        data: std::path::PathBuf,
        /// Worker threads; more than one runs the sharded engine, each thread taking the
        /// transfers whose payer lives in its shards.
        #[arg(long, default_value_t = 1)]
        threads: usize,
        /// Rules from this TOML file instead of the shipped default.
        #[arg(long)]
        ruleset: Option<std::path::PathBuf>,
        /// A candidate ruleset (TOML) deciding every transfer beside the one in force, as a
        /// shadow run does: what a shadow costs.
        #[arg(long)]
        shadow: Option<std::path::PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Time to build the demo county from nothing, in a fresh data directory.
    Demo {
        /// Residents to generate.
        #[arg(long, default_value_t = 500_000)]
        residents: u32,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The decide API over HTTP on loopback: a `fanzha serve` child process on a fresh database,
    /// loaded from this process with keep-alive connections.
    Http {
        /// Seconds of load.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Concurrent connections.
        #[arg(long, default_value_t = 32)]
        connections: usize,
        /// Distinct payee accounts in the load: fewer payees means more fan-in and more
        /// warnings (each one a stored, encrypted row).
        #[arg(long, default_value_t = 200_000)]
        payees: u64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Dispatch end to end on a demo county: transfers decided over HTTP raise warnings routed
    /// by the payer's phone; how long until the station officer's inbox shows each one, how many
    /// warnings an hour are routed, and the inbox's latency before and after them.
    Dispatch {
        /// Residents of the demo county built for the run.
        #[arg(long, default_value_t = 30_000)]
        residents: u32,
        /// Warnings to raise in the throughput part.
        #[arg(long, default_value_t = 10_000)]
        warnings: usize,
        /// Warnings timed one by one, end to end.
        #[arg(long, default_value_t = 100)]
        samples: usize,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Requests/second and latency of the resident list API on loopback, against the demo county.
    Registry {
        /// Seconds of load.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Concurrent connections.
        #[arg(long, default_value_t = 16)]
        connections: usize,
        /// Demo user to log in as (its scope decides the rows listed).
        #[arg(long, default_value = "officer")]
        user: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Logins/second and latency of an honest user on loopback against the demo county, through
    /// the login throttle; `--typos N` sends N wrong passwords before each right one (all from
    /// one address, as an office behind one NAT).
    Login {
        /// Seconds of load.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Concurrent connections.
        #[arg(long, default_value_t = 4)]
        connections: usize,
        /// Demo user to log in as.
        #[arg(long, default_value = "officer")]
        user: String,
        /// Wrong passwords before each right one.
        #[arg(long, default_value_t = 0)]
        typos: u32,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(cmd: BenchCommand, o: &Overrides) -> anyhow::Result<()> {
    match cmd {
        BenchCommand::Http { seconds, connections, payees, json } => {
            bench_http(seconds, connections, payees.max(1), json).await
        }
        BenchCommand::Dispatch { residents, warnings, samples, json } => {
            bench_dispatch(residents, warnings, samples.max(1), json).await
        }
        BenchCommand::Engine { events, data, threads, ruleset, shadow, json } => {
            let rs = match ruleset {
                Some(path) => crate::config::read_ruleset(&path)?,
                None => engine::ruleset::Ruleset::default_ruleset(),
            };
            let shadow = shadow.map(|path| crate::config::read_ruleset(&path)).transpose()?;
            tokio::task::spawn_blocking(move || bench_engine(events, &data, threads.max(1), rs, shadow, json)).await?
        }
        BenchCommand::Demo { residents, json } => {
            let dir = tempfile_dir()?;
            let cfg = Config { data_dir: dir.clone(), ..Config::default() };
            let store = cfg.open_store().await?;
            let t = Instant::now();
            crate::demo::ensure(&store, demo::DEFAULT_SEED, residents).await?;
            let secs = t.elapsed().as_secs_f64();
            let n = store.count_residents().await?;
            store.close().await;
            let _ = std::fs::remove_dir_all(&dir);
            let out = json!({"bench": "demo", "residents": n, "seconds": secs, "residents_per_sec": n as f64 / secs});
            print(&out, json);
            Ok(())
        }
        BenchCommand::Registry { seconds, connections, user, json } => {
            let addr = serve_demo(o).await?;
            let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
            let (_, _, cookie) = call(&client, login_request(addr, &user, "Demo@2026")?).await.context("login")?;
            let cookie = cookie.context("login failed: no session cookie (is this the demo county?)")?;
            let deadline = Instant::now() + Duration::from_secs(seconds);
            let mut tasks = Vec::new();
            for c in 0..connections {
                let client = client.clone();
                let cookie = cookie.clone();
                tasks.push(tokio::spawn(async move {
                    let mut lat = Vec::new();
                    let mut errors = 0u64;
                    let mut i = c;
                    while Instant::now() < deadline {
                        i += 1;
                        let page = 1 + (i * 7919) % 200;
                        let req =
                            hyper::Request::get(format!("http://{addr}/api/v1/residents?page={page}&per_page=20"))
                                .header("cookie", &cookie)
                                .body(Full::new(Bytes::new()))
                                .expect("request");
                        let t = Instant::now();
                        match client.request(req).await {
                            Ok(r) if r.status().is_success() => {
                                let _ = r.into_body().collect().await;
                                lat.push(t.elapsed().as_micros() as u64);
                            }
                            _ => errors += 1,
                        }
                    }
                    (lat, errors, 0)
                }));
            }
            let start = Instant::now();
            let (lat, errors, _) = join_load(tasks).await?;
            let elapsed = start.elapsed().as_secs_f64();
            let mut out = load_figures(&lat, errors, elapsed);
            out["bench"] = json!("registry");
            out["endpoint"] = json!("GET /api/v1/residents?per_page=20 (masked, audited)");
            out["user"] = json!(user);
            out["connections"] = json!(connections);
            print(&out, json);
            Ok(())
        }
        BenchCommand::Login { seconds, connections, user, typos, json } => {
            let addr = serve_demo(o).await?;
            let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
            let deadline = Instant::now() + Duration::from_secs(seconds);
            let mut tasks = Vec::new();
            for _ in 0..connections {
                let client = client.clone();
                let user = user.clone();
                tasks.push(tokio::spawn(async move {
                    let attempt = |pw: &str| login_request(addr, &user, pw).expect("request");
                    let (mut lat, mut errors, mut held_back) = (Vec::new(), 0u64, 0u64);
                    while Instant::now() < deadline {
                        for _ in 0..typos {
                            match call(&client, attempt("Wrong#Typo2026")).await {
                                Ok((401, ..)) => {}
                                Ok((429 | 423, ..)) => held_back += 1,
                                _ => errors += 1,
                            }
                        }
                        let t = Instant::now();
                        match call(&client, attempt("Demo@2026")).await {
                            Ok((200, ..)) => lat.push(t.elapsed().as_micros() as u64),
                            Ok((429 | 423, ..)) => held_back += 1,
                            _ => errors += 1,
                        }
                    }
                    (lat, errors, held_back)
                }));
            }
            let start = Instant::now();
            let (lat, errors, held_back) = join_load(tasks).await?;
            let elapsed = start.elapsed().as_secs_f64();
            let mut out = load_figures(&lat, errors, elapsed);
            out["bench"] = json!("login");
            out["endpoint"] = json!("POST /api/v1/auth/login (throttle, argon2, session, audit)");
            out["user"] = json!(user);
            out["connections"] = json!(connections);
            out["typos_per_login"] = json!(typos);
            out["held_back"] = json!(held_back);
            print(&out, json);
            Ok(())
        }
    }
}

/// A login of `user` with `password` at the server on `addr`.
fn login_request(
    addr: std::net::SocketAddr,
    user: &str,
    password: &str,
) -> anyhow::Result<hyper::Request<Full<Bytes>>> {
    Ok(hyper::Request::post(format!("http://{addr}/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(json!({"username": user, "password": password}).to_string())))?)
}

/// The demo county (`data/demo` unless configured) served on loopback by a runtime of its own
/// (2 workers), so that the load generator does not share its scheduler; its address.
async fn serve_demo(o: &Overrides) -> anyhow::Result<std::net::SocketAddr> {
    let mut o = o.clone();
    if o.data_dir.is_none() && o.config.is_none() {
        o.data_dir = Some("data/demo".into());
    }
    let cfg = Config::load(&o)?;
    let store = cfg.open_store().await?;
    if store.count_residents().await? == 0 {
        anyhow::bail!("no demo data in {}; run `fanzha demo --no-serve` first", cfg.data_dir.display());
    }
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let state = server::AppState::new(store, server::ServerConfig { cookie_secure: false, ..Default::default() });
    std::thread::spawn(move || {
        let rt =
            tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("server runtime");
        rt.block_on(async move {
            let l = tokio::net::TcpListener::from_std(listener).expect("listener");
            let _ = server::serve(l, state).await;
        });
    });
    Ok(addr)
}

/// The `p` quantile of sorted samples, divided by `per_unit` (1000 turns µs into ms).
fn quantile(sorted: &[u64], p: f64, per_unit: f64) -> f64 {
    sorted.get(((sorted.len() as f64 * p) as usize).min(sorted.len().saturating_sub(1))).copied().unwrap_or(0) as f64
        / per_unit
}

/// The figures every HTTP load reports, from sorted latencies in µs.
fn load_figures(lat: &[u64], errors: u64, elapsed: f64) -> serde_json::Value {
    json!({
        "seconds": elapsed,
        "requests": lat.len(),
        "errors": errors,
        "requests_per_sec": lat.len() as f64 / elapsed,
        "p50_ms": quantile(lat, 0.50, 1000.0),
        "p99_ms": quantile(lat, 0.99, 1000.0),
    })
}

/// Joins the load tasks: all latencies, errors and the tasks' own counters summed.
async fn join_load(tasks: Vec<tokio::task::JoinHandle<(Vec<u64>, u64, u64)>>) -> anyhow::Result<(Vec<u64>, u64, u64)> {
    let (mut lat, mut errors, mut extra) = (Vec::new(), 0, 0);
    for t in tasks {
        let (l, e, x) = t.await?;
        lat.extend(l);
        errors += e;
        extra += x;
    }
    lat.sort_unstable();
    Ok((lat, errors, extra))
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let d = std::env::temp_dir().join(format!("fanzha-bench-{}", std::process::id()));
    std::fs::create_dir_all(&d)?;
    Ok(d)
}

fn print(v: &serde_json::Value, json: bool) {
    if json {
        println!("{v}");
    } else {
        println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
    }
}

/// Peak resident memory of this process (VmHWM), bytes.
fn peak_rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|k| k.parse::<u64>().ok())
        })
        .map(|kb| kb * 1024)
        .unwrap_or(0)
}

fn bench_engine(
    events: usize,
    data: &std::path::Path,
    threads: usize,
    rs: engine::ruleset::Ruleset,
    shadow: Option<engine::ruleset::Ruleset>,
    json: bool,
) -> anyhow::Result<()> {
    use engine::event::*;
    let ds = crate::amlsim::load(data).with_context(|| format!("loading {}", data.display()))?;
    // Build the event mix up front so the timed loop measures the engine only: transfers
    // from the data set; every 10th event a call to the payer (every 3rd of those from a
    // risky number); every 1000th a fraud-list addition of a payee that later transfers reach.
    let mut evs: Vec<Event> = Vec::with_capacity(events);
    let mut i = 0usize;
    let mut round = 0u64;
    while evs.len() < events {
        let t = &ds.txs[i % ds.txs.len()];
        let ts = (t.day + round as i64 * 730) * 86_400_000 + (i as i64 % 86_400) * 1000;
        let n = evs.len();
        if n % 10 == 9 {
            evs.push(Event::Call(CallRecord {
                event_id: format!("c{n}"),
                ts_ms: ts,
                caller: format!("+8521{:07}", n % 5000),
                callee: format!("p{}", t.orig),
                duration_s: 120,
                kind: CallKind::Call,
                overseas: n % 30 == 29,
                virtual_operator: false,
                spoofed: false,
            }));
        } else if n % 1000 == 999 {
            evs.push(Event::List(ListUpdate {
                event_id: format!("l{n}"),
                ts_ms: ts,
                op: ListOp::Add,
                kind: ListKind::Account,
                value: t.bene.clone(),
                colour: if n % 2000 == 1999 { Colour::Red } else { Colour::Amber },
                source: "bench".into(),
                valid_from_ms: None,
                valid_to_ms: None,
            }));
        } else {
            evs.push(Event::Transfer(Transfer {
                event_id: format!("t{n}"),
                ts_ms: ts,
                payer: t.orig.clone(),
                payer_bank: String::new(),
                payee: t.bene.clone(),
                payee_bank: String::new(),
                amount_fen: t.fen,
                channel: Channel::Mobile,
                payer_person: Some(format!("p{}", t.orig)),
                device_id: None,
                ip: None,
            }));
            i += 1;
            if i.is_multiple_of(ds.txs.len()) {
                round += 1;
            }
        }
    }
    // Memory before the engine's state exists (data set and event mix already built).
    let rss_before = peak_rss_bytes();
    let rs = std::sync::Arc::new(rs);
    let version = rs.version.clone();
    let shadow_version = shadow.as_ref().map(|r| r.version.clone());
    let shadow = shadow.map(|r| engine::Shadow { run: 0, ruleset: std::sync::Arc::new(r), model: None });
    let (run, accounts, bytes, shards) = if threads > 1 {
        let eng = engine::sharded::ShardedEngine::new(rs, threads * SHARDS_PER_THREAD);
        eng.set_shadow(shadow);
        let run = run_sharded(&eng, &evs, threads)?;
        (run, eng.accounts(), eng.account_state_bytes(), Some(eng.shards()))
    } else {
        let mut eng = engine::Engine::new(rs);
        eng.set_shadow(shadow);
        let start = Instant::now();
        let mut run = Run::default();
        for e in &evs {
            run.time(|| eng.apply(e));
        }
        run.seconds = start.elapsed().as_secs_f64();
        (run, eng.accounts(), eng.account_state_bytes(), None)
    };
    let mut lat = run.lat;
    lat.sort_unstable();
    let q = |p: f64| quantile(&lat, p, 1000.0);
    let peak = peak_rss_bytes();
    let out = json!({
        "bench": "engine",
        "events": evs.len(),
        "threads": threads,
        "shards": shards,
        "seconds": run.seconds,
        "events_per_sec": evs.len() as f64 / run.seconds,
        "p50_us": q(0.50),
        "p99_us": q(0.99),
        "p999_us": q(0.999),
        "peak_rss_bytes": peak,
        "accounts": accounts,
        "bytes_per_account": bytes as f64 / accounts.max(1) as f64,
        "rss_growth_bytes": peak.saturating_sub(rss_before),
        "warn": run.warn,
        "hold": run.hold,
        "transfers": run.transfers,
        "warn_rate": (run.warn + run.hold) as f64 / run.transfers.max(1) as f64,
        "fired_in_warnings": run.fired,
        "ruleset_version": version,
        "model": false,
        "shadow_ruleset_version": shadow_version,
        "shadow_warned": run.shadow_warned,
    });
    print(&out, json);
    Ok(())
}

/// What a timed run of the engine measured.
#[derive(Default)]
struct Run {
    /// Latency of each event, ns.
    lat: Vec<u64>,
    /// Transfers decided.
    transfers: u64,
    warn: u64,
    hold: u64,
    /// How often each rule fired in a warning or hold.
    fired: std::collections::BTreeMap<String, u64>,
    /// Transfers the candidate in shadow would have warned on or held.
    shadow_warned: u64,
    seconds: f64,
}

impl Run {
    /// Times one event and counts its action.
    fn time(&mut self, apply: impl FnOnce() -> engine::Outcome) {
        let t0 = Instant::now();
        let outcome = apply();
        self.lat.push(t0.elapsed().as_nanos() as u64);
        if let engine::Outcome::Decided(d) = outcome {
            self.transfers += 1;
            self.shadow_warned +=
                u64::from(d.shadow.as_ref().is_some_and(|s| s.decision.action >= engine::Action::Warn));
            match d.action {
                engine::Action::Warn => self.warn += 1,
                engine::Action::Hold => self.hold += 1,
                engine::Action::Allow => return,
            }
            for f in &d.fired {
                match self.fired.get_mut(&f.rule) {
                    Some(n) => *n += 1,
                    None => {
                        self.fired.insert(f.rule.clone(), 1);
                    }
                }
            }
        }
    }
}

/// Shards per worker thread: more shards than threads, so two threads seldom want the same one.
const SHARDS_PER_THREAD: usize = 16;

/// The sharded engine under `threads` workers. Each worker takes the transfers whose payer
/// lives in its shards (so one payer's transfers stay in order) and a share of the calls and
/// list entries; all run at once on the one shared engine.
fn run_sharded(
    eng: &engine::sharded::ShardedEngine,
    evs: &[engine::event::Event],
    threads: usize,
) -> anyhow::Result<Run> {
    use engine::event::Event;
    let mut parts: Vec<Vec<&Event>> = vec![Vec::with_capacity(evs.len() / threads + 1); threads];
    for (i, e) in evs.iter().enumerate() {
        let k = match e {
            Event::Transfer(t) => eng.shard_of(&t.payer) % threads,
            _ => i % threads,
        };
        parts[k].push(e);
    }
    let start = Instant::now();
    let runs: Vec<std::thread::Result<Run>> = std::thread::scope(|s| {
        let handles: Vec<_> = parts
            .iter()
            .map(|part| {
                s.spawn(move || {
                    let mut run = Run { lat: Vec::with_capacity(part.len()), ..Run::default() };
                    for e in part {
                        run.time(|| eng.apply(e));
                    }
                    run
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join()).collect()
    });
    let mut all = Run { seconds: start.elapsed().as_secs_f64(), lat: Vec::with_capacity(evs.len()), ..Run::default() };
    for r in runs {
        let r = r.map_err(|_| anyhow::anyhow!("a bench worker panicked"))?;
        all.lat.extend(r.lat);
        all.warn += r.warn;
        all.hold += r.hold;
        all.transfers += r.transfers;
        all.shadow_warned += r.shadow_warned;
        for (rule, n) in r.fired {
            *all.fired.entry(rule).or_default() += n;
        }
    }
    Ok(all)
}

async fn bench_http(seconds: u64, connections: usize, payees: u64, json_out: bool) -> anyhow::Result<()> {
    use domain::{JurisdictionKind, MemberUnitKind};
    let dir = tempfile_dir()?;
    let cfg = Config { data_dir: dir.clone(), ..Config::default() };
    // Prepare a bank's API key directly in the store, as `fanzha admin` would.
    let secret = {
        let store = cfg.open_store().await?;
        let county = store
            .create_jurisdiction(
                &store::NewJurisdiction {
                    parent_id: None,
                    kind: JurisdictionKind::County,
                    code: "B".into(),
                    name: "基准县".into(),
                },
                None,
            )
            .await?;
        let bank = store
            .create_unit(
                &store::NewMemberUnit {
                    code: "BANK".into(),
                    name: "基准银行".into(),
                    kind: MemberUnitKind::BankBranch,
                    parent_unit_id: None,
                    jurisdiction_id: county.id,
                    contact_name: String::new(),
                    covers: vec![],
                },
                None,
            )
            .await?;
        let hash = server::auth::hash_password("bench-password-1").map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let u = store
            .create_user(
                &store::NewUser {
                    username: "bench".into(),
                    display_name: "bench".into(),
                    password_hash: hash,
                    role: domain::Role::SystemAdmin,
                    unit_id: bank.id,
                    jurisdiction_id: county.id,
                    must_change_password: false,
                },
                bench_entry("user"),
            )
            .await?;
        let secret = decide_key(&store, "fzk_benchbench", bank.id, county.id, u.id).await?;
        store.close().await;
        secret
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let exe = std::env::current_exe()?;
    let mut child = std::process::Command::new(exe)
        .args(["--data-dir"])
        .arg(&dir)
        .args(["--listen", &format!("127.0.0.1:{port}"), "serve", "--insecure-cookies"])
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .context("start fanzha serve")?;
    let client: Client<_, Full<Bytes>> =
        Client::builder(TokioExecutor::new()).pool_max_idle_per_host(connections).build_http();
    let ready = Instant::now();
    loop {
        let req = hyper::Request::get(format!("http://127.0.0.1:{port}/healthz")).body(Full::new(Bytes::new()))?;
        if client.request(req).await.is_ok_and(|r| r.status().is_success()) {
            break;
        }
        if ready.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            anyhow::bail!("server did not start");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let auth = format!("Bearer {secret}");
    let mut tasks = Vec::new();
    for c in 0..connections {
        let client = client.clone();
        let auth = auth.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0u64;
            let mut warned = 0u64;
            let mut i = 0u64;
            while Instant::now() < deadline {
                i += 1;
                // Many payers and payees, so (as in real traffic) few transfers warn.
                let body = json!({"event_id": format!("b{c}-{i}"), "payer_account": format!("6222{:012}", (c as u64 * 7919 + i) % 50_000),
                    "payee_account": format!("6217{:012}", (i * 31 + c as u64 * 104_729) % payees), "amount_fen": 10_000 + (i % 97) * 1_000}).to_string();
                let req = hyper::Request::post(format!("http://127.0.0.1:{port}/api/v1/decide"))
                    .header("content-type", "application/json")
                    .header("authorization", &auth)
                    .body(Full::new(Bytes::from(body)))
                    .expect("request");
                let t = Instant::now();
                match client.request(req).await {
                    Ok(r) if r.status().is_success() => {
                        let body = r.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                        lat.push(t.elapsed().as_micros() as u64);
                        if serde_json::from_slice::<serde_json::Value>(&body).is_ok_and(|v| v["warning_id"].is_i64()) {
                            warned += 1;
                        }
                    }
                    _ => errors += 1,
                }
            }
            (lat, errors, warned)
        }));
    }
    let start = Instant::now();
    let (lat, errors, warned) = join_load(tasks).await?;
    let elapsed = start.elapsed().as_secs_f64();
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    let mut out = load_figures(&lat, errors, elapsed);
    out["bench"] = json!("http");
    out["endpoint"] = json!("POST /api/v1/decide (API key, warnings stored)");
    out["connections"] = json!(connections);
    out["payees"] = json!(payees);
    out["warnings_stored"] = json!(warned);
    print(&out, json_out);
    Ok(())
}

/// One HTTP call of a bench: status, JSON body (null when not JSON) and the session cookie
/// it set, if any.
async fn call(
    client: &Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>,
    req: hyper::Request<Full<Bytes>>,
) -> anyhow::Result<(u16, serde_json::Value, Option<String>)> {
    let r = client.request(req).await?;
    let status = r.status().as_u16();
    let cookie =
        r.headers().get("set-cookie").and_then(|v| v.to_str().ok()).and_then(|c| c.split(';').next()).map(String::from);
    let body = r.into_body().collect().await?.to_bytes();
    Ok((status, serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null), cookie))
}

async fn bench_dispatch(residents: u32, warnings: usize, samples: usize, json_out: bool) -> anyhow::Result<()> {
    let dir = tempfile_dir()?;
    let cfg = Config { data_dir: dir.clone(), ..Config::default() };
    let store = cfg.open_store().await?;
    let seed = demo::DEFAULT_SEED;
    let plan = crate::demo::ensure(&store, seed, residents).await?;
    // Phones of residents of the first station's precinct, regenerated from the seed.
    let station = plan.stations.first().context("no station")?;
    let mut phones = Vec::new();
    for (i, v) in plan.villages.iter().enumerate() {
        if station.precinct.iter().any(|p| v.code.starts_with(p.as_str())) {
            phones.extend(
                demo::residents_of(seed, i, v).into_iter().filter_map(|r| r.phone.map(|p| p.as_str().to_string())),
            );
        }
    }
    anyhow::ensure!(!phones.is_empty(), "no phones in the first precinct");
    let bank = store.unit_by_code("BANK-RCB").await?.context("no bank")?;
    let admin = store.user_by_username("admin").await?.context("no admin")?;
    let secret = decide_key(&store, "fzk_dispatchb", bank.id, bank.jurisdiction_id, admin.id).await?;
    let state =
        server::AppState::new(store.clone(), server::ServerConfig { cookie_secure: false, ..Default::default() });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(server::serve(listener, state));
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).pool_max_idle_per_host(16).build_http();
    let base = format!("http://127.0.0.1:{port}/api/v1");
    let base_post = base.clone();
    let post = move |path: &str, body: serde_json::Value, auth: Option<&str>| {
        let mut b = hyper::Request::post(format!("{base_post}{path}")).header("content-type", "application/json");
        if let Some(a) = auth {
            b = b.header("authorization", format!("Bearer {a}"));
        }
        b.body(Full::new(Bytes::from(body.to_string())))
    };
    let (_, me, cookie) =
        call(&client, post("/auth/login", json!({"username": "officer", "password": "Demo@2026"}), None)?).await?;
    let cookie = cookie.context("no session cookie")?;
    anyhow::ensure!(me["role"] == "station_officer", "login failed: {me}");
    let inbox = || {
        hyper::Request::get(format!("{base}/warnings?per_page=20"))
            .header("cookie", cookie.as_str())
            .body(Full::new(Bytes::new()))
    };
    let inbox_p50 = |n: usize| {
        let client = client.clone();
        async move {
            let mut lat = Vec::with_capacity(n);
            for _ in 0..n {
                let t = Instant::now();
                let (st, _, _) = call(&client, inbox()?).await?;
                anyhow::ensure!(st == 200, "inbox answered {st}");
                lat.push(t.elapsed().as_micros() as u64);
            }
            lat.sort_unstable();
            anyhow::Ok(quantile(&lat, 0.5, 1000.0))
        }
    };
    // A payee is primed by four payers; from the fifth on, each payer (with a phone) is warned
    // (fan-in into a new account) and the warning is routed to the payer's station.
    let transfer = |payee: usize, k: usize, phone: Option<&str>| {
        json!({"event_id": format!("d{payee}-{k}"), "payer_account": format!("6222{:06}{:06}", payee, k), "payee_account": format!("6217{:012}", payee),
               "amount_fen": 300_000 + k as i64 * 100, "payer_phone": phone})
    };
    let bar = indicatif::ProgressBar::new((samples + warnings) as u64)
        .with_style(
            indicatif::ProgressStyle::with_template("{prefix:>10} [{bar:40}] {pos}/{len} ({elapsed})")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        )
        .with_prefix("预警");
    let before_ms = inbox_p50(50).await?;
    let mut e2e = Vec::with_capacity(samples);
    for i in 0..samples {
        for k in 0..4 {
            call(&client, post("/decide", transfer(i, k, None), Some(&secret))?).await?;
        }
        let t = Instant::now();
        let (_, d, _) =
            call(&client, post("/decide", transfer(i, 4, Some(&phones[i % phones.len()])), Some(&secret))?).await?;
        let wid = d["warning_id"].as_i64().with_context(|| format!("no warning raised: {d}"))?;
        loop {
            let (_, page, _) = call(&client, inbox()?).await?;
            if page["items"].as_array().is_some_and(|items| items.iter().any(|w| w["id"].as_i64() == Some(wid))) {
                break;
            }
            anyhow::ensure!(t.elapsed() < Duration::from_secs(10), "warning {wid} never reached the station's inbox");
        }
        e2e.push(t.elapsed().as_micros() as u64);
        bar.inc(1);
    }
    e2e.sort_unstable();
    // Throughput: warnings raised by 8 banks' connections at once.
    let per_payee = 10usize;
    let payees = warnings.div_ceil(per_payee);
    let start = Instant::now();
    let mut tasks = Vec::new();
    let conns = 8usize;
    for c in 0..conns {
        let (client, secret, phones, bar) = (client.clone(), secret.clone(), phones.clone(), bar.clone());
        let post = post.clone();
        tasks.push(tokio::spawn(async move {
            let mut raised = 0u64;
            let mut errors = 0u64;
            for p in (c..payees).step_by(conns) {
                let payee = 1_000_000 + p;
                for k in 0..(4 + per_payee) {
                    let phone = (k >= 4).then(|| phones[(p * 7 + k) % phones.len()].as_str());
                    let Ok(req) = post("/decide", transfer(payee, k, phone), Some(&secret)) else {
                        errors += 1;
                        continue;
                    };
                    match call(&client, req).await {
                        Ok((200, d, _)) if d["warning_id"].is_i64() => {
                            raised += 1;
                            bar.inc(1);
                        }
                        Ok((200, _, _)) => {}
                        _ => errors += 1,
                    }
                }
            }
            (Vec::new(), errors, raised)
        }));
    }
    let (_, errors, raised) = join_load(tasks).await?;
    let secs = start.elapsed().as_secs_f64();
    bar.finish();
    let during_ms = inbox_p50(50).await?;
    // Let the engine's event log finish its batches, then measure the inbox with the data.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after_ms = inbox_p50(50).await?;
    let (_, page, _) = call(&client, inbox()?).await?;
    let out = json!({
        "bench": "dispatch",
        "residents": residents,
        "station": station.name,
        "e2e_samples": e2e.len(),
        "e2e_p50_ms": quantile(&e2e, 0.50, 1000.0),
        "e2e_p99_ms": quantile(&e2e, 0.99, 1000.0),
        "e2e_max_ms": quantile(&e2e, 1.0, 1000.0),
        "warnings_raised": raised,
        "errors": errors,
        "seconds": secs,
        "warnings_per_hour": raised as f64 / secs * 3600.0,
        "inbox_total_after": page["total"],
        "inbox_p50_ms_before": before_ms,
        "inbox_p50_ms_right_after_load": during_ms,
        "inbox_p50_ms_after": after_ms,
    });
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    print(&out, json_out);
    Ok(())
}

/// A bank's decide-only API key for a bench, created under `prefix`; returns its secret.
async fn decide_key(
    store: &store::Store,
    prefix: &str,
    unit_id: i64,
    jurisdiction_id: i64,
    created_by: i64,
) -> anyhow::Result<String> {
    let secret = format!("{prefix}.{}", server::auth::random_token().map_err(|e| anyhow::anyhow!("{e:?}"))?);
    store
        .create_api_key(
            &store::NewApiKey {
                prefix: prefix.to_string(),
                key_hash: server::auth::token_hash(&secret),
                name: "bench".into(),
                unit_id,
                jurisdiction_id,
                permissions: vec!["decide".into()],
                created_by,
                expires_at: None,
                sources: vec![],
            },
            bench_entry("api_key"),
        )
        .await?;
    Ok(secret)
}

/// The audit entry of an object a bench creates.
fn bench_entry(object_type: &str) -> domain::audit::AuditContent {
    domain::audit::AuditContent::system("fanzha bench", "create", object_type, store::now_ms())
}
