import { AppConfig } from '@libs/config';
import { Mailer } from '@libs/mail';
import { Injectable } from '@nestjs/common';
import { NotificationRecipients } from './notification-recipients';
import type { NotificationEntity, NotificationPreferenceEntity } from './notification.entity';
import { NotificationsRepository } from './notifications.repository';

/** Whether a preference asks for this type by e-mail (off by default; empty `kinds` = every type). */
export function wantsEmail(
  pref: Pick<NotificationPreferenceEntity, 'emailEnabled' | 'emailKinds'> | null,
  type: string,
) {
  return !!pref?.emailEnabled && (pref.emailKinds.length === 0 || pref.emailKinds.includes(type));
}

/** E-mails a notification to its recipient when they asked for it and the install has SMTP. */
@Injectable()
export class NotificationEmail {
  constructor(
    private readonly repo: NotificationsRepository,
    private readonly recipients: NotificationRecipients,
    private readonly mailer: Mailer,
    private readonly config: AppConfig,
  ) {}

  /** Queues the message; never waits for the SMTP server. */
  async maybeSend(n: NotificationEntity): Promise<void> {
    if (!this.mailer.enabled || !wantsEmail(await this.repo.findPreference(n.orgId, n.userId), n.type)) {
      return;
    }
    const to = await this.recipients.email(n.orgId, n.userId);
    if (!to) {
      return;
    }
    const lines = [n.body, n.link ? `${this.config.publicBaseUrl}${n.link}` : ''].filter(Boolean);
    this.mailer.enqueue({ to, subject: `[Agentcy] ${n.title}`, text: `${lines.join('\n\n')}\n` });
  }
}
