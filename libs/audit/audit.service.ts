import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditEntryEntity } from './audit-entry.entity';

export const AUDIT_CATEGORIES = ['auth', 'api', 'policy', 'approval', 'tool', 'source', 'connectors', 'channels', 'memory', 'platform_admin', 'settings', 'chat', 'system'] as const;
export type AuditCategory = (typeof AUDIT_CATEGORIES)[number];
export const AUDIT_RESULTS = ['success', 'failure', 'denied'] as const;
export type AuditResult = (typeof AUDIT_RESULTS)[number];

export interface AuditInput {
  orgId: string | null;
  category: AuditCategory;
  /** `<domain>.<verb>`, e.g. `auth.login`, `sources.create`, `POST /api/v1/sources` */
  action: string;
  result: AuditResult;
  actor?: { userId?: string | null; email?: string | null; apiKeyId?: string | null } | null;
  target?: Record<string, unknown> | null;
  ip?: string | null;
  requestId?: string | null;
  details?: Record<string, unknown> | null;
}

/** Append-only audit log; `seq` increases strictly within every org (from one PostgreSQL sequence). */
@Injectable()
export class AuditService {
  private readonly logger = new Logger(AuditService.name);

  constructor(private readonly ds: DataSource) {}

  async record(input: AuditInput): Promise<void> {
    try {
      // one statement: `seq` defaults to a PostgreSQL sequence, so writers never wait on each other
      await this.ds.getRepository(AuditEntryEntity).insert({
        orgId: input.orgId,
        ts: new Date(),
        category: input.category,
        action: input.action,
        result: input.result,
        actorUserId: input.actor?.userId || null,
        actorApiKeyId: input.actor?.apiKeyId || null,
        actorEmail: input.actor?.email || null,
        target: (input.target ?? null) as never,
        ip: input.ip ?? null,
        requestId: input.requestId ?? null,
        details: (input.details ?? null) as never,
      });
    } catch (err) {
      // auditing must never turn a successful request into a failure; it is logged loudly instead
      this.logger.error({ err, action: input.action }, 'failed to write audit entry');
    }
  }
}
