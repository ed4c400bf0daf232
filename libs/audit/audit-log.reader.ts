import { Page, paginate, type PageQuery } from '@libs/pagination';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { NO_ORG_KEY } from './audit-chain';
import { AuditEntryEntity } from './audit-entry.entity';

/** The expression of the (org, seq) unique index: reads in seq order go through it. */
const BY_SEQ = `coalesce(a.org_id, '${NO_ORG_KEY}'::uuid)`;

/** Filters of the audit log's read side (GET /activity, GET /activity/audit). */
export interface AuditLogFilter extends PageQuery {
  actor?: string;
  actor_id?: string;
  user_id?: string;
  api_key_id?: string;
  action?: string;
  category?: string;
  result?: string;
  decision?: string;
  object_type?: string;
  from?: string;
  to?: string;
  since?: string;
  until?: string;
  /** `target.connector` (policies.md `resource.connector`) */
  connector?: string;
  /** `target.tool`, or the id of a `tool` target (policies.md `resource.tool`) */
  tool?: string;
}

/**
 * Read side of the append-only audit log, beside its writer (`AuditService`): the audit module owns
 * the `audit_log` table; every read is scoped to one org.
 */
@Injectable()
export class AuditLogReader {
  constructor(@InjectRepository(AuditEntryEntity) private readonly repo: Repository<AuditEntryEntity>) {}

  find(orgId: string, id: string): Promise<AuditEntryEntity | null> {
    return this.repo.findOne({ where: { orgId, id } });
  }

  list<R>(
    orgId: string,
    q: AuditLogFilter,
    opts: { excludeCategories?: string[]; scope: string },
    map: (e: AuditEntryEntity) => R,
  ): Promise<Page<R>> {
    const { qb, scope } = this.filtered(orgId, q, opts.excludeCategories);
    return paginate(qb, q, { scope: `${opts.scope}|${scope}`, map, sortProperty: 'seq' });
  }

  /** Up to `limit` entries matching `q` with `seq` above `afterSeq`, oldest first (exports, streams). */
  after(orgId: string, q: AuditLogFilter, afterSeq: number, limit: number): Promise<AuditEntryEntity[]> {
    const { qb } = this.filtered(orgId, q);
    return qb
      .andWhere(`${BY_SEQ} = :orgId`)
      .andWhere('a.seq > :afterSeq', { afterSeq })
      .orderBy('a.seq', 'ASC')
      .take(limit)
      .getMany();
  }

  /** The org's highest `seq` (0 when it has no entry). */
  async lastSeq(orgId: string): Promise<number> {
    const row = await this.repo
      .createQueryBuilder('a')
      .select('max(a.seq)::text', 'seq')
      .where(`${BY_SEQ} = :orgId`, { orgId })
      .getRawOne<{ seq: string | null }>();
    return Number(row?.seq ?? 0);
  }

  private filtered(orgId: string, q: AuditLogFilter, excludeCategories?: string[]) {
    const qb = this.repo.createQueryBuilder('a').where('a.org_id = :orgId', { orgId });
    const actor = q.actor ?? q.actor_id;
    if (actor) {
      qb.andWhere(
        '(a.actor_user_id::text = :actor OR a.actor_api_key_id::text = :actor OR lower(a.actor_email) = lower(:actor))',
        { actor },
      );
    }
    if (q.user_id) {
      qb.andWhere('a.actor_user_id::text = :userId', { userId: q.user_id });
    }
    if (q.api_key_id) {
      qb.andWhere('a.actor_api_key_id::text = :apiKeyId', { apiKeyId: q.api_key_id });
    }
    if (q.action) {
      qb.andWhere('a.action = :action', { action: q.action });
    }
    if (q.category) {
      qb.andWhere('a.category = :category', { category: q.category });
    }
    const result = q.result ?? (q.decision === 'allow' ? 'success' : q.decision === 'deny' ? 'denied' : undefined);
    if (result) {
      qb.andWhere('a.result = :result', { result });
    }
    if (q.object_type) {
      qb.andWhere(`a.target->>'type' = :objectType`, { objectType: q.object_type });
    }
    if (q.connector) {
      qb.andWhere(`a.target->>'connector' = :connector`, { connector: q.connector });
    }
    if (q.tool) {
      qb.andWhere(`(a.target->>'tool' = :tool OR (a.target->>'type' = 'tool' AND a.target->>'id' = :tool))`, {
        tool: q.tool,
      });
    }
    const from = q.from ?? q.since;
    const to = q.to ?? q.until;
    if (from) {
      qb.andWhere('a.ts >= :from', { from: new Date(from) });
    }
    if (to) {
      qb.andWhere('a.ts < :to', { to: new Date(to) });
    }
    if (excludeCategories?.length) {
      qb.andWhere('a.category NOT IN (:...excluded)', { excluded: excludeCategories });
    }
    const scope = [orgId, actor, q.user_id, q.api_key_id, q.action, q.category, result, q.object_type, from, to]
      .concat(q.connector || q.tool ? [q.connector, q.tool] : [])
      .map((v) => v ?? '')
      .join('|');
    return { qb, scope };
  }
}
