#!/usr/bin/env bash
# Stop the Neo4j that scripts/stack-up.sh started (pid file in $STACK_DIR/neo4j).
# PostgreSQL and Redis are left alone; Neo4j data stays in $STACK_DIR/neo4j/data.
# Env: STACK_DIR (default .stack), NEO4J_STOP_TIMEOUT (seconds before SIGKILL, default 60).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

STACK_DIR="${STACK_DIR:-.stack}"
case "$STACK_DIR" in /*) ;; *) STACK_DIR="$ROOT/$STACK_DIR" ;; esac
NEO4J_DIR="$STACK_DIR/neo4j"
PID_FILE="$NEO4J_DIR/neo4j.pid"
NEO4J_STOP_TIMEOUT="${NEO4J_STOP_TIMEOUT:-60}"
MAIN_CLASS="org.neo4j.server.CommunityEntryPoint"

is_our_neo4j() {
  [[ "$1" =~ ^[0-9]+$ ]] && kill -0 "$1" 2>/dev/null \
    && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -q "$MAIN_CLASS"
}

pid=""
# Our pid file first; Neo4j's own run/neo4j.pid as a fallback.
for f in "$PID_FILE" "$NEO4J_DIR/run/neo4j.pid"; do
  if [ -f "$f" ]; then
    p="$(tr -d '[:space:]' <"$f" 2>/dev/null || true)"
    if is_our_neo4j "$p"; then pid="$p"; break; fi
  fi
done

if [ -z "$pid" ]; then
  rm -f "$PID_FILE"
  echo "neo4j:    not running (nothing to stop; postgres and redis left alone)"
  exit 0
fi

kill -TERM "$pid"
waited=0
while is_our_neo4j "$pid"; do
  if [ "$waited" -ge "$NEO4J_STOP_TIMEOUT" ]; then
    echo "neo4j:    still running after ${NEO4J_STOP_TIMEOUT} s, sending SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null || true
    sleep 1
    break
  fi
  sleep 1
  waited=$((waited + 1))
done
rm -f "$PID_FILE"
echo "neo4j:    stopped (pid $pid, ${waited} s; postgres and redis left alone)"
