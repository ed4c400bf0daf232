import { paginate, type Page, type PageQuery } from '@libs/pagination';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AccessRequestEntity, type AccessRequestStatus } from './access-request.entity';

@Injectable()
export class AccessRequestsRepository {
  constructor(@InjectRepository(AccessRequestEntity) private readonly repo: Repository<AccessRequestEntity>) {}

  async insert(
    row: Pick<AccessRequestEntity, 'id' | 'orgId' | 'userId' | 'connector' | 'reason' | 'conversationId'>,
  ): Promise<AccessRequestEntity> {
    await this.repo.insert({ ...row, status: 'pending' });
    return (await this.find(row.orgId, row.id))!;
  }

  find(orgId: string, id: string): Promise<AccessRequestEntity | null> {
    return this.repo.findOne({ where: { orgId, id } });
  }

  list<R>(
    orgId: string,
    q: PageQuery & { status?: AccessRequestStatus },
    map: (e: AccessRequestEntity) => R,
  ): Promise<Page<R>> {
    const qb = this.repo.createQueryBuilder('r').where('r.org_id = :orgId', { orgId });
    if (q.status) {
      qb.andWhere('r.status = :status', { status: q.status });
    }
    return paginate(qb, q, { scope: `access_requests:${orgId}:${q.status ?? ''}`, map });
  }

  /** Conditional update: only a pending request can be decided; null when it was not pending (or is absent). */
  async decide(
    orgId: string,
    id: string,
    status: Exclude<AccessRequestStatus, 'pending'>,
    decidedBy: string | null,
    note: string | null,
  ): Promise<AccessRequestEntity | null> {
    const res = await this.repo
      .createQueryBuilder()
      .update()
      .set({ status, decidedBy, note, decidedAt: () => 'now()' })
      .where('org_id = :orgId AND id = :id AND status = :pending', { orgId, id, pending: 'pending' })
      .execute();
    return res.affected ? this.find(orgId, id) : null;
  }
}
