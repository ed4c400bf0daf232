#!/usr/bin/env bash
# Quick start (b): install, start the stack, type-check and run every test against the real services.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_deps
bash "$ROOT/scripts/stack-up.sh"
cd "$ROOT"
log "type-checking, linting (code and openapi.json), checking formatting"
npx tsc --noEmit -p tsconfig.json
npm run --silent lint
npm run --silent format:check
npm run --silent lint:openapi
ensure_build
log "running tests"
set +e
npx jest --ci "$@" 2>&1 | tee /tmp/agentcy-jest.$$.log
status=${PIPESTATUS[0]}
set -e
# one plain summary line that any CI reader understands
summary=$(grep -E '^Tests:' /tmp/agentcy-jest.$$.log | tail -1)
passed=$(sed -nE 's/.* ([0-9]+) passed.*/\1/p' <<<"$summary"); failed=$(sed -nE 's/.* ([0-9]+) failed.*/\1/p' <<<"$summary"); skipped=$(sed -nE 's/.* ([0-9]+) skipped.*/\1/p' <<<"$summary")
rm -f /tmp/agentcy-jest.$$.log
echo "${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
if [ "${passed:-0}" = "0" ]; then echo "no test ran" >&2; exit 1; fi
exit "$status"
