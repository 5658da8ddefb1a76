//! Labels for learning, from what the work system found out: a warning's final outcome, the
//! accounts that cases, confirmed clues and executed stop-payments named as fraud. Each piece
//! of evidence carries the time it became known, and a label is only ever read "as known at"
//! a moment: a model trained up to a day learns nothing that was found out after it.

use std::collections::HashMap;

/// Something the work system established, and when.
#[derive(Debug, Clone, PartialEq)]
pub enum Evidence {
    /// A warning raised on the transfer `event_id` was closed with `outcome` (`dissuaded`,
    /// `already_defrauded`, `false_positive`, …) at `at_ms`.
    WarningClosed {
        /// The decided transfer's event id.
        event_id: String,
        /// The closing outcome.
        outcome: String,
        /// When it was closed.
        at_ms: i64,
    },
    /// `account` was named as a fraud account (a case's suspects' account, a confirmed clue,
    /// an executed stop-payment) at `at_ms`.
    FraudAccount {
        /// The account number.
        account: String,
        /// When it became known.
        at_ms: i64,
    },
}

/// A transfer's label as known at some moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Label {
    /// Fraud (the money went to, or came from, a fraud account; or a person was being defrauded).
    pub fraud: bool,
    /// When the work system knew it.
    pub known_at_ms: i64,
}

/// Outcomes that say a warning was about a real fraud: a person was being defrauded (and was
/// talked out of it, or was not).
pub const FRAUD_OUTCOMES: [&str; 2] = ["dissuaded", "already_defrauded"];
/// The outcome that says a warning was about nothing.
pub const NORMAL_OUTCOME: &str = "false_positive";

/// Labels transfers from the evidence.
#[derive(Debug, Default)]
pub struct Labeller {
    warnings: HashMap<String, Label>,
    /// The earliest time each account was named as fraud.
    accounts: HashMap<String, i64>,
}

impl Labeller {
    /// Gathers the evidence (in any order).
    pub fn new(evidence: impl IntoIterator<Item = Evidence>) -> Self {
        let mut l = Self::default();
        for e in evidence {
            match e {
                Evidence::WarningClosed { event_id, outcome, at_ms } => {
                    let fraud = FRAUD_OUTCOMES.contains(&outcome.as_str());
                    if fraud || outcome == NORMAL_OUTCOME {
                        l.warnings.insert(event_id, Label { fraud, known_at_ms: at_ms });
                    }
                }
                Evidence::FraudAccount { account, at_ms } => {
                    let t = l.accounts.entry(account).or_insert(at_ms);
                    *t = (*t).min(at_ms);
                }
            }
        }
        l
    }

    /// How many warnings closed with a usable outcome, and how many accounts are named.
    pub fn counts(&self) -> (usize, usize) {
        (self.warnings.len(), self.accounts.len())
    }

    /// The label of a transfer as the work system knew it at `as_of_ms`, or `None` when nothing
    /// was known of it by then. A warning's outcome speaks for its transfer; otherwise a
    /// transfer to or from an account named as fraud is fraud, once it was named.
    pub fn label(&self, event_id: &str, payer: &str, payee: &str, as_of_ms: i64) -> Option<Label> {
        if let Some(l) = self.warnings.get(event_id).filter(|l| l.known_at_ms <= as_of_ms) {
            return Some(*l);
        }
        let named = |a: &str| self.accounts.get(a).copied().filter(|t| *t <= as_of_ms);
        match (named(payee), named(payer)) {
            (Some(a), Some(b)) => Some(Label { fraud: true, known_at_ms: a.min(b) }),
            (Some(t), None) | (None, Some(t)) => Some(Label { fraud: true, known_at_ms: t }),
            (None, None) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev() -> Labeller {
        Labeller::new([
            Evidence::WarningClosed { event_id: "T1".into(), outcome: "already_defrauded".into(), at_ms: 100 },
            Evidence::WarningClosed { event_id: "T2".into(), outcome: "false_positive".into(), at_ms: 200 },
            Evidence::WarningClosed { event_id: "T3".into(), outcome: "unreachable".into(), at_ms: 50 },
            Evidence::FraudAccount { account: "MULE".into(), at_ms: 300 },
            Evidence::FraudAccount { account: "MULE".into(), at_ms: 250 },
        ])
    }

    #[test]
    fn a_label_is_only_known_from_its_time() {
        let l = ev();
        assert_eq!(l.label("T1", "A", "B", 99), None);
        assert_eq!(l.label("T1", "A", "B", 100), Some(Label { fraud: true, known_at_ms: 100 }));
        assert_eq!(l.label("T2", "A", "B", 1_000), Some(Label { fraud: false, known_at_ms: 200 }));
        // An outcome that says nothing of fraud labels nothing.
        assert_eq!(l.label("T3", "A", "B", 1_000), None);
        // The earliest naming of an account counts, on either side.
        assert_eq!(l.label("T9", "A", "MULE", 249), None);
        assert_eq!(l.label("T9", "A", "MULE", 250), Some(Label { fraud: true, known_at_ms: 250 }));
        assert_eq!(l.label("T9", "MULE", "B", 260).map(|x| x.fraud), Some(true));
        assert_eq!(l.counts(), (2, 1));
    }

    #[test]
    fn a_warning_outcome_outranks_the_account() {
        // The centre closed T2 as a false positive; the payee was named later in a case, but
        // that payment itself was checked and was not fraud.
        let l = Labeller::new([
            Evidence::WarningClosed { event_id: "T2".into(), outcome: "false_positive".into(), at_ms: 200 },
            Evidence::FraudAccount { account: "B".into(), at_ms: 100 },
        ]);
        assert_eq!(l.label("T2", "A", "B", 1_000).map(|x| x.fraud), Some(false));
        assert_eq!(l.label("T2", "A", "B", 150).map(|x| x.fraud), Some(true));
    }
}
