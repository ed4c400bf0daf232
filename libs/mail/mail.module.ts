import { Module } from '@nestjs/common';
import { Mailer } from './mailer';

/** Outbound e-mail (`Mailer`); SMTP settings come from AppConfig. */
@Module({ providers: [Mailer], exports: [Mailer] })
export class MailModule {}
