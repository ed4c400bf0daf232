import { prefixedId } from '@libs/database/ids';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { ChannelEntity, type ChannelType } from './channel.entity';

/** The only code touching the channels table (bindings: BindingsRepository); methods are scoped to an org. */
@Injectable()
export class ChannelsRepository {
  constructor(@InjectRepository(ChannelEntity) private readonly channels: Repository<ChannelEntity>) {}

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
}
