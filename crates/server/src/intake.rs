//! From a decision to a stored, routed warning (and from a case to fraud-list entries): one path
//! for the decide API, the stream, imports and the demo, so a warning looks the same whichever
//! way its transfer came in.

use engine::event::Transfer;
use engine::ruleset::{Ruleset, Subject};
use engine::{Action, Decision};
use serde::Serialize;

/// A new warning as the live feed shows it (masked; no personal data in clear).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LiveWarning {
    /// Warning id.
    pub id: i64,
    /// When the transfer happened (ms).
    pub event_ts: i64,
    /// `warn` or `hold`.
    pub action: String,
    /// `high`, `medium`, `low`.
    pub grade: String,
    /// Scenario id.
    pub scenario: String,
    /// Fraud-type hint.
    pub fraud_type_hint: String,
    /// Subject, masked.
    pub subject: String,
    /// Amount in fen.
    pub amount_fen: i64,
    /// Score.
    pub score: f64,
    /// Fired rule ids.
    pub rules: Vec<String>,
    /// Where it was routed (empty: the centre's queue); used to filter by scope, not shown.
    #[serde(skip)]
    pub jurisdiction_path: String,
}

/// Grade of a warning: hold is high; a warn in the upper half between the scenario's two
/// thresholds is medium; the rest low.
pub fn grade(d: &Decision, rs: &Ruleset) -> &'static str {
    let sc = d.scenario.as_deref().and_then(|id| rs.scenarios.iter().find(|x| x.id == id));
    match (d.action, sc) {
        (Action::Hold, _) => "high",
        (_, Some(x)) if d.score >= (x.warn + x.hold) / 2.0 => "medium",
        _ => "low",
    }
}

/// Stores (once per event id) the warning for a decision that warned or held, routed to the
/// payer's jurisdiction and station when the payer's phone is known; `None` for an allow.
pub async fn raise_warning(
    s: &crate::AppState,
    t: &Transfer,
    d: &Decision,
    rs: &Ruleset,
    source: &str,
    raised: crate::stream::Raised,
) -> store::Result<Option<i64>> {
    record_shadow(s, t, d).await;
    if d.action < Action::Warn {
        return Ok(None);
    }
    let sc = d.scenario.as_deref().and_then(|id| rs.scenarios.iter().find(|x| x.id == id));
    // A payer reference that is not a valid mobile number cannot be routed; the warning then
    // goes to the centre's queue with the account as subject.
    let phone = t.payer_person.as_deref().and_then(|p| domain::Phone::parse(p).ok());
    let person_subject = sc.is_some_and(|x| x.subject == Subject::Payer) && phone.is_some();
    let residence = match &phone {
        Some(ph) => s.store.route_phone(ph).await?,
        None => None,
    };
    let g = grade(d, rs);
    let (route, station_id) =
        route_warning(s, source, g, if person_subject { "person" } else { "account" }, residence).await?;
    let subject = match (person_subject, phone.as_ref()) {
        (true, Some(p)) => p.as_str().to_string(),
        _ if sc.is_some_and(|x| x.subject == Subject::Payee) => t.payee.clone(),
        _ => t.payer.clone(),
    };
    let w = store::NewWarning {
        event_id: d.event_id.clone(),
        source: source.to_string(),
        event_ts: t.ts_ms,
        raised_ms: match raised {
            crate::stream::Raised::OnArrival => store::now_ms(),
            crate::stream::Raised::AtEvent => t.ts_ms,
        },
        action: d.action.as_str().into(),
        scenario: d.scenario.clone().unwrap_or_default(),
        score: d.score,
        grade: g.into(),
        fraud_type_hint: sc.map(|x| x.fraud_type_hint.clone()).unwrap_or_default(),
        subject_kind: if person_subject { "person" } else { "account" }.into(),
        subject: subject.clone(),
        payer: t.payer.clone(),
        payee: t.payee.clone(),
        amount_fen: t.amount_fen,
        jurisdiction_id: route.as_ref().map(|(j, _)| *j),
        jurisdiction_path: route.as_ref().map(|(_, p)| p.clone()).unwrap_or_default(),
        station_id,
        ruleset_version: d.ruleset_version.clone(),
        model_version: d.model_version.clone().unwrap_or_default(),
        fired: serde_json::to_string(&d.fired).unwrap_or_else(|_| "[]".into()),
    };
    let id = store_warning(s, &w).await?;
    // Nobody listening is not an error: the feed is a convenience, the table is the record.
    let _ = s.live.send(LiveWarning::of(id, &w, d.score, d.fired.iter().map(|f| f.rule.clone()).collect()));
    Ok(Some(id))
}

