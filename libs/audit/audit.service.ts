import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';

export const AUDIT_CATEGORIES = [
  'auth',
  'api',
  'policy',
  'approval',
  'tool',
  'source',
  'connectors',
  'channels',
  'memory',
  'platform_admin',
  'settings',
  'chat',
  'system',
] as const;
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

/** Install-level entries (no org) count on their own counter row. */
const NO_ORG_KEY = '00000000-0000-0000-0000-000000000000';
/** Upper bound of entries written by one statement. */
const MAX_BATCH = 500;

/**
 * Numbers and inserts a batch in one statement: each org's counter row is bumped by the number
 * of its entries and the rows take the numbers in between, so `seq` is gap-free per org and the
 * counter row lock orders writers from every process (commit order = seq order within an org).
 */
const INSERT_BATCH = `
  WITH input AS (
    SELECT x.*, coalesce(x.org_id, '${NO_ORG_KEY}'::uuid) AS org_key
    FROM jsonb_to_recordset($1::jsonb) AS x(
      i int, id uuid, org_id uuid, ts timestamptz, category text, action text, result text, actor_user_id uuid,
      actor_api_key_id uuid, actor_email text, target jsonb, ip text, request_id text, details jsonb)),
  counts AS (SELECT org_key, count(*) AS n FROM input GROUP BY org_key),
  bumped AS (
    INSERT INTO audit_seq (org_key, seq) SELECT org_key, n FROM counts ORDER BY org_key
    ON CONFLICT (org_key) DO UPDATE SET seq = audit_seq.seq + excluded.seq
    RETURNING org_key, seq AS last_seq)
  INSERT INTO audit_log (id, org_id, seq, ts, category, action, result, actor_user_id, actor_api_key_id,
                         actor_email, target, ip, request_id, details)
  SELECT input.id, input.org_id,
         bumped.last_seq - counts.n + row_number() OVER (PARTITION BY input.org_key ORDER BY input.i),
         input.ts, input.category, input.action, input.result, input.actor_user_id, input.actor_api_key_id,
         input.actor_email, input.target, input.ip, input.request_id, input.details
  FROM input JOIN counts USING (org_key) JOIN bumped USING (org_key)
  ORDER BY input.i`;

interface Pending {
  row: Record<string, unknown>;
  action: string;
  done: () => void;
}

/**
 * Append-only audit log; `seq` is gap-free and strictly increasing within every org.
 *
 * Writes are group-committed: while one batch is being written, new entries queue and go out
 * together in the next statement. Concurrent requests of one org therefore share a commit
 * instead of each waiting for the counter row (see docs/performance.md).
 */
@Injectable()
export class AuditService {
  private readonly logger = new Logger(AuditService.name);
  private queue: Pending[] = [];
  private writing = false;

  constructor(private readonly ds: DataSource) {}

  /** Resolves with the entry's id once it is stored (or its failure logged); never rejects. */
  record(input: AuditInput): Promise<string> {
    const id = randomUUID();
    return new Promise<string>((resolve) => {
      this.queue.push({ row: { id, ...toRow(input) }, action: input.action, done: () => resolve(id) });
      if (!this.writing) {
        void this.drain();
      }
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length) {
        const batch = this.queue.splice(0, MAX_BATCH);
        await this.write(batch);
        for (const p of batch) {
          p.done();
        }
      }
    } finally {
      this.writing = false;
    }
  }

  private async write(batch: Pending[]): Promise<void> {
    try {
      await this.insert(batch);
    } catch (err) {
      if (batch.length === 1) {
        // auditing must never turn a successful request into a failure; it is logged loudly instead
        this.logger.error({ err, action: batch[0].action }, 'failed to write audit entry');
        return;
      }
      // one bad entry (e.g. its org was just deleted) must not take the others down with it
      for (const p of batch) {
        await this.write([p]);
      }
    }
  }

  private async insert(batch: Pending[]): Promise<void> {
    await this.ds.query(INSERT_BATCH, [JSON.stringify(batch.map((p, i) => ({ ...p.row, i })))]);
  }
}

function toRow(input: AuditInput): Record<string, unknown> {
  return {
    org_id: input.orgId,
    ts: new Date().toISOString(),
    category: input.category,
    action: input.action,
    result: input.result,
    actor_user_id: input.actor?.userId || null,
    actor_api_key_id: input.actor?.apiKeyId || null,
    actor_email: input.actor?.email || null,
    target: input.target ?? null,
    ip: input.ip ?? null,
    request_id: input.requestId ?? null,
    details: input.details ?? null,
  };
}
