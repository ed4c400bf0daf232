import { Page, PageQuery, paginate } from '@libs/pagination';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IncomingEndpointEntity } from 'src/modules/chat/chat.entity';
import { isUuid } from 'src/modules/chat/chat.repository';
import { Repository } from 'typeorm';

/** The `incoming_endpoints` table (inbound chat webhooks). */
@Injectable()
export class IncomingEndpointsRepository {
  constructor(
    @InjectRepository(IncomingEndpointEntity) private readonly endpoints: Repository<IncomingEndpointEntity>,
  ) {}

  createEndpoint(data: Partial<IncomingEndpointEntity>): Promise<IncomingEndpointEntity> {
    return this.endpoints.save(this.endpoints.create(data));
  }

  findEndpoint(orgId: string, id: string): Promise<IncomingEndpointEntity | null> {
    if (!isUuid(id)) {
      return Promise.resolve(null);
    }
    return this.endpoints.findOne({ where: { id, orgId } });
  }

  async findEndpointWithSecret(id: string): Promise<IncomingEndpointEntity | null> {
    if (!isUuid(id)) {
      return null;
    }
    return this.endpoints.createQueryBuilder('e').addSelect('e.secretSealed').where('e.id = :id', { id }).getOne();
  }

  listEndpoints<R>(orgId: string, query: PageQuery, map: (e: IncomingEndpointEntity) => R): Promise<Page<R>> {
    const qb = this.endpoints.createQueryBuilder('e').where('e.org_id = :orgId', { orgId });
    return paginate(qb, query, { scope: `incoming-endpoints:${orgId}`, map });
  }

  async updateEndpoint(orgId: string, id: string, patch: Partial<IncomingEndpointEntity>): Promise<void> {
    await this.endpoints.update({ id, orgId }, patch);
  }

  async deleteEndpoint(orgId: string, id: string): Promise<boolean> {
    const res = await this.endpoints.delete({ id, orgId });
    return (res.affected ?? 0) > 0;
  }
}
