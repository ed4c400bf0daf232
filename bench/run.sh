#!/usr/bin/env bash
# Runs the benchmarks against the real stack (each prints its figures beside baselines from the same
# run and records them in bench/results/), then rewrites the summary table at the top of
# docs/performance.md (bench/report.ts). Knobs: BENCHES (default "http ingest chat-sse automation policies context-ingest"),
# BENCH_DURATION_SEC, BENCH_CONNECTIONS; see each bench's header for its own.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
ensure_deps
bash "$ROOT/scripts/stack-up.sh"
ensure_build
cd "$ROOT"
run() { node -r ts-node/register/transpile-only -r tsconfig-paths/register "$@"; }
export TS_NODE_PROJECT=tsconfig.json
# the one default list: report.ts reads it from the environment to tell this run's results from older ones
export BENCHES="${BENCHES:-http ingest chat-sse automation policies context-ingest}"
run bench/report.ts start
failed=()
for b in $BENCHES; do
  if [ -f "bench/$b.ts" ]; then
    log "bench $b"
    run "bench/$b.ts" || failed+=("$b")
  else
    log "bench $b: no bench/$b.ts, skipped"
  fi
done
log "report"
run bench/report.ts
if [ ${#failed[@]} -gt 0 ]; then
  log "failed benches: ${failed[*]} (their previous results, if any, are marked as an earlier run)"
  exit 1
fi
