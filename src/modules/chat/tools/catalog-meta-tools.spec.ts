import type { AuditInput, AuditService } from '@libs/audit';
import type { AccessRequestInput, AccessRequestPort } from '@libs/connectors/access-request.port';
import type { CatalogTool } from '@libs/connectors/tool-catalog.port';
import type { LlmToolCall } from '@libs/llm/llm.port';
import type { ChatAgent } from 'src/modules/chat/context/chat-agent';
import { CatalogMetaTools } from './catalog-meta-tools';
import type { CatalogScope, ToolRunContext } from './tool-call.types';
import type { ToolResolver } from './tool-resolver';
import { ToolRunner } from './tool-runner.service';

const tool = (name: string, extra: Partial<CatalogTool> = {}): CatalogTool => ({
  qualifiedName: `${extra.sourceName ?? 'prod'}.${name}`,
  sourceId: 's-prod',
  sourceName: 'prod',
  connector: 'kubernetes',
  connectorDisplayName: 'Kubernetes',
  realm: 'infrastructure',
  name,
  description: `${name.replace(/_/g, ' ')} tool`,
  inputSchema: { type: 'object', properties: {} },
  effect: 'read',
  requiresApproval: false,
  ...extra,
});

const CATALOG = [
  tool('list_pods'),
  tool('delete_pod', { effect: 'destructive' }),
  tool('query', {
    connector: 'postgres',
    sourceName: 'warehouse',
    sourceId: 's-wh',
    realm: 'data',
    connectorDisplayName: 'PostgreSQL',
  }),
];

const agent = (over: Partial<ChatAgent> = {}): ChatAgent => ({
  id: null,
  name: 'default',
  systemPrompt: null,
  model: null,
  realm: null,
  maxIterations: 5,
  approvalDefaults: null,
  connectorsAllowlist: null,
  ...over,
});

function setup() {
  const audit: AuditInput[] = [];
  const opened: AccessRequestInput[] = [];
  const meta = new CatalogMetaTools(
    { listTools: () => Promise.resolve(CATALOG) } as unknown as ToolResolver,
    {
      open: (i: AccessRequestInput) => (opened.push(i), Promise.resolve({ id: 'ar_1', status: 'pending' as const })),
    } as unknown as AccessRequestPort,
    { record: (e: AuditInput) => (audit.push(e), Promise.resolve('aud')) } as unknown as AuditService,
  );
  return { meta, audit, opened };
}

const scope = (over: Partial<CatalogScope> = {}): CatalogScope => ({
  agent: agent(),
  conversationRealm: null,
  ...over,
});

describe('catalog meta-tools', () => {
  it('list_connectors groups the visible tools by source', async () => {
    const { meta } = setup();
    const r = await meta.listConnectors('org', scope());
    expect(r.connectors).toEqual([
      {
        name: 'prod',
        display_name: 'Kubernetes',
        connector: 'kubernetes',
        source_id: 's-prod',
        realm: 'infrastructure',
        tool_count: 2,
        status: 'active',
      },
      {
        name: 'warehouse',
        display_name: 'PostgreSQL',
        connector: 'postgres',
        source_id: 's-wh',
        realm: 'data',
        tool_count: 1,
        status: 'active',
      },
    ]);
  });

  it('viewers see read tools only; the agent allow-list and the agent realm limit the catalog', async () => {
    const { meta } = setup();
    const viewer = { userId: 'u', email: null, role: 'viewer' as const };
    expect((await meta.listConnectors('org', scope({ actor: viewer }))).connectors.map((c) => c.tool_count)).toEqual([
      1, 1,
    ]);
    const allow = scope({ agent: agent({ connectorsAllowlist: ['postgres'] }) });
    expect((await meta.listConnectors('org', allow)).connectors.map((c) => c.name)).toEqual(['warehouse']);
    const realm = scope({ agent: agent({ realm: 'infrastructure' }) });
    expect((await meta.listConnectors('org', realm)).connectors.map((c) => c.name)).toEqual(['prod']);
    // the conversation's realm wins over the agent's
    const conv = scope({ agent: agent({ realm: 'infrastructure' }), conversationRealm: 'data' });
    expect((await meta.listConnectors('org', conv)).connectors.map((c) => c.name)).toEqual(['warehouse']);
  });

  it('search_tools ranks and clamps top_k to 1..20 (default 5)', async () => {
    const { meta } = setup();
    const r = await meta.searchTools('org', 'sql query warehouse', 1, scope());
    expect(r.tools.map((t) => t.qualified)).toEqual(['warehouse.query']);
    expect((await meta.searchTools('org', 'tool', -3, scope())).tools.length).toBeLessThanOrEqual(5);
  });

  it('request_connector_access opens an access request and audits it; a blank connector is invalid_arguments', async () => {
    const { meta, audit, opened } = setup();
    const ctx = {
      orgId: 'org',
      conversationId: 'c1',
      actor: { userId: 'u1', email: 'u1@x', role: 'member' },
    } as ToolRunContext;
    await expect(meta.requestAccess(ctx, ' github ', 'need PRs')).resolves.toEqual({
      request_id: 'ar_1',
      status: 'pending',
    });
    expect(opened).toEqual([
      { orgId: 'org', userId: 'u1', connector: 'github', reason: 'need PRs', conversationId: 'c1' },
    ]);
    expect(audit[0].action).toBe('chat.connector_access.requested');
    await expect(meta.requestAccess(ctx, '  ', '')).rejects.toMatchObject({ code: 'invalid_arguments' });
  });
});

describe('ToolRunner.runMeta', () => {
  function runner() {
    const inserted: Record<string, unknown>[] = [];
    const emitted: { event: string; data: Record<string, unknown> }[] = [];
    const { meta } = setup();
    const r = new ToolRunner(
      { insertToolCall: (row: Record<string, unknown>) => (inserted.push(row), Promise.resolve()) } as never,
      {} as never,
      {} as never,
      {} as never,
      {} as never,
      {} as never,
      {} as never,
      meta,
    );
    const ctx = {
      orgId: 'org',
      conversationId: 'c1',
      turnId: 't1',
      messageId: 'm1',
      source: 'chat',
      actor: { userId: 'u1', email: null, role: 'member' },
      agent: agent(),
      conversationRealm: null,
      security: {},
      emit: (event: string, data: Record<string, unknown>) => emitted.push({ event, data }),
    } as unknown as ToolRunContext;
    return { r, ctx, inserted, emitted };
  }

  it('answers list_connectors, stores the call and emits tool_call_start / tool_result', async () => {
    const { r, ctx, inserted, emitted } = runner();
    const out = await r.runMeta(ctx, { id: 'llm1', name: 'list_connectors', args: {} } as LlmToolCall);
    expect(out.summary).toMatchObject({ name: 'list_connectors', status: 'completed' });
    expect(inserted[0]).toMatchObject({
      name: 'list_connectors',
      effect: 'read',
      status: 'completed',
      llmCallId: 'llm1',
    });
    expect(emitted.map((e) => e.event)).toEqual(['tool_call_start', 'tool_result']);
  });

  it('an unknown tool name fails with tool_not_found', async () => {
    const { r, ctx } = runner();
    const out = await r.runMeta(ctx, { id: 'llm1', name: 'rm_rf', args: {} } as LlmToolCall);
    expect(out.summary.status).toBe('failed');
    expect(out.modelResult).toMatchObject({ error: { code: 'tool_not_found' } });
  });
});
