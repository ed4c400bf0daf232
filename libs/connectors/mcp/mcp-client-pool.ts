import type { OrgEgress } from '@libs/egress/org-egress';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { createHash } from 'node:crypto';
import { createSchemaAjv } from '../schema-ajv';
import { mcpSdk, type McpSdk } from './mcp-sdk';

export type McpTransportKind = 'stdio' | 'http' | 'streamable_http' | 'sse';

export interface McpConfig {
  transport: McpTransportKind;
  command?: string;
  args?: string[];
  env?: Record<string, string>;
  cwd?: string;
  url?: string;
  headers?: Record<string, string>;
  /** per-request timeout (default 30 s) */
  timeout_ms?: number;
}

export interface McpToolInfo {
  name: string;
  title?: string;
  description?: string;
  inputSchema: Record<string, unknown>;
  annotations?: {
    readOnlyHint?: boolean;
    destructiveHint?: boolean;
    idempotentHint?: boolean;
    openWorldHint?: boolean;
    title?: string;
  };
}

/**
 * Whose client it is: the source, and the egress guard of its org. Clients are pooled per org too,
 * so a client connected through one org's guard never serves another org (validation runs without a
 * source id).
 */
export interface McpOwner {
  sourceId: string;
  egress: OrgEgress;
}

interface Entry {
  key: string;
  client: Client;
  stderr: string[];
  lastUsed: number;
  tools?: { at: number; list: McpToolInfo[] };
  closed: boolean;
}

export const MCP_IDLE_CLOSE_MS = 5 * 60_000;
export const MCP_TOOLS_TTL_MS = 5 * 60_000;

/**
 * One live MCP client per (source, org, config) with idle close. A config change yields a new key, so the
 * next call reconnects; the stale client closes when idle. Tool lists are cached for 5 minutes.
 */
export class McpClientPool {
  private readonly entries = new Map<string, Promise<Entry>>();
  private sweeper?: NodeJS.Timeout;

  constructor(
    private readonly idleMs = MCP_IDLE_CLOSE_MS,
    private readonly toolsTtlMs = MCP_TOOLS_TTL_MS,
  ) {}

  static keyFor(owner: McpOwner, config: McpConfig): string {
    const hash = createHash('sha256').update(JSON.stringify(config)).digest('hex').slice(0, 16);
    return `${owner.sourceId}:${owner.egress.orgId}:${hash}`;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Runs `fn` with a connected client; a broken connection is dropped so the next call reconnects. */
  async use<T>(owner: McpOwner, config: McpConfig, fn: (client: Client, entry: Entry) => Promise<T>): Promise<T> {
    const key = McpClientPool.keyFor(owner, config);
    let p = this.entries.get(key);
    if (!p) {
      const connecting = connect(key, config, owner.egress);
      p = connecting;
      this.entries.set(key, connecting);
      connecting.catch(() => {
        if (this.entries.get(key) === connecting) {
          this.entries.delete(key);
        }
      });
      this.ensureSweeper();
    }
    const entry = await p;
    if (entry.closed) {
      if (this.entries.get(key) === p) {
        this.entries.delete(key);
      }
      return this.use(owner, config, fn);
    }
    entry.lastUsed = Date.now();
    try {
      return await fn(entry.client, entry);
    } finally {
      entry.lastUsed = Date.now();
    }
  }

  async listTools(
    owner: McpOwner,
    config: McpConfig,
    opts: { fresh?: boolean; timeoutMs?: number } = {},
  ): Promise<McpToolInfo[]> {
    return this.use(owner, config, async (client, entry) => {
      if (!opts.fresh && entry.tools && Date.now() - entry.tools.at < this.toolsTtlMs) {
        return entry.tools.list;
      }
      const list: McpToolInfo[] = [];
      let cursor: string | undefined;
      do {
        const page = await client.listTools(cursor ? { cursor } : undefined, { timeout: opts.timeoutMs });
        list.push(...(page.tools as McpToolInfo[]));
        cursor = page.nextCursor;
      } while (cursor);
      entry.tools = { at: Date.now(), list };
      return list;
    });
  }

  /** stderr tail of a stdio server (for error messages) */
  stderrOf(owner: McpOwner, config: McpConfig): Promise<string> {
    const p = this.entries.get(McpClientPool.keyFor(owner, config));
    return p ? p.then((e) => e.stderr.join('').slice(-2000)).catch(() => '') : Promise.resolve('');
  }

  async closeSource(sourceId: string): Promise<void> {
    const keys = [...this.entries.keys()].filter((k) => k.startsWith(`${sourceId}:`));
    await Promise.all(keys.map((k) => this.closeKey(k)));
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.entries.keys()].map((k) => this.closeKey(k)));
    if (this.sweeper) {
      clearInterval(this.sweeper);
    }
    this.sweeper = undefined;
  }

  private async closeKey(key: string): Promise<void> {
    const p = this.entries.get(key);
    this.entries.delete(key);
    if (!p) {
      return;
    }
    try {
      const e = await p;
      e.closed = true;
      await e.client.close();
    } catch {
      /* already gone */
    }
  }

  private ensureSweeper(): void {
    if (this.sweeper) {
      return;
    }
    this.sweeper = setInterval(() => void this.sweep(), Math.max(1000, Math.min(this.idleMs, 60_000)));
    this.sweeper.unref();
  }

  /** closes idle clients (exposed for tests) */
  async sweep(now = Date.now()): Promise<void> {
    for (const [key, p] of [...this.entries]) {
      const e = await p.catch(() => undefined);
      if (!e || e.closed || now - e.lastUsed >= this.idleMs) {
        await this.closeKey(key);
      }
    }
    if (this.entries.size === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }
}

