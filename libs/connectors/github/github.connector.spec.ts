import { connectorContext, rejectsWith } from '../../../test/support/connectors/connector-context';
import { FakeGitHubApi, startFakeGitHubApi } from '../../../test/support/connectors/fake-github-api';
import { ConnectorConfigError, GraphEdgeInput, GraphNodeInput, IngestBatch, ToolExecutionError } from '../connector';
import { GitHubConfig, githubConnector } from './github.connector';

const ctx = (config: GitHubConfig) => connectorContext(config, { sourceName: 'github' });

describe('github connector (against a local GitHub-like REST server)', () => {
  let api: FakeGitHubApi;
  let config: GitHubConfig;

  beforeEach(async () => {
    api = await startFakeGitHubApi();
    config = { token: 'ghp_full', owner: 'acme', base_url: api.url };
  });
  afterEach(() => api.close());

  it('declares tools with effects and a secret token', async () => {
    expect(githubConnector.defaultRealm).toBe('development');
    expect(githubConnector.secretFields).toEqual(['token']);
    expect((githubConnector.configSchema.properties as any).token.writeOnly).toBe(true);
    const tools = Object.fromEntries((await githubConnector.tools(ctx(config))).map((t) => [t.name, t]));
    expect(['list_repos', 'list_issues', 'get_issue'].map((n) => tools[n].effect)).toEqual(['read', 'read', 'read']);
    expect(tools.create_issue.effect).toBe('write');
    expect(tools.comment_on_issue.effect).toBe('write');
    expect(tools.close_issue.effect).toBe('destructive');
  });

  it('validate checks the token via GET /user and x-oauth-scopes', async () => {
    const ok = await githubConnector.validate(ctx(config));
    expect(ok.info).toMatchObject({ login: 'octocat', scopes: ['repo', 'read:org'] });
    expect(api.requests[0]).toMatchObject({ method: 'GET', path: '/user', auth: 'Bearer ghp_full' });

    const scope = await rejectsWith(
      githubConnector.validate(ctx({ ...config, token: 'ghp_noscope' })),
      ConnectorConfigError,
    );
    expect(scope.kind).toBe('scope');
    expect(scope.message).toBe('GitHub token is missing required scopes');
    expect(scope.details).toEqual({ missing_scopes: ['repo'] });

    const bad = await rejectsWith(githubConnector.validate(ctx({ ...config, token: 'nope' })), ConnectorConfigError);
    expect(bad.kind).toBe('credentials');

    // fine-grained tokens have no x-oauth-scopes header: accepted
    expect((await githubConnector.validate(ctx({ ...config, token: 'github_pat_fine' }))).ok).toBe(true);

    const repos = await rejectsWith(
      githubConnector.validate(ctx({ ...config, repos: ['api', 'ghost'] })),
      ConnectorConfigError,
    );
    expect(repos.kind).toBe('scope');
    expect(repos.details).toEqual({ inaccessible_repos: ['acme/ghost'] });

    const ghost = await rejectsWith(
      githubConnector.validate(ctx({ ...config, owner: 'ghost-org' })),
      ConnectorConfigError,
    );
    expect(ghost.kind).toBe('scope');
    expect(ghost.details).toEqual({ owner: 'ghost-org' });
    expect(
      (
        await rejectsWith(
          githubConnector.validate(ctx({ ...config, base_url: 'http://127.0.0.1:1' })),
          ConnectorConfigError,
        )
      ).kind,
    ).toBe('unreachable');
    expect(
      (await rejectsWith(githubConnector.validate(ctx({ owner: 'acme' } as GitHubConfig)), ConnectorConfigError)).kind,
    ).toBe('shape');
    expect(
      (await rejectsWith(githubConnector.validate(ctx({ token: 'x', repos: ['bare'] })), ConnectorConfigError)).kind,
    ).toBe('shape');
  });

  it('list_repos / list_issues (paginated, PRs excluded) / get_issue', async () => {
    const repos: any = await githubConnector.executeTool(ctx(config), 'list_repos', {});
    expect(repos.items.map((r: any) => r.full_name)).toEqual(['acme/api', 'acme/web', 'acme/infra']);
    expect(repos.items[2]).toMatchObject({ private: true, language: 'HCL' });

    const issues: any = await githubConnector.executeTool(ctx(config), 'list_issues', { repo: 'acme/api' });
    expect(issues.items.map((i: any) => i.number)).toEqual([1, 2]);
    expect(issues.items[0]).toMatchObject({
      title: 'Login fails with 500',
      labels: ['bug'],
      assignees: ['hubot'],
      author: 'octocat',
    });

    const all: any = await githubConnector.executeTool(ctx(config), 'list_issues', {
      repo: 'web',
      state: 'all',
      limit: 500,
    });
    expect(all.total).toBe(130);
    expect(api.requests.filter((r) => r.path === '/repos/acme/web/issues').length).toBe(2);

    const bugs: any = await githubConnector.executeTool(ctx(config), 'list_issues', { repo: 'api', labels: 'bug' });
    expect(bugs.items.map((i: any) => i.number)).toEqual([1]);

    const one: any = await githubConnector.executeTool(ctx(config), 'get_issue', { repo: 'api', number: 1 });
    expect(one).toMatchObject({
      number: 1,
      body: 'Body of Login fails with 500',
      comment_list: [{ author: 'hubot', body: 'Reproduced on staging' }],
    });

    const pulls: any = await githubConnector.executeTool(ctx(config), 'list_pulls', { repo: 'api', state: 'all' });
    expect(pulls.items.map((p: any) => [p.number, p.merged])).toEqual([
      [3, false],
      [5, true],
    ]);

    const missing = await rejectsWith(
      githubConnector.executeTool(ctx(config), 'get_issue', { repo: 'api', number: 999 }),
      ToolExecutionError,
    );
    expect(missing.code).toBe('not_found');
  });

  it('get_pull_request_diff, list_commits, get_file', async () => {
    const diff: any = await githubConnector.executeTool(ctx(config), 'get_pull_request_diff', {
      repo: 'api',
      number: 3,
    });
    expect(diff.diff).toContain('+export const retries = 3;');
    expect(diff.truncated).toBe(false);
    const cut: any = await githubConnector.executeTool(ctx(config), 'get_pull_request_diff', {
      repo: 'api',
      number: 3,
      max_chars: 100,
    });
    expect(cut).toMatchObject({ truncated: true });
    expect(cut.diff).toHaveLength(100);
    const commits: any = await githubConnector.executeTool(ctx(config), 'list_commits', {
      repo: 'api',
      path: 'src/auth.ts',
    });
    expect(commits.items).toEqual([
      expect.objectContaining({ sha: 'c'.repeat(40), message: 'Retry login 3 times', author: 'hubot' }),
    ]);
    const file: any = await githubConnector.executeTool(ctx(config), 'get_file', { repo: 'api', path: 'README.md' });
    expect(file).toMatchObject({ type: 'file', content: '# api\nThe API service.\n', truncated: false });
    const dir: any = await githubConnector.executeTool(ctx(config), 'get_file', { repo: 'api', path: 'src' });
    expect(dir.entries.map((e: any) => e.path)).toEqual(['src/auth.ts', 'src/index.ts']);
    const missing = await rejectsWith(
      githubConnector.executeTool(ctx(config), 'get_file', { repo: 'api', path: 'nope.txt' }),
      ToolExecutionError,
    );
    expect(missing.code).toBe('not_found');
  });

  it('create_issue, comment_on_issue, close_issue write through the API', async () => {
    const created: any = await githubConnector.executeTool(ctx(config), 'create_issue', {
      repo: 'api',
      title: 'Pods crash-looping',
      body: 'see logs',
      labels: ['incident'],
    });
    expect(created).toMatchObject({
      repo: 'acme/api',
      number: 6,
      title: 'Pods crash-looping',
      state: 'open',
      labels: ['incident'],
    });
    expect(api.requests.find((r) => r.method === 'POST')?.body).toMatchObject({
      title: 'Pods crash-looping',
      body: 'see logs',
      labels: ['incident'],
    });

    const comment: any = await githubConnector.executeTool(ctx(config), 'comment_on_issue', {
      repo: 'api',
      number: 6,
      body: 'Investigating',
    });
    expect(comment.comment_id).toEqual(expect.any(Number));
    expect(api.state.comments['acme/api#6'][0].body).toBe('Investigating');

    const closed: any = await githubConnector.executeTool(ctx(config), 'close_issue', {
      repo: 'api',
      number: 6,
      reason: 'not_planned',
      comment: 'dup',
    });
    expect(closed).toMatchObject({ number: 6, state: 'closed', state_reason: 'not_planned' });
    expect(api.state.issues['acme/api'].find((i) => i.number === 6).state).toBe('closed');

    const invalid = await rejectsWith(
      githubConnector.executeTool(ctx(config), 'create_issue', { repo: 'api' }),
      ToolExecutionError,
    );
    expect(invalid.code).toBe('invalid_arguments');
    const denied = await rejectsWith(
      githubConnector.executeTool(ctx({ ...config, token: 'ghp_noscope' }), 'create_issue', {
        repo: 'api',
        title: 'x',
      }),
      ToolExecutionError,
    );
    expect(denied.code).toBe('upstream_auth_failed');
  });

  it('restricts tools to configured repos', async () => {
    const scoped = { ...config, repos: ['api'] };
    const repos: any = await githubConnector.executeTool(ctx(scoped), 'list_repos', {});
    expect(repos.items.map((r: any) => r.full_name)).toEqual(['acme/api']);
    const e = await rejectsWith(
      githubConnector.executeTool(ctx(scoped), 'list_issues', { repo: 'acme/web' }),
      ToolExecutionError,
    );
    expect(e.code).toBe('repo_not_allowed');
  });

  it('ingests repositories, issues, pull requests and users', async () => {
    const nodes: GraphNodeInput[] = [];
    const edges: GraphEdgeInput[] = [];
    for await (const b of githubConnector.ingest!(ctx(config)) as AsyncIterable<IngestBatch>) {
      nodes.push(...b.nodes);
      edges.push(...b.edges);
    }
    const count = (l: string) => nodes.filter((n) => n.label === l).length;
    expect(count('Repository')).toBe(3);
    expect(count('Issue')).toBe(3 + 130); // api: 3 issues (PR #3 excluded), web: 130
    expect(count('PullRequest')).toBe(2);
    expect(
      nodes
        .filter((n) => n.label === 'User')
        .map((n) => n.name)
        .sort(),
    ).toEqual(['acme', 'hubot', 'octocat']);
    expect(new Set(nodes.map((n) => n.key)).size).toBe(nodes.length);
    const keys = new Set(nodes.map((n) => n.key));
    for (const e of edges) {
      expect(keys.has(e.fromKey)).toBe(true);
      expect(keys.has(e.toKey)).toBe(true);
    }
    const has = (t: string, f: string, to: string) =>
      edges.some((e) => e.type === t && e.fromKey === f && e.toKey === to);
    expect(has('IN_REPOSITORY', 'issue:acme/api#1', 'repo:acme/api')).toBe(true);
    expect(has('ASSIGNED_TO', 'issue:acme/api#1', 'user:hubot')).toBe(true);
    expect(has('OPENED', 'user:hubot', 'pr:acme/api#5')).toBe(true);
    expect(has('OWNS', 'user:acme', 'repo:acme/api')).toBe(true);
    expect(nodes.find((n) => n.key === 'pr:acme/api#5')?.properties).toMatchObject({ merged: true, base: 'main' });
  });
});
