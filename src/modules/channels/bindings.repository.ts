import { prefixedId } from '@libs/database/ids';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { ChannelBindingEntity, type BindingChannel } from './channel.entity';

/** The only code touching the channel_bindings table (owned by ChannelBindingsModule); scoped to an org. */
@Injectable()
export class BindingsRepository {
  constructor(@InjectRepository(ChannelBindingEntity) private readonly bindings: Repository<ChannelBindingEntity>) {}

  /** Every binding of the org (of one channel kind), by position. */
  listBindings(orgId: string, channel?: BindingChannel): Promise<ChannelBindingEntity[]> {
    return this.bindings.find({
      where: channel ? { orgId, channel } : { orgId },
      order: { position: 'ASC', id: 'ASC' },
    });
  }

  findBinding(orgId: string, id: string): Promise<ChannelBindingEntity | null> {
    return this.bindings.findOne({ where: { orgId, id } });
  }

  async nextPosition(orgId: string): Promise<number> {
    const r = await this.bindings
      .createQueryBuilder('b')
      .select('COALESCE(MAX(b.position), -1) + 1', 'next')
      .where('b.org_id = :orgId', { orgId })
      .getRawOne<{ next: number | string }>();
    return Number(r?.next ?? 0);
  }

  async createBinding(data: Partial<ChannelBindingEntity>): Promise<ChannelBindingEntity> {
    const id = prefixedId('bnd');
    await this.bindings.insert({ ...data, id });
    return (await this.bindings.findOne({ where: { id } }))!;
  }

  async updateBinding(orgId: string, id: string, patch: Partial<ChannelBindingEntity>): Promise<void> {
    await this.bindings.update({ id, orgId }, patch);
  }

  async deleteBinding(orgId: string, id: string): Promise<boolean> {
    return !!(await this.bindings.delete({ orgId, id })).affected;
  }

  /** Positions 0..n-1 in the given order (all ids are the org's, checked by the caller). */
  async reorder(orgId: string, ids: string[]): Promise<void> {
    await this.bindings.manager.transaction(async (m) => {
      for (const [position, id] of ids.entries()) {
        await m.update(ChannelBindingEntity, { id, orgId }, { position });
      }
    });
  }
}
