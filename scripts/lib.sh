# Shared helpers of the project scripts (sourced, not run).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
log() { printf '[agentcy] %s\n' "$*"; }

# Installs node dependencies when missing or older than the lock file.
ensure_deps() {
  cd "$ROOT"
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "installing dependencies (npm ci)"
    # onnxruntime-node ships its CPU binaries in the package; its postinstall would only fetch
    # optional GPU files from api.nuget.org, which not every install can reach
    ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error
  fi
}

# Compiles when any source is newer than the build.
ensure_build() {
  cd "$ROOT"
  if [ ! -f dist/src/main.js ] || [ -n "$(find src libs ormconfig.ts tsconfig*.json nest-cli.json package-lock.json -newer dist/src/main.js -print -quit 2>/dev/null)" ]; then
    log "building"
    npx nest build
  fi
  # the CLI builds served by /cli/* (nest build empties dist/, so they are rebuilt after it)
  local cli_manifest
  cli_manifest="${CLI_DIST_DIR:-dist/cli}/$(node -p "require('./packages/cli/package.json').version")/manifest.json"
  if [ ! -f "$cli_manifest" ] || [ -n "$(find packages/cli openapi.json -newer "$cli_manifest" -print -quit 2>/dev/null)" ]; then
    log "building the CLI"
    node packages/cli/scripts/build.cjs
  fi
}
