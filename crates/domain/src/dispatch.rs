//! Dispatch and dissuasion of a warning (预警劝阻 / 见面宣防): its states, the steps that move
//! it, and the deadlines of a versioned policy per risk grade — computed, never typed.

use serde::{Deserialize, Serialize};

use crate::InvalidValue;

/// Where a warning is in its handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Raised or pushed, not yet taken by anyone.
    Received,
    /// Signed for by the station (签收).
    SignedFor,
    /// Contact attempted (phone, SMS, robot call, family).
    Contacting,
    /// Met face to face (见面劝阻).
    FaceToFace,
    /// Closed with an outcome: final.
    Closed,
}

impl State {
    /// Every state, in the order a warning moves through them.
    pub const ALL: [State; 5] = [Self::Received, Self::SignedFor, Self::Contacting, Self::FaceToFace, Self::Closed];

    /// The name people read.
    pub fn zh(self) -> &'static str {
        match self {
            Self::Received => "待签收",
            Self::SignedFor => "已签收",
            Self::Contacting => "联系中",
            Self::FaceToFace => "已见面",
            Self::Closed => "已办结",
        }
    }

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::SignedFor => "signed_for",
            Self::Contacting => "contacting",
            Self::FaceToFace => "face_to_face",
            Self::Closed => "closed",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        Ok(match s {
            "received" => Self::Received,
            "signed_for" => Self::SignedFor,
            "contacting" => Self::Contacting,
            "face_to_face" => Self::FaceToFace,
            "closed" => Self::Closed,
            other => return Err(InvalidValue::new("status", format!("unknown warning state '{other}'"))),
        })
    }
}

/// How a warning ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The person was stopped in time (劝阻成功).
    Dissuaded,
    /// The money was already gone: a case follows.
    AlreadyDefrauded,
    /// Not fraud.
    FalsePositive,
    /// Nobody could be reached.
    Unreachable,
    /// The person refused to listen.
    Refused,
}

impl Outcome {
    /// Every outcome.
    pub const ALL: [Outcome; 5] =
        [Self::Dissuaded, Self::AlreadyDefrauded, Self::FalsePositive, Self::Unreachable, Self::Refused];

    /// The name people read.
    pub fn zh(self) -> &'static str {
        match self {
            Self::Dissuaded => "劝阻成功",
            Self::AlreadyDefrauded => "已被骗",
            Self::FalsePositive => "误报",
            Self::Unreachable => "联系不上",
            Self::Refused => "拒不配合",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        Ok(match s {
            "dissuaded" => Self::Dissuaded,
            "already_defrauded" => Self::AlreadyDefrauded,
            "false_positive" => Self::FalsePositive,
            "unreachable" => Self::Unreachable,
            "refused" => Self::Refused,
            other => {
                return Err(InvalidValue::new(
                    "outcome",
                    format!(
                        "unknown outcome '{other}' (dissuaded, already_defrauded, false_positive, unreachable, refused)"
                    ),
                ));
            }
        })
    }

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dissuaded => "dissuaded",
            Self::AlreadyDefrauded => "already_defrauded",
            Self::FalsePositive => "false_positive",
            Self::Unreachable => "unreachable",
            Self::Refused => "refused",
        }
    }
}

/// A step taken on a warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// 签收.
    SignFor,
    /// A contact attempt.
    Contact,
    /// Met the person.
    Visit,
    /// Closed with an outcome.
    Close(Outcome),
}

impl Step {
    /// The stored name (`sign_for`, `contact`, `visit`, `close`), as the API takes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignFor => "sign_for",
            Self::Contact => "contact",
            Self::Visit => "visit",
            Self::Close(_) => "close",
        }
    }

    /// The state a warning in `from` reaches by this step, or why it cannot.
    pub fn apply(self, from: State) -> Result<State, InvalidValue> {
        let refuse = |m: &str| Err(InvalidValue::new("step", m.to_string()));
        match (from, self) {
            (State::Closed, _) => refuse("the warning is closed; a correction is an amendment, not a new step"),
            (State::Received, Step::SignFor) => Ok(State::SignedFor),
            (_, Step::SignFor) => refuse("already signed for"),
            (State::Received, _) => refuse("sign for the warning first"),
            (State::SignedFor | State::Contacting, Step::Contact) => Ok(State::Contacting),
            (State::FaceToFace, Step::Contact) => Ok(State::FaceToFace),
            (_, Step::Visit) => Ok(State::FaceToFace),
            (_, Step::Close(_)) => Ok(State::Closed),
        }
    }
}

/// Deadlines of one risk grade, in minutes after the warning was received.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadlines {
    /// Sign for within.
    pub sign_min: i64,
    /// First contact within.
    pub contact_min: i64,
    /// Face to face within.
    pub visit_min: i64,
}

