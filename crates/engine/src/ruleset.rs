//! Rules as data: a versioned TOML file of scenarios (each with a warn and a hold threshold)
//! and rules (each a kind, its parameters, a weight and the scenario it scores).

use serde::{Deserialize, Serialize};

/// Who a scenario's warning is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    /// The payer (a resident being defrauded, or a mule paying on).
    Payer,
    /// The payee (a fraud or mule account).
    Payee,
}

/// A scenario: a question the engine answers for every transfer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Stable id (`victim`, `fraud_account`, `mule`).
    pub id: String,
    /// Chinese name.
    pub name_zh: String,
    /// Score from which to warn.
    pub warn: f64,
    /// Score from which to hold.
    pub hold: f64,
    /// Whom the warning concerns.
    pub subject: Subject,
    /// Fraud-type hint given with its warnings.
    #[serde(default)]
    pub fraud_type_hint: String,
}

/// Which side of a transfer a rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The paying account.
    #[default]
    Payer,
    /// The receiving account.
    Payee,
}

impl Side {
    /// Both sides, payer first.
    pub const ALL: [Side; 2] = [Side::Payer, Side::Payee];

    /// The ruleset's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Payer => "payer",
            Side::Payee => "payee",
        }
    }

    /// The name people read.
    pub fn zh(self) -> &'static str {
        match self {
            Side::Payer => "付款方",
            Side::Payee => "收款方",
        }
    }
}

/// Every rule kind's ruleset name (its `kind`) with the name the centre reads, in the order
/// of [`RuleKind`].
pub const RULE_KINDS: [(&str, &str); 13] = [
    ("list_payee", "收款账户在名单"),
    ("list_device", "设备在名单"),
    ("listed_call_before", "转账前接触涉诈号码"),
    ("risky_call_before", "转账前接触高风险来电"),
    ("distinct_counterparties", "交易对手众多"),
    ("payer_count", "多笔转出"),
    ("payer_sum", "转出金额大"),
    ("pass_through", "快进快出"),
    ("new_account", "新开账户"),
    ("dormant_woken", "久未使用后启用"),
    ("first_to_payee", "首次向该账户转账"),
    ("amount_spike", "金额远超以往"),
    ("model", "学习模型评分"),
];

/// What a rule tests, with its parameters.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum RuleKind {
    /// The payee account is on the fraud list (red holds at once whatever the score).
    ListPayee {
        /// Which colour this rule matches.
        colour: crate::event::Colour,
    },
    /// The device is on the fraud list.
    ListDevice {
        /// Which colour this rule matches.
        colour: crate::event::Colour,
    },
    /// The payer took a call/SMS from a listed number within the window before paying.
    ListedCallBefore {
        /// Window, seconds.
        window_s: i64,
    },
    /// The payer took a call/SMS with any of the flagged attributes within the window.
    RiskyCallBefore {
        /// Window, seconds.
        window_s: i64,
        /// Count overseas calls.
        #[serde(default)]
        overseas: bool,
        /// Count virtual-operator calls.
        #[serde(default)]
        virtual_operator: bool,
        /// Count spoofed numbers.
        #[serde(default)]
        spoofed: bool,
    },
    /// Distinct counterparties of one side within the window reach `min`
    /// (payee side: fan-in from many payers; payer side: fan-out to many payees).
    DistinctCounterparties {
        /// Side.
        side: Side,
        /// Window, seconds.
        window_s: i64,
        /// Threshold, this transfer included.
        min: u32,
        /// Count only counterparties first paid (or first paying) within the window: a
        /// household paying its few regular payees is not fanning out, a mule paying fresh
        /// accounts is.
        #[serde(default)]
        new_only: bool,
    },
    /// Outgoing transfers of the payer within the window reach `min` (this one included).
    PayerCount {
        /// Window, seconds.
        window_s: i64,
        /// Threshold.
        min: u32,
    },
    /// Outgoing amount of the payer within the window reaches `min_fen` (this one included).
    PayerSum {
        /// Window, seconds.
        window_s: i64,
        /// Threshold, fen.
        min_fen: i64,
    },
    /// Money passes through the payer: what came in within the window is at least `ratio` of
    /// this transfer, and this transfer is at least `min_share` of what came in.
    PassThrough {
        /// Window, seconds.
        window_s: i64,
        /// Inflow / amount at least.
        ratio: f64,
        /// Amount / inflow at least.
        min_share: f64,
    },
    /// The account of that side was first seen (or opened) less than `age_s` ago.
    NewAccount {
        /// Side.
        side: Side,
        /// Age, seconds.
        age_s: i64,
    },
    /// The account of that side had no activity for at least `idle_s` before this transfer.
    DormantWoken {
        /// Side.
        side: Side,
        /// Idle time, seconds.
        idle_s: i64,
    },
    /// The payer has never paid this payee before (and has some history).
    FirstToPayee {
        /// Least earlier outgoing transfers for the rule to apply.
        min_history: u32,
    },
    /// The amount is at least `factor` times the payer's mean outgoing amount.
    AmountSpike {
        /// Factor.
        factor: f64,
        /// Least earlier outgoing transfers for a mean to count.
        min_history: u32,
    },
    /// A learned model's score (0–1) is at least `min_score`; the weight scales the score.
    Model {
        /// Score from which the rule fires.
        min_score: f64,
    },
}

