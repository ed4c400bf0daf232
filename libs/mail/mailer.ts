import { AppConfig } from '@libs/config';
import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { Transporter } from 'nodemailer';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

interface Job {
  msg: MailMessage;
  attempt: number;
}

const MAX_ATTEMPTS = 3;
const MAX_QUEUED = 1000;
const RETRY_BASE_MS = 2_000;

/**
 * The one place that knows SMTP (`SMTP_URL`, `SMTP_FROM`: install configuration, never org input).
 * `enqueue` returns at once and never throws: messages are sent one at a time from an in-process
 * queue, retried up to 3 times with a growing delay, and failures are logged. Best effort: a
 * message still queued when the process stops is lost.
 */
@Injectable()
export class Mailer implements OnModuleDestroy {
  private readonly logger = new Logger(Mailer.name);
  /** created with the first message: nodemailer (≈ 11 MB of RSS) is loaded only when mail is sent */
  private transport?: Transporter;
  private readonly queue: Job[] = [];
  private draining = false;
  private closed = false;

  constructor(private readonly config: AppConfig) {}

  /** Whether an SMTP server is configured. */
  get enabled(): boolean {
    return !!this.config.smtp.url;
  }

  enqueue(msg: MailMessage): void {
    if (!this.enabled || this.closed) {
      return;
    }
    this.push({ msg, attempt: 1 });
  }

  onModuleDestroy(): void {
    this.closed = true;
    this.transport?.close();
  }

  private push(job: Job): void {
    if (this.queue.length >= MAX_QUEUED) {
      this.logger.warn(`mail queue full: dropped a message to ${job.msg.to}`);
      return;
    }
    this.queue.push(job);
    void this.drain();
  }

  private async drain(): Promise<void> {
    if (this.draining) {
      return;
    }
    this.draining = true;
    try {
      for (let job = this.queue.shift(); job && !this.closed; job = this.queue.shift()) {
        await this.send(job);
      }
    } finally {
      this.draining = false;
    }
  }

  private async send(job: Job): Promise<void> {
    try {
      if (!this.transport) {
        const { createTransport } = await import('nodemailer');
        this.transport ??= createTransport(this.config.smtp.url);
      }
      await this.transport.sendMail({ from: this.config.smtp.from, ...job.msg });
    } catch (err) {
      if (job.attempt >= MAX_ATTEMPTS) {
        this.logger.warn(`mail to ${job.msg.to} failed after ${job.attempt} attempts: ${(err as Error).message}`);
        return;
      }
      this.logger.warn(`mail to ${job.msg.to} failed (attempt ${job.attempt}), retrying: ${(err as Error).message}`);
      const retry = { msg: job.msg, attempt: job.attempt + 1 };
      setTimeout(() => !this.closed && this.push(retry), RETRY_BASE_MS * 2 ** (job.attempt - 1)).unref();
    }
  }
}
