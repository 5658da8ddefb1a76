//! Decoding events from JSON lines and CSV rows. A line that cannot be decoded yields an error
//! naming the line and the field, so the caller can dead-letter it and carry on.

use crate::event::{Channel, Event, Transfer};

/// Why a line was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {field}: {message}")]
pub struct DecodeError {
    /// 1-based line (CSV: the header is line 1).
    pub line: usize,
    /// The field at fault (`json` when the line is not JSON at all).
    pub field: String,
    /// What is wrong.
    pub message: String,
}

fn err(line: usize, field: &str, message: impl Into<String>) -> DecodeError {
    DecodeError { line, field: field.into(), message: message.into() }
}

/// Checks what serde cannot: ids present, amounts positive and bounded.
fn validate(e: Event, line: usize) -> Result<Event, DecodeError> {
    if e.id().trim().is_empty() {
        return Err(err(line, "event_id", "must not be empty"));
    }
    if let Event::Transfer(t) = &e {
        if t.amount_fen <= 0 || t.amount_fen > domain::MAX_FEN {
            return Err(err(
                line,
                "amount_fen",
                format!("must be positive and at most {} fen, got {}", domain::MAX_FEN, t.amount_fen),
            ));
        }
        if t.payer.trim().is_empty() || t.payee.trim().is_empty() {
            return Err(err(line, "payer/payee", "must not be empty"));
        }
    }
    Ok(e)
}

/// Decodes one JSON line (`{"type": "transfer" | "call" | "account" | "list", …}`).
pub fn json_line(text: &str, line: usize) -> Result<Event, DecodeError> {
    let e: Event = serde_json::from_str(text).map_err(|e| {
        let msg = e.to_string();
        // serde names the missing or mistyped field in its message; keep it as the field.
        let field = msg.split('`').nth(1).unwrap_or("json").to_string();
        err(line, &field, msg)
    })?;
    validate(e, line)
}

/// Column positions of a transfer CSV.
#[derive(Debug, Clone)]
pub struct CsvHeader {
    cols: Vec<String>,
}

impl CsvHeader {
    /// From the header row; needs event_id, ts_ms, payer, payee, amount_fen.
    pub fn new(cols: &[&str]) -> Result<Self, DecodeError> {
        let cols: Vec<String> = cols.iter().map(|c| c.trim().to_lowercase()).collect();
        for need in ["event_id", "ts_ms", "payer", "payee", "amount_fen"] {
            if !cols.iter().any(|c| c == need) {
                return Err(err(1, need, "missing column"));
            }
        }
        Ok(Self { cols })
    }

    fn get<'a>(&self, row: &'a [&'a str], name: &str) -> Option<&'a str> {
        self.cols.iter().position(|c| c == name).and_then(|i| row.get(i)).map(|s| s.trim()).filter(|s| !s.is_empty())
    }

    /// Decodes one CSV row of transfers.
    pub fn transfer(&self, row: &[&str], line: usize) -> Result<Event, DecodeError> {
        let req = |name: &str| self.get(row, name).ok_or_else(|| err(line, name, "missing value"));
        let ts_ms =
            req("ts_ms")?.parse::<i64>().map_err(|_| err(line, "ts_ms", "not a whole number of milliseconds"))?;
        let amount_fen =
            req("amount_fen")?.parse::<i64>().map_err(|_| err(line, "amount_fen", "not a whole number of fen"))?;
        let channel = match self.get(row, "channel").unwrap_or("mobile") {
            "counter" => Channel::Counter,
            "mobile" => Channel::Mobile,
            "online" => Channel::Online,
            "atm" => Channel::Atm,
            "third_party" => Channel::ThirdParty,
            other => return Err(err(line, "channel", format!("unknown '{other}'"))),
        };
        validate(
            Event::Transfer(Transfer {
                event_id: req("event_id")?.to_string(),
                ts_ms,
                payer: req("payer")?.to_string(),
                payer_bank: self.get(row, "payer_bank").unwrap_or("").to_string(),
                payee: req("payee")?.to_string(),
                payee_bank: self.get(row, "payee_bank").unwrap_or("").to_string(),
                amount_fen,
                channel,
                payer_person: self.get(row, "payer_person").map(str::to_string),
                device_id: self.get(row, "device_id").map(str::to_string),
                ip: self.get(row, "ip").map(str::to_string),
            }),
            line,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn good_and_bad_lines() {
        let ok = r#"{"type":"transfer","event_id":"t1","ts_ms":1,"payer":"A","payee":"B","amount_fen":100}"#;
        assert!(json_line(ok, 1).is_ok());
        let e = json_line(r#"{"type":"transfer","event_id":"t1","ts_ms":1,"payer":"A","payee":"B"}"#, 7)
            .expect_err("no amount");
        assert_eq!((e.line, e.field.as_str()), (7, "amount_fen"));
        let e =
            json_line(r#"{"type":"transfer","event_id":"t1","ts_ms":1,"payer":"A","payee":"B","amount_fen":-5}"#, 8)
                .expect_err("negative");
        assert_eq!(e.field, "amount_fen");
        assert_eq!(json_line("not json", 9).expect_err("junk").line, 9);
        let h = CsvHeader::new(&["event_id", "ts_ms", "payer", "payee", "amount_fen", "channel"]).expect("header");
        assert!(h.transfer(&["t1", "5", "A", "B", "100", "atm"], 2).is_ok());
        assert_eq!(h.transfer(&["t1", "x", "A", "B", "100", ""], 3).expect_err("ts").field, "ts_ms");
        assert_eq!(h.transfer(&["t1", "5", "A", "B", "100", "pigeon"], 4).expect_err("channel").field, "channel");
        assert!(CsvHeader::new(&["event_id", "payer"]).is_err());
    }

    proptest! {
        /// The decoder never panics on arbitrary input.
        #[test]
        fn never_panics(s in ".{0,200}") {
            let _ = json_line(&s, 1);
        }
    }
}
