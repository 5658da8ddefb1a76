//! `fanzha ingest FILE`: events from a JSONL or CSV file through the engine. Malformed lines go
//! to a dead-letter file with the line, field and reason; the rest carry on.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use engine::decode::{CsvHeader, DecodeError, json_line};
use engine::{Engine, Outcome};
use indicatif::{ProgressBar, ProgressStyle};

/// Arguments of `fanzha ingest`.
#[derive(clap::Args)]
pub struct IngestArgs {
    /// Events: `.jsonl` (any event type) or `.csv` (transfers), optionally `.gz`.
    file: PathBuf,
    /// Where to write one JSON decision per transfer (default: standard output).
    #[arg(long)]
    decisions: Option<PathBuf>,
    /// Where to write refused lines (default: FILE.dead-letter.jsonl).
    #[arg(long)]
    dead_letter: Option<PathBuf>,
    /// A ruleset file instead of the shipped one.
    #[arg(long)]
    rules: Option<PathBuf>,
}

pub(crate) fn reader(p: &Path) -> anyhow::Result<Box<dyn BufRead>> {
    let f = std::fs::File::open(p).with_context(|| format!("open {}", p.display()))?;
    Ok(if p.extension().is_some_and(|e| e == "gz") {
        Box::new(BufReader::new(flate2::read::GzDecoder::new(f)))
    } else {
        Box::new(BufReader::new(f))
    })
}

pub fn run(a: IngestArgs, model: Option<Arc<engine::model::Model>>) -> anyhow::Result<()> {
    let rs = match &a.rules {
        Some(p) => engine::ruleset::Ruleset::from_toml(
            &std::fs::read_to_string(p).with_context(|| format!("read {}", p.display()))?,
        )?,
        None => engine::ruleset::Ruleset::default_ruleset(),
    };
    let mut eng = Engine::new(Arc::new(rs));
    eng.set_model(model);
    let name = a.file.to_string_lossy().trim_end_matches(".gz").to_string();
    let csv = name.ends_with(".csv");
    let dl_path = a.dead_letter.clone().unwrap_or_else(|| PathBuf::from(format!("{name}.dead-letter.jsonl")));
    let mut dl =
        BufWriter::new(std::fs::File::create(&dl_path).with_context(|| format!("create {}", dl_path.display()))?);
    let mut out: Box<dyn Write> = match &a.decisions {
        Some(p) => {
            Box::new(BufWriter::new(std::fs::File::create(p).with_context(|| format!("create {}", p.display()))?))
        }
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    };
    let (mut decided, mut applied, mut dupes, mut dead) = (0u64, 0u64, 0u64, 0u64);
    // One place decides what happens to a decoded (or refused) line, for both formats.
    let mut handle = |ev: Result<engine::event::Event, DecodeError>,
                      raw: &str,
                      out: &mut dyn Write,
                      dl: &mut dyn Write|
     -> anyhow::Result<()> {
        match ev {
            Ok(e) => match eng.apply(&e) {
                Outcome::Decided(d) => {
                    decided += 1;
                    writeln!(out, "{}", serde_json::to_string(&d)?)?;
                }
                Outcome::Applied => applied += 1,
                Outcome::Duplicate => dupes += 1,
            },
            Err(e) => {
                dead += 1;
                writeln!(
                    dl,
                    "{}",
                    serde_json::json!({"line": e.line, "field": e.field, "message": e.message, "raw": raw})
                )?;
            }
        }
        Ok(())
    };
    let bar = ProgressBar::new_spinner().with_style(
        ProgressStyle::with_template("{spinner} {pos} lines ({per_sec}) {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    if csv {
        // CSV goes through the csv crate (quoting, embedded commas), one record at a time.
        let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(reader(&a.file)?);
        let cols: Vec<String> = rdr
            .headers()
            .with_context(|| format!("{}: header", a.file.display()))?
            .iter()
            .map(str::to_string)
            .collect();
        let header = CsvHeader::new(&cols.iter().map(String::as_str).collect::<Vec<_>>())
            .map_err(|e| anyhow::anyhow!("{}: {e}", a.file.display()))?;
        let mut rec = csv::StringRecord::new();
        loop {
            let line = rdr.position().line() as usize;
            match rdr.read_record(&mut rec) {
                Ok(false) => break,
                Ok(true) => {
                    bar.inc(1);
                    let cells: Vec<&str> = rec.iter().collect();
                    handle(header.transfer(&cells, line), &cells.join(","), &mut out, &mut dl)?;
                }
                Err(e) => {
                    let refused = DecodeError { line, field: "row".into(), message: e.to_string() };
                    handle(Err(refused), "", &mut out, &mut dl)?;
                }
            }
        }
    }
    for (i, line) in reader(&a.file)?.lines().enumerate().filter(|_| !csv) {
        let n = i + 1;
        bar.inc(1);
        let line = match line {
            Ok(l) => l,
            Err(e) => {
                handle(
                    Err(DecodeError { line: n, field: "line".into(), message: format!("unreadable: {e}") }),
                    "",
                    &mut out,
                    &mut dl,
                )?;
                continue;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        handle(json_line(&line, n), &line, &mut out, &mut dl)?;
    }
    bar.finish_and_clear();
    out.flush()?;
    dl.flush()?;
    eprintln!(
        "{decided} transfers decided, {applied} other events applied, {dupes} duplicates ignored, {dead} lines dead-lettered to {}",
        dl_path.display()
    );
    Ok(())
}
