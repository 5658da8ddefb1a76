#!/usr/bin/env bash
# Runs every test suite: Rust unit, property and integration tests on SQLite and PostgreSQL,
# then the browser tests in headless Chromium. Expects the services and packages that
# .ci/run installs and starts.
set -euo pipefail
cd "$(dirname "$0")/.."
export FANZHA_TEST_PG="${FANZHA_TEST_PG:-postgres://postgres@127.0.0.1:5432/postgres}"
export FANZHA_TEST_NATS="${FANZHA_TEST_NATS:-nats://127.0.0.1:4222}"

echo "==> cargo test (SQLite + PostgreSQL at ${FANZHA_TEST_PG%%@*}@…)"
cargo test --workspace --locked

echo "==> browser tests (headless Chromium)"
# cargo test already built the fanzha binary for the CLI's integration tests; building it
# again with `cargo build -p cli` would resolve features differently and recompile half the tree.
[ -x target/debug/fanzha ] || cargo build -p cli --locked
FANZHA_BIN="$PWD/target/debug/fanzha" npm --prefix tests/browser test
