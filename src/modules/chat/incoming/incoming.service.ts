import { AuditService } from '@libs/audit';
import type { Principal, ServiceCaller } from '@libs/auth/principal';
import { ResolvedServiceSecret, SharedSecretResolver } from '@libs/auth/service-secret.resolvers';
import { AppConfig } from '@libs/config';
import { SecretBox } from '@libs/crypto';
import { NotFoundException, UnauthorizedException, ValidationException } from '@libs/errors';
import { Page, PageQuery } from '@libs/pagination';
import { Injectable, Logger } from '@nestjs/common';
import type { Request } from 'express';
import { randomBytes } from 'node:crypto';
import { ChannelBindingsContract } from 'src/modules/channels/channel-bindings.contract';
import { ConversationEntity, IncomingEndpointEntity } from 'src/modules/chat/chat.entity';
import { ChatRepository } from 'src/modules/chat/chat.repository';
import { ChatAgents } from 'src/modules/chat/context/chat-agent';
import {
  CreateIncomingEndpointDto,
  IncomingEndpointDto,
  IncomingEndpointWithSecretDto,
  IncomingMessageDto,
  UpdateIncomingEndpointDto,
} from 'src/modules/chat/dto/incoming.dto';
import { IncomingEndpointsRepository } from 'src/modules/chat/incoming/incoming-endpoints.repository';
import { TurnOutcome, TurnsService } from 'src/modules/chat/turns/turns.service';

const SYNC_WAIT_MS = 60_000;

/** Resolves the per-endpoint secret of `/chat/incoming/:endpoint_id` for the shared-secret strategy. */
@Injectable()
export class IncomingSecretResolver extends SharedSecretResolver {
  constructor(
    private readonly endpoints: IncomingEndpointsRepository,
    private readonly box: SecretBox,
  ) {
    super();
  }

  async resolve(req: Request): Promise<ResolvedServiceSecret | null> {
    const id = (req.params as Record<string, string | undefined>)?.endpoint_id;
    if (!id) {
      return null;
    }
    const e = await this.endpoints.findEndpointWithSecret(id);
    if (!e || !e.secretSealed) {
      return null;
    }
    return {
      secret: this.box.open(e.secretSealed).toString('utf8'),
      orgId: e.orgId,
      subject: `chat_incoming:${e.id}`,
      claims: { endpoint_id: e.id },
    };
  }
}

@Injectable()
export class IncomingService {
  private readonly log = new Logger('ChatIncoming');
  constructor(
    private readonly repo: ChatRepository,
    private readonly endpoints: IncomingEndpointsRepository,
    private readonly agents: ChatAgents,
    private readonly turns: TurnsService,
    private readonly box: SecretBox,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly bindings: ChannelBindingsContract,
  ) {}

  private toDto(e: IncomingEndpointEntity): IncomingEndpointDto {
    return {
      id: e.id,
      name: e.name,
      agent: e.agent,
      realm: e.realm,
      enabled: e.enabled,
      secret_prefix: e.secretPrefix,
      url: `${this.config.publicBaseUrl}/api/v1/chat/incoming/${e.id}`,
      last_used_at: e.lastUsedAt ? e.lastUsedAt.toISOString() : null,
      created_at: e.createdAt.toISOString(),
      updated_at: e.updatedAt.toISOString(),
    };
  }

  private newSecret(): string {
    return `cis_${randomBytes(32).toString('base64url')}`;
  }

  async create(p: Principal, dto: CreateIncomingEndpointDto): Promise<IncomingEndpointWithSecretDto> {
    const agent = await this.agents.agent(p.orgId, dto.agent ?? 'default');
    const secret = this.newSecret();
    const e = await this.endpoints.createEndpoint({
      orgId: p.orgId,
      name: dto.name.trim(),
      agent: agent.id ?? agent.name,
      realm: dto.realm ?? null,
      secretSealed: this.box.seal(secret),
      secretPrefix: secret.slice(0, 8),
      enabled: true,
      createdBy: p.userId,
    });
    await this.audit.record({
      orgId: p.orgId,
      category: 'chat',
      action: 'chat.incoming_endpoint.create',
      result: 'success',
      actor: p,
      target: { type: 'chat_incoming_endpoint', id: e.id },
    });
    return { ...this.toDto(e), secret };
  }

  list(p: Principal, q: PageQuery): Promise<Page<IncomingEndpointDto>> {
    return this.endpoints.listEndpoints(p.orgId, q, (e) => this.toDto(e));
  }

  async get(p: Principal, id: string): Promise<IncomingEndpointDto> {
    const e = await this.endpoints.findEndpoint(p.orgId, id);
    if (!e) {
      throw new NotFoundException('Incoming endpoint');
    }
    return this.toDto(e);
  }

  async update(p: Principal, id: string, dto: UpdateIncomingEndpointDto): Promise<IncomingEndpointDto> {
    const e = await this.endpoints.findEndpoint(p.orgId, id);
    if (!e) {
      throw new NotFoundException('Incoming endpoint');
    }
    const patch: Partial<IncomingEndpointEntity> = {};
    if (dto.name !== undefined) {
      patch.name = dto.name.trim();
    }
    if (dto.enabled !== undefined) {
      patch.enabled = dto.enabled;
    }
    if (dto.agent !== undefined) {
      const agent = await this.agents.agent(p.orgId, dto.agent);
      patch.agent = agent.id ?? agent.name;
    }
    if (Object.keys(patch).length) {
      await this.endpoints.updateEndpoint(p.orgId, id, patch);
    }
    await this.audit.record({
      orgId: p.orgId,
      category: 'chat',
      action: 'chat.incoming_endpoint.update',
      result: 'success',
      actor: p,
      target: { type: 'chat_incoming_endpoint', id },
      details: { changes: dto as Record<string, unknown> },
    });
    return this.get(p, id);
  }

