import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { OrganizationEntity } from './organization.entity';

@Injectable()
export class OrgsRepository {
  constructor(@InjectRepository(OrganizationEntity) private readonly repo: Repository<OrganizationEntity>) {}

  findById(id: string): Promise<OrganizationEntity | null> {
    return this.repo.findOne({ where: { id } });
  }

  findByName(name: string): Promise<OrganizationEntity | null> {
    return this.repo.createQueryBuilder('o').where('lower(o.name) = lower(:name)', { name }).getOne();
  }

  create(data: Partial<OrganizationEntity>, manager?: EntityManager): Promise<OrganizationEntity> {
    const repo = manager ? manager.getRepository(OrganizationEntity) : this.repo;
    return repo.save(repo.create(data));
  }

  async updateSettings(id: string, settings: Record<string, unknown>): Promise<void> {
    await this.repo.update({ id }, { settings: settings as never });
  }

  queryBuilder(alias = 'o') {
    return this.repo.createQueryBuilder(alias);
  }
}
