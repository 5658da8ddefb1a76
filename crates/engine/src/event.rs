//! The events the engine sees. These are the engine's own types; the API and the ingest
//! decoders translate into them at the edge.

use serde::{Deserialize, Serialize};

/// How a transfer was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// At a bank counter.
    Counter,
    /// Mobile banking.
    #[default]
    Mobile,
    /// Online banking.
    Online,
    /// Cash machine.
    Atm,
    /// Third-party payment (WeChat Pay, Alipay…).
    ThirdParty,
}

/// A bank transfer to decide on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transfer {
    /// Unique event id (idempotency key).
    pub event_id: String,
    /// Time, UTC milliseconds.
    pub ts_ms: i64,
    /// Paying account.
    pub payer: String,
    /// Payer's bank.
    #[serde(default)]
    pub payer_bank: String,
    /// Receiving account.
    pub payee: String,
    /// Payee's bank.
    #[serde(default)]
    pub payee_bank: String,
    /// Amount in fen.
    pub amount_fen: i64,
    /// Channel.
    #[serde(default)]
    pub channel: Channel,
    /// The payer as a person (resident reference or phone), when known.
    #[serde(default)]
    pub payer_person: Option<String>,
    /// Device id.
    #[serde(default)]
    pub device_id: Option<String>,
    /// IP address.
    #[serde(default)]
    pub ip: Option<String>,
}

/// Call or SMS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CallKind {
    /// Voice call.
    #[default]
    Call,
    /// Text message.
    Sms,
}

/// A call or SMS record from an operator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallRecord {
    /// Unique event id.
    pub event_id: String,
    /// Time, UTC milliseconds.
    pub ts_ms: i64,
    /// Calling number.
    pub caller: String,
    /// Called number (the resident).
    pub callee: String,
    /// Seconds.
    #[serde(default)]
    pub duration_s: u32,
    /// Call or SMS.
    #[serde(default)]
    pub kind: CallKind,
    /// From abroad (境外来电).
    #[serde(default)]
    pub overseas: bool,
    /// From a virtual operator (虚拟运营商, 170/171 ranges).
    #[serde(default)]
    pub virtual_operator: bool,
    /// Spoofed or changed number (改号电话).
    #[serde(default)]
    pub spoofed: bool,
}

/// What happened to an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountEventKind {
    /// Opened.
    Opened,
    /// Closed.
    Closed,
    /// Reactivated after dormancy.
    Reactivated,
}

/// An account event from a bank.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountEvent {
    /// Unique event id.
    pub event_id: String,
    /// Time, UTC milliseconds.
    pub ts_ms: i64,
    /// Account.
    pub account: String,
    /// What happened.
    pub kind: AccountEventKind,
    /// The holder as a person, when known.
    #[serde(default)]
    pub holder: Option<String>,
}

/// What a fraud-list entry names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListKind {
    /// Bank or payment account.
    Account,
    /// Phone number.
    Phone,
    /// URL or domain.
    Url,
    /// Device id.
    Device,
}

impl ListKind {
    /// Every kind, in the order people see them.
    pub const ALL: [ListKind; 4] = [ListKind::Account, ListKind::Phone, ListKind::Url, ListKind::Device];

    /// The stored and API name.
    pub fn as_str(self) -> &'static str {
        match self {
            ListKind::Account => "account",
            ListKind::Phone => "phone",
            ListKind::Url => "url",
            ListKind::Device => "device",
        }
    }

    /// The name people read.
    pub fn zh(self) -> &'static str {
        match self {
            ListKind::Account => "账户",
            ListKind::Phone => "电话",
            ListKind::Url => "网址",
            ListKind::Device => "设备",
        }
    }
}

/// Red: hold at once. Amber: raise the score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Colour {
    /// 红名单: confirmed fraud.
    Red,
    /// 黄名单: suspected.
    Amber,
}

/// Add or remove.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListOp {
    /// Add or replace.
    Add,
    /// Remove.
    Remove,
}

/// A change to the fraud list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListUpdate {
    /// Unique event id.
    pub event_id: String,
    /// Time, UTC milliseconds.
    pub ts_ms: i64,
    /// Add or remove.
    pub op: ListOp,
    /// What it names.
    pub kind: ListKind,
    /// The account, phone, URL or device.
    pub value: String,
    /// Colour.
    pub colour: Colour,
    /// Where it comes from (case number, bank, operator, national platform).
    #[serde(default)]
    pub source: String,
    /// From when it holds (UTC ms); default: always.
    #[serde(default)]
    pub valid_from_ms: Option<i64>,
    /// Until when it holds (UTC ms, exclusive); default: forever.
    #[serde(default)]
    pub valid_to_ms: Option<i64>,
}

impl ListUpdate {
    /// An addition that holds from now on, with no end.
    pub fn add(event_id: String, ts_ms: i64, kind: ListKind, value: String, colour: Colour, source: String) -> Self {
        Self { event_id, ts_ms, op: ListOp::Add, kind, value, colour, source, valid_from_ms: None, valid_to_ms: None }
    }
}

/// Any event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// A transfer.
    Transfer(Transfer),
    /// A call or SMS.
    Call(CallRecord),
    /// An account event.
    Account(AccountEvent),
    /// A fraud-list change.
    List(ListUpdate),
}

impl Event {
    /// The event id.
    pub fn id(&self) -> &str {
        match self {
            Event::Transfer(t) => &t.event_id,
            Event::Call(c) => &c.event_id,
            Event::Account(a) => &a.event_id,
            Event::List(l) => &l.event_id,
        }
    }

    /// The event time.
    pub fn ts_ms(&self) -> i64 {
        match self {
            Event::Transfer(t) => t.ts_ms,
            Event::Call(c) => c.ts_ms,
            Event::Account(a) => a.ts_ms,
            Event::List(l) => l.ts_ms,
        }
    }
}
