import { paginate, type Page, type PageQuery } from '@libs/pagination';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, LessThan, type Repository } from 'typeorm';
import { NotificationEntity, NotificationPreferenceEntity } from './notification.entity';

export type NewNotificationRow = Pick<
  NotificationEntity,
  'id' | 'orgId' | 'userId' | 'type' | 'title' | 'body' | 'link' | 'data' | 'dedupeKey'
>;

/**
 * The only code touching `notifications` and `notification_preferences`. Every read and write is
 * scoped to the org and the recipient. It never joins the publisher's transaction: a notification
 * is written by an event listener, after the change it reports.
 */
@Injectable()
export class NotificationsRepository {
  constructor(
    @InjectRepository(NotificationEntity) private readonly repo: Repository<NotificationEntity>,
    @InjectRepository(NotificationPreferenceEntity) private readonly prefs: Repository<NotificationPreferenceEntity>,
  ) {}

  /** The new row, or null when the recipient already has one with the same dedupe key. */
  async insert(row: NewNotificationRow): Promise<NotificationEntity | null> {
    const res = await this.repo
      .createQueryBuilder()
      .insert()
      .values(row as never)
      .orIgnore()
      .returning(['id'])
      .execute();
    if (!(res.raw as unknown[]).length) {
      return null;
    }
    return this.repo.findOne({ where: { id: row.id } });
  }

  list<R>(
    orgId: string,
    userId: string,
    q: PageQuery & { unread?: boolean },
    map: (e: NotificationEntity) => R,
  ): Promise<Page<R>> {
    const qb = this.repo.createQueryBuilder('n').where('n.org_id = :orgId AND n.user_id = :userId', { orgId, userId });
    if (q.unread === true) {
      qb.andWhere('n.read_at IS NULL');
    } else if (q.unread === false) {
      qb.andWhere('n.read_at IS NOT NULL');
    }
    return paginate(qb, q, { scope: `notifications:${orgId}:${userId}:${q.unread ?? ''}`, map });
  }

  unreadCount(orgId: string, userId: string): Promise<number> {
    return this.repo.count({ where: { orgId, userId, readAt: IsNull() } });
  }

  find(orgId: string, userId: string, id: string): Promise<NotificationEntity | null> {
    return this.repo.findOne({ where: { orgId, userId, id } });
  }

  /** Sets read_at on an unread one (a read one keeps its first read_at). */
  async markRead(orgId: string, userId: string, id: string): Promise<void> {
    await this.repo.update({ orgId, userId, id, readAt: IsNull() }, { readAt: () => 'now()' });
  }

  async markAllRead(orgId: string, userId: string): Promise<number> {
    const res = await this.repo.update({ orgId, userId, readAt: IsNull() }, { readAt: () => 'now()' });
    return res.affected ?? 0;
  }

  async delete(orgId: string, userId: string, id: string): Promise<boolean> {
    const res = await this.repo.delete({ orgId, userId, id });
    return (res.affected ?? 0) > 0;
  }

  /** Retention: deletes every notification created before `before` (install-wide). */
  async pruneBefore(before: Date): Promise<number> {
    const res = await this.repo.delete({ createdAt: LessThan(before) });
    return res.affected ?? 0;
  }

  findPreference(orgId: string, userId: string): Promise<NotificationPreferenceEntity | null> {
    return this.prefs.findOne({ where: { orgId, userId } });
  }

  async savePreference(row: Pick<NotificationPreferenceEntity, 'userId' | 'orgId' | 'emailEnabled' | 'emailKinds'>) {
    await this.prefs.upsert(row, ['userId']);
  }
}
