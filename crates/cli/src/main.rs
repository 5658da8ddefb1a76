//! `fanzha`: the one binary. `serve` runs the platform, `demo` builds and serves the demo
//! county, `admin` manages users and checks the audit chain, `bench` measures.

mod amlsim;
mod bench;
mod config;
mod demo;
mod demo_events;
mod demo_prevention;
mod eval;
mod eval_demo;
mod flows;
mod ingest;
mod model;
mod publish;
mod rank;
mod report;

use anyhow::Context;

// The engine and the server allocate many small, short-lived objects; mimalloc serves them
// several times faster than the system allocator on this workload.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use clap::{Parser, Subcommand};
use config::{Config, Overrides};

#[derive(Parser)]
#[command(name = "fanzha", version, about = "反诈工作平台 — the anti-fraud work platform of a county")]
struct Cli {
    #[command(flatten)]
    overrides: Overrides,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API and web UI.
    Serve {
        /// Send session cookies without the Secure flag (plain HTTP on this machine only).
        #[arg(long)]
        insecure_cookies: bool,
    },
    /// Build the demo county once (then reuse it) and serve it.
    Demo {
        /// Residents to generate.
        #[arg(long, default_value_t = 500_000)]
        residents: u32,
        /// Seed of the generator.
        #[arg(long, default_value_t = demo_seed())]
        seed: u64,
        /// Only build the data; do not serve.
        #[arg(long)]
        no_serve: bool,
    },
    /// Administration.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Events from a JSONL or CSV file through the engine; malformed lines are dead-lettered.
    Ingest(ingest::IngestArgs),
    /// Monthly ranking of police stations and the interviews due, from CSV exports.
    Rank(rank::RankArgs),
    /// Writes a report (bulletin, analysis, briefing) of the stored data as PDF, XLSX or HTML.
    Report {
        #[command(subcommand)]
        command: report::ReportCommand,
    },
    /// Follows money forward from an account of an AMLSim folder (fund-flow trace).
    Trace(flows::TraceArgs),
    /// Events from a JSONL file onto the NATS JetStream event stream (--nats-url).
    Publish(publish::PublishArgs),
    /// Detection quality on labelled data; prints one JSON object with --json.
    Eval {
        #[command(subcommand)]
        command: eval::EvalCommand,
    },
    /// The engine's model, learned from the county's own outcomes.
    Model {
        #[command(subcommand)]
        command: model::ModelCommand,
    },
    /// Measurements; each prints one JSON object with --json.
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
    },
}

fn demo_seed() -> u64 {
    ::demo::DEFAULT_SEED
}

