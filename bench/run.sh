#!/usr/bin/env bash
# Runs every benchmark against the real stack; each prints its own figures beside a raw baseline.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
ensure_deps
bash "$ROOT/scripts/stack-up.sh"
ensure_build
cd "$ROOT"
run() { node -r ts-node/register/transpile-only -r tsconfig-paths/register "$@"; }
export TS_NODE_PROJECT=tsconfig.json
for b in ${BENCHES:-http ingest chat-sse}; do
  if [ -f "bench/$b.ts" ]; then
    log "bench $b"
    run "bench/$b.ts"
  fi
done
