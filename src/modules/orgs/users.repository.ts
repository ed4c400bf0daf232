import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { UserEntity } from './user.entity';

/** Users of the install. Org-scoped reads take the org id; only auth looks users up install-wide. */
@Injectable()
export class UsersRepository {
  constructor(@InjectRepository(UserEntity) private readonly repo: Repository<UserEntity>) {}

  /** Install-wide lookup, for authentication only. */
  findById(id: string): Promise<UserEntity | null> {
    return this.repo.findOne({ where: { id } });
  }

  findInOrg(orgId: string, id: string): Promise<UserEntity | null> {
    return this.repo.findOne({ where: { id, orgId } });
  }

  findByEmail(email: string): Promise<UserEntity | null> {
    return this.repo.createQueryBuilder('u').where('lower(u.email) = lower(:email)', { email }).getOne();
  }

  findByExternal(issuer: string, externalId: string): Promise<UserEntity | null> {
    return this.repo.findOne({ where: { issuer, externalId } });
  }

  count(): Promise<number> {
    return this.repo.count();
  }

  create(data: Partial<UserEntity>, manager?: EntityManager): Promise<UserEntity> {
    const repo = manager ? manager.getRepository(UserEntity) : this.repo;
    return repo.save(repo.create(data));
  }

  async update(id: string, patch: Partial<UserEntity>): Promise<void> {
    await this.repo.update({ id }, patch);
  }

  queryBuilder(alias = 'u') {
    return this.repo.createQueryBuilder(alias);
  }
}
