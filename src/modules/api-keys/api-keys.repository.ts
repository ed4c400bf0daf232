import { PrincipalChanges } from '@libs/auth/principal-changes';
import { TransactionHost } from '@libs/database/transaction';
import { Page, PageQuery, paginate } from '@libs/pagination';
import { Injectable } from '@nestjs/common';
import { Brackets, type Repository } from 'typeorm';
import { ApiKeyEntity } from './api-key.entity';

/**
 * The only code touching the api_keys table. Every method except the bearer lookup is scoped to
 * an org; each runs in the caller's `@Transactional()` transaction when there is one.
 */
@Injectable()
export class ApiKeysRepository {
  constructor(
    private readonly txHost: TransactionHost,
    private readonly changes: PrincipalChanges,
  ) {}

  private get repo(): Repository<ApiKeyEntity> {
    return this.txHost.tx.getRepository(ApiKeyEntity);
  }

  /** Install-wide lookup by secret hash, for authentication only. */
  findByHash(keyHash: string): Promise<ApiKeyEntity | null> {
    return this.repo.findOne({ where: { keyHash } });
  }

  findByIdempotency(orgId: string, idempotencyHash: string): Promise<ApiKeyEntity | null> {
    return this.repo.findOne({ where: { orgId, idempotencyHash } });
  }

  findInOrg(orgId: string, id: string): Promise<ApiKeyEntity | null> {
    return this.repo.findOne({ where: { orgId, id } });
  }

  /** A live (not revoked, not scheduled for revocation) key with this name. */
  async liveNameExists(orgId: string, name: string): Promise<boolean> {
    return (
      (await this.repo
        .createQueryBuilder('k')
        .where('k.org_id = :orgId', { orgId })
        .andWhere('lower(k.name) = lower(:name)', { name })
        .andWhere('k.revoked_at IS NULL')
        .getCount()) > 0
    );
  }

  list<R>(orgId: string, query: PageQuery & { active?: boolean }, map: (k: ApiKeyEntity) => R): Promise<Page<R>> {
    const qb = this.repo.createQueryBuilder('k').where('k.org_id = :orgId', { orgId });
    if (query.active === true) {
      qb.andWhere(new Brackets((w) => w.where('k.revoked_at IS NULL').orWhere('k.revoked_at > now()'))).andWhere(
        new Brackets((w) => w.where('k.expires_at IS NULL').orWhere('k.expires_at > now()')),
      );
    } else if (query.active === false) {
      qb.andWhere(new Brackets((w) => w.where('k.revoked_at <= now()').orWhere('k.expires_at <= now()')));
    }
    return paginate(qb, query, { scope: `api-keys:${orgId}:${query.active ?? ''}`, map });
  }

  create(data: Partial<ApiKeyEntity>): Promise<ApiKeyEntity> {
    return this.repo.save(this.repo.create(data));
  }

  async update(orgId: string, id: string, patch: Partial<ApiKeyEntity>): Promise<void> {
    await this.repo.update({ orgId, id }, patch);
    await this.changes.announce('api_key', id);
  }

  /** Keys of the org not revoked yet (or revoked only later, after a rotation grace period). */
  liveCount(orgId: string): Promise<number> {
    return this.repo
      .createQueryBuilder('k')
      .where('k.org_id = :orgId', { orgId })
      .andWhere(new Brackets((w) => w.where('k.revoked_at IS NULL').orWhere('k.revoked_at > now()')))
      .getCount();
  }

  /** Throttled: writes at most once per minute per key. */
  async touch(id: string): Promise<void> {
    await this.txHost.tx.query(
      `UPDATE api_keys SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '60 seconds')`,
      [id],
    );
  }
}
