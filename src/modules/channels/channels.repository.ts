import { prefixedId } from '@libs/database/ids';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { ChannelBindingEntity, ChannelEntity, type ChannelType } from './channel.entity';

/** The only code touching the channels and channel_bindings tables; every method is scoped to an org. */
@Injectable()
export class ChannelsRepository {
  constructor(
    @InjectRepository(ChannelEntity) private readonly channels: Repository<ChannelEntity>,
    @InjectRepository(ChannelBindingEntity) private readonly bindings: Repository<ChannelBindingEntity>,
  ) {}

  listChannels(orgId: string): Promise<ChannelEntity[]> {
    return this.channels.find({ where: { orgId } });
  }

  findByType(orgId: string, type: ChannelType): Promise<ChannelEntity | null> {
    return this.channels.findOne({ where: { orgId, type } });
  }

  /** With the sealed secrets: for sending and for checking inbound signatures. */
  findWithSecrets(where: { orgId?: string; id?: string; type?: ChannelType }): Promise<ChannelEntity | null> {
    return this.channels.createQueryBuilder('c').addSelect('c.secretsSealed').where(where).getOne();
  }

  /** Creates or replaces the org's channel of this type. */
  async upsert(orgId: string, type: ChannelType, patch: Partial<ChannelEntity>): Promise<ChannelEntity> {
    const existing = await this.findByType(orgId, type);
    if (existing) {
      await this.channels.update({ id: existing.id, orgId }, patch);
    } else {
      await this.channels.insert({ id: prefixedId('chn'), orgId, type, ...patch });
    }
    return (await this.findByType(orgId, type))!;
  }

  async update(orgId: string, id: string, patch: Partial<ChannelEntity>): Promise<void> {
    await this.channels.update({ id, orgId }, patch);
  }

  async deleteByType(orgId: string, type: ChannelType): Promise<boolean> {
    return !!(await this.channels.delete({ orgId, type })).affected;
  }

  /** Every binding of the org, by position. */
  listBindings(orgId: string, channel?: ChannelType): Promise<ChannelBindingEntity[]> {
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