/// Records what the candidate in shadow decided beside the decision in force, where either
/// warned. A failure is logged and goes no further: the shadow is never acted on, so it must
/// not hold up the decision in force either.
async fn record_shadow(s: &crate::AppState, t: &Transfer, d: &Decision) {
    let Some(sh) = &d.shadow else { return };
    if d.action < Action::Warn && sh.decision.action < Action::Warn {
        return;
    }
    let recorded = async {
        let station = s.store.residence_station(t.payer_person.as_deref()).await?;
        s.store
            .record_shadow(&store::ShadowDecision {
                run_id: sh.run,
                event_id: d.event_id.clone(),
                event_ts: t.ts_ms,
                live_action: d.action.as_str().into(),
                shadow_action: sh.decision.action.as_str().into(),
                shadow_scenario: sh.decision.scenario.clone().unwrap_or_default(),
                shadow_score: sh.decision.score,
                station_id: station,
                payer: t.payer.clone(),
                payee: t.payee.clone(),
            })
            .await
    };
    if let Err(e) = recorded.await {
        tracing::warn!(error = %e, run = sh.run, "a shadow decision was not recorded");
    }
}

/// Stores a warning with the notifications that announce it, in one transaction.
pub async fn store_warning(s: &crate::AppState, w: &store::NewWarning) -> store::Result<i64> {
    let station = match w.station_id {
        Some(id) => s.store.station(id).await?.map(|st| st.name),
        None => None,
    };
    let notes = crate::notify::for_warning(&s.config.notify, w, station.as_deref());
    s.store.insert_warning_notifying(w, &notes).await
}

/// Where a warning goes under the configured routing (`ServerConfig::routing`): the
/// jurisdiction it is filed under (which decides who sees it) and the responsible station.
/// `residence` is the person's `(jurisdiction id, path)` when known.
pub async fn route_warning(
    s: &crate::AppState,
    source: &str,
    grade: &str,
    subject_kind: &str,
    residence: Option<(i64, String)>,
) -> store::Result<(Option<(i64, String)>, Option<i64>)> {
    use domain::dispatch::RouteTo;
    match s.config.routing.route(source, grade, subject_kind, residence.as_ref().map(|(_, p)| p.as_str())) {
        RouteTo::Residence => {
            let station = match &residence {
                Some((_, path)) => s.store.station_for_path(path).await?,
                None => None,
            };
            Ok((residence, station))
        }
        RouteTo::Centre => Ok((None, None)),
        RouteTo::Station(code) => match s.store.list_stations().await?.into_iter().find(|st| st.code == code) {
            // Filed under the station's precinct, so that its officers see it.
            Some(st) => Ok((st.precinct.first().copied().zip(st.precinct_paths.first().cloned()), Some(st.id))),
            None => {
                tracing::warn!(station = %code, "routing names an unknown station; the warning goes to the centre");
                Ok((None, None))
            }
        },
    }
}

impl LiveWarning {
    /// The feed's view of a stored warning: the subject masked, the rules that fired.
    pub fn of(id: i64, w: &store::NewWarning, score: f64, rules: Vec<String>) -> Self {
        LiveWarning {
            id,
            event_ts: w.event_ts,
            action: w.action.clone(),
            grade: w.grade.clone(),
            scenario: w.scenario.clone(),
            fraud_type_hint: w.fraud_type_hint.clone(),
            subject: store::mask_subject(&w.subject_kind, &w.subject),
            amount_fen: w.amount_fen,
            score,
            rules,
            jurisdiction_path: w.jurisdiction_path.clone(),
        }
    }
}

/// Puts a new case's phones, accounts and URLs on the engine's fraud list as amber: they raise
/// the score at once, and an analyst confirms them red.
pub fn feed_fraud_list(s: &crate::AppState, cases: &[&store::NewCase]) {
    use engine::event::{Colour, Event, ListKind, ListUpdate};
    let now = store::now_ms();
    let mut events = Vec::new();
    for c in cases {
        for (k, (kind, value)) in c.observables.iter().enumerate() {
            let kind = match kind.as_str() {
                "phone" => ListKind::Phone,
                "bank_account" | "payment_account" => ListKind::Account,
                "url" => ListKind::Url,
                _ => continue,
            };
            events.push(Event::List(ListUpdate::add(
                format!("sys:case-{}-{k}", c.case_no),
                now,
                kind,
                value.clone(),
                Colour::Amber,
                format!("案件 {}", c.case_no),
            )));
        }
    }
    s.apply_and_log(&events);
}