#[derive(Subcommand)]
enum AdminCommand {
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Adds a user (e.g. the first system administrator of a production database).
    CreateUser {
        /// Login name.
        #[arg(long)]
        username: String,
        /// Display name.
        #[arg(long)]
        display_name: String,
        /// Role: system_admin, office, centre_analyst, station_officer, grid_worker, unit_reporter, bank_liaison.
        #[arg(long)]
        role: String,
        /// Organisation (member-unit code).
        #[arg(long)]
        unit_code: String,
        /// Scope root (jurisdiction code).
        #[arg(long)]
        jurisdiction_code: String,
        /// Password; read from FANZHA_NEW_PASSWORD so it stays out of shell history.
        #[arg(long, env = "FANZHA_NEW_PASSWORD", hide_env_values = true)]
        password: String,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Checks the hash chain and names the first broken link.
    Verify,
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(run(cli))
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve { insecure_cookies } => {
            let cfg = Config::load(&cli.overrides)?;
            let store = cfg.open_store().await?;
            serve(&cfg, store, cfg.cookie_secure && !insecure_cookies, None).await
        }
        Command::Demo { residents, seed, no_serve } => {
            let mut o = cli.overrides.clone();
            if o.data_dir.is_none() && o.config.is_none() {
                o.data_dir = Some("data/demo".into());
            }
            let cfg = Config::load(&o)?;
            let store = cfg.open_store().await?;
            let plan = demo::ensure(&store, seed, residents).await?;
            demo::print_credentials(&plan, &cfg);
            if no_serve {
                return Ok(());
            }
            // The demo is served over plain HTTP on this machine, so cookies cannot be Secure.
            serve(&cfg, store, false, Some((seed, plan))).await
        }
        Command::Admin { command } => {
            let cfg = Config::load(&cli.overrides)?;
            let store = cfg.open_store().await?;
            match command {
                AdminCommand::Audit { command: AuditCommand::Verify } => match store.verify_audit().await {
                    Ok(n) => {
                        println!("audit chain intact: {n} entries verified");
                        Ok(())
                    }
                    Err(store::StoreError::AuditBroken(b)) => {
                        println!("audit chain BROKEN at entry {}: {}", b.seq, b.reason);
                        std::process::exit(2);
                    }
                    Err(e) => Err(e.into()),
                },
                AdminCommand::CreateUser { username, display_name, role, unit_code, jurisdiction_code, password } => {
                    let role = domain::Role::parse(&role)?;
                    let unit = store
                        .unit_by_code(&unit_code)
                        .await?
                        .with_context(|| format!("no unit with code {unit_code}"))?;
                    let j = store
                        .jurisdiction_by_code(&jurisdiction_code)
                        .await?
                        .with_context(|| format!("no jurisdiction with code {jurisdiction_code}"))?;
                    let hash = server::auth::hash_password(&password).map_err(|e| anyhow::anyhow!("{e:?}"))?;
                    let mut entry =
                        domain::audit::AuditContent::system("fanzha admin", "create", "user", store::now_ms());
                    entry.fields = vec!["username".into(), "role".into()];
                    let u = store
                        .create_user(
                            &store::NewUser {
                                username,
                                display_name,
                                password_hash: hash,
                                role,
                                unit_id: unit.id,
                                jurisdiction_id: j.id,
                                must_change_password: false,
                            },
                            entry,
                        )
                        .await?;
                    println!("created user {} (id {})", u.username, u.id);
                    Ok(())
                }
            }
        }
        Command::Rank(args) => tokio::task::spawn_blocking(move || rank::run(args)).await?,
        Command::Trace(args) => tokio::task::spawn_blocking(move || flows::trace(args)).await?,
        Command::Report { command } => report::run(command, &Config::load(&cli.overrides)?).await,
        Command::Publish(args) => publish::run(args, &Config::load(&cli.overrides)?).await,
        Command::Bench { command } => bench::run(command, &cli.overrides).await,
        Command::Model { command } => model::run(command, &cli.overrides).await,
        Command::Ingest(args) => {
            let model = Config::load(&cli.overrides)?.engine_model()?;
            tokio::task::spawn_blocking(move || ingest::run(args, model)).await?
        }
        Command::Eval { command: eval::EvalCommand::Demo(args) } => eval_demo::run(args, &cli.overrides).await,
        Command::Eval { command } => tokio::task::spawn_blocking(move || eval::run(command)).await?,
    }
}

async fn serve(
    cfg: &Config,
    store: store::Store,
    cookie_secure: bool,
    demo_seed: Option<(u64, ::demo::CountyPlan)>,
) -> anyhow::Result<()> {
    let listener =
        tokio::net::TcpListener::bind(cfg.listen).await.with_context(|| format!("cannot listen on {}", cfg.listen))?;
    eprintln!("Fanzha is serving on http://{}/ (database: {})", listener.local_addr()?, store.backend());
    let state = server::AppState::new(
        store,
        server::ServerConfig {
            cookie_secure,
            routing: cfg.routing.clone().unwrap_or_default(),
            prevention: cfg.prevention.clone(),
            ladder: cfg.ladder.clone(),
            notify: cfg.notify.clone(),
            calendar: cfg.calendar.clone(),
            event_time: cfg.event_time,
            session_idle: std::time::Duration::from_secs(cfg.session_idle_minutes.max(1) * 60),
            metrics_from: cfg.metrics_from.clone(),
            ..Default::default()
        },
    );
    if let Some(model) = model::model_in_force(cfg, &state.store).await? {
        // A stored version has a name to print; a model file named in the configuration has none.
        if !model.version.is_empty() {
            eprintln!("Engine model {} in force.", model.version);
        }
        state.engine.set_model(Some(model));
    }
    let replayed = state.restore_engine().await?;
    if let Some((seed, plan)) = demo_seed {
        demo_events::seed(&state, seed).await?;
        demo_events::train_model(&state).await?;
        demo_events::seed_cases(&state, &plan, seed).await?;
        demo_events::seed_reports(&state).await?;
        demo_prevention::seed(&state, &plan, seed).await?;
    }
    if replayed > 0 {
        eprintln!("Engine windows rebuilt from {replayed} logged events.");
    }
    if let Some(sc) = &cfg.stream {
        let settings = sc.settings();
        // Fail the start when the stream is configured but unreachable, rather than serve
        // without the events the operator expects.
        let _ = server::stream::connect(&settings).await?;
        eprintln!(
            "Consuming events from NATS JetStream {} ({}), durable consumer {}.",
            settings.stream, settings.url, settings.durable
        );
        let st = state.clone();
        tokio::spawn(async move {
            if let Err(e) = server::stream::run(st, settings).await {
                tracing::error!(error = %e, "the event stream consumer stopped");
            }
        });
    }
    server::serve(listener, state).await
}
