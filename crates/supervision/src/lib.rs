//! Supervision (督导): the monthly ranking of police stations on the three indicators (发案数,
//! 经济损失数, 万人发案数) and the escalation ladder that follows it (约谈分管所长 / 约谈所长).
//!
//! Pure and deterministic: the same cases, population and rule version always give the same
//! ranking, so a stored result can be recomputed and compared.

pub mod ladder;
pub mod money;
pub mod ranking;
pub mod stats;
