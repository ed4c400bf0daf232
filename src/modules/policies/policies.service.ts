import type { Principal } from '@libs/auth/principal';
import { isPrefixedId } from '@libs/database/ids';
import { Transactional, TransactionHost } from '@libs/database/transaction';
import { ConflictException, NotFoundException, ValidationException } from '@libs/errors';
import { paginateArray, type Page, type PageQuery } from '@libs/pagination';
import { compilePolicy, INSTANCE_MODE, PolicyEnforcer, RouteActions, type PolicyInput } from '@libs/policy';
import { Injectable } from '@nestjs/common';
import {
  toPolicyDto,
  toPolicyVersionDto,
  type ActionDto,
  type CreatePolicyDto,
  type EvaluationDto,
  type PolicyDto,
  type PolicyVersionDto,
  type UpdatePolicyDto,
} from './dto/policy.dto';
import { PoliciesRepository } from './policies.repository';
import { PolicyStore } from './policy-store';
import type { PolicyEntity } from './policy.entity';

function assertCompiles(source: string): void {
  const res = compilePolicy(source);
  if (!res.ok) {
    throw new ValidationException(
      `The policy does not compile: line ${res.errors[0].line}: ${res.errors[0].message}`,
      { compile_errors: res.errors },
      'policy_compile_failed',
    );
  }
}

const record = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/** The policies of an org: CRUD with compile checks and versions, the dry run, the action table. */
@Injectable()
export class PoliciesService {
  constructor(
    private readonly repo: PoliciesRepository,
    private readonly store: PolicyStore,
    private readonly enforcer: PolicyEnforcer,
    private readonly routes: RouteActions,
    readonly txHost: TransactionHost,
  ) {}

  async list(p: Principal, query: PageQuery): Promise<Page<PolicyDto>> {
    await this.store.ensureSeeded(p.orgId);
    return this.repo.list(p.orgId, query, toPolicyDto);
  }

  async get(p: Principal, id: string): Promise<PolicyDto> {
    return toPolicyDto(await this.load(p, id));
  }

  @Transactional()
  async create(p: Principal, dto: CreatePolicyDto): Promise<PolicyDto> {
    assertCompiles(dto.source);
    await this.store.ensureSeeded(p.orgId);
    await this.assertNameFree(p.orgId, dto.name);
    const row = await this.repo.create({
      orgId: p.orgId,
      name: dto.name,
      description: dto.description ?? null,
      source: dto.source,
      enabled: dto.enabled ?? true,
      builtin: false,
      createdBy: p.userId,
    });
    return toPolicyDto(row);
  }

  @Transactional()
  async update(p: Principal, id: string, dto: UpdatePolicyDto): Promise<PolicyDto> {
    const cur = await this.load(p, id);
    if (dto.source !== undefined) {
      assertCompiles(dto.source);
    }
    if (dto.name !== undefined && dto.name !== cur.name) {
      if (cur.builtin) {
        throw new ConflictException('A starter policy keeps its name', { id }, 'policy_builtin');
      }
      await this.assertNameFree(p.orgId, dto.name);
    }
    const row = await this.repo.update(
      p.orgId,
      id,
      {
        ...(dto.name !== undefined ? { name: dto.name } : {}),
        ...(dto.description !== undefined ? { description: dto.description } : {}),
        ...(dto.source !== undefined ? { source: dto.source } : {}),
        ...(dto.enabled !== undefined ? { enabled: dto.enabled } : {}),
      },
      p.userId,
    );
    if (!row) {
      throw new NotFoundException('Policy');
    }
    return toPolicyDto(row);
  }

  @Transactional()
  async remove(p: Principal, id: string): Promise<void> {
    const cur = await this.load(p, id);
    if (cur.builtin) {
      throw new ConflictException(
        'Starter policies cannot be deleted; disable them instead (PATCH enabled=false)',
        { id },
        'policy_builtin',
      );
    }
    await this.repo.delete(p.orgId, id);
  }

  async versions(p: Principal, id: string, query: PageQuery): Promise<Page<PolicyVersionDto>> {
    await this.load(p, id);
    return this.repo.versions(p.orgId, id, query, toPolicyVersionDto);
  }

  /** Dry run on the org's enabled policies: the decision, the rules that applied and their messages. Not audited. */
  async evaluate(p: Principal, raw: Record<string, unknown>): Promise<EvaluationDto> {
    const input = this.inputOf(p, raw);
    const d = await this.enforcer.decide(input, { withApproval: true });
    return { decision: d.decision, messages: d.matches.map((m) => m.message), rules: d.matches, errors: d.errors };
  }

  actions(query: PageQuery): Page<ActionDto> {
    return paginateArray(this.routes.list(), query, {
      scope: 'policy-actions',
      key: (a) => a.path,
      id: (a) => a.method,
      map: (a) => a,
      direction: 'ASC',
    });
  }

  private inputOf(p: Principal, raw: Record<string, unknown>): PolicyInput {
    const subject = record(raw.subject);
    const env = record(raw.env);
    if (typeof raw.action !== 'string' || !raw.action) {
      throw new ValidationException('input.action is required', {
        fields: [{ field: 'input.action', message: 'input.action must be a non-empty string' }],
      });
    }
    const str = (v: unknown, fallback: string | null): string | null => (typeof v === 'string' ? v : fallback);
    return {
      subject: {
        ...subject,
        user_id: str(subject.user_id, p.userId),
        org_id: p.orgId,
        role: str(subject.role, p.role),
        channel: str(subject.channel, 'ui') ?? 'ui',
      },
      action: raw.action,
      resource: record(raw.resource),
      context: record(raw.context),
      env: {
        now: str(env.now, new Date().toISOString()) ?? new Date().toISOString(),
        instance_mode: str(env.instance_mode, INSTANCE_MODE) ?? INSTANCE_MODE,
      },
    };
  }

  private async load(p: Principal, id: string): Promise<PolicyEntity> {
    const row = isPrefixedId('pol', id) ? await this.repo.find(p.orgId, id) : null;
    if (!row) {
      throw new NotFoundException('Policy');
    }
    return row;
  }

  private async assertNameFree(orgId: string, name: string): Promise<void> {
    if (await this.repo.findByName(orgId, name)) {
      throw new ConflictException(`A policy named ${name} already exists`, { name }, 'policy_name_taken');
    }
  }
}
