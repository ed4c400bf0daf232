/**
 * The `agentcy` CLI (packages/cli) run as a child process against a running API: login (password and
 * API key), whoami/logout, sources list/sync, chat streamed live with tool calls (fake OpenAI model),
 * approvals list/approve/deny, audit tail (and --follow over SSE), --json and --help everywhere.
 * The CLI is the bundle `npm run cli:build` makes (built in beforeAll), as users run it.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import type { FakeKubeApi } from '../support/connectors/fake-kube-api';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server';
import { allowSelfApproval, api, createKubeSource, eventually, withFakeKube } from './chat-helpers';

const ROOT = join(__dirname, '..', '..');
const VERSION = JSON.parse(readFileSync(join(ROOT, 'packages/cli/package.json'), 'utf8')).version as string;
const PASSWORD = 'password-123';
const POD = 'web-7d9f8b6c5d-abcde';

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

describe('agentcy CLI against the running API (e2e)', () => {
  let t: TestApp;
  let fake: FakeOpenAI;
  let kube: FakeKubeApi;
  let u: TestUser;
  let work: string;
  let files: Server;
  let filesUrl: string;
  let bundle: string;
  const children: ChildProcess[] = [];

  /** Starts the CLI (compiled on the fly) with its own HOME; AGENTCY_URL points at the test API. */
  function start(args: string[], opts: { home?: string; input?: string; env?: Record<string, string> } = {}): Run {
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: opts.home ?? join(work, 'home'), NO_COLOR: '1' };
    for (const k of ['AGENTCY_TOKEN', 'AGENTCY_CONFIG', 'XDG_CONFIG_HOME']) {
      delete env[k];
    }
    Object.assign(env, { AGENTCY_URL: t.baseUrl }, opts.env ?? {});
    const child = spawn(process.execPath, [bundle, ...args], { cwd: work, env });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.stdin!.end(opts.input ?? '');
    const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
      child.on('close', (code) => resolve({ code, stdout, stderr })),
    );
    return { child, stdout: () => stdout, stderr: () => stderr, done };
  }
  const cli = (args: string[], opts: Parameters<typeof start>[1] = {}) => start(args, opts).done;
  const until = (r: Run, pattern: RegExp) => eventually(async () => pattern.exec(r.stdout()), 60_000, 50);

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'cli-commands-'));
    execFileSync(process.execPath, [join(ROOT, 'packages/cli/scripts/build.cjs'), '--out', join(work, 'dist')], {
      cwd: ROOT,
      stdio: 'pipe',
    });
    bundle = join(work, 'dist', VERSION, 'agentcy-linux-amd64');
    files = createServer((req, res) => {
      if (req.url === '/people.csv') {
        res.writeHead(200, { 'content-type': 'text/csv' }).end('id,name\n1,Ada\n2,Bob\n');
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => files.listen(0, '127.0.0.1', () => r()));
    filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
    fake = await startFakeOpenAI();
    kube = await withFakeKube();
    t = await startTestApp({
      ...fake.apiEnv,
      AGENTCY_FEATURES_POLICIES: 'true',
      SSE_PING_INTERVAL_MS: '250',
      CHAT_APPROVAL_POLL_MS: '200',
    });
    u = await registerOwner(t, 'cli');
    await allowSelfApproval(t.baseUrl, u.auth);
    await createKubeSource(t.baseUrl, u.auth, kube, 'prod-cluster');
    const login = await cli(['login', '--email', u.email, '--password-stdin'], { input: `${PASSWORD}\n` });
    expect(login).toMatchObject({ code: 0 });
  }, 240_000);

  afterAll(async () => {
    for (const c of children) {
      if (c.exitCode === null && c.signalCode === null) {
        c.kill('SIGKILL');
      }
    }
    await t?.close();
    await fake?.close();
    await kube?.close();
    files?.closeAllConnections();
    await new Promise((r) => files?.close(r));
    rmSync(work, { recursive: true, force: true });
  });
  beforeEach(() => fake.reset());

  it('--help works for every command and group', async () => {
    const commands = [
      [],
      ['login'],
      ['logout'],
      ['whoami'],
      ['sources'],
      ['sources', 'list'],
      ['sources', 'sync'],
      ['chat'],
      ['approvals'],
      ['approvals', 'list'],
      ['approvals', 'approve'],
      ['approvals', 'deny'],
      ['audit'],
      ['audit', 'tail'],
      ['version'],
    ];
    const runs = await Promise.all(commands.map((c) => cli([...c, '--help'])));
    runs.forEach((r, i) => {
      expect({ cmd: commands[i], code: r.code }).toEqual({ cmd: commands[i], code: 0 });
      expect(r.stdout).toContain(`Usage: agentcy${commands[i].length ? ` ${commands[i].join(' ')}` : ''}`);
    });
    expect(runs[0].stdout).toContain('--json');
  }, 120_000);

  it('login with a password stores the session in a 0600 config file; whoami and --json; the token stays with its server', async () => {
    const config = join(work, 'home/.config/agentcy/config.json');
    expect(statSync(config).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(readFileSync(config, 'utf8'));
    expect(stored).toMatchObject({ server: t.baseUrl, auth: 'password', email: u.email, token: expect.any(String) });

    const who = await cli(['whoami']);
    expect(who.code).toBe(0);
    expect(who.stdout).toContain(`${u.email} (owner)`);
    const json = await cli(['whoami', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ email: u.email, role: 'owner', org: { id: u.orgId } });

    // the stored credential is never sent to another server
    const other = await cli(['whoami', '--server', 'http://127.0.0.1:9']);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('not logged in to http://127.0.0.1:9');
  }, 120_000);

  it("a wrong password exits non-zero with the API's error message and stores nothing", async () => {
    const home = join(work, 'home-wrong');
    const r = await cli(['login', '--email', u.email, '--password', 'nope-nope'], { home });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Invalid email or password');
    expect(existsSync(join(home, '.config/agentcy/config.json'))).toBe(false);
    const j = await cli(['login', '--email', u.email, '--password', 'nope-nope', '--json'], { home });
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stdout).error).toMatchObject({
      message: expect.stringContaining('Invalid email or password'),
      status: 401,
    });
  }, 120_000);

  it('login with an API key; logout revokes a password session and forgets it', async () => {
    const key = await api(t.baseUrl, 'POST', '/api-keys', u.auth, { name: 'cli-test', role: 'member' });
    expect(key.status).toBe(201);
    const home = join(work, 'home-key');
    const r = await cli(['login', '--api-key-stdin'], { home, input: key.body.key });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('with an API key');
    const who = JSON.parse((await cli(['whoami', '--json'], { home })).stdout);
    expect(who).toMatchObject({ email: u.email, role: 'member', api_key_id: key.body.id });
    const bad = await cli(['login', '--api-key', 'ak_live_not_a_real_key_000000000000000000000000'], {
      home: join(work, 'h2'),
    });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/HTTP 401/);

    // a second password session, then logout: the server refuses its token afterwards
    const home2 = join(work, 'home-logout');
    expect((await cli(['login', '--email', u.email, '--password', PASSWORD], { home: home2 })).code).toBe(0);
    const token = JSON.parse(readFileSync(join(home2, '.config/agentcy/config.json'), 'utf8')).token as string;
    const out = await cli(['logout', '--json'], { home: home2 });
    expect(JSON.parse(out.stdout)).toEqual({ logged_out: true, session_revoked: true });
    expect((await api(t.baseUrl, 'GET', '/auth/me', { Authorization: `Bearer ${token}` })).status).toBe(401);
    const after = await cli(['whoami'], { home: home2 });
    expect(after.code).toBe(1);
    expect(after.stderr).toContain('not logged in');
  }, 120_000);

  it('sources list (human and --json) and sources sync --wait on a csv source', async () => {
    const src = await api(t.baseUrl, 'POST', '/sources', u.auth, {
      name: 'people',
      source_type: 'csv',
      config: { url: `${filesUrl}/people.csv`, label: 'Person', key_column: 'id', name_column: 'name' },
    });
    expect(src.status).toBe(201);
    const list = await cli(['sources', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^ID\s+NAME\s+TYPE\s+STATUS\s+LAST SYNC/);
    expect(list.stdout).toMatch(new RegExp(`${src.body.id}\\s+people\\s+csv`));
    const json = JSON.parse((await cli(['sources', 'list', '--json'])).stdout);
    expect(json.items.map((s: any) => s.name).sort()).toEqual(['people', 'prod-cluster']);

    const sync = await cli(['sources', 'sync', src.body.id, '--wait', '--json']);
    expect(sync.code).toBe(0);
    expect(JSON.parse(sync.stdout)).toMatchObject({
      source_id: src.body.id,
      status: 'succeeded',
      stats: { nodes_written: 2 },
    });
    const human = await cli(['sources', 'sync', src.body.id, '--wait']);
    expect(human.code).toBe(0);
    expect(human.stderr).toMatch(/sync job \S+ queued/);
    expect(human.stdout).toMatch(/job \S+: succeeded/);

    const missing = await cli(['sources', 'sync', 'src_does_not_exist']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/not found/i);
  }, 120_000);

  it('chat renders the answer live as it streams and shows a tool call and its result', async () => {
    fake.script(
      { toolCalls: [{ id: 'call_lc', name: 'list_connectors', arguments: {} }] },
      { text: ['There is ', 'one cluster', ' connected.'], chunkDelayMs: 1500 },
    );
    const r = start(['chat', 'what', 'is', 'connected?']);
    // the first delta is on screen while the model is still sending the rest
    await until(r, /There is /);
    expect(r.stdout()).not.toContain('connected.');
    const { code, stdout, stderr } = await r.done;
    expect(code).toBe(0);
    expect(stderr).toMatch(/^conversation \S+/m);
    expect(stdout).toMatch(/^\[tool call tc_\w+\] list_connectors \{\}$/m);
    expect(stdout).toMatch(/^\[tool result tc_\w+\] completed/m);
    expect(stdout).toContain('There is one cluster connected.\n');
  }, 120_000);

  it('chat --json prints one JSON event per line; a conversation can be continued with -c', async () => {
    fake.script({ text: 'Hello there.' }, { text: 'Again.' });
    const r = await cli(['chat', '--json', 'hi']);
    expect(r.code).toBe(0);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events[0]).toMatchObject({ event: 'message_start', data: { conversation_id: expect.any(String) } });
    expect(
      events
        .filter((e) => e.event === 'content_delta')
        .map((e) => e.data.delta)
        .join(''),
    ).toBe('Hello there.');
    expect(events[events.length - 1]).toMatchObject({ event: 'message_end', data: { finish_reason: 'end_turn' } });
    const conv = events[0].data.conversation_id as string;
    const again = await cli(['chat', '-c', conv, 'once more'], { input: '' });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Again.');
    const msgs = await api(t.baseUrl, 'GET', `/chat/conversations/${conv}/messages`, u.auth);
    expect(msgs.body.items.map((m: any) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
  }, 120_000);

  const deletePod = (id: string) => ({
    toolCalls: [
      {
        id,
        name: 'execute_connector_tool',
        arguments: { tool: 'prod-cluster.delete_pod', arguments: { namespace: 'prod', name: POD } },
      },
    ],
  });

  it('approvals: chat shows the approval request, approvals list/approve lets the call run', async () => {
    fake.script(deletePod('call_a'), { text: 'Pod deleted.' });
    const chat = start(['chat', 'delete the web pod']);
    const m = await until(chat, /\[approval required (apr_\w+)\] kubernetes\.delete_pod \(destructive\)/);
    const id = m[1];
    const list = await cli(['approvals', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`${id}\\s+pending\\s+kubernetes\\.delete_pod\\s+destructive`));
    const listJson = JSON.parse((await cli(['approvals', 'list', '--json'])).stdout);
    expect(listJson.items).toEqual([expect.objectContaining({ id, status: 'pending' })]);

    const ok = await cli(['approvals', 'approve', id, '--note', 'go']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`${id}: approved`);
    const { code, stdout } = await chat.done;
    expect(code).toBe(0);
    expect(stdout).toContain(`[approval approved ${id}]`);
    expect(stdout).toMatch(/^\[tool result tc_\w+\] completed/m);
    expect(stdout).toContain('Pod deleted.');
    expect(kube.requests.filter((r) => r.method === 'DELETE' && r.path.endsWith(`/pods/${POD}`))).toHaveLength(1);

    const again = await cli(['approvals', 'approve', id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('approval_already_decided');
  }, 120_000);

  it('approvals deny: the tool result is denied and the note reaches the stream', async () => {
    fake.script(deletePod('call_d'), { text: 'Understood, not deleting.' });
    const chat = start(['chat', 'delete the web pod again']);
    const id = (await until(chat, /\[approval required (apr_\w+)\]/))[1];
    const deny = await cli(['approvals', 'deny', id, '--note', 'change freeze', '--json']);
    expect(JSON.parse(deny.stdout)).toMatchObject({ id, status: 'denied', note: 'change freeze' });
    const { code, stdout } = await chat.done;
    expect(code).toBe(0);
    expect(stdout).toContain(`[approval denied ${id}] change freeze`);
    expect(stdout).toMatch(
      /^\[tool result tc_\w+\] denied( in \d+ ms)?: Denied by approver: change freeze \(policy_denied\)/m,
    );
    expect((await cli(['approvals', 'list', '--status', 'denied', '--json'])).stdout).toContain(id);
  }, 120_000);

  it('audit tail prints recent entries oldest first; --follow streams new ones as they are committed', async () => {
    const tail = await cli(['audit', 'tail', '-n', '5']);
    expect(tail.code).toBe(0);
    const lines = tail.stdout.trim().split('\n');
    expect(lines).toHaveLength(5);
    const seqs = lines.map((l) => Number(/ #(\d+) /.exec(l)![1]));
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    const json = JSON.parse((await cli(['audit', 'tail', '-n', '3', '--json'])).stdout);
    expect(json.items).toHaveLength(3);

    const follow = start(['audit', 'tail', '-n', '1', '--follow', '--json']);
    await eventually(async () => follow.stdout().includes('\n'), 60_000, 50);
    // a change made meanwhile shows up on the open stream
    await api(t.baseUrl, 'POST', '/api-keys', u.auth, { name: 'audit-follow', role: 'viewer' });
    await eventually(async () => follow.stdout().includes('api_keys.create'), 60_000, 100);
    const entries = follow
      .stdout()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(entries.length).toBeGreaterThanOrEqual(2);
    expect(entries[entries.length - 1]).toMatchObject({ action: 'api_keys.create' });
    follow.child.kill('SIGTERM');
    expect((await follow.done).code).toBeNull(); // ended by the signal: --follow runs until interrupted
    // let the server notice the disconnect and drop its subscription before the app closes
    await new Promise((r) => setTimeout(r, 1000));
  }, 120_000);

  it('version prints the CLI version and what the server offers', async () => {
    const v = await cli(['version', '--json']);
    expect(v.code).toBe(0);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'packages/cli/package.json'), 'utf8'));
    expect(JSON.parse(v.stdout)).toMatchObject({ version: pkg.version, server: { url: t.baseUrl } });
    expect((await cli(['--version'])).stdout.trim()).toBe(pkg.version);
  }, 120_000);
});
