//! What the work system found out, as evidence for learning ([`domain::labels`]).

use domain::labels::Evidence;
use pii::Field;

use crate::{Result, Store, on_pool};

impl Store {
    /// Every outcome that labels transfers, with the time it became known: warnings closed
    /// (their outcome and closing time), the suspects' accounts of cases (when the case was
    /// reported), accounts of confirmed clues (when confirmed) and of executed stop-payments
    /// and freezes (when the bank executed them). Clear account numbers: the caller learns
    /// from them and keeps none.
    pub async fn learning_evidence(&self) -> Result<Vec<Evidence>> {
        let v = self.vault();
        let mut out = Vec::new();
        let closed: Vec<(String, String, i64)> = on_pool!(&self.db, p => sqlx::query_as(
            "SELECT w.event_id, w.outcome, MAX(s.at_ms) FROM warnings w JOIN warning_steps s ON s.warning_id = w.id \
             WHERE w.outcome <> '' AND s.step = 'close' GROUP BY w.event_id, w.outcome")
            .fetch_all(p).await?);
        out.extend(closed.into_iter().map(|(event_id, outcome, at_ms)| Evidence::WarningClosed {
            event_id,
            outcome,
            at_ms,
        }));
        let observed: Vec<(Vec<u8>, i64)> = on_pool!(&self.db, p => sqlx::query_as(
            "SELECT o.value_enc, c.reported_at FROM case_observables o JOIN cases c ON c.id = o.case_id \
             WHERE o.kind IN ('bank_account', 'payment_account')")
            .fetch_all(p).await?);
        for (enc, at_ms) in observed {
            out.push(Evidence::FraudAccount { account: v.decrypt(Field::Event, &enc)?, at_ms });
        }
        let clues: Vec<(Vec<u8>, i64)> = on_pool!(&self.db, p => sqlx::query_as(
            "SELECT value_enc, reviewed_at FROM clues WHERE status = 'confirmed' AND kind = 'account' AND reviewed_at IS NOT NULL")
            .fetch_all(p).await?);
        for (enc, at_ms) in clues {
            out.push(Evidence::FraudAccount { account: v.decrypt(Field::Event, &enc)?, at_ms });
        }
        let executed: Vec<(Vec<u8>, i64)> = on_pool!(&self.db, p => sqlx::query_as(
            "SELECT account_enc, answered_at FROM bank_requests WHERE status = 'executed' AND kind IN ('stop_payment', 'freeze') AND answered_at IS NOT NULL")
            .fetch_all(p).await?);
        for (enc, at_ms) in executed {
            out.push(Evidence::FraudAccount { account: v.decrypt(Field::BankCard, &enc)?, at_ms });
        }
        Ok(out)
    }
}
