import type { Principal } from '@libs/auth/principal';
import { AppConfig } from '@libs/config';
import { AccessRequestPort, type AccessRequestInput } from '@libs/connectors/access-request.port';
import type { CatalogTool, ToolRouteHints } from '@libs/connectors/tool-catalog.port';
import { ToolCatalogPort } from '@libs/connectors/tool-catalog.port';
import { NotFoundException, ServiceUnavailableException } from '@libs/errors';
import { LlmProvider, LlmProviderFactory } from '@libs/llm/llm.port';
import { DEFAULT_APPROVAL_DEFAULTS, type ApprovalDefaults, type ApprovalMode } from '@libs/tool-gate';
import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { SettingsService } from 'src/modules/settings/settings.service';

export { DEFAULT_APPROVAL_DEFAULTS, type ApprovalDefaults, type ApprovalMode };
export const DEFAULT_APPROVAL_TIMEOUT_SECS = 300;

export interface ChatSecurity {
  approvalDefaults: ApprovalDefaults;
  approvalTimeoutSecs: number;
  /** whether the user who triggered a destructive call may approve it (off unless the org turns it on) */
  allowSelfApproval: boolean;
}

/** The agent as the loop needs it. */
export interface ChatAgent {
  id: string | null;
  name: string;
  systemPrompt: string | null;
  model: string | null;
  realm: string | null;
  maxIterations: number;
  approvalDefaults: Partial<ApprovalDefaults> | null;
  connectorsAllowlist: string[] | null;
}

/**
 * The realm the catalog is limited to in a conversation: connectors of other realms are hidden
 * unless the agent has no realm (tools-and-catalog.md §2).
 */
export function catalogRealm(agent: ChatAgent, conversationRealm: string | null): string | null {
  return agent.realm ? (conversationRealm ?? agent.realm) : null;
}

type AnyRecord = Record<string, unknown>;

const pick = (o: AnyRecord | undefined | null, ...keys: string[]): unknown => {
  if (!o) {
    return undefined;
  }
  for (const k of keys) {
    if (o[k] !== undefined && o[k] !== null) {
      return o[k];
    }
  }
  return undefined;
};

function modeOf(v: unknown): ApprovalMode | undefined {
  return v === 'allow' || v === 'approve' || v === 'deny' ? v : undefined;
}

export function normalizeApprovalDefaults(raw: unknown): Partial<ApprovalDefaults> | null {
  if (!raw || typeof raw !== 'object') {
    return null;
  }
  const r = raw as AnyRecord;
  const out: Partial<ApprovalDefaults> = {};
  for (const e of ['read', 'write', 'destructive'] as const) {
    const m = modeOf(r[e]);
    if (m) {
      out[e] = m;
    }
  }
  return Object.keys(out).length ? out : null;
}

/**
 * The chat's view of collaborators owned by other modules (LLM providers, the tool catalog,
 * org security settings, agents). They are resolved lazily from the application container so the
 * chat module does not import those modules (and keeps working with defaults where one is absent).
 */
