//! The durable NATS JetStream consumer: events from banks and operators at scale.
//!
//! Delivery is at least once. A batch is applied to the engine, its warnings and its events are
//! committed to the database, and only then are its messages acknowledged; a message that
//! arrives again (the process died between commit and acknowledgement) is recognised by its
//! event id and changes nothing. A message that cannot be decoded is kept as a dead letter with
//! the reason and acknowledged, so the stream never stops for it.

use std::time::Duration;

use anyhow::Context;
use async_nats::jetstream::{self, consumer::PullConsumer};
use engine::Outcome;
use engine::event::Event;
use futures::StreamExt;

use crate::AppState;

/// Where the stream is and how to read it.
#[derive(Debug, Clone)]
pub struct StreamSettings {
    /// `nats://host:port`.
    pub url: String,
    /// JetStream stream name (created when missing).
    pub stream: String,
    /// Subject the stream captures, e.g. `fanzha.events.>`.
    pub subject: String,
    /// Durable consumer name: the position survives restarts of this process.
    pub durable: String,
    /// Messages per batch (one commit per batch).
    pub batch: usize,
}

impl StreamSettings {
    /// The defaults for a NATS server at `url`.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            stream: "FANZHA_EVENTS".into(),
            subject: "fanzha.events.>".into(),
            durable: "fanzha-engine".into(),
            batch: 500,
        }
    }
}

/// Counters of one consumer, for logs and tests.
#[derive(Debug, Default, Clone, Copy)]
pub struct StreamStats {
    /// Events applied (first time seen).
    pub applied: u64,
    /// Redelivered or repeated events ignored.
    pub duplicates: u64,
    /// Messages kept as dead letters.
    pub dead: u64,
    /// Warnings raised.
    pub warnings: u64,
}

/// Connects, creates the stream and the durable consumer when missing.
pub async fn connect(cfg: &StreamSettings) -> anyhow::Result<(jetstream::Context, PullConsumer)> {
    let client =
        async_nats::connect(&cfg.url).await.with_context(|| format!("cannot connect to NATS at {}", cfg.url))?;
    let js = jetstream::new(client);
    let stream = js
        .get_or_create_stream(jetstream::stream::Config {
            name: cfg.stream.clone(),
            subjects: vec![cfg.subject.clone()],
            storage: jetstream::stream::StorageType::File,
            // Publishers set Nats-Msg-Id to the event id: a resend within this window is dropped
            // by the server already.
            duplicate_window: Duration::from_secs(120),
            ..Default::default()
        })
        .await
        .with_context(|| format!("JetStream stream {}", cfg.stream))?;
    let consumer: PullConsumer = stream
        .get_or_create_consumer(
            &cfg.durable,
            jetstream::consumer::pull::Config {
                durable_name: Some(cfg.durable.clone()),
                ack_policy: jetstream::consumer::AckPolicy::Explicit,
                ack_wait: Duration::from_secs(30),
                max_ack_pending: 20_000,
                ..Default::default()
            },
        )
        .await
        .with_context(|| format!("JetStream consumer {}", cfg.durable))?;
    Ok((js, consumer))
}

