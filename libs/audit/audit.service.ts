import { EventBus } from '@libs/redis';
import { Injectable, Logger, Optional } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { entryHash, GENESIS_HASH, NO_ORG_KEY, type ChainedFields } from './audit-chain';

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

/** Upper bound of entries written by one statement. */
const MAX_BATCH = 500;

/**
 * Bumps each org's counter row by the number of its entries in the batch, in org order (so two
 * writers lock rows in the same order), and returns the new last `seq` and the last hash before it.
 * The row stays locked until commit: writers of one org, in any process, are serialised, so the
 * numbers in between and the hash chain are computed without a race (commit order = seq order).
 */
const BUMP_COUNTERS = `
  INSERT INTO audit_seq (org_key, seq)
  SELECT k, n FROM unnest($1::uuid[], $2::bigint[]) AS t(k, n) ORDER BY k
  ON CONFLICT (org_key) DO UPDATE SET seq = audit_seq.seq + excluded.seq
  RETURNING org_key, seq::text AS last_seq, last_hash`;

/** Inserts the numbered, chained rows and stores each org's new last hash, in one statement. */
const INSERT_CHAINED = `
  WITH ins AS (
    INSERT INTO audit_log (id, org_id, seq, ts, category, action, result, actor_user_id, actor_api_key_id,
                           actor_email, target, ip, request_id, details, prev_hash, hash)
    SELECT x.id, x.org_id, x.seq, x.ts, x.category, x.action, x.result, x.actor_user_id, x.actor_api_key_id,
           x.actor_email, x.target, x.ip, x.request_id, x.details, x.prev_hash, x.hash
    FROM jsonb_to_recordset($1::jsonb) AS x(
      id uuid, org_id uuid, seq bigint, ts timestamptz, category text, action text, result text, actor_user_id uuid,
      actor_api_key_id uuid, actor_email text, target jsonb, ip text, request_id text, details jsonb,
      prev_hash text, hash text)
    ORDER BY x.org_id, x.seq)
  UPDATE audit_seq s SET last_hash = u.h
  FROM jsonb_to_recordset($2::jsonb) AS u(k uuid, h text)
  WHERE s.org_key = u.k`;

/** Redis channel announcing an org's new entries (payload `{ seq }`, the last one); see AuditFeed. */
export function auditChannel(orgKey: string): string {
  return `audit:${orgKey}`;
}

interface Pending {
  /** the stored form (JSON round trip), which is what the hash covers */
  row: Omit<ChainedFields, 'seq'>;
  action: string;
  done: () => void;
}

/**
 * Append-only, tamper-evident audit log; `seq` is gap-free and strictly increasing within every
 * org, and each entry carries the hash of the previous one (docs/audit.md).
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

  constructor(
    private readonly ds: DataSource,
    @Optional() private readonly bus?: EventBus,
  ) {}

  /** Resolves with the entry's id once it is stored (or its failure logged); never rejects. */
  record(input: AuditInput): Promise<string> {
    const id = randomUUID();
    let row: Pending['row'];
    try {
      row = JSON.parse(JSON.stringify({ id, ...toRow(input) })) as Pending['row'];
    } catch (err) {
      this.logger.error({ err, action: input.action }, 'audit entry is not serialisable');
      return Promise.resolve(id);
    }
    return new Promise<string>((resolve) => {
      this.queue.push({ row, action: input.action, done: () => resolve(id) });
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
    const perOrg = new Map<string, Pending['row'][]>();
    for (const p of batch) {
      const key = p.row.org_id ?? NO_ORG_KEY;
      const list = perOrg.get(key);
      if (list) {
        list.push(p.row);
      } else {
        perOrg.set(key, [p.row]);
      }
    }
    const keys = [...perOrg.keys()].sort();
    const last = new Map<string, number>();
    await this.ds.transaction(async (em) => {
      const bumped = (await em.query(BUMP_COUNTERS, [keys, keys.map((k) => perOrg.get(k)!.length)])) as {
        org_key: string;
        last_seq: string;
        last_hash: string | null;
      }[];
      const rows: (ChainedFields & { prev_hash: string; hash: string })[] = [];
      const heads: { k: string; h: string }[] = [];
      for (const b of bumped) {
        const entries = perOrg.get(b.org_key)!;
        let seq = Number(b.last_seq) - entries.length;
        let prev = b.last_hash ?? GENESIS_HASH;
        for (const e of entries) {
          const fields: ChainedFields = { ...e, seq: ++seq };
          const hash = entryHash(prev, fields);
          rows.push({ ...fields, prev_hash: prev, hash });
          prev = hash;
        }
        heads.push({ k: b.org_key, h: prev });
        last.set(b.org_key, seq);
      }
      await em.query(INSERT_CHAINED, [JSON.stringify(rows), JSON.stringify(heads)]);
    });
    this.announce(last);
  }

  /** After commit: SSE streams on every replica read the org's entries past the seq they sent. */
  private announce(last: Map<string, number>): void {
    if (!this.bus) {
      return;
    }
    for (const [key, seq] of last) {
      if (key !== NO_ORG_KEY) {
        this.bus.publish(auditChannel(key), { seq }).catch(() => undefined);
      }
    }
  }
}

function toRow(input: AuditInput): Omit<ChainedFields, 'id' | 'seq'> {
  return {
    // uuids as PostgreSQL returns them (lower case): the verifier hashes the stored form
    org_id: input.orgId?.toLowerCase() ?? null,
    ts: new Date().toISOString(),
    category: input.category,
    action: input.action,
    result: input.result,
    actor_user_id: input.actor?.userId?.toLowerCase() || null,
    actor_api_key_id: input.actor?.apiKeyId?.toLowerCase() || null,
    actor_email: input.actor?.email || null,
    target: input.target ?? null,
    ip: input.ip ?? null,
    request_id: input.requestId ?? null,
    details: input.details ?? null,
  };
}
