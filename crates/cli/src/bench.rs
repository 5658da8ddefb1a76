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
    /// Time to build the demo county from nothing, in a fresh data directory.
    Demo {
        /// Residents to generate.
        #[arg(long, default_value_t = 500_000)]
        residents: u32,
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
}

pub async fn run(cmd: BenchCommand, o: &Overrides) -> anyhow::Result<()> {
    match cmd {
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
            let mut o = o.clone();
            if o.data_dir.is_none() && o.config.is_none() {
                o.data_dir = Some("data/demo".into());
            }
            let cfg = Config::load(&o)?;
            let store = cfg.open_store().await?;
            if store.count_residents().await? == 0 {
                anyhow::bail!("no demo data in {}; run `fanzha demo --no-serve` first", cfg.data_dir.display());
            }
            // The server gets its own runtime (2 workers) so the load generator does not share its scheduler.
            let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
            listener.set_nonblocking(true)?;
            let addr = listener.local_addr()?;
            let state = server::AppState::new(store, server::ServerConfig { cookie_secure: false, ..Default::default() });
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("server runtime");
                rt.block_on(async move {
                    let l = tokio::net::TcpListener::from_std(listener).expect("listener");
                    let _ = server::serve(l, state).await;
                });
            });
            let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
            let login = hyper::Request::post(format!("http://{addr}/api/v1/auth/login"))
                .header("content-type", "application/json")
                .body(Full::new(Bytes::from(json!({"username": user, "password": "Demo@2026"}).to_string())))?;
            let resp = client.request(login).await.context("login")?;
            let cookie = resp
                .headers()
                .get("set-cookie")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(';').next())
                .map(str::to_string)
                .context("login failed: no session cookie (is this the demo county?)")?;
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
                        let req = hyper::Request::get(format!("http://{addr}/api/v1/residents?page={page}&per_page=20"))
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
                    (lat, errors)
                }));
            }
            let start = Instant::now();
            let mut lat = Vec::new();
            let mut errors = 0;
            for t in tasks {
                let (l, e) = t.await?;
                lat.extend(l);
                errors += e;
            }
            let elapsed = start.elapsed().as_secs_f64();
            lat.sort_unstable();
            let q = |p: f64| lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1))).copied().unwrap_or(0) as f64 / 1000.0;
            let out = json!({
                "bench": "registry",
                "endpoint": "GET /api/v1/residents?per_page=20 (masked, audited)",
                "user": user,
                "connections": connections,
                "seconds": elapsed,
                "requests": lat.len(),
                "errors": errors,
                "requests_per_sec": lat.len() as f64 / elapsed,
                "p50_ms": q(0.50),
                "p99_ms": q(0.99),
            });
            print(&out, json);
            Ok(())
        }
    }
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
