import { TransactionHost } from '@libs/database/transaction';
import { Page, PageQuery, paginate } from '@libs/pagination';
import { Injectable } from '@nestjs/common';
import type { Repository } from 'typeorm';
import { InviteEntity } from './invite.entity';

/** Invites. Org-scoped methods take the org id; `undefined` is only passed by platform-admin code. */
@Injectable()
export class InvitesRepository {
  constructor(private readonly txHost: TransactionHost) {}

  private get repo(): Repository<InviteEntity> {
    return this.txHost.tx.getRepository(InviteEntity);
  }

  create(data: Partial<InviteEntity>): Promise<InviteEntity> {
    return this.repo.save(this.repo.create(data));
  }

  /** `orgId` undefined = install-wide (platform admins only). */
  find(orgId: string | undefined, id: string): Promise<InviteEntity | null> {
    return this.repo.findOne({ where: orgId ? { id, orgId } : { id } });
  }

  findByTokenHash(tokenHash: string): Promise<InviteEntity | null> {
    return this.repo.findOne({ where: { tokenHash } });
  }

  /** Locks the row until the caller's transaction ends (for accepting it once). */
  findByTokenHashForUpdate(tokenHash: string): Promise<InviteEntity | null> {
    return this.txHost.tx
      .getRepository(InviteEntity)
      .createQueryBuilder('i')
      .setLock('pessimistic_write')
      .where('i.token_hash = :tokenHash', { tokenHash })
      .getOne();
  }

  list<R>(
    orgId: string | undefined,
    query: PageQuery & { status?: string },
    map: (i: InviteEntity) => R,
  ): Promise<Page<R>> {
    const qb = this.repo.createQueryBuilder('i');
    if (orgId) {
      qb.where('i.org_id = :orgId', { orgId });
    }
    switch (query.status) {
      case 'accepted':
        qb.andWhere('i.accepted_at IS NOT NULL');
        break;
      case 'revoked':
        qb.andWhere('i.accepted_at IS NULL AND i.revoked_at IS NOT NULL');
        break;
      case 'expired':
        qb.andWhere('i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at <= now()');
        break;
      case 'pending':
        qb.andWhere('i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > now()');
        break;
      case undefined:
        break;
    }
    return paginate(qb, query, { scope: `invites:${orgId ?? '*'}:${query.status ?? ''}`, map });
  }

  async update(id: string, patch: Partial<InviteEntity>): Promise<void> {
    await this.txHost.tx.getRepository(InviteEntity).update({ id }, patch);
  }
}
