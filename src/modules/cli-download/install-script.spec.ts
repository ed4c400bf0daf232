import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_VERSION_PATTERN, compareVersions } from './cli-targets';
import { renderInstallScript, shellQuote } from './install-script';

const SHA = 'a'.repeat(64);

/** Runs the script's assignments (everything before the first function) and prints one variable. */
function assignedValue(script: string, variable: string): string {
  const head = script.slice(0, script.indexOf('fail() {'));
  return execFileSync('sh', ['-c', `${head}\nprintf '%s' "$${variable}"`], { encoding: 'utf8' });
}

describe('install.sh rendering', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cli-install-spec-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('shell-quotes any value into one inert word', () => {
    for (const v of ["it's", "'; touch x; '", '$(id) `id` "q" \\ \n newline', '']) {
      expect(execFileSync('sh', ['-c', `printf '%s' ${shellQuote(v)}`], { encoding: 'utf8' })).toBe(v);
    }
  });

  it('embeds a hostile PUBLIC_BASE_URL as data: nothing runs, the value round-trips exactly', () => {
    const marker = join(dir, 'pwned');
    const baseUrl = `https://example.test/a'$(touch ${marker})'\`touch ${marker}\`";touch ${marker};"`;
    const script = renderInstallScript({ baseUrl, version: '1.2.3', sha256: { 'linux-amd64': SHA } });
    expect(assignedValue(script, 'AGENTCY_URL')).toBe(baseUrl);
    expect(JSON.parse(assignedValue(script, 'AGENTCY_CONFIG_JSON'))).toEqual({ server: baseUrl });
    expect(existsSync(marker)).toBe(false);
    execFileSync('bash', ['-n'], { input: script });
    execFileSync('sh', ['-n'], { input: script });
  });

  it('lists exactly the targets that have a well-formed checksum', () => {
    const script = renderInstallScript({
      baseUrl: 'http://localhost:8080',
      version: '0.1.0',
      sha256: { 'linux-amd64': SHA, 'darwin-arm64': 'b'.repeat(64), 'windows-amd64': 'not-a-hash', 'x-y': SHA },
    });
    expect(script).toContain(`linux-amd64) expected='${SHA}' ;;`);
    expect(script).toContain(`darwin-arm64) expected='${'b'.repeat(64)}' ;;`);
    expect(script).not.toContain('windows-amd64)');
    expect(script).not.toContain('x-y)');
    expect(script.startsWith('#!/bin/sh\n')).toBe(true);
    expect(script).toContain('[ "$actual" = "$expected" ] || fail "checksum mismatch');
  });
});

describe('CLI versions', () => {
  it('accepts release and pre-release versions only', () => {
    for (const ok of ['0.1.0', '10.20.30', '1.0.0-rc.1']) {
      expect(CLI_VERSION_PATTERN.test(ok)).toBe(true);
    }
    for (const bad of ['..', '../0.1.0', '0.1', '0.1.0/../x', '0.1.0-', '0.1.0-a/b', ' 0.1.0']) {
      expect(CLI_VERSION_PATTERN.test(bad)).toBe(false);
    }
  });

  it('orders numerically, a pre-release before its release', () => {
    expect(['0.10.0', '0.9.1', '1.0.0', '1.0.0-rc.1', '0.9.0'].sort(compareVersions)).toEqual([
      '0.9.0',
      '0.9.1',
      '0.10.0',
      '1.0.0-rc.1',
      '1.0.0',
    ]);
  });
});
