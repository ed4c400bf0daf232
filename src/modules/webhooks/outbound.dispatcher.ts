import { signTimestampedBody } from '@libs/auth/strategies/webhook-signature.strategy';
import { AppConfig } from '@libs/config';
import { SecretBox } from '@libs/crypto';
import { EgressGuard, findEgressError } from '@libs/egress';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { backoffMs } from './backoff';
import { redactHeaders } from './redaction';
import type { WebhookDeliveryEntity } from './webhook-delivery.entity';
import { WebhooksRepository } from './webhooks.repository';

/** Rows claimed per round; a full round starts the next one at once. */
const BATCH = 20;
const MAX_RESPONSE_BYTES = 4096;
/** The delivery log keeps 30 days; finished rows older than that are swept about once an hour. */
const RETENTION_DAYS = 30;
const SWEEP_EVERY_MS = 60 * 60_000;

interface AttemptOutcome {
  ok: boolean;
  httpStatus: number | null;
  latencyMs: number;
  errorCode: string | null;
  error: string | null;
  responseBody: string | null;
  headers: Record<string, string>;
}

/**
 * The outbound delivery loop, in every API/worker process (WEBHOOK_DISPATCH): claims due `pending`
 * rows (FOR UPDATE SKIP LOCKED + a lease, so a process killed mid-delivery leaves its rows to
 * another once the lease ran out), POSTs each through the org's egress guard with a timeout, and
 * records the attempt: 2xx → `succeeded`; otherwise retried with full-jitter exponential backoff
 * until WEBHOOK_DELIVERY_ATTEMPTS, then `dead`.
 */
@Injectable()
export class OutboundDispatcher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(OutboundDispatcher.name);
  private readonly worker = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private timer?: NodeJS.Timeout;
  private running: Promise<void> | null = null;
  private again = false;
  private started = false;
  private stopped = false;
  private lastSweep = 0;

  constructor(
    private readonly repo: WebhooksRepository,
    private readonly egress: EgressGuard,
    private readonly box: SecretBox,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.webhooks.dispatch) {
      this.started = true;
      this.schedule(0);
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** New rows were written in this process: look for due rows now rather than at the next tick. */
  poke(): void {
    if (this.started && !this.stopped) {
      if (this.running) {
        this.again = true;
      } else {
        this.schedule(0);
      }
    }
  }

  private schedule(ms: number): void {
    if (this.stopped) {
      return;
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), ms);
    this.timer.unref();
  }

  private tick(): void {
    if (this.running || this.stopped) {
      this.again = true;
      return;
    }
    this.running = this.round()
      .then((n) => {
        this.again ||= n >= BATCH;
      })
      .catch((err: Error) => this.logger.warn(`outbound webhook round failed: ${err.message}`))
      .finally(() => {
        this.running = null;
        const now = this.again;
        this.again = false;
        this.schedule(now ? 0 : this.config.webhooks.dispatchIntervalMs);
      });
  }

  /** One round: claim due rows and attempt each; returns how many were claimed. */
  async round(): Promise<number> {
    if (Date.now() - this.lastSweep > SWEEP_EVERY_MS) {
      this.lastSweep = Date.now();
      await this.repo.purgeOlderThan(RETENTION_DAYS);
    }
    const claimed = await this.repo.claimDue(this.worker, BATCH, this.config.webhooks.leaseMs);
    await Promise.all(claimed.map((d) => this.deliver(d)));
    return claimed.length;
  }

  private async deliver(d: WebhookDeliveryEntity): Promise<void> {
    try {
      const hook = await this.repo.findWithSecret(d.webhookId);
      if (!hook || hook.orgId !== d.orgId || hook.direction !== 'outbound' || !hook.url || !hook.enabled) {
        await this.repo.finishAttempt(d.id, this.worker, {
          status: 'dead',
          errorCode: 'subscription_disabled',
          error: 'The subscription is disabled or gone',
          nextAttemptAt: null,
        });
        return;
      }
      const outcome = await this.send(d, hook.url, this.box.open(hook.secretSealed).toString('utf8'));
      const cfg = this.config.webhooks;
      const last = d.attempts >= cfg.deliveryAttempts;
      await this.repo.finishAttempt(d.id, this.worker, {
        status: outcome.ok ? 'succeeded' : last ? 'dead' : 'pending',
        httpStatus: outcome.httpStatus,
        latencyMs: outcome.latencyMs,
        errorCode: outcome.errorCode,
        error: outcome.error,
        responseBody: outcome.responseBody,
        headers: outcome.headers,
        deliveredAt: outcome.ok ? new Date() : null,
        nextAttemptAt:
          outcome.ok || last ? null : new Date(Date.now() + backoffMs(d.attempts, cfg.retryBaseMs, cfg.retryMaxMs)),
      });
    } catch (err) {
      // the row stays leased and is retried once the lease runs out
      this.logger.warn(`outbound delivery ${d.id} could not be recorded: ${(err as Error).message}`);
    }
  }

  private async send(d: WebhookDeliveryEntity, url: string, secret: string): Promise<AttemptOutcome> {
    const body = JSON.stringify(d.payload);
    const ts = String(Math.floor(Date.now() / 1000));
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'Agentcy-Webhooks/1.0',
      'x-agentcy-event': d.eventType ?? '',
      'x-agentcy-delivery': d.id,
      'x-agentcy-timestamp': ts,
      'x-agentcy-signature': signTimestampedBody(secret, ts, body),
    };
    const logged = redactHeaders(headers);
    const started = Date.now();
    try {
      const res = await this.egress.forOrg(d.orgId).fetch(url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.config.webhooks.timeoutMs),
      });
      const text = await readLimited(res, MAX_RESPONSE_BYTES);
      const ok = res.status >= 200 && res.status < 300;
      return {
        ok,
        httpStatus: res.status,
        latencyMs: Date.now() - started,
        errorCode: ok ? null : 'http_error',
        error: ok ? null : `The receiver answered ${res.status}`,
        responseBody: text,
        headers: logged,
      };
    } catch (err) {
      const refused = findEgressError(err);
      const e = err as Error & { cause?: { code?: string; message?: string } };
      const timeout = e.name === 'TimeoutError' || e.name === 'AbortError';
      return {
        ok: false,
        httpStatus: null,
        latencyMs: Date.now() - started,
        errorCode: refused ? 'egress_forbidden' : timeout ? 'timeout' : (e.cause?.code ?? 'network_error'),
        error: refused ? refused.message : (e.cause?.message ?? e.message),
        responseBody: null,
        headers: logged,
      };
    }
  }
}

async function readLimited(res: Response, max: number): Promise<string> {
  if (!res.body) {
    return '';
  }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let n = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        break;
      }
      chunks.push(value);
      n += value.length;
      if (n >= max) {
        await reader.cancel();
        break;
      }
    }
  } catch {
    /* a broken body does not change the status we got */
  }
  return Buffer.concat(chunks).subarray(0, max).toString('utf8');
}
