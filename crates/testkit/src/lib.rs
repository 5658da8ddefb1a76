//! What the tests need from their environment: the PostgreSQL server, the NATS server and the
//! shared AMLSim data they run against.
//!
//! On a developer's machine a test whose service or data is absent says so plainly and passes,
//! so that `cargo test` works anywhere. Under CI (`CI` set to anything but `0` or `false`) the
//! same absence fails the test with the reason: a CI without PostgreSQL must not be green.

use std::path::PathBuf;

/// The variable naming the PostgreSQL server of the tests (a URL ending in a database name).
pub const PG_VAR: &str = "FANZHA_TEST_PG";
/// The variable naming the NATS server of the stream tests.
pub const NATS_VAR: &str = "FANZHA_TEST_NATS";

/// Whether the tests run under CI, where nothing may be skipped.
pub fn in_ci() -> bool {
    is_ci_value(std::env::var("CI").ok().as_deref())
}

fn is_ci_value(v: Option<&str>) -> bool {
    v.is_some_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
}

/// A test cannot run because `what` is absent: under CI this fails the test, naming what is
/// missing; elsewhere it prints `skipped: …` and the test passes.
#[track_caller]
pub fn absent(what: &str) {
    absent_in(in_ci(), what);
}

#[track_caller]
fn absent_in(ci: bool, what: &str) {
    if ci {
        panic!("{what}: required under CI (CI is set), so this test fails instead of skipping");
    }
    eprintln!("skipped: {what}");
}

/// The PostgreSQL URL of the tests, or `None` (after [`absent`]) when it is not configured.
#[track_caller]
pub fn postgres_url() -> Option<String> {
    env_or_absent(PG_VAR, "e.g. postgres://postgres@127.0.0.1:5432/postgres")
}

/// The NATS URL of the stream tests, or `None` (after [`absent`]) when it is not configured.
#[track_caller]
pub fn nats_url() -> Option<String> {
    env_or_absent(NATS_VAR, "e.g. nats://127.0.0.1:4222")
}

/// The variable naming the shared data folder when it is not `../shared/data` beside the
/// checkout (a clone elsewhere; `.ci/run` sets it when it finds the folder).
pub const SHARED_DATA_VAR: &str = "FANZHA_SHARED_DATA";

/// A folder of the shared data (`FANZHA_SHARED_DATA`, else `../shared/data` beside the
/// checkout) holding `file`, or `None` (after [`absent`]) when it is not there.
#[track_caller]
pub fn shared_data(folder: &str, file: &str) -> Option<PathBuf> {
    let root = match std::env::var(SHARED_DATA_VAR) {
        Ok(v) if !v.trim().is_empty() => PathBuf::from(v),
        _ => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    };
    let dir = root.join(folder);
    if dir.join(file).exists() {
        return Some(dir);
    }
    absent(&format!("{} is not here ({SHARED_DATA_VAR} or ../shared/data)", dir.join(file).display()));
    None
}

#[track_caller]
fn env_or_absent(var: &str, example: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if !v.trim().is_empty() => Some(v),
        _ => {
            absent(&format!("{var} is not set ({example})"));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ci_is_read_as_people_set_it() {
        for (v, ci) in
            [("true", true), ("1", true), ("yes", true), ("", false), ("0", false), ("false", false), ("FALSE", false)]
        {
            assert_eq!(is_ci_value(Some(v)), ci, "CI={v:?}");
        }
        assert!(!is_ci_value(None));
    }

    #[test]
    fn absence_fails_under_ci_and_passes_elsewhere() {
        let msg = std::panic::catch_unwind(|| absent_in(true, "the thing")).expect_err("fails under CI");
        let text = msg.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(text.contains("the thing") && text.contains("required under CI"), "{text}");
        absent_in(false, "the thing");
    }
}
