import { AuditService } from '@libs/audit';
import type { Principal } from '@libs/auth/principal';
import { AppException, NotFoundException, ValidationException } from '@libs/errors';
import { paginateArray, type Page, type PageQuery } from '@libs/pagination';
import { Injectable } from '@nestjs/common';
import { AgentsContract } from 'src/modules/agents/agents.contract';
import { BindingsRepository } from './bindings.repository';
import { ChannelBindingsContract, type BindingMatch, type IncomingRoute } from './channel-bindings.contract';
import { compileTextRegex, ruleMatches, type ChannelMessage } from './channel-message';
import type { BindingChannel, ChannelBindingEntity, MatchRule } from './channel.entity';
import type { BindingDto, CreateBindingDto, MatchRuleDto, UpdateBindingDto } from './dto/channels.dto';

const MAX_BINDINGS = 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `/bindings`: ordered routing rules from channel messages to agents (first enabled match wins). */
@Injectable()
export class BindingsService extends ChannelBindingsContract {
  constructor(
    private readonly repo: BindingsRepository,
    private readonly agents: AgentsContract,
    private readonly audit: AuditService,
  ) {
    super();
  }

  private toDto(b: ChannelBindingEntity): BindingDto {
    return {
      id: b.id,
      agent: b.agent,
      realm: b.realm,
      match_rule: { channel: b.channel, ...b.matchRule },
      position: b.position,
      enabled: b.enabled,
      created_at: b.createdAt.toISOString(),
      updated_at: b.updatedAt.toISOString(),
    };
  }

  private async checkAgent(orgId: string, agent: string): Promise<void> {
    await this.agents.resolve(orgId, agent).catch((err) => {
      if (err instanceof AppException && err.status === 404) {
        throw new ValidationException(`Unknown agent ${agent}`, {
          fields: [{ field: 'agent', errors: ['unknown agent'] }],
        });
      }
      throw err;
    });
  }

  private rule(m: MatchRuleDto): MatchRule {
    const { channel, ...rest } = m;
    if (rest.endpoint !== undefined && (channel !== 'incoming' || !UUID.test(rest.endpoint))) {
      throw new ValidationException('match_rule.endpoint is an inbound chat endpoint id (channel incoming)', {
        fields: [{ field: 'match_rule.endpoint', errors: ['must be an incoming endpoint id, with channel incoming'] }],
      });
    }
    if (rest.text_regex !== undefined && !compileTextRegex(rest.text_regex)) {
      throw new ValidationException('text_regex is not a valid RE2 pattern', {
        fields: [{ field: 'match_rule.text_regex', errors: ['must compile (RE2 syntax)'] }],
      });
    }
    return Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) as MatchRule;
  }

  private async record(p: Principal, action: string, id: string, details?: Record<string, unknown>) {
    await this.audit.record({
      orgId: p.orgId,
      category: 'channels',
      action: `channels.binding.${action}`,
      result: 'success',
      actor: p,
      target: { type: 'channel_binding', id },
      details: details ?? null,
    });
  }

  async list(p: Principal, q: PageQuery): Promise<Page<BindingDto>> {
    const all = await this.repo.listBindings(p.orgId);
    return paginateArray(all, q, {
      scope: `bindings:${p.orgId}`,
      key: (b) => b.position,
      id: (b) => b.id,
      map: (b) => this.toDto(b),
      direction: 'ASC',
    });
  }

  async get(p: Principal, id: string): Promise<BindingDto> {
    const b = await this.repo.findBinding(p.orgId, id);
    if (!b) {
      throw new NotFoundException('Binding');
    }
    return this.toDto(b);
  }

  async create(p: Principal, dto: CreateBindingDto): Promise<BindingDto> {
    await this.checkAgent(p.orgId, dto.agent);
    const existing = await this.repo.listBindings(p.orgId);
    if (existing.length >= MAX_BINDINGS) {
      throw new ValidationException(`At most ${MAX_BINDINGS} bindings per org`);
    }
    const b = await this.repo.createBinding({
      orgId: p.orgId,
      channel: dto.match_rule.channel,
      matchRule: this.rule(dto.match_rule),
      agent: dto.agent,
      realm: dto.realm ?? null,
      enabled: dto.enabled ?? true,
      position: await this.repo.nextPosition(p.orgId),
    });
    if (dto.position !== undefined && dto.position < existing.length) {
      const ids = existing.map((e) => e.id);
      ids.splice(dto.position, 0, b.id);
      await this.repo.reorder(p.orgId, ids);
    }
    await this.record(p, 'create', b.id, { agent: dto.agent, match_rule: dto.match_rule });
    return this.get(p, b.id);
  }

  async update(p: Principal, id: string, dto: UpdateBindingDto): Promise<BindingDto> {
    await this.get(p, id);
    const patch: Partial<ChannelBindingEntity> = {};
    if (dto.agent !== undefined) {
      await this.checkAgent(p.orgId, dto.agent);
      patch.agent = dto.agent;
    }
    if (dto.match_rule !== undefined) {
      patch.channel = dto.match_rule.channel;
      patch.matchRule = this.rule(dto.match_rule);
    }
    if (dto.realm !== undefined) {
      patch.realm = dto.realm;
    }
    if (dto.enabled !== undefined) {
      patch.enabled = dto.enabled;
    }
    if (Object.keys(patch).length) {
      await this.repo.updateBinding(p.orgId, id, patch);
    }
    await this.record(p, 'update', id, { changes: dto as unknown as Record<string, unknown> });
    return this.get(p, id);
  }

  async remove(p: Principal, id: string): Promise<void> {
    if (!(await this.repo.deleteBinding(p.orgId, id))) {
      throw new NotFoundException('Binding');
    }
    await this.record(p, 'delete', id);
  }

  async count(orgId: string, channel: BindingChannel): Promise<number> {
    return (await this.repo.listBindings(orgId, channel)).length;
  }

  private first(bindings: ChannelBindingEntity[], msg: ChannelMessage): BindingMatch | null {
    const b = bindings.find((x) => x.enabled && ruleMatches(x.matchRule, msg));
    return b ? { id: b.id, agent: b.agent, realm: b.realm } : null;
  }

  async resolve(orgId: string, msg: ChannelMessage): Promise<BindingMatch | null> {
    return this.first(await this.repo.listBindings(orgId, msg.channel), msg);
  }

  async routeIncoming(orgId: string, msg: ChannelMessage): Promise<IncomingRoute> {
    const targeting = (await this.repo.listBindings(orgId, 'incoming')).filter(
      (b) => b.enabled && (b.matchRule.endpoint === undefined || b.matchRule.endpoint === msg.endpoint),
    );
    if (!targeting.length) {
      return { bound: false };
    }
    return { bound: true, match: this.first(targeting, msg) };
  }

  /** `ids` must list every binding of the org exactly once. */
  async reorder(p: Principal, ids: string[]): Promise<Page<BindingDto>> {
    const current = new Set((await this.repo.listBindings(p.orgId)).map((b) => b.id));
    if (ids.length !== current.size || new Set(ids).size !== ids.length || ids.some((id) => !current.has(id))) {
      throw new ValidationException('ids must list every binding of the org exactly once', {
        fields: [{ field: 'ids', errors: ['must be a permutation of the current binding ids'] }],
      });
    }
    await this.repo.reorder(p.orgId, ids);
    await this.record(p, 'reorder', 'all', { ids });
    return this.list(p, { limit: 200 } as PageQuery);
  }
}
