import { auditChannel, AuditLogReader } from '@libs/audit';
import type { Principal } from '@libs/auth/principal';
import { PrincipalChanges, type PrincipalChange } from '@libs/auth/principal-changes';
import { AppConfig } from '@libs/config';
import { EventBus } from '@libs/redis';
import { Injectable, Logger } from '@nestjs/common';
import { AuditEntryDto, toAuditEntryDto } from 'src/modules/activity/dto/activity.dto';
import { auditFilterOf } from './audit-log.filters';
import type { AuditFilterQuery } from './dto/audit-log.dto';

const PAGE = 200;

/** Where a stream writes (the controller adapts the HTTP response). */
export interface AuditSink {
  readonly closed: boolean;
  /** sends the status and headers (after the request was accepted) */
  open(): void;
  /** resolves once the frame is handed to the socket (waits for drain under backpressure) */
  send(seq: number, entry: AuditEntryDto): Promise<void>;
  ping(): void;
  end(): void;
  onClose(cb: () => void): void;
}

/**
 * `GET /policies/audit/stream`: new entries of the org as they are committed, on any replica.
 * The writer announces each batch's last seq on Redis after commit; the stream then reads what
 * follows the last seq it sent from PostgreSQL, so an announcement lost or merged costs nothing (the
 * ping, every SSE_PING_INTERVAL_MS (15 s), reads too). The stream ends when the caller's credential
 * (user, API key, session or org) changes, e.g. is revoked: a client still allowed reconnects and resumes. `Last-Event-ID: <seq>` resumes after that seq; without it only newer entries come.
 */
@Injectable()
export class AuditStreamService {
  private readonly logger = new Logger(AuditStreamService.name);

  constructor(
    private readonly reader: AuditLogReader,
    private readonly bus: EventBus,
    private readonly config: AppConfig,
    private readonly principals: PrincipalChanges,
  ) {}

  async follow(p: Principal, q: AuditFilterQuery, lastEventId: number | null, sink: AuditSink): Promise<void> {
    const filter = auditFilterOf(q);
    let after = -1;
    let pumping = false;
    let again = false;
    const pump = async (): Promise<void> => {
      if (pumping || after < 0) {
        again = true;
        return;
      }
      pumping = true;
      try {
        do {
          again = false;
          for (;;) {
            const rows = await this.reader.after(p.orgId, filter, after, PAGE);
            for (const e of rows) {
              if (sink.closed) {
                return;
              }
              await sink.send(Number(e.seq), toAuditEntryDto(e));
              after = Number(e.seq);
            }
            if (rows.length < PAGE) {
              break;
            }
          }
        } while (again && !sink.closed);
      } finally {
        pumping = false;
      }
    };
    const wake = () => {
      pump().catch((err: Error) => this.logger.warn(`audit stream read failed: ${err.message}`));
    };
    // subscribed first, then the starting point: nothing committed in between is missed
    const unsubscribe = await this.bus.subscribe(auditChannel(p.orgId), wake);
    const stopWatching = await this.principals.listen(
      (c) => {
        if (concerns(p, c)) {
          sink.end();
        }
      },
      () => sink.end(),
    );
    const stop = async () => {
      await Promise.all([unsubscribe(), stopWatching()]);
    };
    let start: number;
    try {
      start = lastEventId ?? (await this.reader.lastSeq(p.orgId));
    } catch (err) {
      await stop();
      throw err;
    }
    if (sink.closed) {
      await stop();
      return;
    }
    sink.open();
    const ping = setInterval(() => {
      sink.ping();
      wake();
    }, this.config.ssePingIntervalMs);
    sink.onClose(() => {
      clearInterval(ping);
      void stop();
    });
    after = start;
    wake();
  }
}

function concerns(p: Principal, c: PrincipalChange): boolean {
  switch (c.kind) {
    case 'user':
      return c.id === p.userId;
    case 'api_key':
      return c.id === p.apiKeyId;
    case 'org':
      return c.id === p.orgId;
    case 'session':
      return c.id === p.session?.id;
    case 'hook_trigger':
    case 'agent':
    case 'org_settings':
    case 'conversation':
      return false;
  }
}