/// Consumes until the process ends. Database trouble holds the batch (not acknowledged) and is
/// retried; it never skips events.
pub async fn run(state: AppState, cfg: StreamSettings) -> anyhow::Result<()> {
    let (_js, consumer) = connect(&cfg).await?;
    tracing::info!(url = %cfg.url, stream = %cfg.stream, durable = %cfg.durable, "consuming the event stream");
    let source = format!("nats:{}", cfg.stream);
    let mut total = StreamStats::default();
    loop {
        let mut fetched =
            match consumer.fetch().max_messages(cfg.batch).expires(Duration::from_millis(500)).messages().await {
                Ok(f) => f,
                Err(e) => {
                    tracing::warn!(error = %e, "fetch from the event stream failed; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
        let mut msgs = Vec::with_capacity(cfg.batch);
        while let Some(m) = fetched.next().await {
            match m {
                Ok(m) => msgs.push(m),
                Err(e) => tracing::warn!(error = %e, "bad delivery from the event stream"),
            }
        }
        if msgs.is_empty() {
            continue;
        }
        let stats = process_batch(&state, &msgs, &source).await;
        // Acknowledge only now: everything the batch produced is committed.
        for m in &msgs {
            if let Err(e) = m.ack().await {
                tracing::warn!(error = %e, "acknowledgement failed; the message will come again and be recognised");
            }
        }
        total.applied += stats.applied;
        total.duplicates += stats.duplicates;
        total.dead += stats.dead;
        total.warnings += stats.warnings;
        tracing::debug!(?total, batch = msgs.len(), "stream batch committed");
    }
}

/// Applies one batch and commits its results, retrying the database until it succeeds.
async fn process_batch(state: &AppState, msgs: &[jetstream::Message], source: &str) -> StreamStats {
    let mut events = Vec::with_capacity(msgs.len());
    let mut dead = Vec::new();
    for m in msgs {
        let seq = m.info().ok().map(|i| i.stream_sequence as i64);
        let text = match std::str::from_utf8(&m.payload) {
            Ok(t) => t,
            Err(e) => {
                dead.push(store::NewDeadLetter {
                    source: source.into(),
                    stream_seq: seq,
                    field: "payload".into(),
                    reason: format!("not UTF-8: {e}"),
                    raw: String::from_utf8_lossy(&m.payload).into_owned(),
                });
                continue;
            }
        };
        match engine::decode::json_line(text, 1)
            .map_err(|e| (e.field, e.message))
            .and_then(|e| admit(state, e, store::now_ms()))
        {
            Ok(e) => events.push(e),
            Err((field, reason)) => dead.push(store::NewDeadLetter {
                source: source.into(),
                stream_seq: seq,
                field,
                reason,
                raw: text.to_string(),
            }),
        }
    }
    ingest(state, events, dead, source, Raised::OnArrival).await
}

/// Id prefixes the platform gives its own events (fraud-list entries of cases, clues and
/// analyses; upstream warnings; events sent through the API): no stream message may take them.
pub const RESERVED_ID_PREFIXES: [&str; 3] = ["sys:", "up:", "api:"];

/// What a message of the stream may be: transfers, calls and account openings from the
/// systems of banks and operators, in their own id space, at a believable time. Fraud lists
/// change only through the audited API.
pub fn admit(state: &AppState, e: Event, now_ms: i64) -> Result<Event, (String, String)> {
    if matches!(e, Event::List(_)) {
        return Err((
            "type".into(),
            "fraud-list changes are not taken from the stream; they go through the audited API".into(),
        ));
    }
    if let Some(p) = RESERVED_ID_PREFIXES.iter().find(|p| e.id().starts_with(**p)) {
        return Err(("event_id".into(), format!("ids starting with '{p}' are the platform's own")));
    }
    state.config.event_time.check(e.ts_ms(), now_ms).map_err(|m| ("ts_ms".to_string(), m))?;
    Ok(e)
}

/// When the warnings of ingested events count as raised (their deadlines run from then).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Raised {
    /// On arrival: live feeds.
    OnArrival,
    /// At each event's own time: history imported from before the platform ran (the demo's
    /// weeks, a predecessor platform's records), whose warnings were due back then.
    AtEvent,
}

/// Applies events in order and commits what they produced (warnings, the event log, dead
/// letters), retrying the database until it succeeds; the same path for the stream, the demo
/// and any batch import.
pub async fn ingest(
    state: &AppState,
    events: Vec<Event>,
    dead: Vec<store::NewDeadLetter>,
    source: &str,
    raised: Raised,
) -> StreamStats {
    let mut stats = StreamStats::default();
    // In stream order: the decisions of a batch see each other as they came.
    let (applied, ruleset) = {
        let mut ruleset = state.engine.ruleset();
        let mut applied: Vec<(Event, Outcome)> = Vec::with_capacity(events.len());
        for e in events {
            let (o, rs) = state.engine.apply_versioned(&e);
            ruleset = rs;
            if o == Outcome::Duplicate {
                stats.duplicates += 1;
            } else {
                applied.push((e, o));
            }
        }
        (applied, ruleset)
    };
    stats.applied = applied.len() as u64;
    stats.dead = dead.len() as u64;
    let log: Vec<(String, i64, String)> = applied
        .iter()
        .filter_map(|(e, _)| serde_json::to_string(e).ok().map(|b| (e.id().to_string(), e.ts_ms(), b)))
        .collect();
    let mut backoff = Duration::from_millis(100);
    loop {
        match commit(state, &applied, &ruleset, &log, &dead, source, raised).await {
            Ok(n) => {
                stats.warnings = n;
                return stats;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot commit a stream batch; holding it and retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(10));
            }
        }
    }
}

/// Warnings first, then the event log: after a crash between the two the events come again,
/// are decided the same way (the log does not hold them yet) and find their warning stored.
async fn commit(
    state: &AppState,
    applied: &[(Event, Outcome)],
    rs: &engine::ruleset::Ruleset,
    log: &[(String, i64, String)],
    dead: &[store::NewDeadLetter],
    source: &str,
    raised: Raised,
) -> store::Result<u64> {
    let mut warnings = 0;
    for (e, o) in applied {
        if let (Event::Transfer(t), Outcome::Decided(d)) = (e, o)
            && crate::intake::raise_warning(state, t, d, rs, source, raised).await?.is_some()
        {
            warnings += 1;
        }
    }
    state.store.log_events(log).await?;
    for d in dead {
        state.store.add_dead_letter(d).await?;
    }
    Ok(warnings)
}
