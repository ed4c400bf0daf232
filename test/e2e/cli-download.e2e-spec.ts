/**
 * /cli/*: install.sh, /cli/version and /cli/download/:os/:arch over a CLI_DIST_DIR holding a real
 * `npm run cli:build` output (0.1.0) plus a fake older version; the install script is checked with
 * `bash -n`/`sh -n` and run against this server into a fake HOME, then the installed CLI is run.
 */
import { AppConfig } from '@libs/config';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from 'src/bootstrap';
import { freePort } from '../support/spawn-api';

const ROOT = join(__dirname, '..', '..');
const VERSION = JSON.parse(readFileSync(join(ROOT, 'packages/cli/package.json'), 'utf8')).version as string;
const OLD = '0.0.9';
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

function sh(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { env: opts.env, cwd: opts.cwd, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    if (opts.input !== undefined) {
      child.stdin!.end(opts.input);
    }
  });
}

describe('cli download: install.sh, version, per-platform builds (e2e)', () => {
  let app: NestExpressApplication;
  let base: string;
  let work: string;
  let dist: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'cli-download-'));
    dist = join(work, 'dist');
    // the real bundle, built exactly as `npm run cli:build` does
    execFileSync(process.execPath, [join(ROOT, 'packages/cli/scripts/build.cjs'), '--out', dist], {
      cwd: ROOT,
      stdio: 'pipe',
    });
    // an older fake version, missing one target; a stray directory and a secret beside them
    mkdirSync(join(dist, OLD));
    for (const t of ['linux-amd64', 'linux-arm64', 'darwin-amd64', 'darwin-arm64', 'windows-amd64']) {
      writeFileSync(join(dist, OLD, `agentcy-${t}`), `#!/bin/sh\necho old ${t}\n`);
    }
    mkdirSync(join(dist, 'not-a-version'));
    writeFileSync(join(dist, 'not-a-version', 'agentcy-linux-amd64'), 'stray');
    writeFileSync(join(work, 'secret.txt'), 'top secret');
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    ({ app } = await createApp(AppConfig.fromEnv({ ...process.env, PUBLIC_BASE_URL: base, CLI_DIST_DIR: dist })));
    await app.listen(port, '127.0.0.1');
  }, 180_000);

  afterAll(async () => {
    await app?.close();
    rmSync(work, { recursive: true, force: true });
  });

  const get = (path: string) => fetch(`${base}${path}`);
  const file = (v: string, t: string) => readFileSync(join(dist, v, `agentcy-${t}`));

  it('GET /cli/version: the newest version and the sha256 of every build, which match the files and the manifest', async () => {
    const res = await get('/api/v1/cli/version');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { version: string; sha256: Record<string, string> };
    expect(body.version).toBe(VERSION);
    const targets = ['linux', 'darwin', 'windows'].flatMap((o) => ['amd64', 'arm64'].map((a) => `${o}-${a}`));
    expect(Object.keys(body.sha256).sort()).toEqual([...targets].sort());
    const manifest = JSON.parse(readFileSync(join(dist, VERSION, 'manifest.json'), 'utf8'));
    for (const t of targets) {
      expect(body.sha256[t]).toBe(sha(file(VERSION, t)));
      expect(manifest.targets[t].sha256).toBe(body.sha256[t]);
    }
    const old = (await (await get(`/api/v1/cli/version?version=${OLD}`)).json()) as typeof body;
    expect(old.version).toBe(OLD);
    expect(Object.keys(old.sha256)).not.toContain('windows-arm64');
    expect(old.sha256['linux-amd64']).toBe(sha(file(OLD, 'linux-amd64')));
  });

  it('GET /cli/download/:os/:arch streams the build as an attachment with its checksum; ?version picks another', async () => {
    const res = await get('/api/v1/cli/download/linux/amd64');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="agentcy"');
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.equals(file(VERSION, 'linux-amd64'))).toBe(true);
    expect(res.headers.get('x-checksum-sha256')).toBe(sha(body));
    expect(res.headers.get('content-length')).toBe(String(body.length));
    expect(body.subarray(0, 20).toString()).toBe('#!/usr/bin/env node\n');

    const win = await get('/api/v1/cli/download/windows/arm64');
    expect(win.headers.get('content-disposition')).toBe('attachment; filename="agentcy.js"');
    const old = await get(`/api/v1/cli/download/darwin/arm64?version=${OLD}`);
    expect(await old.text()).toBe('#!/bin/sh\necho old darwin-arm64\n');
    expect(old.headers.get('x-agentcy-cli-version')).toBe(OLD);
  });

  it('unknown platforms are 400, missing builds and versions 404, all in the error envelope', async () => {
    const bad = await get('/api/v1/cli/download/plan9/amd64');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error.code).toBe('unsupported_platform');
    expect((await get('/api/v1/cli/download/linux/riscv64')).status).toBe(400);
    const missing = await get(`/api/v1/cli/download/windows/arm64?version=${OLD}`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as any).error.code).toBe('cli_not_built');
    const noVersion = await get('/api/v1/cli/download/linux/amd64?version=9.9.9');
    expect(noVersion.status).toBe(404);
    expect(((await noVersion.json()) as any).error).toMatchObject({ code: 'cli_not_built' });
    expect((await get('/api/v1/cli/version?version=9.9.9')).status).toBe(404);
  });

  it('path traversal through os, arch or version never reaches a file outside the version directories', async () => {
    const attempts = [
      '/api/v1/cli/download/..%2F..%2Fsecret.txt/amd64',
      '/api/v1/cli/download/linux/..%2F..%2F..%2Fsecret.txt',
      '/api/v1/cli/download/%2e%2e/amd64',
      '/api/v1/cli/download/linux/amd64?version=..%2F..',
      '/api/v1/cli/download/linux/amd64?version=../not-a-version',
      '/api/v1/cli/download/linux/amd64?version=not-a-version',
      '/api/v1/cli/download/linux/amd64?version=0.1.0%2F..%2F..',
      `/api/v1/cli/download/linux/amd64?version=${VERSION}&version=${OLD}`,
      '/api/v1/cli/version?version=..',
    ];
    for (const path of attempts) {
      const res = await get(path);
      const text = await res.text();
      expect([400, 404]).toContain(res.status);
      expect(text).not.toContain('top secret');
      expect(text).not.toContain('stray');
      expect(JSON.parse(text).error.code).toEqual(expect.any(String));
    }
  });

  it('GET /cli/install.sh is a shell script for this server that passes bash -n and sh -n', async () => {
    const res = await get('/api/v1/cli/install.sh');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/x-shellscript/);
    const script = await res.text();
    expect(script.startsWith('#!/bin/sh\n')).toBe(true);
    expect(script).toContain(`AGENTCY_URL='${base}'`);
    expect(script).toContain(`AGENTCY_VERSION='${VERSION}'`);
    expect(script).toContain(`linux-amd64) expected='${sha(file(VERSION, 'linux-amd64'))}' ;;`);
    expect((await sh('bash', ['-n'], { input: script })).code).toBe(0);
    expect((await sh('sh', ['-n'], { input: script })).code).toBe(0);
  });

  it('running install.sh installs the verified build into ~/.local/bin, points the config at this server, and the CLI runs', async () => {
    const home = join(work, 'home');
    mkdirSync(home);
    const script = join(work, 'install.sh');
    writeFileSync(script, await (await get('/api/v1/cli/install.sh')).text());
    const env = { PATH: process.env.PATH, HOME: home };
    const run = await sh('sh', [script], { env, cwd: work });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Installed agentcy ${VERSION} to ${home}/.local/bin/agentcy`);
    const installed = join(home, '.local/bin/agentcy');
    expect(readFileSync(installed).equals(file(VERSION, 'linux-amd64'))).toBe(true);
    expect(statSync(installed).mode & 0o777).toBe(0o755);
    const config = join(home, '.config/agentcy/config.json');
    expect(JSON.parse(readFileSync(config, 'utf8'))).toEqual({ server: base });
    expect(statSync(config).mode & 0o777).toBe(0o600);

    // the installed bundle is self-contained (no node_modules next to it) and targets this server
    const version = await sh(installed, ['version', '--json'], { env, cwd: home });
    expect(version.code).toBe(0);
    expect(JSON.parse(version.stdout)).toMatchObject({ version: VERSION, server: { url: base, cli_version: VERSION } });
  });

  it('install.sh refuses a build whose checksum does not match, and installs nothing', async () => {
    const home = join(work, 'home-tampered');
    mkdirSync(home);
    const script = await (await get('/api/v1/cli/install.sh')).text();
    const target = join(dist, VERSION, 'agentcy-linux-amd64');
    const original = readFileSync(target);
    try {
      writeFileSync(target, Buffer.concat([original, Buffer.from('\nconsole.log("tampered")\n')]));
      chmodSync(target, 0o755);
      const run = await sh('sh', ['-c', script], { env: { PATH: process.env.PATH, HOME: home } });
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain('checksum mismatch for linux-amd64');
      expect(existsSync(join(home, '.local/bin/agentcy'))).toBe(false);
      expect(existsSync(join(home, '.config/agentcy/config.json'))).toBe(false);
    } finally {
      writeFileSync(target, original);
    }
  });
});

describe('cli download: no builds (e2e)', () => {
  let app: NestExpressApplication;
  let base: string;
  let empty: string;
  beforeAll(async () => {
    empty = mkdtempSync(join(tmpdir(), 'cli-empty-'));
    ({ app } = await createApp(AppConfig.fromEnv({ ...process.env, CLI_DIST_DIR: join(empty, 'missing') })));
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await app?.close();
    rmSync(empty, { recursive: true, force: true });
  });

  it('every /cli route answers 404 cli_not_built when CLI_DIST_DIR holds nothing', async () => {
    for (const path of ['/api/v1/cli/version', '/api/v1/cli/install.sh', '/api/v1/cli/download/linux/amd64']) {
      const res = await fetch(`${base}${path}`);
      expect(res.status).toBe(404);
      expect(((await res.json()) as any).error.code).toBe('cli_not_built');
    }
  });
});
