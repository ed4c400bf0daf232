import { AppConfig } from '@libs/config';
import { FeatureFlagService } from '@libs/features';
import { refuseUpgrade } from '@libs/http';
import { EventBus } from '@libs/redis';
import { ReplicaPresence } from '@libs/redis/replica-presence';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { ChatTurnsContract } from '../chat/chat-turns.contract';
import { SpeechProviders } from './providers/speech-providers';
import { VoiceConnection } from './voice-connection';
import { VoiceTokens } from './voice-tokens';
import { VoiceRepository } from './voice.repository';
import { VOICE_END_CHANNEL } from './voice.service';

/** `/api/v1/voice/sessions/:id/ws` and `/voice/sessions/:id/ws`. */
export const VOICE_WS_PATH = /^(?:\/api\/v1)?\/voice\/sessions\/(vs_[0-9a-f]{32})\/ws\/?$/;
/** Largest WebSocket frame (an audio frame of 64 KiB is ~1.3 s at 24 kHz); larger closes with 1009. */
export const MAX_FRAME_BYTES = 64 * 1024;

/**
 * The voice socket on the API's own HTTP server ('upgrade' event, like the agentcy-ws gateway). The
 * upgrade is authorized by the session's single-use token alone (taken from Redis with GETDEL, so a
 * replayed or expired token answers 401 before any upgrade). Sessions ended by `DELETE` on another
 * replica arrive through Redis (`voice:end`).
 */
@Injectable()
export class VoiceGateway implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(VoiceGateway.name);
  private wss: WebSocketServer | undefined;
  private server: Server | undefined;
  private readonly connections = new Map<string, VoiceConnection>();
  private unsubscribe: (() => Promise<void>) | undefined;
  private readonly onUpgradeBound = (req: IncomingMessage, socket: Duplex, head: Buffer) =>
    void this.onUpgrade(req, socket, head).catch((err) => {
      this.logger.warn(`voice upgrade failed: ${(err as Error).message}`);
      refuseUpgrade(socket, 503, 'service_unavailable', 'Voice socket unavailable');
    });

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly tokens: VoiceTokens,
    private readonly repo: VoiceRepository,
    private readonly speech: SpeechProviders,
    private readonly turns: ChatTurnsContract,
    private readonly flags: FeatureFlagService,
    private readonly bus: EventBus,
    private readonly presence: ReplicaPresence,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap() {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (!server) {
      return;
    }
    this.server = server;
    this.wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false });
    server.on('upgrade', this.onUpgradeBound);
    this.unsubscribe = await this.bus
      .subscribe(VOICE_END_CHANNEL, (msg) => {
        const m = msg as { org_id?: unknown; session_id?: unknown };
        const c = typeof m.session_id === 'string' ? this.connections.get(m.session_id) : undefined;
        if (c && c.orgId === m.org_id) {
          void c.end('client');
        }
      })
      .catch((err) => {
        this.logger.warn(`voice: redis subscribe failed: ${(err as Error).message}`);
        return undefined;
      });
  }

  async onModuleDestroy() {
    this.server?.off('upgrade', this.onUpgradeBound);
    await Promise.all([...this.connections.values()].map((c) => c.end('error')));
    await this.unsubscribe?.().catch(() => undefined);
    this.wss?.close();
  }

  /** Open voice sockets on this replica. */
  connectionCount(): number {
    return this.connections.size;
  }

  private async onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      return;
    }
    const m = VOICE_WS_PATH.exec(url.pathname);
    if (!m) {
      return; // not ours
    }
    if (!this.wss) {
      return refuseUpgrade(socket, 503, 'service_unavailable', 'Voice socket not ready');
    }
    const id = m[1];
    const token = url.searchParams.get('token');
    const issued = token ? await this.tokens.consume(token) : null;
    if (!issued) {
      return refuseUpgrade(socket, 401, 'unauthorized', 'Missing, used or expired session token');
    }
    const orgId = issued.orgId;
    if (issued.sessionId !== id) {
      // a token of another session: 401 when that session is of the token's org, else 404 (another org's)
      const sameOrg = await this.repo.find(orgId, id);
      return sameOrg
        ? refuseUpgrade(socket, 401, 'unauthorized', 'This token was issued for another session')
        : refuseUpgrade(socket, 404, 'not_found', 'Voice session not found');
    }
    if (!(await this.flags.isEnabled('voice', orgId))) {
      return refuseUpgrade(socket, 404, 'feature_disabled', 'Voice is not enabled');
    }
    const session = await this.repo.find(orgId, id);
    if (!session) {
      return refuseUpgrade(socket, 404, 'not_found', 'Voice session not found');
    }
    if (session.tokenExpiresAt.getTime() <= Date.now()) {
      return refuseUpgrade(socket, 401, 'unauthorized', 'Missing, used or expired session token');
    }
    const { stt, tts } = this.speech;
    if (!stt || !tts) {
      return refuseUpgrade(socket, 503, 'sidecar_unavailable', 'No speech provider is configured on this install');
    }
    if (!(await this.repo.activate(orgId, id, this.presence.instanceId))) {
      return refuseUpgrade(socket, 409, 'session_not_pending', 'The session was already started or ended');
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const conn = new VoiceConnection(
        ws,
        session,
        {
          stt,
          tts,
          turns: this.turns,
          repo: this.repo,
          logger: this.logger,
          idleTimeoutMs: this.config.voice.idleTimeoutSecs * 1000,
          vadSilenceMs: this.config.voice.vadSilenceMs,
          vadThreshold: this.config.voice.vadThreshold,
        },
        () => this.connections.delete(id),
      );
      this.connections.set(id, conn);
      conn.start();
    });
  }
}
