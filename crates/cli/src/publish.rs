//! `fanzha publish FILE`: puts the events of a JSONL file on the NATS JetStream event stream,
//! as a bank's or operator's gateway would, with the event id as the message id so that the
//! server drops a resend. Lines are sent as they are: checking them is the consumer's job (a
//! bad one becomes a dead letter there).

use std::collections::VecDeque;
use std::io::BufRead;
use std::path::PathBuf;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

/// Arguments of `fanzha publish`.
#[derive(clap::Args)]
pub struct PublishArgs {
    /// Events, one JSON object per line (`.jsonl`, optionally `.gz`).
    file: PathBuf,
}

pub async fn run(a: PublishArgs, cfg: &crate::config::Config) -> anyhow::Result<()> {
    let sc = cfg
        .stream
        .as_ref()
        .context("no event stream configured: give --nats-url (or FANZHA_NATS_URL, or [stream] in the config file)")?;
    let settings = sc.settings();
    let (js, _consumer) = server::stream::connect(&settings).await?;
    let subject = format!("{}in", settings.subject.trim_end_matches('>'));
    let reader = crate::ingest::reader(&a.file)?;
    let bar = ProgressBar::new_spinner().with_style(
        ProgressStyle::with_template("{spinner} {pos} events published ({per_sec})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    // Publishes are pipelined: up to this many wait for the server's acknowledgement at once.
    let mut pending = VecDeque::new();
    let mut n = 0u64;
    for (i, line) in reader.lines().enumerate() {
        let line = line.with_context(|| format!("{}: line {}", a.file.display(), i + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        let mut headers = async_nats::HeaderMap::new();
        if let Some(id) = serde_json::from_str::<serde_json::Value>(&line)
            .ok()
            .and_then(|v| v.get("event_id").and_then(|x| x.as_str()).map(str::to_string))
        {
            headers.insert("Nats-Msg-Id", id.as_str());
        }
        let ack = js
            .publish_with_headers(subject.clone(), headers, line.into_bytes().into())
            .await
            .with_context(|| format!("publish line {}", i + 1))?;
        pending.push_back((i + 1, ack));
        if pending.len() >= 1_000
            && let Some((line_no, ack)) = pending.pop_front()
        {
            ack.await.with_context(|| format!("the server did not store line {line_no}"))?;
        }
        n += 1;
        bar.inc(1);
    }
    for (line_no, ack) in pending {
        ack.await.with_context(|| format!("the server did not store line {line_no}"))?;
    }
    bar.finish_and_clear();
    eprintln!("{n} events stored in stream {} (subject {subject})", settings.stream);
    Ok(())
}
