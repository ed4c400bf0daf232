import type { Principal } from '@libs/auth/principal';
import { AppConfig } from '@libs/config';
import { ConflictException, NotFoundException } from '@libs/errors';
import type { Page } from '@libs/pagination';
import { Injectable, Optional } from '@nestjs/common';
import { RealmCheck } from '../settings/realm-check';
import { TOOL_EFFECTS, type ApprovalDefaults } from '../settings/settings.types';
import { AgentEntity } from './agent.entity';
import { AgentUsagePort, type ResolvedAgent } from './agents.contract';
import { AgentsRepository, DuplicateAgentNameError } from './agents.repository';
import type { AgentDto, CreateAgentDto, ListAgentsQuery, UpdateAgentDto } from './dto/agent.dto';
import { ResolvedAgentsCache } from './resolved-agents-cache';

export const DEFAULT_AGENT_NAME = 'default';

@Injectable()
export class AgentsService {
  private readonly ensured = new Set<string>();

  constructor(
    private readonly repo: AgentsRepository,
    private readonly config: AppConfig,
    private readonly realms: RealmCheck,
    private readonly resolved: ResolvedAgentsCache,
    @Optional() private readonly usage?: AgentUsagePort,
  ) {}

  /**
   * For the chat loop and other runners: the agent by id or name (case-insensitive), the org's
   * `default` agent when omitted. Throws NotFoundException (404) for an unknown agent.
   */
  resolve(orgId: string, agentIdOrName?: string | null): Promise<ResolvedAgent> {
    const idOrName = agentIdOrName || DEFAULT_AGENT_NAME;
    return this.resolved.get(orgId, idOrName, async () => toResolved(await this.find(orgId, idOrName)));
  }

  async list(p: Principal, query: ListAgentsQuery): Promise<Page<AgentDto>> {
    await this.ensureDefault(p.orgId);
    return this.repo.list(p.orgId, query, toDto);
  }

  async get(p: Principal, idOrName: string): Promise<AgentDto> {
    return toDto(await this.find(p.orgId, idOrName));
  }

  async create(p: Principal, dto: CreateAgentDto): Promise<AgentDto> {
    await this.ensureDefault(p.orgId);
    const allowed = pickDefined(dto.allowed_connectors, dto.connectors_allowlist);
    const overrides = pickDefined(dto.approval_overrides, dto.approval_defaults);
    if (await this.repo.nameTaken(p.orgId, dto.name)) {
      throw nameTaken(dto.name);
    }
    await this.realms.assertExists(p, dto.realm, 'realm');
    try {
      const a = await this.repo.create({
        orgId: p.orgId,
        name: dto.name,
        description: dto.description ?? '',
        systemPrompt: dto.system_prompt ?? null,
        model: dto.model ?? null,
        realm: dto.realm ?? null,
        skills: uniq(dto.skills ?? []),
        allowedConnectors: allowed ? uniq(allowed) : null,
        approvalOverrides: cleanOverrides(overrides),
        maxIterations: dto.max_iterations ?? this.config.llm.maxIterations,
        builtin: false,
        createdBy: p.userId,
      });
      await this.resolved.changed(p.orgId);
      return toDto(a);
    } catch (err) {
      if (err instanceof DuplicateAgentNameError) {
        throw nameTaken(dto.name);
      }
      throw err;
    }
  }

  async update(p: Principal, idOrName: string, dto: UpdateAgentDto): Promise<AgentDto> {
    const a = await this.find(p.orgId, idOrName);
    if (dto.name !== undefined && dto.name.toLowerCase() !== a.name.toLowerCase()) {
      if (a.builtin) {
        throw new ConflictException('The built-in default agent cannot be renamed', { agent: a.name }, 'builtin_agent');
      }
      if (await this.repo.nameTaken(p.orgId, dto.name, a.id)) {
        throw nameTaken(dto.name);
      }
      a.name = dto.name;
    }
    if (dto.description !== undefined) {
      a.description = dto.description;
    }
    if (dto.system_prompt !== undefined) {
      a.systemPrompt = dto.system_prompt;
    }
    if (dto.model !== undefined) {
      a.model = dto.model;
    }
    if (dto.realm !== undefined) {
      if (dto.realm !== a.realm) {
        await this.realms.assertExists(p, dto.realm, 'realm');
      }
      a.realm = dto.realm;
    }
    if (dto.skills !== undefined) {
      a.skills = uniq(dto.skills);
    }
    const allowed = pickDefined(dto.allowed_connectors, dto.connectors_allowlist);
    if (allowed !== undefined) {
      a.allowedConnectors = allowed ? uniq(allowed) : null;
    }
    const overrides = pickDefined(dto.approval_overrides, dto.approval_defaults);
    if (overrides !== undefined) {
      a.approvalOverrides =
        overrides === null ? null : cleanOverrides({ ...(a.approvalOverrides ?? {}), ...definedOnly(overrides) });
    }
    if (dto.max_iterations !== undefined) {
      a.maxIterations = dto.max_iterations;
    }
    try {
      const saved = await this.repo.save(a);
      await this.resolved.changed(p.orgId);
      return toDto(saved);
    } catch (err) {
      if (err instanceof DuplicateAgentNameError) {
        throw nameTaken(a.name);
      }
      throw err;
    }
  }