/// One rule.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Rule {
    /// Stable id, quoted in every decision it fires in.
    pub id: String,
    /// Chinese name shown to analysts.
    pub name_zh: String,
    /// Scenario it scores.
    pub scenario: String,
    /// Points added when it fires.
    pub weight: f64,
    /// Fraud types it serves (documentation, and hints).
    #[serde(default)]
    pub fraud_types: Vec<String>,
    /// Off without deleting it.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// The test.
    #[serde(flatten)]
    pub kind: RuleKind,
}

fn yes() -> bool {
    true
}

/// A versioned ruleset.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ruleset {
    /// Version label, stored with every decision.
    pub version: String,
    /// How long the engine must have watched transfers before the rules that call an account
    /// or a relationship new (`new_account`, `new_only`) fire on what it has not seen: on its
    /// first day every account and every pair is new to it.
    #[serde(default = "default_warm_up_s")]
    pub warm_up_s: i64,
    /// Scenarios.
    #[serde(rename = "scenario")]
    pub scenarios: Vec<Scenario>,
    /// Rules.
    #[serde(rename = "rule")]
    pub rules: Vec<Rule>,
}

fn default_warm_up_s() -> i64 {
    28 * 86_400
}

/// Scenarios a ruleset may have (the engine keeps their scores on the stack).
pub const MAX_SCENARIOS: usize = 16;

/// A ruleset that cannot be used, with the place that is wrong.
#[derive(Debug, thiserror::Error)]
pub enum RulesetError {
    /// Not valid TOML or not our shape.
    #[error("ruleset: {0}")]
    Parse(#[from] toml::de::Error),
    /// Valid shape, wrong content.
    #[error("ruleset: rule '{rule}': {message}")]
    Invalid {
        /// The rule (or scenario) at fault.
        rule: String,
        /// What is wrong.
        message: String,
    },
}

impl Ruleset {
    /// Parses and checks a ruleset.
    pub fn from_toml(text: &str) -> Result<Self, RulesetError> {
        let r: Ruleset = toml::from_str(text)?;
        r.check()?;
        Ok(r)
    }

    /// The ruleset shipped with Fanzha.
    pub fn default_ruleset() -> Self {
        // The shipped file is checked by a test, so this cannot fail at run time.
        Self::from_toml(DEFAULT_RULESET).expect("the shipped ruleset is valid")
    }

    fn check(&self) -> Result<(), RulesetError> {
        let bad = |rule: &str, message: String| Err(RulesetError::Invalid { rule: rule.into(), message });
        if self.scenarios.is_empty() {
            return bad("-", "no scenario".into());
        }
        if self.scenarios.len() > MAX_SCENARIOS {
            return bad("-", format!("{} scenarios; at most {MAX_SCENARIOS}", self.scenarios.len()));
        }
        if !(0..=365 * 86_400).contains(&self.warm_up_s) {
            return bad("-", format!("warm_up_s must be 0..={}", 365 * 86_400));
        }
        for s in &self.scenarios {
            if !(s.warn > 0.0 && s.hold >= s.warn) {
                return bad(&s.id, format!("need 0 < warn ({}) <= hold ({})", s.warn, s.hold));
            }
        }
        let mut ids = std::collections::HashSet::new();
        for r in &self.rules {
            if !ids.insert(r.id.as_str()) {
                return bad(&r.id, "duplicate rule id".into());
            }
            if !self.scenarios.iter().any(|s| s.id == r.scenario) {
                return bad(&r.id, format!("unknown scenario '{}'", r.scenario));
            }
            if !r.weight.is_finite() || r.weight < 0.0 {
                return bad(&r.id, "weight must be a non-negative number".into());
            }
            let window = match &r.kind {
                RuleKind::ListedCallBefore { window_s }
                | RuleKind::RiskyCallBefore { window_s, .. }
                | RuleKind::DistinctCounterparties { window_s, .. }
                | RuleKind::PayerCount { window_s, .. }
                | RuleKind::PayerSum { window_s, .. }
                | RuleKind::PassThrough { window_s, .. } => Some(*window_s),
                _ => None,
            };
            if let Some(w) = window
                && !(1..=crate::state::MAX_WINDOW_S).contains(&w)
            {
                return bad(&r.id, format!("window_s must be 1..={}", crate::state::MAX_WINDOW_S));
            }
        }
        Ok(())
    }

