//! Fund flows (资金流): where the money of a defrauded resident went, and which accounts act as
//! money mules.
//!
//! Pure logic over an in-memory [`graph::TransferGraph`]: [`trace`] follows money forward
//! through the transfer history with first-in-first-out or proportional attribution;
//! [`mules`] finds laundering structures (fan-in, fan-out, cycle, scatter-gather,
//! gather-scatter) and scores accounts in a time window. Loading the transfers (from an
//! AMLSim folder or the platform's event log) is the caller's job.

pub mod export;
pub mod graph;
pub mod mules;
pub mod trace;

pub use graph::{Stop, Transfer, TransferGraph};
