#!/usr/bin/env bash
# Quick start (a): install, start the stack, migrate, seed the admin and serve the API on :8080.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_deps
bash "$ROOT/scripts/stack-up.sh"
ensure_build
cd "$ROOT"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/agentcy}"
log "migrating"
node dist/src/database/migrate.js
log "serving on http://localhost:${PORT:-8080}/api/v1 (admin@localhost / admin)"
exec node dist/src/main.js
