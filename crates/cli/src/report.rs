//! `fanzha report bulletin|analysis|briefing`: a report of the stored data as a file (PDF,
//! XLSX or HTML), optionally kept as a draft snapshot for approval in the web UI.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use report::model::Kind;

use crate::config::Config;

/// Which report.
#[derive(clap::Subcommand)]
pub enum ReportCommand {
    /// 排名通报: the monthly ranking bulletin.
    Bulletin {
        /// `YYYY-MM`.
        #[arg(long)]
        month: String,
        #[command(flatten)]
        out: OutArgs,
    },
    /// 半月分析研判: the semi-monthly analysis of the case situation.
    Analysis {
        /// `YYYY-MM-1` (days 1–15) or `YYYY-MM-2` (16th to the end).
        #[arg(long)]
        half: String,
        #[command(flatten)]
        out: OutArgs,
    },
    /// 工作简报: the briefing on the month's work.
    Briefing {
        /// `YYYY-MM`.
        #[arg(long)]
        month: String,
        #[command(flatten)]
        out: OutArgs,
    },
}

/// Where and how.
#[derive(clap::Args)]
pub struct OutArgs {
    /// pdf, xlsx or html (default: from the file name).
    #[arg(long)]
    format: Option<String>,
    /// The file to write.
    #[arg(long)]
    out: PathBuf,
    /// The area, by jurisdiction code (default: the county).
    #[arg(long)]
    scope: Option<String>,
    /// A police station, by code: the report covers its precinct.
    #[arg(long, conflicts_with = "scope")]
    station: Option<String>,
    /// A text file with the office's narrative (工作要求), one paragraph per line.
    #[arg(long)]
    narrative: Option<PathBuf>,
    /// Also store the report as a draft, for approval and publication in the web UI.
    #[arg(long)]
    save: bool,
    /// Print the timings as one JSON object.
    #[arg(long)]
    json: bool,
}

/// Runs `fanzha report …`.
pub async fn run(cmd: ReportCommand, cfg: &Config) -> anyhow::Result<()> {
    let (kind, period, o) = match cmd {
        ReportCommand::Bulletin { month, out } => (Kind::Bulletin, month, out),
        ReportCommand::Analysis { half, out } => (Kind::Analysis, half, out),
        ReportCommand::Briefing { month, out } => (Kind::Briefing, month, out),
    };
    let format = match &o.format {
        Some(f) => f.clone(),
        None => o.out.extension().and_then(|e| e.to_str()).unwrap_or("pdf").to_ascii_lowercase(),
    };
    anyhow::ensure!(
        matches!(format.as_str(), "pdf" | "xlsx" | "html"),
        "--format: '{format}' is not pdf, xlsx or html"
    );
    let narrative = match &o.narrative {
        Some(p) => std::fs::read_to_string(p).with_context(|| format!("read {}", p.display()))?,
        None => String::new(),
    };
    let bar = ProgressBar::new_spinner()
        .with_style(ProgressStyle::with_template("{spinner} {prefix} {msg} [{elapsed}]")?)
        .with_prefix(kind.zh());
    bar.enable_steady_tick(Duration::from_millis(120));
    let started = Instant::now();
    bar.set_message("打开数据库");
    let store = cfg.open_store().await?;
    let area = match (&o.scope, &o.station) {
        (_, Some(code)) => {
            let st = store
                .list_stations()
                .await?
                .into_iter()
                .find(|s| &s.code == code)
                .with_context(|| format!("--station: no police station with code {code}"))?;
            server::reports::Area::of_station(&store, st.id).await?
        }
        (Some(code), None) => server::reports::Area {
            jurisdiction: store
                .jurisdiction_by_code(code)
                .await?
                .with_context(|| format!("--scope: no jurisdiction with code {code}"))?,
            station: None,
        },
        (None, None) => server::reports::Area {
            jurisdiction: store
                .jurisdiction_tree(&domain::Scope::All)
                .await?
                .into_iter()
                .find(|j| j.parent_id.is_none())
                .context("the registry has no county yet")?,
            station: None,
        },
    };
    let j = area.jurisdiction.clone();
    let scope_name = area.station.as_ref().map_or_else(|| j.name.clone(), |s| s.name.clone());
    bar.set_message("汇总数据");
    let t0 = Instant::now();
    let cutoff = store::now_ms();
    let r = server::reports::generate(&store, kind, &period, &area, cutoff, &cfg.ladder).await?;
    let figures_ms = t0.elapsed().as_secs_f64() * 1000.0;
    bar.set_message(format!("排版 {}", format.to_uppercase()));
    let t1 = Instant::now();
    let (r2, narrative2, fmt) = (r.clone(), narrative.clone(), format.clone());
    let file =
        tokio::task::spawn_blocking(move || server::reports::render(&r2, &narrative2, Some("草稿"), cutoff, &fmt))
            .await??;
    let render_ms = t1.elapsed().as_secs_f64() * 1000.0;
    std::fs::write(&o.out, &file.bytes).with_context(|| format!("write {}", o.out.display()))?;
    let mut saved = None;
    if o.save {
        bar.set_message("保存草稿");
        let id = store
            .insert_report(
                &server::reports::new_report(&r, &area, cutoff, narrative.clone(), None, "fanzha report".into())?,
                Some(Box::new(|id: &i64| {
                    let mut e =
                        domain::audit::AuditContent::system("fanzha report", "create", "report", store::now_ms());
                    e.object_id = Some(id.to_string());
                    e
                })),
            )
            .await?;
        saved = Some(id);
    }
    // A report written to a file leaves the platform: the audit log says so.
    store
        .audit(domain::audit::AuditContent {
            at_ms: store::now_ms(),
            actor_kind: "system".into(),
            actor_name: "fanzha report".into(),
            action: "export".into(),
            object_type: "report".into(),
            object_id: saved.map(|id| id.to_string()),
            detail: serde_json::json!({"kind": kind.as_str(), "period": period, "format": format, "file": o.out.display().to_string(), "bytes": file.bytes.len()}).to_string(),
            ..Default::default()
        })
        .await?;
    bar.finish_and_clear();
    let total_ms = started.elapsed().as_secs_f64() * 1000.0;
    if o.json {
        println!(
            "{}",
            serde_json::json!({"kind": kind.as_str(), "period": period, "format": format, "out": o.out.display().to_string(), "bytes": file.bytes.len(),
                "figures_ms": figures_ms, "render_ms": render_ms, "total_ms": total_ms, "saved_id": saved, "scope": scope_name})
        );
    } else {
        println!(
            "{} {} ({}) → {} ({} bytes): figures {figures_ms:.0} ms, {} {render_ms:.0} ms, total {total_ms:.0} ms{}",
            kind.zh(),
            period,
            scope_name,
            o.out.display(),
            file.bytes.len(),
            format.to_uppercase(),
            saved.map(|id| format!("; stored as draft #{id}")).unwrap_or_default()
        );
    }
    Ok(())
}
