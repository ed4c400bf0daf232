import { ValidationException } from '@libs/errors';
import { testEgress } from '../../test/support/connectors/connector-context';
import { assertConfigShape, toolArgumentProblems } from './config-validation';
import { INTEGRATION_CONNECTORS } from './integration-connectors';

const logger = { info: () => undefined, warn: () => undefined };

describe('integration connectors list', () => {
  it('contains the five integration types (plus the github_pat alias) with the realms of the spec', () => {
    const realms = Object.fromEntries(INTEGRATION_CONNECTORS.map((c) => [c.type, c.defaultRealm]));
    expect(realms).toEqual({
      kubernetes: 'infrastructure',
      github: 'development',
      github_pat: 'development',
      mcp: 'development',
      openapi: 'development',
      git: 'development',
    });
  });

  it.each(INTEGRATION_CONNECTORS.map((c) => [c.type, c] as const))(
    '%s declares a coherent config schema',
    (_type, c) => {
      expect(c.displayName).toEqual(expect.any(String));
      expect(c.description.length).toBeGreaterThan(10);
      expect(c.configSchema.type).toBe('object');
      const props = c.configSchema.properties as Record<string, any>;
      for (const f of c.secretFields) {
        expect(props[f]).toBeDefined();
        expect(props[f].writeOnly).toBe(true);
      }
      for (const [name, p] of Object.entries(props)) {
        if (p.writeOnly) {
          expect(c.secretFields).toContain(name);
        }
      }
      expect(typeof c.validate).toBe('function');
      expect(typeof c.ingest).toBe('function');
    },
  );

  it.each(['kubernetes', 'github', 'git'])(
    '%s has static tools with effects and object input schemas',
    async (type) => {
      const c = INTEGRATION_CONNECTORS.find((x) => x.type === type)!;
      const tools = await c.tools({
        orgId: 'o',
        sourceId: 's',
        sourceName: 'n',
        egress: testEgress,
        realm: c.defaultRealm,
        config: {},
        logger,
      });
      expect(tools.length).toBeGreaterThan(2);
      expect(new Set(tools.map((t) => t.name)).size).toBe(tools.length);
      for (const t of tools) {
        expect(t.name).toMatch(/^[a-z_]+$/);
        expect(['read', 'write', 'destructive']).toContain(t.effect);
        expect(t.inputSchema.type).toBe('object');
        if (t.effect === 'destructive') {
          expect(t.requiresApproval).toBe(true);
        }
      }
    },
  );
});

describe('integration connector configs and tool schemas under the shared validator', () => {
  const def = (type: string) => INTEGRATION_CONNECTORS.find((c) => c.type === type)!;

  it.each([
    ['kubernetes', { kubeconfig: '/etc/agentcy/kubeconfig', context: 'prod' }],
    ['kubernetes', { kubeconfig_data: 'apiVersion: v1\nclusters: []', context: 'prod' }],
    ['kubernetes', { in_cluster: true }],
    ['kubernetes', { server: 'https://10.0.0.1:6443', token: 't', ca_data: 'x', namespaces: ['prod'] }],
    ['github', { token: 'ghp_x', org: 'acme' }],
    ['github_pat', { token: 'ghp_x', org: 'acme' }],
    [
      'github',
      { token: 'ghp_x', owner: 'acme', repos: ['api', 'acme/web'], base_url: 'https://ghe.example.com/api/v3' },
    ],
    ['mcp', { transport: 'stdio', command: 'npx', args: ['-y', 'pkg'], env: { A: 'b' } }],
    [
      'mcp',
      { transport: 'streamable_http', url: 'https://mcp.example.com/mcp', headers: { Authorization: 'Bearer x' } },
    ],
    ['mcp', { transport: 'sse', url: 'https://mcp.example.com/sse' }],
    ['openapi', { spec_url: 'https://api.example.com/openapi.json', bearer_token: 'x' }],
    [
      'openapi',
      {
        spec: { openapi: '3.0.0', paths: {} },
        base_url: 'https://api.example.com',
        api_key_header: 'X-Key',
        api_key: 'k',
      },
    ],
    ['git', { path: '/srv/repo', branch: 'main', max_commits: 10 }],
    ['git', { url: 'https://github.com/acme/api.git', token: 't' }],
  ])('%s accepts %j', (type, config) => {
    expect(() => assertConfigShape(def(type), config)).not.toThrow();
  });

  it.each([
    ['kubernetes', {}],
    ['kubernetes', { server: 'https://x', bogus: 1 }],
    ['github', { owner: 'acme' }],
    ['mcp', { command: 'x' }],
    ['mcp', { transport: 'carrier-pigeon' }],
    ['openapi', { base_url: 'https://x' }],
    ['git', {}],
    ['git', { path: '/a', url: 'https://b' }],
  ])('%s rejects %j with a 400', (type, config) => {
    expect(() => assertConfigShape(def(type), config)).toThrow(ValidationException);
  });

  it('validates tool arguments against the static schemas (extra routing args tolerated)', async () => {
    const k8s = await def('kubernetes').tools({
      orgId: 'o',
      sourceId: 's',
      sourceName: 'n',
      egress: testEgress,
      realm: 'infrastructure',
      config: {},
      logger,
    });
    const schema = (n: string) => k8s.find((t) => t.name === n)!.inputSchema;
    expect(toolArgumentProblems(schema('list_pods'), { cluster: 'prod-us', status: 'Failed' })).toEqual([]);
    expect(
      toolArgumentProblems(schema('scale_deployment'), { namespace: 'prod', name: 'web', replicas: 3, source_id: 'x' }),
    ).toEqual([]);
    expect(toolArgumentProblems(schema('scale_deployment'), { namespace: 'prod', name: 'web' }).length).toBeGreaterThan(
      0,
    );
    expect(
      toolArgumentProblems(schema('scale_deployment'), { namespace: 'prod', name: 'web', replicas: -1 }).length,
    ).toBeGreaterThan(0);
  });
});