/// The versioned deadline policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// Version.
    pub version: String,
    /// High risk.
    pub high: Deadlines,
    /// Medium risk.
    pub medium: Deadlines,
    /// Low risk.
    pub low: Deadlines,
    /// Overdue this many minutes past a deadline, the centre is alerted too (before: the
    /// station chief).
    pub centre_after_min: i64,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            version: "2026.11-1".into(),
            high: Deadlines { sign_min: 10, contact_min: 30, visit_min: 120 },
            medium: Deadlines { sign_min: 30, contact_min: 120, visit_min: 1_440 },
            low: Deadlines { sign_min: 120, contact_min: 1_440, visit_min: 4_320 },
            centre_after_min: 60,
        }
    }
}

/// Who must act on an overdue warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Escalation {
    /// In time.
    None,
    /// Overdue: the station chief.
    StationChief,
    /// Long overdue: the anti-fraud centre as well.
    Centre,
}

/// What is due next on a warning and whether it is late.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Due {
    /// The next step due (`sign_for`, `contact`, `visit`), none when closed or visited.
    pub next: Option<&'static str>,
    /// Its deadline (ms).
    pub by_ms: Option<i64>,
    /// Escalation at `now`.
    pub escalation: Escalation,
}

impl Policy {
    /// Deadlines of a grade (`high`, `medium`, anything else low).
    pub fn of(&self, grade: &str) -> Deadlines {
        match grade {
            "high" => self.high,
            "medium" => self.medium,
            _ => self.low,
        }
    }

    /// The next step due on a warning received at `received_ms`, now in `state`, and how late
    /// it is at `now_ms`.
    pub fn due(&self, grade: &str, state: State, received_ms: i64, now_ms: i64) -> Due {
        let d = self.of(grade);
        let (next, min) = match state {
            State::Received => (Some("sign_for"), d.sign_min),
            State::SignedFor => (Some("contact"), d.contact_min),
            State::Contacting => (Some("visit"), d.visit_min),
            State::FaceToFace | State::Closed => (None, 0),
        };
        let by_ms = next.map(|_| received_ms + min * 60_000);
        let escalation = match by_ms {
            Some(by) if now_ms > by + self.centre_after_min * 60_000 => Escalation::Centre,
            Some(by) if now_ms > by => Escalation::StationChief,
            _ => Escalation::None,
        };
        Due { next, by_ms, escalation }
    }
}

/// The steps taken on a warning, as the API names them, with the names people read.
pub const STEPS: [(&str, &str); 4] =
    [("sign_for", "签收"), ("contact", "联系"), ("visit", "见面劝阻"), ("close", "办结")];

/// How a station tries to reach the person (a contact step's channel).
pub const CONTACT_CHANNELS: [(&str, &str); 4] =
    [("phone", "电话"), ("sms", "短信"), ("robot_call", "机器人外呼"), ("family", "联系家属")];

/// The dissuasion checklist (劝阻要点) an officer ticks at the face-to-face visit or at closing.
pub const CHECKLIST: [(&str, &str); 7] = [
    ("told_method", "已讲清所涉诈骗手法"),
    ("checked_money", "已核实资金是否已转出"),
    ("stopped_transfer", "已阻止转账或协助止付"),
    ("app_installed", "已指导安装国家反诈中心App"),
    ("family_told", "已告知家属或监护人"),
    ("pledge", "已签署或口述反诈承诺"),
    ("followup", "已约定回访"),
];

/// Checks checklist items against [`CHECKLIST`]; the stored form keeps the list's order, once each.
pub fn checklist(items: &[String]) -> Result<Vec<&'static str>, InvalidValue> {
    for i in items {
        if !CHECKLIST.iter().any(|(k, _)| k == i) {
            return Err(InvalidValue::new("checklist", format!("unknown item '{i}'")));
        }
    }
    Ok(CHECKLIST.iter().map(|(k, _)| *k).filter(|k| items.iter().any(|i| i == k)).collect())
}

/// The checklist a step carries: a face-to-face visit and a close as dissuaded must say what
/// was done (at least one item); signing for and contacting carry none.
pub fn checklist_for(step: Step, items: &[String]) -> Result<Vec<&'static str>, InvalidValue> {
    let ticked = checklist(items)?;
    match step {
        Step::Visit | Step::Close(Outcome::Dissuaded) if ticked.is_empty() => Err(InvalidValue::new(
            "checklist",
            "tick at least one item of what was done (a face-to-face visit, a dissuasion)",
        )),
        Step::SignFor | Step::Contact if !ticked.is_empty() => {
            Err(InvalidValue::new("checklist", "ticked at the face-to-face visit or at closing"))
        }
        _ => Ok(ticked),
    }
}

