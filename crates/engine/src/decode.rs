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
        err(line, &field_of(text, &msg), msg)
    })?;
    validate(e, line)
}

/// The field a serde error is about. serde names a missing or unknown field between backticks;
/// an unknown variant names the value instead, so the field is the key that holds it.
fn field_of(text: &str, msg: &str) -> String {
    let quoted = msg.split('`').nth(1);
    if msg.starts_with("unknown variant") {
        let holder = serde_json::from_str::<serde_json::Value>(text)
            .ok()
            .and_then(|v| v.as_object()?.iter().find(|(_, x)| x.as_str() == quoted).map(|(k, _)| k.clone()));
        return holder.unwrap_or_else(|| "json".into());
    }
    match quoted {
        Some(f) if !f.is_empty() => f.to_string(),
        _ => "json".into(),
    }
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
        // An unknown value names the key that holds it, not the value.
        let e = json_line(
            r#"{"type":"list","event_id":"l1","ts_ms":1,"op":"add","kind":"account","value":"6222","colour":"mauve"}"#,
            10,
        )
        .expect_err("colour");
        assert_eq!(e.field, "colour");
        assert_eq!(json_line(r#"{"type":"pigeon","event_id":"x"}"#, 11).expect_err("type").field, "type");
        let h = CsvHeader::new(&["event_id", "ts_ms", "payer", "payee", "amount_fen", "channel"]).expect("header");
        assert!(h.transfer(&["t1", "5", "A", "B", "100", "atm"], 2).is_ok());
        assert_eq!(h.transfer(&["t1", "x", "A", "B", "100", ""], 3).expect_err("ts").field, "ts_ms");
        assert_eq!(h.transfer(&["t1", "5", "A", "B", "100", "pigeon"], 4).expect_err("channel").field, "channel");
        assert!(CsvHeader::new(&["event_id", "payer"]).is_err());
    }

    /// A JSON value of any type, for the event's fields.
    fn any_json() -> impl Strategy<Value = serde_json::Value> {
        prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            any::<f64>().prop_map(
                |f| serde_json::Number::from_f64(f).map_or(serde_json::Value::Null, serde_json::Value::Number)
            ),
            "\\PC{0,30}".prop_map(serde_json::Value::from),
            Just(serde_json::json!([])),
            Just(serde_json::json!({})),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        /// The decoder never panics on arbitrary input.
        #[test]
        fn never_panics(s in ".{0,200}") {
            let _ = json_line(&s, 1);
        }

        /// Structure-aware junk: the event's own keys with values of any type, some left out:
        /// an event or an error naming the line, never a panic.
        #[test]
        fn events_of_junk_fields(
            ty in prop_oneof![Just("transfer"), Just("call"), Just("sms"), Just("list"), Just("x")],
            fields in proptest::collection::btree_map(
                prop_oneof![
                    Just("event_id"), Just("ts_ms"), Just("payer"), Just("payee"), Just("amount_fen"),
                    Just("channel"), Just("caller"), Just("callee"), Just("duration_s"), Just("op"),
                    Just("kind"), Just("value"), Just("colour"), Just("payer_person"), Just("device_id"),
                ],
                any_json(),
                0..12,
            ),
            line in 1usize..100_000,
        ) {
            let mut m = serde_json::Map::new();
            m.insert("type".into(), ty.into());
            for (k, v) in fields {
                m.insert(k.into(), v);
            }
            let text = serde_json::Value::Object(m).to_string();
            if let Err(e) = json_line(&text, line) {
                prop_assert_eq!(e.line, line);
                prop_assert!(!e.field.is_empty());
            }
        }

        /// CSV rows of junk against a full header: a transfer or an error naming the field.
        #[test]
        fn csv_rows_of_junk(cells in proptest::collection::vec("\\PC{0,24}", 0..9), line in 2usize..1000) {
            let h = CsvHeader::new(&["event_id", "ts_ms", "payer", "payee", "amount_fen", "channel"]).expect("header");
            let row: Vec<&str> = cells.iter().map(String::as_str).collect();
            if let Err(e) = h.transfer(&row, line) {
                prop_assert_eq!(e.line, line);
                prop_assert!(!e.field.is_empty());
            }
        }
    }
}