    /// Index of a scenario by id.
    pub fn scenario_index(&self, id: &str) -> Option<usize> {
        self.scenarios.iter().position(|s| s.id == id)
    }
}

/// The default ruleset, documented rule by rule in docs/RULES.md.
pub const DEFAULT_RULESET: &str = include_str!("../rules/default.toml");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_kind_has_its_name_in_order() {
        use crate::event::Colour::Red;
        let kinds = [
            RuleKind::ListPayee { colour: Red },
            RuleKind::ListDevice { colour: Red },
            RuleKind::ListedCallBefore { window_s: 1 },
            RuleKind::RiskyCallBefore { window_s: 1, overseas: true, virtual_operator: false, spoofed: false },
            RuleKind::DistinctCounterparties { side: Side::Payee, window_s: 1, min: 2, new_only: false },
            RuleKind::PayerCount { window_s: 1, min: 2 },
            RuleKind::PayerSum { window_s: 1, min_fen: 2 },
            RuleKind::PassThrough { window_s: 1, ratio: 0.9, min_share: 0.9 },
            RuleKind::NewAccount { side: Side::Payee, age_s: 1 },
            RuleKind::DormantWoken { side: Side::Payer, idle_s: 1 },
            RuleKind::FirstToPayee { min_history: 1 },
            RuleKind::AmountSpike { factor: 2.0, min_history: 1 },
            RuleKind::Model { min_score: 0.5 },
        ];
        for (k, (code, zh)) in kinds.iter().zip(RULE_KINDS) {
            let v = serde_json::to_value(k).expect("a rule kind serialises");
            assert_eq!(v["kind"], code, "{zh}");
        }
        // A kind added to the enum but not to this test and the list fails to compile here:
        // the match below has no wildcard.
        for k in &kinds {
            match k {
                RuleKind::ListPayee { .. }
                | RuleKind::ListDevice { .. }
                | RuleKind::ListedCallBefore { .. }
                | RuleKind::RiskyCallBefore { .. }
                | RuleKind::DistinctCounterparties { .. }
                | RuleKind::PayerCount { .. }
                | RuleKind::PayerSum { .. }
                | RuleKind::PassThrough { .. }
                | RuleKind::NewAccount { .. }
                | RuleKind::DormantWoken { .. }
                | RuleKind::FirstToPayee { .. }
                | RuleKind::AmountSpike { .. }
                | RuleKind::Model { .. } => {}
            }
        }
    }

    #[test]
    fn shipped_ruleset_is_valid() {
        let r = Ruleset::default_ruleset();
        assert!(r.rules.len() >= 12);
        assert!(r.rules.iter().any(|x| matches!(x.kind, RuleKind::ListPayee { colour: crate::event::Colour::Red })));
    }

    #[test]
    fn bad_rulesets_name_the_rule() {
        let base = r#"version = "t"
[[scenario]]
id = "s"
name_zh = "x"
warn = 10
hold = 20
subject = "payer"
"#;
        let e = Ruleset::from_toml(&format!("{base}[[rule]]\nid = \"r1\"\nname_zh = \"x\"\nscenario = \"nope\"\nweight = 1\nkind = \"first_to_payee\"\nmin_history = 1\n")).expect_err("unknown scenario");
        assert!(e.to_string().contains("r1"), "{e}");
        let e = Ruleset::from_toml(&format!("{base}[[rule]]\nid = \"r2\"\nname_zh = \"x\"\nscenario = \"s\"\nweight = 1\nkind = \"payer_count\"\nwindow_s = 0\nmin = 3\n")).expect_err("zero window");
        assert!(e.to_string().contains("r2"), "{e}");
        assert!(
            Ruleset::from_toml(&format!(
                "{base}[[rule]]\nid = \"r3\"\nname_zh = \"x\"\nscenario = \"s\"\nweight = 1\nkind = \"bogus\"\n"
            ))
            .is_err()
        );
    }
}
