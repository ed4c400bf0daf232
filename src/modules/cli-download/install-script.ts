/**
 * The `/cli/install.sh` POSIX shell script (docs/cli.md "install.sh"). Everything variable in it
 * (base URL, version, checksums) is embedded as a single-quoted shell word, so no value can break
 * out of its assignment; the script downloads from this server only and runs nothing it downloads.
 */
import { allCliTargets } from './cli-targets';

/** `it's` → `'it'\''s'`: a single-quoted POSIX shell word whatever the input holds. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export interface InstallScriptInput {
  /** PUBLIC_BASE_URL, without a trailing slash */
  baseUrl: string;
  version: string;
  /** `<os>-<arch>` → hex SHA-256 of the artifacts that exist */
  sha256: Record<string, string>;
}

export function renderInstallScript(input: InstallScriptInput): string {
  const cases = allCliTargets()
    .map(({ os, arch }) => `${os}-${arch}`)
    .filter((t) => /^[0-9a-f]{64}$/.test(input.sha256[t] ?? ''))
    .map((t) => `  ${t}) expected=${shellQuote(input.sha256[t])} ;;`)
    .join('\n');
  const configJson = JSON.stringify({ server: input.baseUrl });
  return `#!/bin/sh
# Installs the Agentcy CLI (agentcy-cli ${input.version.replace(/[^0-9A-Za-z.-]/g, '')}) from the server that served this script.
# It detects the OS and architecture, downloads the matching build from that server, checks its
# SHA-256 against the value embedded below and installs it as \`agentcy\` in $AGENTCY_INSTALL_DIR,
# else ~/.local/bin (/usr/local/bin without a HOME). It runs nothing it downloads.
set -eu

AGENTCY_URL=${shellQuote(input.baseUrl)}
AGENTCY_VERSION=${shellQuote(input.version)}
AGENTCY_CONFIG_JSON=${shellQuote(configJson)}

fail() {
  printf 'agentcy install: %s\\n' "$*" >&2
  exit 1
}

uname_s=$(uname -s)
case "$uname_s" in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  MINGW* | MSYS* | CYGWIN*) os=windows ;;
  *) fail "unsupported operating system: $uname_s" ;;
esac
uname_m=$(uname -m)
case "$uname_m" in
  x86_64 | amd64) arch=amd64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) fail "unsupported architecture: $uname_m" ;;
esac

expected=''
case "$os-$arch" in
${cases}
  *) fail "this server has no agentcy $AGENTCY_VERSION build for $os-$arch" ;;
esac

if [ -n "\${AGENTCY_INSTALL_DIR:-}" ]; then
  dir=$AGENTCY_INSTALL_DIR
elif [ -n "\${HOME:-}" ]; then
  dir=$HOME/.local/bin
else
  dir=/usr/local/bin
fi
mkdir -p "$dir" || fail "cannot create $dir"
tmp=$(mktemp "$dir/.agentcy.XXXXXX") || fail "cannot write to $dir"
trap 'rm -f "$tmp"' EXIT
trap 'exit 1' INT TERM

url="$AGENTCY_URL/api/v1/cli/download/$os/$arch?version=$AGENTCY_VERSION"
printf 'Downloading %s\\n' "$url"
if command -v curl >/dev/null 2>&1; then
  curl -fsSL -o "$tmp" "$url" || fail "download failed: $url"
elif command -v wget >/dev/null 2>&1; then
  wget -q -O "$tmp" "$url" || fail "download failed: $url"
else
  fail 'curl or wget is needed'
fi

if command -v sha256sum >/dev/null 2>&1; then
  actual=$(sha256sum "$tmp" | cut -d ' ' -f 1)
elif command -v shasum >/dev/null 2>&1; then
  actual=$(shasum -a 256 "$tmp" | cut -d ' ' -f 1)
elif command -v openssl >/dev/null 2>&1; then
  actual=$(openssl dgst -sha256 -r "$tmp" | cut -d ' ' -f 1)
else
  fail 'sha256sum, shasum or openssl is needed to verify the download'
fi
[ "$actual" = "$expected" ] || fail "checksum mismatch for $os-$arch: expected $expected, got $actual"

chmod 755 "$tmp"
mv -f "$tmp" "$dir/agentcy" || fail "cannot install to $dir/agentcy"
printf 'Installed agentcy %s to %s/agentcy\\n' "$AGENTCY_VERSION" "$dir"

# first install: point the CLI at this server (an existing config is left alone)
if [ -n "\${HOME:-}" ] || [ -n "\${XDG_CONFIG_HOME:-}" ]; then
  config_dir=\${XDG_CONFIG_HOME:-$HOME/.config}/agentcy
  if [ ! -e "$config_dir/config.json" ]; then
    (umask 077 && mkdir -p "$config_dir" && printf '%s\\n' "$AGENTCY_CONFIG_JSON" >"$config_dir/config.json") ||
      printf 'agentcy install: could not write %s/config.json\\n' "$config_dir" >&2
  fi
fi

case ":\${PATH:-}:" in
  *":$dir:"*) ;;
  *) printf 'Add %s to your PATH to run agentcy.\\n' "$dir" ;;
esac
if ! command -v node >/dev/null 2>&1; then
  printf 'agentcy needs Node.js 20 or newer (https://nodejs.org); install it before running agentcy.\\n'
fi
printf 'Next: agentcy login   (server %s)\\n' "$AGENTCY_URL"
`;
}