/// Largest evidence file accepted.
pub const EVIDENCE_MAX_BYTES: usize = 10 * 1024 * 1024;

/// The kind and MIME type of an evidence file, from its first bytes (never from its name):
/// photos (JPEG, PNG) and recordings (MP3, M4A/AAC, WAV, AMR); `None` for anything else.
pub fn evidence_kind(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    let b = bytes;
    if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(("photo", "image/jpeg"))
    } else if b.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(("photo", "image/png"))
    } else if b.starts_with(b"ID3") || (b.len() > 1 && b[0] == 0xFF && (b[1] & 0xE0) == 0xE0) {
        Some(("recording", "audio/mpeg"))
    } else if b.len() > 12
        && &b[4..8] == b"ftyp"
        && (&b[8..11] == b"M4A" || &b[8..12] == b"mp42" || &b[8..12] == b"isom")
    {
        Some(("recording", "audio/mp4"))
    } else if b.len() > 12 && b.starts_with(b"RIFF") && &b[8..12] == b"WAVE" {
        Some(("recording", "audio/wav"))
    } else if b.starts_with(b"#!AMR") {
        Some(("recording", "audio/amr"))
    } else {
        None
    }
}

/// Where a warning goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RouteTo {
    /// The station of the person's residence (the centre's queue when unknown): the default.
    Residence,
    /// A named station (by code), whatever the residence.
    Station(String),
    /// The anti-fraud centre's queue.
    Centre,
}

/// One routing rule: every condition given must hold; the first rule that holds decides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct RouteRule {
    /// Sources it applies to (engine, national, provincial, city, 96110, bank, operator); empty: all.
    pub sources: Vec<String>,
    /// Grades it applies to; empty: all.
    pub grades: Vec<String>,
    /// Subject kinds (person, person_id, account); empty: all.
    pub subject_kinds: Vec<String>,
    /// Only when the resident was found under this jurisdiction path prefix (`/1/5/`).
    pub residence_under: Option<String>,
    /// Where to send it.
    pub to: Option<RouteTo>,
}

/// The versioned routing of warnings (`[routing]` in the configuration).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Routing {
    /// Version, shown with the rules.
    pub version: String,
    /// Rules in order.
    pub rules: Vec<RouteRule>,
}

impl Default for Routing {
    fn default() -> Self {
        Self { version: "default".into(), rules: vec![] }
    }
}

