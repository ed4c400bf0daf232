import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { connectorContext, rejectsWith } from '../../../test/support/connectors/connector-context';
import { toolArgumentProblems } from '../config-validation';
import { ConnectorConfigError, GraphNodeInput, ToolExecutionError } from '../connector';
import { McpClientPool, McpConfig } from './mcp-client-pool';
import { mcpClientPool, mcpConnector } from './mcp.connector';

const ctx = (sourceId: string, config: McpConfig) => connectorContext(config, { sourceId, sourceName: 'mcp' });

const EVERYTHING = path.join(
  path.dirname(require.resolve('@modelcontextprotocol/server-everything/package.json')),
  'dist/index.js',
);

afterAll(() => mcpClientPool.closeAll());

describe('mcp connector over stdio (@modelcontextprotocol/server-everything)', () => {
  const config: McpConfig = { transport: 'stdio', command: process.execPath, args: [EVERYTHING, 'stdio'] };
  const c = ctx('src-stdio', config);

  it('validate connects and lists tools', async () => {
    const res = await mcpConnector.validate(c);
    expect(res.ok).toBe(true);
    expect(res.info?.tools).toBeGreaterThan(5);
    expect(res.info?.tool_names).toEqual(expect.arrayContaining(['echo', 'get-sum']));
    expect((res.info?.server as any)?.name).toEqual(expect.any(String));
  });

  it('maps MCP tools to connector tools with effects from annotations', async () => {
    const tools = await mcpConnector.tools(c);
    const sum = tools.find((t) => t.name === 'get-sum')!;
    expect(sum).toMatchObject({
      effect: 'read',
      requiresApproval: false,
      description: 'Returns the sum of two numbers',
    });
    expect(sum.inputSchema).toMatchObject({
      type: 'object',
      properties: { a: { type: 'number' }, b: { type: 'number' } },
      required: ['a', 'b'],
    });
    expect(sum.inputSchema.$schema).toBeUndefined();
    // readOnlyHint false and no destructiveHint → write
    expect(tools.find((t) => t.name === 'toggle-simulated-logging')?.effect).toBe('write');
    // every discovered schema works with the catalog's argument validator
    for (const t of tools) {
      expect(() => toolArgumentProblems(t.inputSchema, {})).not.toThrow();
    }
    expect(toolArgumentProblems(sum.inputSchema, { a: 1, b: 2 })).toEqual([]);
    expect(toolArgumentProblems(sum.inputSchema, { a: 1 }).length).toBeGreaterThan(0);
  });

  it('executeTool calls the MCP tool', async () => {
    const echo: any = await mcpConnector.executeTool(c, 'echo', { message: 'hello agentcy' });
    expect(echo.text).toBe('Echo: hello agentcy');
    const sum: any = await mcpConnector.executeTool(c, 'get-sum', { a: 40, b: 2 });
    expect(sum.text).toContain('42');
    const missing = await rejectsWith(mcpConnector.executeTool(c, 'no-such-tool', {}), ToolExecutionError);
    expect(missing.code).toBe('tool_not_found');
    const bad = await rejectsWith(mcpConnector.executeTool(c, 'get-sum', { a: 'x' }), ToolExecutionError);
    expect(['invalid_arguments', 'tool_failed']).toContain(bad.code);
  });

  it('reuses one client per source', async () => {
    const before = mcpClientPool.size;
    await mcpConnector.tools(c);
    await mcpConnector.executeTool(c, 'echo', { message: 'again' });
    expect(mcpClientPool.size).toBe(before);
  });

  it('reconnects after the server connection drops', async () => {
    await mcpClientPool.use(c, config, (client) => client.close());
    const echo: any = await mcpConnector.executeTool(c, 'echo', { message: 'back again' });
    expect(echo.text).toBe('Echo: back again');
  });

  it('ingests resources', async () => {
    const nodes: GraphNodeInput[] = [];
    for await (const b of mcpConnector.ingest!(c)) {
      nodes.push(...b.nodes);
    }
    expect(nodes.filter((n) => n.label === 'McpTool').map((n) => n.name)).toEqual(expect.arrayContaining(['echo']));
    const resources = nodes.filter((n) => n.label === 'McpResource');
    expect(resources.length).toBeGreaterThan(0);
    expect(resources[0].key).toMatch(/^resource:demo:\/\//);
  });

  it('validate reports a command that cannot start as unreachable, bad shapes as shape', async () => {
    const e = await rejectsWith(
      mcpConnector.validate(ctx('src-bad', { transport: 'stdio', command: '/nonexistent/mcp-server' })),
      ConnectorConfigError,
    );
    expect(e.kind).toBe('unreachable');
    expect(
      (await rejectsWith(mcpConnector.validate(ctx('x', { transport: 'stdio' } as McpConfig)), ConnectorConfigError))
        .kind,
    ).toBe('shape');
    expect(
      (await rejectsWith(mcpConnector.validate(ctx('x', { transport: 'http', url: 'ftp://x' })), ConnectorConfigError))
        .kind,
    ).toBe('shape');
    expect(
      (await rejectsWith(mcpConnector.validate(ctx('x', { transport: 'pigeon' } as any)), ConnectorConfigError)).kind,
    ).toBe('shape');
  });
});

describe('mcp connector over streamable HTTP (in-process McpServer)', () => {
  let server: http.Server;
  let url: string;
  const calls: string[] = [];
  const notes: string[] = [];

  function buildServer(): McpServer {
    const s = new McpServer({ name: 'test-ops', version: '1.2.3' });
    s.registerTool(
      'lookup.user',
      { description: 'Look up a user by id', inputSchema: { id: z.string() }, annotations: { readOnlyHint: true } },
      async ({ id }) => {
        calls.push(`lookup:${id}`);
        return {
          content: [{ type: 'text', text: JSON.stringify({ id, name: `User ${id}` }) }],
          structuredContent: { id, name: `User ${id}` },
        };
      },
    );
    s.registerTool('add_note', { description: 'Store a note', inputSchema: { text: z.string() } }, async ({ text }) => {
      notes.push(text);
      return { content: [{ type: 'text', text: `stored ${notes.length}` }] };
    });
    s.registerTool(
      'purge_notes',
      { description: 'Delete every note', annotations: { destructiveHint: true } },
      async () => {
        notes.length = 0;
        return { content: [{ type: 'text', text: 'purged' }] };
      },
    );
    s.registerTool('fail', { description: 'Always fails' }, async () => ({
      isError: true,
      content: [{ type: 'text', text: 'backend exploded' }],
    }));
    s.registerResource(
      'runbook',
      'file:///runbooks/restart.md',
      { description: 'How to restart', mimeType: 'text/markdown' },
      async (uri) => ({
        contents: [{ uri: uri.href, text: '# Restart' }],
      }),
    );
    return s;
  }

  beforeAll(async () => {
    server = http.createServer(async (req, res) => {
      if (req.headers.authorization !== 'Bearer mcp-secret') {
        res.writeHead(401, { 'Content-Type': 'application/json' });
        return res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message: 'Unauthorized' }, id: null }));
      }
      if (req.method !== 'POST') {
        res.writeHead(405).end();
        return;
      }
      // stateless mode: a fresh server + transport per request
      const mcp = buildServer();
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      res.on('close', () => {
        void transport.close();
        void mcp.close();
      });
      await mcp.connect(transport);
      await transport.handleRequest(req, res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  });
  afterAll(async () => {
    await mcpClientPool.closeSource('src-http');
    await new Promise<void>((r) => server.close(() => r()));
  });

  const config = () => ({ transport: 'http' as const, url, headers: { Authorization: 'Bearer mcp-secret' } });

  it('validate, tools (names sanitised, effects mapped), execute, ingest', async () => {
    const c = ctx('src-http', config());
    const v = await mcpConnector.validate(c);
    expect(v.info).toMatchObject({ server: { name: 'test-ops', version: '1.2.3' }, tools: 4 });

    const tools = Object.fromEntries((await mcpConnector.tools(c)).map((t) => [t.name, t]));
    expect(tools['lookup_user']).toMatchObject({
      effect: 'read',
      requiresApproval: false,
      description: 'Look up a user by id',
    });
    expect(tools['add_note']).toMatchObject({ effect: 'write', requiresApproval: false });
    expect(tools['purge_notes']).toMatchObject({ effect: 'destructive', requiresApproval: true });

    const r: any = await mcpConnector.executeTool(c, 'lookup_user', { id: '42' });
    expect(r.structured_content).toEqual({ id: '42', name: 'User 42' });
    expect(calls).toContain('lookup:42');
    await mcpConnector.executeTool(c, 'add_note', { text: 'hello' });
    expect(notes).toEqual(['hello']);
    expect(((await mcpConnector.executeTool(c, 'purge_notes', {})) as any).text).toBe('purged');
    expect(notes).toEqual([]);

    const failed = await rejectsWith(mcpConnector.executeTool(c, 'fail', {}), ToolExecutionError);
    expect(failed.code).toBe('tool_failed');
    expect(failed.message).toBe('backend exploded');

    const nodes: GraphNodeInput[] = [];
    for await (const b of mcpConnector.ingest!(c)) {
      nodes.push(...b.nodes);
    }
    expect(nodes.find((n) => n.label === 'McpResource')).toMatchObject({
      key: 'resource:file:///runbooks/restart.md',
      name: 'runbook',
      description: 'How to restart',
    });
  });

  it('validate maps HTTP 401 to a credentials error', async () => {
    const e = await rejectsWith(
      mcpConnector.validate(
        ctx('src-http-bad', { transport: 'http', url, headers: { Authorization: 'Bearer wrong' } }),
      ),
      ConnectorConfigError,
    );
    expect(e.kind).toBe('credentials');
  });

  it('closes idle clients', async () => {
    const pool = new McpClientPool(50, 1000);
    await pool.listTools(ctx('s1', config()), config());
    expect(pool.size).toBe(1);
    await pool.sweep(Date.now() + 10);
    expect(pool.size).toBe(1);
    await pool.sweep(Date.now() + 100);
    expect(pool.size).toBe(0);
    // reconnects transparently afterwards
    expect((await pool.listTools(ctx('s1', config()), config())).length).toBe(4);
    await pool.closeAll();
  });
});

