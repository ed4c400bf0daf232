import type { CatalogTool } from '@libs/connectors/tool-catalog.port';
import { argsHash, canonicalJson, redact } from 'src/modules/chat/chat.ids';
import { validateArgs } from 'src/modules/chat/tools/args-validator';
import { parseExecuteInput } from 'src/modules/chat/tools/tool-resolver';
import { rankTools, tokenize } from 'src/modules/chat/tools/tool-search';

const tool = (name: string, description: string, extra: Partial<CatalogTool> = {}): CatalogTool => ({
  qualifiedName: `${extra.sourceName ?? 'prod'}.${name}`,
  sourceId: 's1',
  sourceName: 'prod',
  connector: 'kubernetes',
  connectorDisplayName: 'Kubernetes',
  realm: 'infrastructure',
  name,
  description,
  inputSchema: { type: 'object', properties: {} },
  effect: 'read',
  requiresApproval: false,
  ...extra,
});

describe('tool search ranking', () => {
  const catalog = [
    tool('list_pods', 'List pods with phase and restarts'),
    tool('delete_pod', 'Delete a pod', { effect: 'destructive' }),
    tool('list_deployments', 'List deployments and replicas'),
    tool('query', 'Run a read-only SQL query', {
      connector: 'postgres',
      sourceName: 'warehouse',
      qualifiedName: 'warehouse.query',
    }),
    tool('list_tables', 'List tables with row counts', {
      connector: 'postgres',
      sourceName: 'warehouse',
      qualifiedName: 'warehouse.list_tables',
    }),
  ];

  it('tokenizes snake_case, camelCase and plurals', () => {
    expect(tokenize('listPods for my_clusters')).toEqual(['list', 'pod', 'cluster']);
  });

  it('ranks by relevance, normalises to (0,1], and is deterministic', () => {
    const r = rankTools(catalog, 'list my kubernetes pods', 3);
    expect(r[0].tool.qualifiedName).toBe('prod.list_pods');
    expect(r[0].score).toBe(1);
    expect(r.every((x) => x.score > 0 && x.score <= 1)).toBe(true);
    expect(rankTools(catalog, 'list my kubernetes pods', 3)).toEqual(r);
    expect(rankTools(catalog, 'sql tables in the warehouse', 2).map((x) => x.tool.qualifiedName)).toEqual([
      'warehouse.list_tables',
      'warehouse.query',
    ]);
    expect(rankTools(catalog, 'delete pod')[0].tool.qualifiedName).toBe('prod.delete_pod');
  });

  it('leaves out tools sharing no token and honours top_k', () => {
    expect(rankTools(catalog, 'weather forecast')).toEqual([]);
    expect(rankTools(catalog, 'list', 2)).toHaveLength(2);
  });
});

describe('arguments', () => {
  const schema = {
    type: 'object',
    properties: { namespace: { type: 'string' }, replicas: { type: 'integer' }, mode: { enum: ['a', 'b'] } },
    required: ['namespace'],
    additionalProperties: false,
  };

  it('validates required, types, enums and unknown properties', () => {
    expect(validateArgs(schema, { namespace: 'prod', replicas: 2, mode: 'a' })).toEqual([]);
    expect(validateArgs(schema, {})).toEqual(['namespace: is required']);
    expect(validateArgs(schema, { namespace: 1 })).toEqual(['namespace: expected "string", got integer']);
    expect(validateArgs(schema, { namespace: 'x', replicas: 1.5 })).toHaveLength(1);
    expect(validateArgs(schema, { namespace: 'x', mode: 'c' })).toHaveLength(1);
    expect(validateArgs(schema, { namespace: 'x', extra: true })).toEqual(['extra: is not allowed']);
  });

  it('accepts {tool, arguments} and {connector, tool, args}', () => {
    expect(parseExecuteInput({ tool: 'prod.list_pods', arguments: { a: 1 } })).toEqual({
      tool: 'prod.list_pods',
      connector: undefined,
      args: { a: 1 },
    });
    expect(parseExecuteInput({ connector: 'kubernetes', tool: 'list_pods', args: { a: 1 } })).toEqual({
      tool: 'list_pods',
      connector: 'kubernetes',
      args: { a: 1 },
    });
  });

  it('hashes canonical JSON (key order does not matter) and redacts secrets', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: [1, { y: 1, x: 2 }] } })).toBe(
      '{"a":{"c":[1,{"x":2,"y":1}],"d":2},"b":1}',
    );
    expect(argsHash({ a: 1, b: 2 })).toBe(argsHash({ b: 2, a: 1 }));
    expect(argsHash({ a: 1 })).toMatch(/^[0-9a-f]{64}$/);
    expect(redact({ api_token: 'x', nested: { password: 'p', name: 'n' } })).toEqual({
      api_token: '***',
      nested: { password: '***', name: 'n' },
    });
  });
});
