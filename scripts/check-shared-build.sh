#!/usr/bin/env bash
# Checks that `cargo run -p cli` (the demo) and `cargo test --workspace` (the tests) resolve
# every dependency they share with the same features, so that one build serves both: a
# difference would rebuild every crate above the one that differs. Prints the differences.
set -euo pipefail
cd "$(dirname "$0")/.."
# One line per package: its name and version, then every feature set it is built with (a
# package built for the host and for the target can have two).
features() {
  cargo tree --locked "$@" -f '{p}|{f}' --prefix none | sed 's/ (\*)//; s/ (proc-macro)//' | sort -u \
    | awk -F'|' '{ sets[$1] = sets[$1] " [" $2 "]" } END { for (p in sets) print p sets[p] }' | sort
}
demo=$(features -p cli -e normal,build)
tests=$(features --workspace -e normal,build,dev)
# Packages the demo builds with a feature set the test build does not make.
differ=$(join -t$'\t' <(sed 's/ \[/\t[/' <<<"$demo") <(sed 's/ \[/\t[/' <<<"$tests") \
  | awk -F'\t' '{ n = split($2, want, " "); for (i = 1; i <= n; i++) if (index(" " $3 " ", " " want[i] " ") == 0) { print; next } }')
if [ -n "$differ" ]; then
  echo "error: built with other features by \`cargo run -p cli\` than by \`cargo test --workspace\`"
  echo "(package, the demo's feature sets, the tests'); ask for the tests' features in crates/cli/Cargo.toml:"
  echo "$differ"
  exit 1
fi
echo "the demo and the tests share every dependency build ($(wc -l <<<"$demo") packages)"