  async remove(p: Principal, idOrName: string): Promise<void> {
    const a = await this.find(p.orgId, idOrName);
    if (a.builtin || a.name.toLowerCase() === DEFAULT_AGENT_NAME) {
      throw new ConflictException('The built-in default agent cannot be deleted', { agent: a.name }, 'builtin_agent');
    }
    const reason = await this.usage?.inUse(p.orgId, { id: a.id, name: a.name });
    if (reason) {
      throw new ConflictException(`Agent "${a.name}" is still in use: ${reason}`, { agent: a.name, reason }, 'in_use');
    }
    if (!(await this.repo.delete(p.orgId, a.id))) {
      throw new NotFoundException('Agent');
    }
    await this.resolved.changed(p.orgId);
  }

  private async find(orgId: string, idOrName: string): Promise<AgentEntity> {
    if (idOrName.toLowerCase() === DEFAULT_AGENT_NAME) {
      await this.ensureDefault(orgId);
    }
    const a = await this.repo.findByIdOrName(orgId, idOrName);
    if (!a) {
      throw new NotFoundException('Agent');
    }
    return a;
  }

  /** Creates the org's `default` agent on first access. */
  async ensureDefault(orgId: string): Promise<void> {
    if (this.ensured.has(orgId)) {
      return;
    }
    await this.repo.ensure({
      orgId,
      name: DEFAULT_AGENT_NAME,
      description: 'The built-in general-purpose agent used by chat, tasks and channels when no agent is named.',
      systemPrompt: null,
      maxIterations: this.config.llm.maxIterations,
      builtin: true,
    });
    if (this.ensured.size > 10000) {
      this.ensured.clear();
    }
    this.ensured.add(orgId);
  }
}

function nameTaken(name: string): ConflictException {
  return new ConflictException(`An agent named "${name}" already exists`, { field: 'name', name }, 'already_exists');
}

function pickDefined<T>(a: T | undefined, b: T | undefined): T | undefined {
  return a !== undefined ? a : b;
}

/** DTO instances carry declared-but-absent fields as undefined; drop them before spreading. */
function definedOnly(o: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

function uniq(items: string[]): string[] {
  return [...new Set(items)];
}

function cleanOverrides(o: object | null | undefined): Partial<ApprovalDefaults> | null {
  if (!o) {
    return null;
  }
  const out: Partial<ApprovalDefaults> = {};
  for (const e of TOOL_EFFECTS) {
    const v = (o as Record<string, unknown>)[e];
    if (v === 'allow' || v === 'approve' || v === 'deny') {
      out[e] = v;
    }
  }
  return Object.keys(out).length ? out : null;
}

function toResolved(a: AgentEntity): ResolvedAgent {
  const overrides = cleanOverrides(a.approvalOverrides);
  return {
    id: a.id,
    name: a.name,
    description: a.description,
    systemPrompt: a.systemPrompt,
    model: a.model,
    realm: a.realm,
    skills: a.skills ?? [],
    allowedConnectors: a.allowedConnectors,
    connectorsAllowlist: a.allowedConnectors,
    approvalOverrides: overrides,
    approvalDefaults: overrides,
    maxIterations: a.maxIterations,
    builtin: a.builtin,
  };
}

export function toDto(a: AgentEntity): AgentDto {
  const overrides = cleanOverrides(a.approvalOverrides);
  return {
    id: a.id,
    name: a.name,
    description: a.description,
    system_prompt: a.systemPrompt,
    model: a.model,
    realm: a.realm,
    skills: a.skills ?? [],
    allowed_connectors: a.allowedConnectors,
    connectors_allowlist: a.allowedConnectors,
    approval_overrides: overrides,
    approval_defaults: overrides,
    max_iterations: a.maxIterations,
    builtin: a.builtin,
    created_by: a.createdBy,
    created_at: a.createdAt.toISOString(),
    updated_at: a.updatedAt.toISOString(),
  };
}
