import { Page, paginate, type PageQuery } from '@libs/pagination';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AuditEntryEntity } from './audit-entry.entity';

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
    const from = q.from ?? q.since;
    const to = q.to ?? q.until;
    if (from) {
      qb.andWhere('a.ts >= :from', { from: new Date(from) });
    }
    if (to) {
      qb.andWhere('a.ts < :to', { to: new Date(to) });
    }
    if (opts.excludeCategories?.length) {
      qb.andWhere('a.category NOT IN (:...excluded)', { excluded: opts.excludeCategories });
    }
    const scope = [
      opts.scope,
      orgId,
      actor,
      q.user_id,
      q.api_key_id,
      q.action,
      q.category,
      result,
      q.object_type,
      from,
      to,
    ]
      .map((v) => v ?? '')
      .join('|');
    return paginate(qb, q, { scope, map, sortProperty: 'seq' });
  }
}
