//! The transfer history as a time-ordered edge list with per-account indexes.

use foldhash::HashMap;

/// Where money leaves the traceable banking system: a trace does not follow it further.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stop {
    /// Cash withdrawal (ATM, counter).
    CashOut,
    /// Into a third-party payment platform.
    ThirdParty,
    /// To a bank the platform cannot ask.
    UnknownBank,
}

impl Stop {
    /// Every stop, in the order people see them.
    pub const ALL: [Stop; 3] = [Stop::CashOut, Stop::ThirdParty, Stop::UnknownBank];

    /// The API name.
    pub fn as_str(self) -> &'static str {
        match self {
            Stop::CashOut => "cash_out",
            Stop::ThirdParty => "third_party",
            Stop::UnknownBank => "unknown_bank",
        }
    }

    /// The name people read.
    pub fn zh(self) -> &'static str {
        match self {
            Stop::CashOut => "取现",
            Stop::ThirdParty => "第三方支付",
            Stop::UnknownBank => "境外/未知银行",
        }
    }
}

/// One transfer between two accounts of the graph.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Transfer {
    /// The source's id of the transfer.
    pub id: u64,
    /// UTC milliseconds.
    pub ts_ms: i64,
    /// Paying account (index into [`TransferGraph::accounts`]).
    pub from: u32,
    /// Receiving account.
    pub to: u32,
    /// Amount in fen.
    pub amount_fen: i64,
    /// Set when the money leaves the traceable system here.
    pub stop: Option<Stop>,
}

/// Accounts and transfers, transfers sorted by time (then id).
#[derive(Debug, Default, Clone)]
pub struct TransferGraph {
    /// Account numbers by index.
    pub accounts: Vec<String>,
    /// Bank of each account (empty when unknown).
    pub banks: Vec<String>,
    index: HashMap<String, u32>,
    /// Transfers in time order.
    pub transfers: Vec<Transfer>,
    sorted: bool,
}

impl TransferGraph {
    /// An empty graph.
    pub fn new() -> Self {
        Self::default()
    }

    /// The index of an account, adding it when new.
    pub fn account(&mut self, number: &str, bank: &str) -> u32 {
        if let Some(i) = self.index.get(number) {
            if self.banks[*i as usize].is_empty() && !bank.is_empty() {
                self.banks[*i as usize] = bank.to_string();
            }
            return *i;
        }
        let i = self.accounts.len() as u32;
        self.accounts.push(number.to_string());
        self.banks.push(bank.to_string());
        self.index.insert(number.to_string(), i);
        i
    }

    /// The index of a known account.
    pub fn find(&self, number: &str) -> Option<u32> {
        self.index.get(number).copied()
    }

    /// Adds a transfer (call [`TransferGraph::finish`] before reading).
    pub fn push(&mut self, t: Transfer) {
        self.sorted = false;
        self.transfers.push(t);
    }

    /// Sorts the transfers by time, then id.
    pub fn finish(&mut self) {
        if !self.sorted {
            self.transfers.sort_by_key(|t| (t.ts_ms, t.id));
            self.sorted = true;
        }
    }

    /// Index of the first transfer at or after `ts_ms`.
    pub fn first_at(&self, ts_ms: i64) -> usize {
        self.transfers.partition_point(|t| t.ts_ms < ts_ms)
    }

    /// Number of accounts.
    pub fn len(&self) -> usize {
        self.accounts.len()
    }

    /// Whether there are no accounts.
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }
}
