import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SandboxSessionsContract } from 'src/modules/ciab-native/sandbox-sessions.contract';
import { registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import { eventually, openSse } from './chat-helpers';

/** Host pids whose command line contains `needle` (to prove a session's processes are gone). */
function hostPidsWith(needle: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) {
      continue;
    }
    try {
      const cmd = readFileSync(`/proc/${e}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const state = readFileSync(`/proc/${e}/stat`, 'utf8').split(') ')[1]?.[0];
      if (cmd.includes(needle) && state !== 'Z') {
        out.push(Number(e));
      }
    } catch {
      // gone
    }
  }
  return out;
}

/** GET over a unix socket (the port bridge the preview proxy connects to). */
function getViaSocket(socketPath: string, urlPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ socketPath, path: urlPath, method: 'GET', headers: { host: 'sandbox' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * `/ciab-native` local sessions and `/sandboxes` on the real services: every session is a real
 * jail (user + mount + pid + net namespaces) on this host. Org admins may use them here
 * (CIAB_HOST_ACCESS=org_admin); ciab-access covers the default policy and the idle reaper.
 */
describe('ciab-native sessions', () => {
  let t: TestApp;
  let owner: TestUser;
  let other: TestUser;
  let workDir: string;
  let gitDir: string;
  let gitUrl: string;
  const base = '/api/v1/ciab-native/sessions';
  // a "dumb http" git remote: the files of a bare repository served as they are
  const gitServer: Server = createServer((req, res) => {
    const file = path.join(gitDir, decodeURIComponent((req.url ?? '/').split('?')[0]));
    if (!file.startsWith(gitDir) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    try {
      res.writeHead(200).end(readFileSync(file));
    } catch {
      res.writeHead(404).end();
    }
  });

  beforeAll(async () => {
    workDir = mkdtempSync(path.join(os.tmpdir(), 'ciab-e2e-'));
    gitDir = mkdtempSync(path.join(os.tmpdir(), 'ciab-git-'));
    const src = path.join(gitDir, 'src');
    const env = {
      ...process.env,
      GIT_AUTHOR_NAME: 'Ada',
      GIT_AUTHOR_EMAIL: 'ada@example.com',
      GIT_COMMITTER_NAME: 'Ada',
      GIT_COMMITTER_EMAIL: 'ada@example.com',
      HOME: gitDir,
    };
    execFileSync('git', ['init', '-q', '-b', 'main', src], { env });
    writeFileSync(path.join(src, 'README.md'), '# seeded repo\n');
    execFileSync('git', ['add', '-A'], { cwd: src, env });
    execFileSync('git', ['commit', '-q', '-m', 'first'], { cwd: src, env });
    execFileSync('git', ['clone', '-q', '--bare', src, path.join(gitDir, 'repo.git')], { env });
    execFileSync('git', ['update-server-info'], { cwd: path.join(gitDir, 'repo.git'), env });
    await new Promise<void>((r) => gitServer.listen(0, '127.0.0.1', () => r()));
    gitUrl = `http://127.0.0.1:${(gitServer.address() as AddressInfo).port}/repo.git`;
    t = await startTestApp({
      EGRESS_ALLOW: '127.0.0.1/32',
      AGENTCY_FEATURES_CIAB: 'true',
      CIAB_LOCAL_UID_BASE: '210000',
      CIAB_HOST_ACCESS: 'org_admin',
      CIAB_LOCAL_WORK_DIR: workDir,
      CIAB_LOCAL_MAX_MEMORY_MB: '512',
      CIAB_MAX_SESSIONS_PER_ORG: '3',
      CIAB_SESSION_IDLE_TIMEOUT: '600',
      PUBLIC_BASE_URL: 'https://agentcy.example.test',
    });
    owner = await registerOwner(t, 'ciab');
    other = await registerOwner(t, 'ciab-other');
  });
  afterAll(async () => {
    await t?.close();
    gitServer.closeAllConnections();
    await new Promise((r) => gitServer.close(r));
    rmSync(workDir, { recursive: true, force: true });
    rmSync(gitDir, { recursive: true, force: true });
  });

  const http = () => t.http();
  const start = async (user: TestUser = owner, body: Record<string, unknown> = {}) => {
    const res = await http().post(base).set(user.auth).send(body);
    expect({ status: res.status, error: res.body.error }).toEqual({ status: 201, error: undefined });
    return res.body as { id: string; status: string };
  };
  const exec = async (sid: string, command: string, timeout_secs?: number) => {
    const res = await http()
      .post(`${base}/${sid}/exec`)
      .set(owner.auth)
      .send({ command, ...(timeout_secs ? { timeout_secs } : {}) });
    expect(res.status).toBe(200);
    return res.body as {
      exit_code: number | null;
      stdout: string;
      stderr: string;
      stdout_truncated: boolean;
      timed_out: boolean;
      duration_ms: number;
    };
  };
  const stop = (sid: string) => http().delete(`${base}/${sid}`).set(owner.auth).expect(200);

  it('runs a session: input in, output out over SSE (with Last-Event-ID replay), DELETE ends it', async () => {
    const s = await start(owner, { runtime: 'local', agent_provider: 'codex', prompt: 'fix the tests' });
    expect(s).toMatchObject({ id: expect.stringMatching(/^cs_/), status: 'running', agent_provider: 'codex' });
    const got = await http().get(`${base}/${s.id}`).set(owner.auth).expect(200);
    expect(got.body).toMatchObject({ status: 'running', owner: owner.userId, prompt: 'fix the tests' });
    const list = await http().get(base).set(owner.auth).expect(200);
    expect(list.body.items.map((x: { id: string }) => x.id)).toContain(s.id);

    const sse = await openSse(`${t.baseUrl}${base}/${s.id}/output`, { headers: owner.auth });
    expect(sse.status).toBe(200);
    await http()
      .post(`${base}/${s.id}/input`)
      .set(owner.auth)
      .send({ text: 'echo "hello-$((6*7))"; echo oops >&2' })
      .expect(202);
    const out = await sse.waitFor((e) => e.event === 'stdout' && String(e.data.text).includes('hello-42'));
    await sse.waitFor((e) => e.event === 'stderr' && String(e.data.text).includes('oops'));
    sse.abort();

    const replay = await openSse(`${t.baseUrl}${base}/${s.id}/output`, {
      headers: { ...owner.auth, 'Last-Event-ID': String(Number(out.id) - 1) },
    });
    const first = await replay.waitFor(() => true);
    expect(Number(first.id)).toBe(Number(out.id));
    const ended = replay.waitFor((e) => e.event === 'status' && e.data.status === 'terminated', 15_000);

    const del = await stop(s.id);
    expect(del.body).toMatchObject({ status: 'terminated', status_reason: 'terminated_by_user' });
    await ended;
    await replay.done;
    expect(existsSync(path.join(workDir, s.id))).toBe(false);
    const after = await http().post(`${base}/${s.id}/exec`).set(owner.auth).send({ command: 'true' }).expect(409);
    expect(after.body.error.code).toBe('session_not_running');
    await http().post(`${base}/${s.id}/input`).set(owner.auth).send({ text: 'true' }).expect(409);
  });

  it('exec: time limit, output cap, memory cap; nothing it starts survives it', async () => {
    const s = await start();
    const ok = await exec(s.id, 'echo out; echo err >&2; exit 3');
    expect(ok).toMatchObject({ exit_code: 3, stdout: 'out\n', stderr: 'err\n', timed_out: false });

    const slow = await exec(s.id, 'sleep 100', 2);
    expect(slow.timed_out).toBe(true);
    expect(slow.duration_ms).toBeLessThan(10_000);

    const loud = await exec(s.id, 'yes', 30);
    expect(loud.stdout_truncated).toBe(true);
    expect(loud.stdout.length).toBe(1024 * 1024);
    expect(loud.timed_out).toBe(false);

    const hog = await exec(s.id, 'python3 -c "b = bytearray(2 * 1024 ** 3); print(len(b))"', 60);
    expect(hog.exit_code).not.toBe(0);
    expect(hog.stdout).toBe('');
    expect(hog.stderr).toContain('MemoryError');

    await exec(s.id, '(sleep 4242 &) ; nohup sleep 4243 >/dev/null 2>&1 & echo started');
    await new Promise((r) => setTimeout(r, 300));
    expect(hostPidsWith('sleep 4242')).toEqual([]);
    expect(hostPidsWith('sleep 4243')).toEqual([]);
    await stop(s.id);
  });

  it('a session whose process dies (here: under the memory cap) is failed; a clean exit is terminated', async () => {
    const s = await start();
    await http()
      .post(`${base}/${s.id}/input`)
      .set(owner.auth)
      .send({ text: 'exec python3 -c "b = bytearray(2 * 1024 ** 3)"' })
      .expect(202);
    const failed = await eventually(async () => {
      const r = await http().get(`${base}/${s.id}`).set(owner.auth).expect(200);
      return r.body.status === 'failed' ? r.body : null;
    });
    expect(failed.status_reason).toBe('exited with code 1');
    expect(existsSync(path.join(workDir, s.id))).toBe(false);

    const c = await start();
    await http().post(`${base}/${c.id}/input`).set(owner.auth).send({ text: 'exit 0' }).expect(202);
    const done = await eventually(async () => {
      const r = await http().get(`${base}/${c.id}`).set(owner.auth).expect(200);
      return r.body.status === 'terminated' ? r.body : null;
    });
    expect(done.status_reason).toBe('exited');
  });

  it('jail: no host files, no other session, no host network, nothing outlives DELETE', async () => {
    const a = await start();
    const b = await start();
    expect((await exec(b.id, 'echo top-secret > secret.txt && pwd')).stdout).toBe('/workspace\n');

    const probes = [
      'cat /work/main/package.json',
      'cat /etc/shadow',
      'ls /root',
      'ls /work',
      `cat ${path.join(workDir, b.id, 'secret.txt')}`,
      `cat ../${b.id}/secret.txt`,
      'cat /proc/1/root/etc/shadow',
    ];
    for (const cmd of probes) {
      const r = await exec(a.id, cmd);
      expect({ cmd, code: r.exit_code, out: r.stdout }).toEqual({ cmd, code: expect.any(Number), out: '' });
      expect(r.exit_code).not.toBe(0);
    }
    const root = await exec(a.id, 'ls /; id -u; cat /proc/net/dev | tail -n +3 | cut -d: -f1');
    expect(root.stdout.split('\n')).not.toContain('work');
    expect(root.stdout).not.toContain('eth');
    const net = await exec(
      a.id,
      "python3 -c \"import socket\nfor h in [('127.0.0.1', 5432), ('127.0.0.1', 6379)]:\n  s = socket.socket(); s.settimeout(2)\n  print(s.connect_ex(h))\"",
    );
    expect(net.stdout.trim().split('\n')).toEqual(['111', '111']); // ECONNREFUSED: its own empty loopback
    const escape = await exec(a.id, 'mount -t tmpfs x /tmp 2>&1; touch /usr/x 2>&1; echo done');
    expect(escape.stdout).toMatch(/ermission denied|Operation not permitted|only root/);
    expect(escape.stdout).toMatch(/Read-only file system/);

    await http().post(`${base}/${a.id}/input`).set(owner.auth).send({ text: 'sleep 4321 &' }).expect(202);
    await eventually(async () => hostPidsWith('sleep 4321').length > 0);
    await stop(a.id);
    expect(hostPidsWith('sleep 4321')).toEqual([]);
    await stop(b.id);
  });

  it('files: list and read within /workspace; `..`, absolute paths and escaping symlinks are refused', async () => {
    const s = await start();
    await exec(
      s.id,
      'mkdir -p src && printf "hi there" > src/a.txt && printf "\\377\\000\\001" > bin.dat && ln -s /etc/passwd leak && ln -s src/a.txt inner',
    );
    const root = await http().get(`${base}/${s.id}/files`).set(owner.auth).expect(200);
    expect(root.body.entries.map((e: { name: string; type: string }) => [e.name, e.type])).toEqual([
      ['bin.dat', 'file'],
      ['inner', 'symlink'],
      ['leak', 'symlink'],
      ['src', 'dir'],
    ]);
    const src = await http().get(`${base}/${s.id}/files?path=src`).set(owner.auth).expect(200);
    expect(src.body.entries[0]).toMatchObject({ name: 'a.txt', size: 8, type: 'file' });
    const txt = await http().get(`${base}/${s.id}/files/content?path=src/a.txt`).set(owner.auth).expect(200);
    expect(txt.body).toMatchObject({ encoding: 'utf8', content: 'hi there', size: 8, truncated: false });
    const viaLink = await http().get(`${base}/${s.id}/files/content?path=inner`).set(owner.auth).expect(200);
    expect(viaLink.body.content).toBe('hi there');
    const bin = await http().get(`${base}/${s.id}/files/content?path=bin.dat`).set(owner.auth).expect(200);
    expect(bin.body).toMatchObject({ encoding: 'base64', content: Buffer.from([0xff, 0, 1]).toString('base64') });

    for (const bad of ['../x', 'src/../../etc/passwd', '/etc/passwd', '..']) {
      const r = await http().get(`${base}/${s.id}/files/content`).query({ path: bad }).set(owner.auth).expect(400);
      expect(r.body.error.code).toBe('invalid_path');
    }
    const leak = await http().get(`${base}/${s.id}/files/content?path=leak`).set(owner.auth).expect(400);
    expect(leak.body.error.code).toBe('path_outside_workspace');
    await http().get(`${base}/${s.id}/files/content?path=nope.txt`).set(owner.auth).expect(404);
    await http().get(`${base}/${s.id}/files?path=src/a.txt`).set(owner.auth).expect(400);
    await stop(s.id);
  });

  it('ports: a server the session starts is listed with a preview URL and bridged to a unix socket', async () => {
    const s = await start();
    await http()
      .post(`${base}/${s.id}/input`)
      .set(owner.auth)
      .send({ text: 'echo "<h1>from the sandbox</h1>" > index.html; python3 -m http.server 8000 &' })
      .expect(202);
    const ports = await eventually(async () => {
      const r = await http().get(`${base}/${s.id}/ports`).set(owner.auth).expect(200);
      return r.body.ports.length ? r.body : null;
    });
    expect(ports).toMatchObject({ session_id: s.id, status: 'running' });
    expect(ports.ports[0]).toMatchObject({
      port: 8000,
      preview_url: expect.stringMatching(
        new RegExp(`^https://agentcy\\.example\\.test/sandbox/preview/${s.id}/8000/\\?token=[\\w.-]+$`),
      ),
    });
    const sb = await http().get(`/api/v1/sandboxes/${s.id}/ports`).set(owner.auth).expect(200);
    expect(sb.body.ports.map((x: { port: number }) => x.port)).toEqual([8000]);
    const all = await http().get('/api/v1/sandboxes').set(owner.auth).expect(200);
    const mine = all.body.items.find((x: { session_id: string }) => x.session_id === s.id);
    expect(mine).toMatchObject({ runtime: 'local', status: 'running', owner: owner.userId });
    expect(mine.ports.map((x: { port: number }) => x.port)).toEqual([8000]);

    const contract = t.app.get(SandboxSessionsContract);
    const target = await contract.portTarget(owner.orgId, s.id, 8000);
    expect(target).toMatchObject({ sessionStatus: 'running', bound: true });
    const page = await getViaSocket((target!.connect as { socketPath: string }).socketPath, '/index.html');
    expect(page).toMatchObject({ status: 200, body: expect.stringContaining('from the sandbox') });
    expect(await contract.portTarget(owner.orgId, s.id, 8001)).toMatchObject({ bound: false });
    expect(await contract.portTarget(other.orgId, s.id, 8000)).toBeNull();

    await stop(s.id);
    expect(await contract.portTarget(owner.orgId, s.id, 8000)).toMatchObject({
      sessionStatus: 'terminated',
      bound: false,
    });
    const gone = await http().get('/api/v1/sandboxes').set(owner.auth).expect(200);
    expect(gone.body.items.map((x: { session_id: string }) => x.session_id)).not.toContain(s.id);
  });

  it('snapshot → artifact; restore seeds a new session from it', async () => {
    const s = await start();
    await exec(s.id, 'mkdir -p app && echo "v1 of the app" > app/main.txt');
    const snap = await http().post(`${base}/${s.id}/snapshot`).set(owner.auth).send({ label: 'v1' }).expect(201);
    expect(snap.body).toMatchObject({ snapshot_id: expect.stringMatching(/^snap_/), artifact_id: expect.any(String) });
    const art = await http().get(`/api/v1/artifacts/${snap.body.artifact_id}`).set(owner.auth).expect(200);
    expect(art.body.size_bytes ?? art.body.size).toBeGreaterThan(0);
    await stop(s.id);

    const r = await start(owner, { restore: snap.body.snapshot_id });
    expect(r).toMatchObject({ restored_from: snap.body.snapshot_id, status: 'running' });
    expect((await exec(r.id, 'cat app/main.txt')).stdout).toBe('v1 of the app\n');
    await stop(r.id);

    // another org cannot restore it
    await http().post(base).set(other.auth).send({ restore: snap.body.snapshot_id }).expect(404);
  });

  it('seed: clones an http(s) repo through the egress guard into /workspace (owned by the session)', async () => {
    const s = await start(owner, { seed: { repo: gitUrl, ref: 'main' } });
    expect(s).toMatchObject({ seed: { repo: gitUrl, ref: 'main' } });
    const r = await exec(s.id, 'cat README.md && echo more >> README.md && tail -n1 README.md');
    expect(r.stdout).toBe('# seeded repo\nmore\n');
    await stop(s.id);

    const blocked = await http()
      .post(base)
      .set(owner.auth)
      .send({ seed: { repo: 'http://10.255.255.1/x.git' } })
      .expect(400);
    expect(blocked.body.error.details).toMatchObject({ field: 'seed.repo' });
    const missing = await http()
      .post(base)
      .set(owner.auth)
      .send({ seed: { repo: gitUrl.replace('repo.git', 'nope.git') } })
      .expect(422);
    expect(missing.body.error.code).toBe('seed_failed');
    const list = await http().get(base).set(owner.auth).expect(200);
    expect(list.body.items.filter((x: { status: string }) => x.status === 'running')).toEqual([]);
  });

  it('another org gets 404 everywhere; the per-org quota answers 429', async () => {
    const s = await start();
    const o = other.auth;
    await http().get(`${base}/${s.id}`).set(o).expect(404);
    await http().get(`${base}/${s.id}/output`).set(o).expect(404);
    await http().post(`${base}/${s.id}/input`).set(o).send({ text: 'id' }).expect(404);
    await http().post(`${base}/${s.id}/exec`).set(o).send({ command: 'id' }).expect(404);
    await http().get(`${base}/${s.id}/files`).set(o).expect(404);
    await http().get(`${base}/${s.id}/files/content?path=x`).set(o).expect(404);
    await http().get(`${base}/${s.id}/ports`).set(o).expect(404);
    await http().post(`${base}/${s.id}/snapshot`).set(o).send({}).expect(404);
    await http().delete(`${base}/${s.id}`).set(o).expect(404);
    await http().get(`/api/v1/sandboxes/${s.id}/ports`).set(o).expect(404);
    const theirs = await http().get(base).set(o).expect(200);
    expect(theirs.body.items).toEqual([]);
    expect((await http().get(`${base}/${s.id}`).set(owner.auth).expect(200)).body.status).toBe('running');

    const more = [await start(), await start()];
    const over = await http().post(base).set(owner.auth).send({}).expect(429);
    expect(over.body.error.code).toBe('quota_exceeded');
    await stop(more[0].id);
    const again = await start();
    for (const id of [s.id, more[1].id, again.id]) {
      await stop(id);
    }
    await http().post(base).set(owner.auth).send({ runtime: 'ec2' }).expect(503);
    await http()
      .post(base)
      .set(owner.auth)
      .send({ seed: { repo: 'file:///work/main' } })
      .expect(400);
  });
});