@Injectable()
export class ChatDeps {
  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly config: AppConfig,
  ) {}

  private lookup<T>(token: unknown): T | undefined {
    try {
      return this.moduleRef.get(token as never, { strict: false }) as T;
    } catch {
      return undefined;
    }
  }

  private lookupByName<T>(modulePath: string, exportName: string): T | undefined {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require(modulePath) as AnyRecord;
      const token = mod[exportName];
      return token ? this.lookup<T>(token) : undefined;
    } catch {
      return undefined;
    }
  }

  catalogPort(): ToolCatalogPort | undefined {
    return this.lookup<ToolCatalogPort>(ToolCatalogPort);
  }

  async listTools(orgId: string): Promise<CatalogTool[]> {
    const port = this.catalogPort();
    return port ? port.listTools(orgId) : [];
  }

  async findTool(orgId: string, name: string, hints?: ToolRouteHints): Promise<CatalogTool | undefined> {
    const port = this.catalogPort();
    return port ? port.findTool(orgId, name, hints) : undefined;
  }

  async executeTool(
    orgId: string,
    tool: CatalogTool,
    args: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<unknown> {
    const port = this.catalogPort();
    if (!port) {
      throw new ServiceUnavailableException('The tool catalog is not available');
    }
    return port.execute(orgId, tool, args, signal);
  }

  async openAccessRequest(input: AccessRequestInput): Promise<{ id: string; status: 'pending' }> {
    const port = this.lookup<AccessRequestPort>(AccessRequestPort);
    if (!port) {
      throw new ServiceUnavailableException('Access requests are not available');
    }
    return port.open(input);
  }

  async llm(orgId: string, model?: string | null): Promise<LlmProvider> {
    const factory = this.lookup<LlmProviderFactory>(LlmProviderFactory);
    if (!factory) {
      throw new ServiceUnavailableException('No LLM provider is configured', undefined, 'llm_unavailable');
    }
    return factory.forOrg(orgId, model ? { model } : undefined);
  }

  /** Org approval defaults + timeout (settings module), falling back to the documented defaults. */
  async security(orgId: string): Promise<ChatSecurity> {
    const settings = this.lookup<{ getSecurity(orgId: string): Promise<unknown> }>(SettingsService);
    let raw: AnyRecord | undefined;
    if (settings && typeof settings.getSecurity === 'function') {
      raw = (await settings.getSecurity(orgId)) as AnyRecord;
    }
    const defaults = normalizeApprovalDefaults(pick(raw, 'approval_defaults', 'approvalDefaults')) ?? {};
    const timeout = Number(pick(raw, 'approval_timeout_secs', 'approvalTimeoutSecs') ?? DEFAULT_APPROVAL_TIMEOUT_SECS);
    return {
      approvalDefaults: { ...DEFAULT_APPROVAL_DEFAULTS, ...defaults },
      approvalTimeoutSecs: Number.isFinite(timeout) && timeout > 0 ? timeout : DEFAULT_APPROVAL_TIMEOUT_SECS,
      allowSelfApproval: pick(raw, 'allow_self_approval', 'allowSelfApproval') === true,
    };
  }

  /** Whether the org has this realm (realms module); true when that module is absent. */
  async realmExists(p: Principal, realm: string): Promise<boolean> {
    const realms = this.lookupByName<{
      available(p: Principal, q: { limit?: number }): Promise<{ items: { id: string; name: string }[] }>;
    }>('src/modules/realms/realms.service', 'RealmsService');
    if (!realms || typeof realms.available !== 'function') {
      return true;
    }
    const page = await realms.available(p, { limit: 200 });
    return page.items.some((r) => r.name === realm || r.id === realm);
  }

  /** Resolves an agent by id or name (agents module); `default` always exists. Unknown → 404. */
  async agent(orgId: string, idOrName?: string | null): Promise<ChatAgent> {
    const agents = this.lookupByName<{ resolve(orgId: string, idOrName?: string): Promise<unknown> }>(
      'src/modules/agents/agents.service',
      'AgentsService',
    );
    if (agents && typeof agents.resolve === 'function') {
      let raw: AnyRecord | null | undefined;
      try {
        raw = (await agents.resolve(orgId, idOrName ?? undefined)) as AnyRecord | null | undefined;
      } catch (err) {
        if ((err as { status?: number }).status === 404) {
          throw new NotFoundException('Agent');
        }
        throw err;
      }
      if (!raw) {
        throw new NotFoundException('Agent');
      }
      return this.normalizeAgent(raw);
    }
    if (idOrName && idOrName !== 'default') {
      throw new NotFoundException('Agent');
    }
    return {
      id: null,
      name: 'default',
      systemPrompt: null,
      model: null,
      realm: null,
      maxIterations: this.config.llm.maxIterations,
      approvalDefaults: null,
      connectorsAllowlist: null,
    };
  }

  private normalizeAgent(raw: AnyRecord): ChatAgent {
    const max = Number(pick(raw, 'max_iterations', 'maxIterations') ?? this.config.llm.maxIterations);
    const allow = pick(raw, 'connectors_allowlist', 'connectorsAllowlist');
    return {
      id: (pick(raw, 'id') as string | undefined) ?? null,
      name: (pick(raw, 'name') as string | undefined) ?? 'default',
      systemPrompt: (pick(raw, 'system_prompt', 'systemPrompt') as string | undefined) ?? null,
      model: (pick(raw, 'model') as string | undefined) ?? null,
      realm: (pick(raw, 'realm') as string | undefined) ?? null,
      maxIterations: Number.isInteger(max) && max > 0 ? max : this.config.llm.maxIterations,
      approvalDefaults: normalizeApprovalDefaults(pick(raw, 'approval_defaults', 'approvalDefaults')),
      connectorsAllowlist: Array.isArray(allow) ? (allow as string[]) : null,
    };
  }
}
