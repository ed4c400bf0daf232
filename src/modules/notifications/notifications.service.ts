import type { Principal } from '@libs/auth/principal';
import { NotFoundException } from '@libs/errors';
import { Mailer } from '@libs/mail';
import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import {
  ListNotificationsQuery,
  NotificationDto,
  NotificationPageDto,
  NotificationPreferencesDto,
  NotificationPreferencesViewDto,
  ReadAllResultDto,
  toNotificationDto,
} from './dto/notification.dto';
import { NotificationsRepository } from './notifications.repository';

const RETENTION_DAYS = 90;
const PRUNE_EVERY_MS = 60 * 60 * 1000;

/** The caller's own notifications and preferences; another user's notification is a 404. */
@Injectable()
export class NotificationsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(NotificationsService.name);
  private pruneTimer?: NodeJS.Timeout;

  constructor(
    private readonly repo: NotificationsRepository,
    private readonly mailer: Mailer,
  ) {}

  onModuleInit(): void {
    this.pruneTimer = setInterval(() => void this.prune(), PRUNE_EVERY_MS);
    this.pruneTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.pruneTimer);
  }

  async list(p: Principal, q: ListNotificationsQuery): Promise<NotificationPageDto> {
    const [page, unread] = await Promise.all([
      this.repo.list(p.orgId, p.userId, q, toNotificationDto),
      this.repo.unreadCount(p.orgId, p.userId),
    ]);
    return { ...page, unread_count: unread };
  }

  async markRead(p: Principal, id: string): Promise<NotificationDto> {
    await this.mustFind(p, id);
    await this.repo.markRead(p.orgId, p.userId, id);
    return toNotificationDto(await this.mustFind(p, id));
  }

  async markAllRead(p: Principal): Promise<ReadAllResultDto> {
    return { updated: await this.repo.markAllRead(p.orgId, p.userId) };
  }

  async remove(p: Principal, id: string): Promise<void> {
    if (!(await this.repo.delete(p.orgId, p.userId, id))) {
      throw new NotFoundException('Notification');
    }
  }

  async preferences(p: Principal): Promise<NotificationPreferencesViewDto> {
    const row = await this.repo.findPreference(p.orgId, p.userId);
    return {
      email: { enabled: row?.emailEnabled ?? false, kinds: row?.emailKinds ?? [] },
      email_available: this.mailer.enabled,
    };
  }

  async setPreferences(p: Principal, dto: NotificationPreferencesDto): Promise<NotificationPreferencesViewDto> {
    await this.repo.savePreference({
      userId: p.userId,
      orgId: p.orgId,
      emailEnabled: dto.email.enabled,
      emailKinds: [...new Set(dto.email.kinds)],
    });
    return this.preferences(p);
  }

  private async mustFind(p: Principal, id: string) {
    const row = await this.repo.find(p.orgId, p.userId, id);
    if (!row) {
      throw new NotFoundException('Notification');
    }
    return row;
  }

  private async prune(): Promise<void> {
    try {
      await this.repo.pruneBefore(new Date(Date.now() - RETENTION_DAYS * 24 * 60 * 60 * 1000));
    } catch (err) {
      this.logger.warn(`notification retention: ${(err as Error).message}`);
    }
  }
}