function buildTransport(sdk: McpSdk, config: McpConfig, stderr: string[], egress: OrgEgress): Transport {
  if (config.transport === 'stdio') {
    const t = new sdk.StdioClientTransport({
      command: config.command!,
      args: config.args ?? [],
      env: config.env,
      cwd: config.cwd,
      stderr: 'pipe',
    });
    t.stderr?.on('data', (c: Buffer) => {
      stderr.push(c.toString('utf8'));
      if (stderr.length > 50) {
        stderr.splice(0, stderr.length - 50);
      }
    });
    return t;
  }
  const url = new URL(config.url!);
  const requestInit = { headers: config.headers ?? {} };
  // requestInit headers go on both the event stream and the POSTs; every request (the event
  // stream, the announced SSE endpoint, redirects) connects through the org's egress guard
  if (config.transport === 'sse') {
    return new sdk.SSEClientTransport(url, { requestInit, fetch: egress.fetch });
  }
  return new sdk.StreamableHTTPClientTransport(url, { requestInit, fetch: egress.fetch });
}

async function connect(key: string, config: McpConfig, egress: OrgEgress): Promise<Entry> {
  if (config.transport !== 'stdio') {
    // a refused destination fails here with EgressForbiddenError, not wrapped by the SDK
    await egress.checkUrl(config.url!);
  }
  const sdk = await mcpSdk();
  const stderr: string[] = [];
  const transport = buildTransport(sdk, config, stderr, egress);
  // the server's tool output schemas are compiled by the SDK: with linear-time patterns, one ajv per client
  const client = new sdk.Client(
    { name: 'agentcy', version: '1.0.0' },
    {
      capabilities: {},
      jsonSchemaValidator: new sdk.AjvJsonSchemaValidator(createSchemaAjv({ validateSchema: false })),
    },
  );
  const entry: Entry = { key, client, stderr, lastUsed: Date.now(), closed: false };
  client.onclose = () => {
    entry.closed = true;
  };
  try {
    await client.connect(transport, { timeout: config.timeout_ms ?? 30_000 });
  } catch (e) {
    await client.close().catch(() => undefined);
    const tail = stderr.join('').trim().slice(-500);
    if (tail && e instanceof Error) {
      e.message = `${e.message} (server stderr: ${tail})`;
    }
    throw e;
  }
  return entry;
}

/** Process-wide pool: one client per source (idle-closed after 5 minutes). */
export const mcpClientPool = new McpClientPool();
