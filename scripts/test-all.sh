#!/usr/bin/env bash
# Runs every test suite: Rust unit, property and integration tests on SQLite and PostgreSQL,
# then the browser tests in headless Chromium. Expects the services and packages that
# .ci/run installs and starts. Under CI (`CI` set, as .ci/run does) a test whose PostgreSQL,
# NATS or ../shared/data is absent fails instead of skipping.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/stages.sh
export FANZHA_TEST_PG="${FANZHA_TEST_PG:-postgres://postgres@127.0.0.1:5432/postgres}"
export FANZHA_TEST_NATS="${FANZHA_TEST_NATS:-nats://127.0.0.1:4222}"

stage "cargo test (SQLite + PostgreSQL at ${FANZHA_TEST_PG%%@*}@…)" cargo test --workspace --locked --no-fail-fast

# cargo test already built the fanzha binary for the CLI's integration tests, in the same
# profile and with the same dependency artifacts as `cargo run -p cli -- demo`.
[ -x target/debug/fanzha ] || cargo build -p cli --locked
stage "browser tests (headless Chromium)" env FANZHA_BIN="$PWD/target/debug/fanzha" npm --prefix tests/browser test
