import { AuditService } from '@libs/audit';
import { roleRank, type Principal } from '@libs/auth/principal';
import { AppConfig } from '@libs/config';
import { prefixedId } from '@libs/database/ids';
import { NotFoundException, ServiceUnavailableException, ValidationException } from '@libs/errors';
import { type Page, type PageQuery } from '@libs/pagination';
import { EventBus } from '@libs/redis';
import { Injectable } from '@nestjs/common';
import { AgentsContract } from '../agents/agents.contract';
import { ChatTurnsContract } from '../chat/chat-turns.contract';
import { RealmsContract } from '../realms/realms.contract';
import type {
  CreateVoiceSessionDto,
  VoiceSessionCreatedDto,
  VoiceSessionDetailDto,
  VoiceSessionDto,
} from './dto/voice.dto';
import { SpeechProviders } from './providers/speech-providers';
import type { VoiceSessionEntity } from './voice-session.entity';
import { VOICE_TOKEN_TTL_SECS, VoiceTokens } from './voice-tokens';
import { VoiceRepository } from './voice.repository';

/** Redis channel (EventBus) telling the replica holding a session's socket to end it. */
export const VOICE_END_CHANNEL = 'voice:end';

export function toVoiceSessionDto(s: VoiceSessionEntity, now = Date.now()): VoiceSessionDto {
  const expired = s.status === 'pending' && s.tokenExpiresAt.getTime() <= now;
  return {
    id: s.id,
    status: expired ? 'expired' : s.status,
    end_reason: expired ? 'expired' : s.endReason,
    agent: s.agent,
    realm: s.realm,
    voice_id: s.voiceId,
    sample_rate: s.sampleRate,
    vad: s.vad,
    max_duration_secs: s.maxDurationSecs,
    conversation_id: s.conversationId,
    turns: s.turns,
    audio_secs: Math.round(s.audioSecs * 100) / 100,
    started_at: s.startedAt?.toISOString() ?? null,
    ended_at: s.endedAt?.toISOString() ?? null,
    created_at: s.createdAt.toISOString(),
  };
}

/** `/voice/sessions`: creation (with the socket token), reads, ending. The socket itself: VoiceGateway. */
@Injectable()
export class VoiceService {
  constructor(
    private readonly repo: VoiceRepository,
    private readonly tokens: VoiceTokens,
    private readonly speech: SpeechProviders,
    private readonly agents: AgentsContract,
    private readonly realms: RealmsContract,
    private readonly turns: ChatTurnsContract,
    private readonly bus: EventBus,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  /** A session of the caller's org that the caller may see (its creator or an org admin); else 404. */
  private async visible(p: Principal, id: string): Promise<VoiceSessionEntity> {
    const s = /^vs_[0-9a-f]{32}$/.test(id) ? await this.repo.find(p.orgId, id) : null;
    if (!s || (s.createdBy !== p.userId && roleRank(p.role) < roleRank('admin'))) {
      throw new NotFoundException('Voice session');
    }
    return s;
  }

  private async record(p: Principal, action: string, id: string, details?: Record<string, unknown>): Promise<void> {
    await this.audit.record({
      orgId: p.orgId,
      category: 'api',
      action: `voice.${action}`,
      result: 'success',
      actor: p,
      target: { type: 'voice_session', id },
      ...(details ? { details } : {}),
    });
  }

  async create(p: Principal, dto: CreateVoiceSessionDto): Promise<VoiceSessionCreatedDto> {
    const missing = this.speech.missing();
    if (missing.length) {
      throw new ServiceUnavailableException(
        'No speech provider is configured on this install',
        { service: 'speech', missing },
        'sidecar_unavailable',
      );
    }
    const max = this.config.voice.maxDurationSecs;
    const maxDuration = dto.limits?.max_duration_secs ?? max;
    if (maxDuration > max) {
      throw new ValidationException(`limits.max_duration_secs must be at most ${max}`, {
        field: 'limits.max_duration_secs',
      });
    }
    if (dto.realm) {
      const realms = await this.realms.listAvailable(p.orgId);
      if (!realms.some((r) => r.name === dto.realm || r.id === dto.realm)) {
        throw new ValidationException(`Unknown realm "${dto.realm}"`, { field: 'realm' });
      }
    }
    const agent = await this.agents.resolve(p.orgId, dto.agent ?? null);
    const id = prefixedId('vs');
    const expiresAt = new Date(Date.now() + VOICE_TOKEN_TTL_SECS * 1000);
    await this.repo.insert({
      id,
      orgId: p.orgId,
      createdBy: p.userId,
      agent: agent.id,
      realm: dto.realm ?? null,
      voiceId: dto.voice_id ?? null,
      sampleRate: dto.audio?.sample_rate ?? 24_000,
      vad: dto.audio?.vad ?? true,
      maxDurationSecs: maxDuration,
      status: 'pending',
      tokenExpiresAt: expiresAt,
    });
    const token = await this.tokens.issue(p.orgId, id);
    await this.record(p, 'create', id, { agent: agent.name, realm: dto.realm ?? null });
    const wsBase = this.config.publicBaseUrl.replace(/^http/, 'ws');
    return {
      session_id: id,
      ws_url: `${wsBase}/voice/sessions/${id}/ws?token=${encodeURIComponent(token)}`,
      expires_at: expiresAt.toISOString(),
    };
  }

  /** Admins see the org's sessions, others their own. */
  list(p: Principal, query: PageQuery): Promise<Page<VoiceSessionDto>> {
    const mine = roleRank(p.role) >= roleRank('admin') ? null : p.userId;
    const now = Date.now();
    return this.repo.list(p.orgId, mine, query, (s) => toVoiceSessionDto(s, now));
  }

  async get(p: Principal, id: string): Promise<VoiceSessionDetailDto> {
    const s = await this.visible(p, id);
    const t = s.conversationId ? await this.turns.transcript(p.orgId, s.conversationId) : null;
    const transcript = (t?.messages ?? [])
      .filter((m) => (m.role === 'user' || m.role === 'assistant') && m.content)
      .map((m) => ({ message_id: m.id, role: m.role, text: m.content, created_at: m.created_at }));
    return { ...toVoiceSessionDto(s), transcript };
  }

  /** Ends the session (its socket, on whichever replica holds it, gets `session.ended {reason:"client"}`) and deletes it. */
  async remove(p: Principal, id: string): Promise<void> {
    const s = await this.visible(p, id);
    await this.repo.end(p.orgId, s.id, 'client');
    await this.bus.publish(VOICE_END_CHANNEL, { org_id: p.orgId, session_id: s.id, reason: 'client' });
    await this.repo.delete(p.orgId, s.id);
    await this.record(p, 'delete', s.id);
  }
}