describe('mcp connector over legacy SSE (in-process McpServer + SSEServerTransport)', () => {
  let server: http.Server;
  let base: string;
  const transports = new Map<string, SSEServerTransport>();
  const seenAuth: string[] = [];

  beforeAll(async () => {
    server = http.createServer(async (req, res) => {
      seenAuth.push(String(req.headers['x-api-key']));
      const url = new URL(req.url ?? '/', 'http://x');
      if (req.method === 'GET' && url.pathname === '/sse') {
        const transport = new SSEServerTransport('/messages', res);
        transports.set(transport.sessionId, transport);
        res.on('close', () => transports.delete(transport.sessionId));
        const mcp = new McpServer({ name: 'sse-server', version: '0.1.0' });
        mcp.registerTool('ping', { description: 'Ping', annotations: { readOnlyHint: true } }, async () => ({
          content: [{ type: 'text', text: 'pong' }],
        }));
        await mcp.connect(transport);
        return;
      }
      if (req.method === 'POST' && url.pathname === '/messages') {
        const t = transports.get(url.searchParams.get('sessionId') ?? '');
        if (!t) {
          return void res.writeHead(404).end();
        }
        return void t.handlePostMessage(req, res);
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await mcpClientPool.closeSource('src-sse');
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('lists and calls tools, sending the configured headers', async () => {
    const c = ctx('src-sse', { transport: 'sse', url: `${base}/sse`, headers: { 'X-Api-Key': 'k1' } });
    const v = await mcpConnector.validate(c);
    expect(v.info).toMatchObject({ server: { name: 'sse-server' }, tools: 1 });
    expect(((await mcpConnector.executeTool(c, 'ping', {})) as any).text).toBe('pong');
    expect(seenAuth.length).toBeGreaterThan(1);
    expect(seenAuth.every((h) => h === 'k1')).toBe(true);
  });
});
