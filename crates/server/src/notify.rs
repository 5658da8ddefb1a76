//! Notifications of new warnings: in-app for the station (or the centre) that must act, and
//! webhooks for SMS or messaging gateways. Both are written to the outbox in the warning's own
//! transaction; a worker delivers webhooks with back-off until the gateway answers 2xx, with
//! an `Idempotency-Key` header so a gateway that saw an attempt before can drop the repeat.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::AppState;

/// A webhook target (`[[notify.webhooks]]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Webhook {
    /// Name shown in the outbox.
    pub name: String,
    /// `http://…` endpoint that takes a JSON POST.
    pub url: String,
    /// Risk grades it wants (empty: all).
    #[serde(default)]
    pub grades: Vec<String>,
}

/// The `[notify]` settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotifyConfig {
    /// Webhook targets.
    pub webhooks: Vec<Webhook>,
    /// How often the worker looks for due deliveries, ms.
    pub poll_ms: u64,
    /// First retry delay, ms (doubled per failure, at most ten minutes).
    pub retry_base_ms: i64,
    /// Timeout of one delivery, ms.
    pub timeout_ms: u64,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        Self { webhooks: Vec::new(), poll_ms: 2_000, retry_base_ms: 5_000, timeout_ms: 5_000 }
    }
}

/// The notifications announcing a new warning (built before it is stored, so that both go in
/// one transaction). The body carries only masked data.
pub fn for_warning(
    cfg: &NotifyConfig,
    w: &store::NewWarning,
    station_name: Option<&str>,
) -> Vec<store::NewNotification> {
    let who = match w.station_id {
        Some(id) => format!("station:{id}"),
        None => "centre".to_string(),
    };
    let grade_zh = match w.grade.as_str() {
        "high" => "高风险",
        "medium" => "中风险",
        _ => "低风险",
    };
    let title = format!(
        "{}预警：{}（{}）",
        grade_zh,
        store::mask_subject(&w.subject_kind, &w.subject),
        station_name.unwrap_or(store::CENTRE_ZH)
    );
    let body = serde_json::json!({
        "event_id": w.event_id, "source": w.source, "grade": w.grade, "fraud_type_hint": w.fraud_type_hint,
        "subject": store::mask_subject(&w.subject_kind, &w.subject), "amount_fen": w.amount_fen, "station": station_name, "event_ts": w.event_ts,
    })
    .to_string();
    let mut out = vec![store::NewNotification {
        idempotency_key: format!("warning:{}:{who}", w.event_id),
        channel: "in_app".into(),
        target: who,
        kind: "warning".into(),
        title: title.clone(),
        body: body.clone(),
        jurisdiction_path: w.jurisdiction_path.clone(),
    }];
    for h in cfg.webhooks.iter().filter(|h| h.grades.is_empty() || h.grades.contains(&w.grade)) {
        out.push(store::NewNotification {
            idempotency_key: format!("warning:{}:{}", w.event_id, h.name),
            channel: "webhook".into(),
            target: h.name.clone(),
            kind: "warning".into(),
            title: title.clone(),
            body: body.clone(),
            jurisdiction_path: w.jurisdiction_path.clone(),
        });
    }
    out
}

/// Delivers due webhook notifications until the process ends.
pub async fn run(state: AppState) {
    let cfg = state.config.notify.clone();
    let client = match reqwest::Client::builder().timeout(Duration::from_millis(cfg.timeout_ms)).build() {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "no HTTP client: webhooks stay in the outbox");
            return;
        }
    };
    let mut tick = tokio::time::interval(Duration::from_millis(cfg.poll_ms.max(50)));
    loop {
        tick.tick().await;
        if let Err(e) = deliver_due(&state, &client, &cfg).await {
            tracing::warn!(error = %e, "notification delivery round failed; retrying next round");
        }
    }
}

async fn deliver_due(state: &AppState, client: &reqwest::Client, cfg: &NotifyConfig) -> store::Result<()> {
    for n in state.store.due_webhooks(store::now_ms(), 50).await? {
        let Some(hook) = cfg.webhooks.iter().find(|h| h.name == n.target) else {
            // A webhook removed from the config: keep the row, try again later, say why.
            let next = store::now_ms() + domain::notify::MAX_RETRY_MS;
            state
                .store
                .notification_failed(n.id, next, &format!("no webhook named '{}' is configured", n.target))
                .await?;
            continue;
        };
        let payload = serde_json::json!({"id": n.id, "kind": n.kind, "title": n.title, "body": serde_json::from_str::<serde_json::Value>(&n.body).unwrap_or_default(), "created_at": n.created_at});
        let res = client.post(&hook.url).header("Idempotency-Key", &n.idempotency_key).json(&payload).send().await;
        match res {
            Ok(r) if r.status().is_success() => {
                state.store.notification_delivered(n.id).await?;
                tracing::info!(id = n.id, target = %n.target, "notification delivered");
            }
            other => {
                let why = match other {
                    Ok(r) => format!("HTTP {}", r.status()),
                    Err(e) => e.to_string(),
                };
                let next = store::now_ms() + domain::notify::retry_delay_ms(n.attempts, cfg.retry_base_ms);
                tracing::warn!(id = n.id, target = %n.target, attempts = n.attempts + 1, error = %why, "notification not delivered; will retry");
                state.store.notification_failed(n.id, next, &why).await?;
            }
        }
    }
    Ok(())
}
