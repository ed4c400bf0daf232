import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { connectorContext, rejectsWith } from '../../../test/support/connectors/connector-context';
import { ConnectorConfigError, GraphEdgeInput, GraphNodeInput, ToolExecutionError } from '../connector';
import { REJECTED_CREDENTIALS } from './git-repo';
import { GitConfig, gitConnector } from './git.connector';

const ctx = (config: GitConfig) => connectorContext(config, { sourceName: 'repo' });

describe('git connector on a real repository built by the test', () => {
  let root: string;
  let repo: string;
  const shas: string[] = [];
  const savedUploadDir = process.env.UPLOAD_DIR;

  const git = (
    args: string[],
    who = { name: 'Ada Lovelace', email: 'ada@example.com' },
    date = '2026-01-01T10:00:00Z',
  ) =>
    execFileSync('git', args, {
      cwd: repo,
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: who.name,
        GIT_AUTHOR_EMAIL: who.email,
        GIT_COMMITTER_NAME: who.name,
        GIT_COMMITTER_EMAIL: who.email,
        GIT_AUTHOR_DATE: date,
        GIT_COMMITTER_DATE: date,
        GIT_CONFIG_NOSYSTEM: '1',
        HOME: root,
      },
    });
  const commit = (msg: string, who?: { name: string; email: string }, date?: string) => {
    git(['add', '-A']);
    git(['commit', '-q', '-m', msg], who, date);
    shas.push(git(['rev-parse', 'HEAD']).trim());
  };

  beforeAll(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'agentcy-git-'));
    repo = path.join(root, 'repo');
    mkdirSync(repo);
    process.env.UPLOAD_DIR = path.join(root, 'uploads');
    git(['init', '-q', '-b', 'main']);
    writeFileSync(path.join(repo, 'README.md'), '# Demo\n');
    commit('Initial commit');
    mkdirSync(path.join(repo, 'src'));
    writeFileSync(path.join(repo, 'src/app.ts'), 'export const a = 1;\nexport const b = 2;\n');
    commit('Add app', { name: 'Grace Hopper', email: 'Grace@Example.com' }, '2026-02-01T10:00:00Z');
    writeFileSync(path.join(repo, 'src/app.ts'), 'export const a = 1;\nexport const b = 3;\nexport const c = 4;\n');
    writeFileSync(path.join(repo, 'old.txt'), 'temp\n');
    commit('Change b, add c\n\nLonger body explaining the change.', undefined, '2026-03-01T10:00:00Z');
    git(['rm', '-q', 'old.txt']);
    git(['mv', 'README.md', 'docs.md']);
    commit('Remove old, rename readme', { name: 'Grace Hopper', email: 'grace@example.com' }, '2026-04-01T10:00:00Z');
    git(['checkout', '-q', '-b', 'feature']);
    writeFileSync(
      path.join(repo, 'src/feature.ts'),
      Array.from({ length: 2000 }, (_, i) => `export const f${i} = ${i};`).join('\n') + '\n',
    );
    commit('Big feature', undefined, '2026-05-01T10:00:00Z');
    git(['checkout', '-q', 'main']);
  });
  afterAll(() => {
    process.env.UPLOAD_DIR = savedUploadDir;
    if (savedUploadDir === undefined) {
      delete process.env.UPLOAD_DIR;
    }
    rmSync(root, { recursive: true, force: true });
  });

  it('validate reports branch, head and commit count', async () => {
    const v = await gitConnector.validate(ctx({ path: repo }));
    expect(v.info).toEqual({ branch: 'main', head: shas[3], commits: 4 });
    const f = await gitConnector.validate(ctx({ path: repo, branch: 'feature' }));
    expect(f.info).toMatchObject({ branch: 'feature', head: shas[4], commits: 5 });
  });

  it('validate errors', async () => {
    expect((await rejectsWith(gitConnector.validate(ctx({})), ConnectorConfigError)).kind).toBe('shape');
    expect(
      (await rejectsWith(gitConnector.validate(ctx({ path: repo, url: 'https://x/y.git' })), ConnectorConfigError))
        .kind,
    ).toBe('shape');
    expect((await rejectsWith(gitConnector.validate(ctx({ path: 'relative/dir' })), ConnectorConfigError)).kind).toBe(
      'shape',
    );
    expect(
      (await rejectsWith(gitConnector.validate(ctx({ path: path.join(root, 'missing') })), ConnectorConfigError)).kind,
    ).toBe('unreachable');
    expect((await rejectsWith(gitConnector.validate(ctx({ path: root })), ConnectorConfigError)).kind).toBe('shape');
    expect(
      (await rejectsWith(gitConnector.validate(ctx({ path: repo, branch: 'nope' })), ConnectorConfigError)).kind,
    ).toBe('shape');
    expect(
      (
        await rejectsWith(
          gitConnector.validate(ctx({ path: repo, branch: '--upload-pack=evil' })),
          ConnectorConfigError,
        )
      ).kind,
    ).toBe('shape');
    expect(
      (await rejectsWith(gitConnector.validate(ctx({ url: 'ext::sh -c touch% /tmp/pwned' })), ConnectorConfigError))
        .kind,
    ).toBe('shape');
    expect(
      (await rejectsWith(gitConnector.validate(ctx({ url: `file://${root}/missing.git` })), ConnectorConfigError)).kind,
    ).toBe('unreachable');
  });

  it('log lists commits newest first with filters', async () => {
    const log: any = await gitConnector.executeTool(ctx({ path: repo }), 'log', {});
    expect(log.items.map((c: any) => c.sha)).toEqual([...shas.slice(0, 4)].reverse());
    expect(log.items[1]).toMatchObject({
      subject: 'Change b, add c',
      author: 'Ada Lovelace',
      files_changed: 2,
      additions: 3,
      deletions: 1,
    });
    const byGrace: any = await gitConnector.executeTool(ctx({ path: repo }), 'log', { author: 'Grace' });
    expect(byGrace.items.map((c: any) => c.subject)).toEqual(['Remove old, rename readme', 'Add app']);
    const byPath: any = await gitConnector.executeTool(ctx({ path: repo }), 'log', { path: 'src/app.ts', limit: 1 });
    expect(byPath.items.map((c: any) => c.subject)).toEqual(['Change b, add c']);
    const feature: any = await gitConnector.executeTool(ctx({ path: repo }), 'log', { ref: 'feature', limit: 2 });
    expect(feature.items[0].subject).toBe('Big feature');
  });

  it('show returns commit details and diff stat', async () => {
    const s: any = await gitConnector.executeTool(ctx({ path: repo }), 'show', { ref: shas[2] });
    expect(s).toMatchObject({
      sha: shas[2],
      parents: [shas[1]],
      message: 'Change b, add c\n\nLonger body explaining the change.',
      author_email: 'ada@example.com',
    });
    expect(s.files).toEqual(
      expect.arrayContaining([
        { path: 'src/app.ts', additions: 2, deletions: 1, status: 'modified' },
        { path: 'old.txt', additions: 1, deletions: 0, status: 'added' },
      ]),
    );
    const r: any = await gitConnector.executeTool(ctx({ path: repo }), 'show', { ref: 'main', patch: true });
    expect(r.files).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'old.txt', status: 'deleted' }),
        expect.objectContaining({ path: 'docs.md', status: 'renamed' }),
      ]),
    );
    expect(r.patch).toContain('deleted file mode');
    const missing = await rejectsWith(
      gitConnector.executeTool(ctx({ path: repo }), 'show', { ref: 'deadbeef' }),
      ToolExecutionError,
    );
    expect(missing.code).toBe('not_found');
    const evil = await rejectsWith(
      gitConnector.executeTool(ctx({ path: repo }), 'show', { ref: '--output=/tmp/x' }),
      ToolExecutionError,
    );
    expect(evil.code).toBe('invalid_arguments');
  });

  it('diff between refs is truncated', async () => {
    const d: any = await gitConnector.executeTool(ctx({ path: repo }), 'diff', {
      from: 'main',
      to: 'feature',
      max_chars: 500,
    });
    expect(d).toMatchObject({
      files_changed: 1,
      additions: 2000,
      deletions: 0,
      truncated: true,
      from_sha: shas[3],
      to_sha: shas[4],
    });
    expect(d.diff.length).toBe(500);
    expect(d.diff).toContain('src/feature.ts');
    const small: any = await gitConnector.executeTool(ctx({ path: repo }), 'diff', {
      from: shas[1],
      to: shas[2],
      path: 'src',
    });
    expect(small.truncated).toBe(false);
    expect(small.files).toEqual([{ path: 'src/app.ts', additions: 2, deletions: 1 }]);
    expect(small.diff).toContain('+export const c = 4;');
  });

  it('ingests commits, authors and files with AUTHORED, MODIFIES and PARENT edges', async () => {
    const nodes: GraphNodeInput[] = [];
    const edges: GraphEdgeInput[] = [];
    for await (const b of gitConnector.ingest!(ctx({ path: repo }))) {
      nodes.push(...b.nodes);
      edges.push(...b.edges);
    }
    const byLabel = (l: string) => nodes.filter((n) => n.label === l);
    expect(byLabel('Commit')).toHaveLength(4);
    expect(
      byLabel('Person')
        .map((n) => n.key)
        .sort(),
    ).toEqual(['person:ada@example.com', 'person:grace@example.com']);
    expect(
      byLabel('File')
        .map((n) => n.name)
        .sort(),
    ).toEqual(['README.md', 'docs.md', 'old.txt', 'src/app.ts']);
    expect(nodes.find((n) => n.key === 'file:old.txt')?.properties).toMatchObject({ exists: false });
    expect(nodes.find((n) => n.key === 'file:docs.md')?.properties).toMatchObject({ exists: true });
    const keys = new Set(nodes.map((n) => n.key));
    for (const e of edges) {
      expect(keys.has(e.fromKey) && keys.has(e.toKey)).toBe(true);
    }
    const has = (t: string, f: string, to: string) =>
      edges.some((e) => e.type === t && e.fromKey === f && e.toKey === to);
    expect(has('AUTHORED', 'person:grace@example.com', `commit:${shas[1]}`)).toBe(true);
    expect(has('MODIFIES', `commit:${shas[2]}`, 'file:src/app.ts')).toBe(true);
    expect(has('PARENT', `commit:${shas[2]}`, `commit:${shas[1]}`)).toBe(true);
    expect(edges.filter((e) => e.type === 'PARENT')).toHaveLength(3);

    const limited: GraphNodeInput[] = [];
    for await (const b of gitConnector.ingest!(ctx({ path: repo, branch: 'feature', max_commits: 2 }))) {
      limited.push(...b.nodes);
    }
    expect(limited.filter((n) => n.label === 'Commit').map((n) => n.key)).toEqual([
      `commit:${shas[4]}`,
      `commit:${shas[3]}`,
    ]);
  });

  it("clones a url into the org's cache dir under UPLOAD_DIR and fetches new commits", async () => {
    const config: GitConfig = { url: `file://${repo}`, branch: 'main' };
    const v = await gitConnector.validate(ctx(config));
    expect(v.info).toMatchObject({ head: shas[3], commits: 4 });
    expect(execFileSync('ls', [path.join(root, 'uploads', 'git', 'org')], { encoding: 'utf8' })).toMatch(/\.git/);
    writeFileSync(path.join(repo, 'new.txt'), 'new\n');
    commit('After clone', undefined, '2026-06-01T10:00:00Z');
    const v2 = await gitConnector.validate(ctx(config)); // validate fetches
    expect(v2.info).toMatchObject({ head: shas[5], commits: 5 });
    const log: any = await gitConnector.executeTool(ctx(config), 'log', { limit: 1 });
    expect(log.items[0].subject).toBe('After clone');
    // the runtime's uploadDir (ConnectorContext.uploadDir) wins over the environment
    const other = path.join(root, 'uploads-ctx');
    await gitConnector.validate({ ...ctx(config), uploadDir: other });
    expect(execFileSync('ls', [path.join(other, 'git', 'org')], { encoding: 'utf8' })).toMatch(/\.git/);
  });

  it('maps a remote that demands credentials to a credentials error without leaking the token', async () => {
    const seen: (string | undefined)[] = [];
    const server = http.createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' }).end('unauthorized');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/acme/private.git`;
    try {
      const anon = await rejectsWith(gitConnector.validate(ctx({ url })), ConnectorConfigError);
      expect(anon.kind).toBe('credentials');
      const withToken = await rejectsWith(
        gitConnector.validate(ctx({ url, token: 's3cr3t-token' })),
        ConnectorConfigError,
      );
      expect(withToken.kind).toBe('credentials');
      expect(JSON.stringify({ m: withToken.message, d: withToken.details })).not.toContain('s3cr3t-token');
      expect(seen.some((h) => h === `Basic ${Buffer.from('x-access-token:s3cr3t-token').toString('base64')}`)).toBe(
        true,
      );
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe('REJECTED_CREDENTIALS', () => {
  it("reads git's refusals and HTTP 401/403, not digits that happen to be in a port or a path", () => {
    for (const refused of [
      'fatal: Authentication failed for https://h/r.git',
      "fatal: could not read Username for 'https://h': terminal prompts disabled",
      'git@h: Permission denied (publickey).',
      'fatal: unable to access https://h/r.git/: The requested URL returned error: 403',
      'fatal: unable to access https://h/r.git/: The requested URL returned error: 401',
    ]) {
      expect(REJECTED_CREDENTIALS.test(refused)).toBe(true);
    }
    for (const other of [
      'fatal: unable to access http://127.0.0.1:40137/repo.git/: Failed to connect',
      'fatal: unable to access http://127.0.0.1:34013/r/: The requested URL returned error: 302',
      'fatal: repository http://h/401/repo.git not found',
    ]) {
      expect(REJECTED_CREDENTIALS.test(other)).toBe(false);
    }
  });
});
