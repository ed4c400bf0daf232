import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { CronChannelEntity } from './cron-channel.entity';

/** The only code touching the cron_channels table; every method is scoped to an org. */
@Injectable()
export class CronChannelsRepository {
  constructor(@InjectRepository(CronChannelEntity) private readonly repo: Repository<CronChannelEntity>) {}

  /** Bounded by the org's task count (each cron channel has a task). */
  listForOrg(orgId: string): Promise<CronChannelEntity[]> {
    return this.repo.find({ where: { orgId }, order: { createdAt: 'DESC', id: 'DESC' } });
  }

  find(orgId: string, id: string): Promise<CronChannelEntity | null> {
    return this.repo.findOne({ where: { orgId, id } });
  }

  findByName(orgId: string, name: string): Promise<CronChannelEntity | null> {
    return this.repo.findOne({ where: { orgId, name } });
  }

  findByTask(orgId: string, taskId: string): Promise<CronChannelEntity | null> {
    return this.repo.findOne({ where: { orgId, taskId } });
  }

  async insert(row: Partial<CronChannelEntity>): Promise<void> {
    await this.repo.insert(row);
  }

  async update(orgId: string, id: string, patch: Partial<CronChannelEntity>): Promise<void> {
    await this.repo.update({ orgId, id }, patch);
  }

  async delete(orgId: string, id: string): Promise<boolean> {
    return !!(await this.repo.delete({ orgId, id })).affected;
  }
}