impl Routing {
    /// Where a warning goes; with no rule holding, to the residence.
    pub fn route(&self, source: &str, grade: &str, subject_kind: &str, residence_path: Option<&str>) -> RouteTo {
        let holds = |r: &RouteRule| {
            (r.sources.is_empty() || r.sources.iter().any(|x| x == source))
                && (r.grades.is_empty() || r.grades.iter().any(|x| x == grade))
                && (r.subject_kinds.is_empty() || r.subject_kinds.iter().any(|x| x == subject_kind))
                && r.residence_under.as_deref().is_none_or(|p| residence_path.is_some_and(|rp| rp.starts_with(p)))
        };
        self.rules.iter().find(|r| holds(r)).and_then(|r| r.to.clone()).unwrap_or(RouteTo::Residence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_lists_name_every_code_once_in_chinese() {
        for st in State::ALL {
            assert_eq!(State::parse(st.as_str()).ok(), Some(st));
            assert!(!st.zh().is_ascii());
        }
        for o in Outcome::ALL {
            assert_eq!(Outcome::parse(o.as_str()).ok(), Some(o));
            assert!(!o.zh().is_ascii());
        }
        let steps = [Step::SignFor, Step::Contact, Step::Visit, Step::Close(Outcome::Dissuaded)].map(Step::as_str);
        assert_eq!(STEPS.map(|(code, _)| code), steps);
        for c in crate::case::CaseStatus::ALL {
            assert_eq!(crate::case::CaseStatus::parse(c.as_str()).ok(), Some(c));
            assert!(!c.zh().is_ascii());
        }
        // An observable kind may be an acronym people read as is (APP).
        assert!(crate::case::OBSERVABLE_KINDS.iter().all(|(code, zh)| code.is_ascii() && !zh.is_empty()));
        for (code, zh) in CONTACT_CHANNELS.iter().chain(&CHECKLIST).chain(&STEPS) {
            assert!(code.is_ascii() && !zh.is_ascii(), "{code} {zh}");
        }
    }

    #[test]
    fn first_rule_that_holds_routes() {
        let r: Routing = toml_like(vec![
            RouteRule { sources: vec!["bank".into()], to: Some(RouteTo::Centre), ..Default::default() },
            RouteRule {
                grades: vec!["high".into()],
                residence_under: Some("/1/5/".into()),
                to: Some(RouteTo::Station("PS05".into())),
                ..Default::default()
            },
        ]);
        assert_eq!(r.route("bank", "high", "account", None), RouteTo::Centre);
        assert_eq!(r.route("national", "high", "person", Some("/1/5/9/")), RouteTo::Station("PS05".into()));
        assert_eq!(r.route("national", "low", "person", Some("/1/5/9/")), RouteTo::Residence, "no rule holds");
        assert_eq!(
            r.route("national", "high", "person", None),
            RouteTo::Residence,
            "residence unknown: the prefix rule cannot hold"
        );
        assert_eq!(Routing::default().route("engine", "high", "person", Some("/1/")), RouteTo::Residence);
    }

    fn toml_like(rules: Vec<RouteRule>) -> Routing {
        Routing { version: "t".into(), rules }
    }

    #[test]
    fn evidence_is_judged_by_its_bytes() {
        assert_eq!(evidence_kind(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]), Some(("photo", "image/jpeg")));
        assert_eq!(evidence_kind(b"\x89PNG\r\n\x1a\n...."), Some(("photo", "image/png")));
        assert_eq!(evidence_kind(b"ID3\x04\x00"), Some(("recording", "audio/mpeg")));
        assert_eq!(evidence_kind(b"RIFF\x00\x00\x00\x00WAVEfmt "), Some(("recording", "audio/wav")));
        assert_eq!(evidence_kind(b"#!AMR\n"), Some(("recording", "audio/amr")));
        assert_eq!(evidence_kind(b"<html><script>"), None, "a page renamed .jpg is refused");
        assert_eq!(evidence_kind(b"MZ\x90\x00"), None);
        assert_eq!(evidence_kind(b""), None);
    }

    #[test]
    fn a_visit_and_a_dissuasion_say_what_was_done() {
        let none: Vec<String> = vec![];
        let one = vec!["pledge".to_string()];
        assert!(checklist_for(Step::Visit, &none).is_err());
        assert!(checklist_for(Step::Close(Outcome::Dissuaded), &none).is_err());
        assert_eq!(checklist_for(Step::Visit, &one).expect("ok"), ["pledge"]);
        assert!(checklist_for(Step::Close(Outcome::FalsePositive), &none).expect("ok").is_empty());
        assert!(checklist_for(Step::Contact, &one).is_err());
        assert!(checklist_for(Step::SignFor, &none).expect("ok").is_empty());
    }

    #[test]
    fn checklist_items_are_known_and_kept_in_order() {
        let got = checklist(&["pledge".into(), "told_method".into(), "pledge".into()]).expect("ok");
        assert_eq!(got, vec!["told_method", "pledge"]);
        assert!(checklist(&["hugged".into()]).is_err());
    }
    use proptest::prelude::*;

    #[test]
    fn the_path_of_a_warning() {
        let mut s = State::Received;
        assert!(Step::Contact.apply(s).is_err(), "sign for first");
        s = Step::SignFor.apply(s).expect("sign");
        s = Step::Contact.apply(s).expect("call");
        s = Step::Contact.apply(s).expect("call again");
        s = Step::Visit.apply(s).expect("visit");
        s = Step::Close(Outcome::Dissuaded).apply(s).expect("close");
        assert_eq!(s, State::Closed);
    }

    #[test]
    fn deadlines_escalate() {
        let p = Policy::default();
        let t0 = 1_000_000;
        assert_eq!(p.due("high", State::Received, t0, t0 + 5 * 60_000).escalation, Escalation::None);
        assert_eq!(p.due("high", State::Received, t0, t0 + 11 * 60_000).escalation, Escalation::StationChief);
        assert_eq!(p.due("high", State::Received, t0, t0 + 71 * 60_000).escalation, Escalation::Centre);
        assert_eq!(p.due("high", State::SignedFor, t0, t0 + 11 * 60_000).by_ms, Some(t0 + 30 * 60_000));
        assert_eq!(p.due("low", State::FaceToFace, t0, t0 + 1_000 * 60_000).next, None);
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            Just(Step::SignFor),
            Just(Step::Contact),
            Just(Step::Visit),
            Just(Step::Close(Outcome::Dissuaded)),
            Just(Step::Close(Outcome::Refused))
        ]
    }

    proptest! {
        /// Whatever steps are tried, a closed warning never changes again and nothing is
        /// contacted, visited or closed before it is signed for.
        #[test]
        fn closed_is_final_and_signing_comes_first(steps in proptest::collection::vec(step(), 0..20)) {
            let mut s = State::Received;
            let mut signed = false;
            for st in steps {
                if let Ok(next) = st.apply(s) {
                    prop_assert!(s != State::Closed);
                    if st == Step::SignFor { signed = true; } else { prop_assert!(signed); }
                    s = next;
                }
            }
        }
    }
}
