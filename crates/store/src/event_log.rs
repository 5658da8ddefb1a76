//! The engine's event log: what it applied, encrypted, for rebuilding its windows after a
//! restart.

use pii::Field;

use crate::sql::{Arg, bind_args};
use crate::{BeginWrite, Result, Store, on_pool};

impl Store {
    /// Appends events `(event_id, ts_ms, json)` in one transaction; ids already logged are skipped.
    pub async fn log_events(&self, events: &[(String, i64, String)]) -> Result<()> {
        let v = self.vault();
        let mut args = Vec::with_capacity(events.len() * 3);
        for (id, ts, body) in events {
            args.push(vec![Arg::Text(id.clone()), Arg::I64(*ts), Arg::Bytes(v.encrypt(Field::Event, body)?)]);
        }
        // Several rows per statement (each statement is a round trip to the database thread),
        // but few enough that sqlx's per-parameter lookup stays cheap.
        on_pool!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            for batch in args.chunks(16) {
                let rows: Vec<String> = (0..batch.len()).map(|r| format!("(${}, ${}, ${})", r * 3 + 1, r * 3 + 2, r * 3 + 3)).collect();
                let sql = format!("INSERT INTO engine_events (event_id, ts_ms, body_enc) VALUES {} ON CONFLICT (event_id) DO NOTHING", rows.join(", "));
                let flat: Vec<Arg> = batch.iter().flatten().cloned().collect();
                bind_args!(sqlx::query(sqlx::AssertSqlSafe(sql)), flat).execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// The time of the latest logged event.
    pub async fn latest_event_ts(&self) -> Result<Option<i64>> {
        let (t,): (Option<i64>,) = on_pool!(&self.db, p => sqlx::query_as("SELECT MAX(ts_ms) FROM engine_events").fetch_one(p).await?);
        Ok(t)
    }

    /// Logged events with `ts_ms >= since`, in the order they were applied, in pages.
    pub async fn logged_events(&self, since: i64, after_seq: i64, limit: i64) -> Result<Vec<(i64, String)>> {
        let rows: Vec<(i64, Vec<u8>)> = on_pool!(&self.db, p => sqlx::query_as(
            "SELECT seq, body_enc FROM engine_events WHERE ts_ms >= $1 AND seq > $2 ORDER BY seq LIMIT $3")
            .bind(since).bind(after_seq).bind(limit).fetch_all(p).await?);
        let v = self.vault();
        rows.into_iter().map(|(seq, b)| Ok((seq, v.decrypt(Field::Event, &b)?))).collect()
    }
}