  async rotate(p: Principal, id: string): Promise<IncomingEndpointWithSecretDto> {
    const e = await this.endpoints.findEndpoint(p.orgId, id);
    if (!e) {
      throw new NotFoundException('Incoming endpoint');
    }
    const secret = this.newSecret();
    await this.endpoints.updateEndpoint(p.orgId, id, {
      secretSealed: this.box.seal(secret),
      secretPrefix: secret.slice(0, 8),
    });
    await this.audit.record({
      orgId: p.orgId,
      category: 'chat',
      action: 'chat.incoming_endpoint.rotate_secret',
      result: 'success',
      actor: p,
      target: { type: 'chat_incoming_endpoint', id },
    });
    return { ...(await this.get(p, id)), secret };
  }

  async remove(p: Principal, id: string): Promise<void> {
    if (!(await this.endpoints.deleteEndpoint(p.orgId, id))) {
      throw new NotFoundException('Incoming endpoint');
    }
    await this.audit.record({
      orgId: p.orgId,
      category: 'chat',
      action: 'chat.incoming_endpoint.delete',
      result: 'success',
      actor: p,
      target: { type: 'chat_incoming_endpoint', id },
    });
  }

  /**
   * Runs the agent loop for an inbound message and waits (≤ 60 s) for the answer. When enabled
   * `/bindings` with `channel: incoming` target the endpoint, the first matching one picks the agent
   * and realm (none matching: logged and dropped, `routed: false`); otherwise the endpoint's own agent answers.
   */
  async receive(
    caller: ServiceCaller,
    endpointId: string,
    dto: IncomingMessageDto,
  ): Promise<
    | { done: true; outcome: TurnOutcome; bindingId: string | null }
    | { done: false; conversationId: string; turnId: string; bindingId: string | null }
    | { dropped: true }
  > {
    const e = await this.endpoints.findEndpointWithSecret(endpointId);
    if (!e || caller.orgId !== e.orgId) {
      throw new NotFoundException('Incoming endpoint');
    }
    if (!e.enabled) {
      throw new UnauthorizedException('This endpoint is disabled', { reason: 'endpoint_disabled' });
    }
    const text = (dto.text ?? dto.content ?? dto.message ?? '').trim();
    if (!text) {
      throw new ValidationException('text must not be empty', {
        fields: [{ field: 'text', errors: ['text must not be empty'] }],
      });
    }
    const route = await this.bindings.routeIncoming(e.orgId, {
      channel: 'incoming',
      endpoint: e.id,
      from: dto.from ?? '',
      chat: null,
      thread: dto.thread ?? null,
      team: null,
      conversationType: null,
      mentioned: false,
      text,
    });
    if (route.bound && !route.match) {
      await this.endpoints.updateEndpoint(e.orgId, e.id, { lastUsedAt: new Date() });
      this.log.log(`org ${e.orgId} incoming ${e.id} message from ${dto.from ?? '?'}: no matching binding, dropped`);
      return { dropped: true };
    }
    const bound = route.bound ? route.match : null;
    const agent = await this.agents.agent(e.orgId, bound?.agent ?? e.agent);
    const thread = dto.thread ?? dto.from;
    // a binding's agent gets its own conversation per thread (channels.md §7: per thread and agent)
    const key = thread ? `incoming:${e.id}:${thread}${bound ? `:${agent.id ?? agent.name}` : ''}` : null;
    let conversation: ConversationEntity | null = key
      ? await this.repo.findConversationByExternalKey(e.orgId, key)
      : null;
    if (!conversation) {
      conversation = await this.repo
        .createConversation({
          orgId: e.orgId,
          title: `${e.name}${dto.from ? `: ${dto.from}` : ''}`.slice(0, 300),
          realm: bound ? (bound.realm ?? agent.realm) : (e.realm ?? agent.realm),
          agent: agent.name,
          agentId: agent.id,
          createdBy: e.createdBy,
          externalKey: key,
        })
        .catch(async (err) => {
          if ((err as { code?: string }).code === '23505' && key) {
            return (await this.repo.findConversationByExternalKey(e.orgId, key))!;
          }
          throw err;
        });
    }
    await this.endpoints.updateEndpoint(e.orgId, e.id, { lastUsedAt: new Date() });
    const started = await this.turns.start({
      orgId: e.orgId,
      conversation,
      content: text,
      actor: { userId: null, email: null, role: null },
      kind: 'incoming',
      source: 'incoming',
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((r) => (timer = setTimeout(() => r(null), SYNC_WAIT_MS)));
    const outcome = await Promise.race([started.done, timeout]);
    if (timer) {
      clearTimeout(timer);
    }
    const bindingId = bound?.id ?? null;
    if (!outcome) {
      return { done: false, conversationId: conversation.id, turnId: started.turn.id, bindingId };
    }
    return { done: true, outcome, bindingId };
  }
}
