//! Domain types and pure rules of Fanzha. No I/O lives here: everything is a value or a
//! function of values, so it can be tested exhaustively.

/// The largest amount of money the platform takes, in fen (1000亿元): far above any transfer
/// or loss, and low enough that a million of them still sum inside an `i64`.
pub const MAX_FEN: i64 = 10_000_000_000_000;

pub mod audit;
pub mod auth;
pub mod case;
pub mod dispatch;
pub mod jurisdiction;
pub mod keyperson;
pub mod labels;
pub mod legal;
pub mod messages;
pub mod notify;
pub mod person;
pub mod population;
pub mod prevention;
pub mod role;
pub mod task;
pub mod text;
pub mod time;
pub mod unit;

pub use jurisdiction::{JurisdictionKind, Scope};
pub use person::{AgeBand, BankCard, IdNumber, Phone, mask_address, mask_name};
pub use role::{Permission, Role};
pub use unit::MemberUnitKind;

/// An error in a value given to the domain, naming the field it concerns.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct InvalidValue {
    /// The field, as named in the API and in import files.
    pub field: &'static str,
    /// What is wrong with it, in plain words.
    pub message: String,
}

impl InvalidValue {
    /// A new error for `field`.
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self { field, message: message.into() }
    }
}
