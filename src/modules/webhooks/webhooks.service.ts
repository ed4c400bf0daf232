import { AuditService } from '@libs/audit';
import type { Principal } from '@libs/auth/principal';
import { PrincipalChanges } from '@libs/auth/principal-changes';
import { AppConfig } from '@libs/config';
import { SecretBox } from '@libs/crypto';
import { isPrefixedId, prefixedId } from '@libs/database/ids';
import { ConflictException, NotFoundException, ValidationException } from '@libs/errors';
import { Page, paginateArray } from '@libs/pagination';
import { HookInbox } from '@libs/queue/hook-inbox';
import { Injectable } from '@nestjs/common';
import { randomInt } from 'node:crypto';
import type { TaskSummary } from 'src/modules/tasks/tasks.contract';
import {
  CreateWebhookDto,
  DeliveryDetailDto,
  DeliveryDto,
  DeliveryListQuery,
  HookAcceptedDto,
  UpdateWebhookDto,
  WebhookDto,
  WebhookListQuery,
  WebhookTargetDto,
  WebhookWithSecretDto,
} from './dto/webhook.dto';
import { HookIntake } from './hook-intake.service';
import { fireTargetOf, type FireTarget, type InboundCall } from './inbound-call';
import type { WebhookDeliveryEntity } from './webhook-delivery.entity';
import { isOutboundEventName, OUTBOUND_EVENT_NAMES } from './webhook-events';
import type { WebhookEntity, WebhookTarget } from './webhook.entity';
import { DeliveryStats, WebhooksRepository } from './webhooks.repository';

/** Upper bound of webhooks per org (the list is assembled in memory with the task mirror). */
export const MAX_WEBHOOKS_PER_ORG = 500;
const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `whsec_` + 32 random base62 characters. */
export function newWebhookSecret(): string {
  let s = 'whsec_';
  for (let i = 0; i < 32; i++) {
    s += BASE62[randomInt(BASE62.length)];
  }
  return s;
}

function preview(secret: string): string {
  return `whsec_…${secret.slice(-4)}`;
}

type Owned = { kind: 'webhook'; hook: WebhookEntity } | { kind: 'task'; task: TaskSummary };

/** `/webhooks`: inbound endpoints, outbound subscriptions, the task-trigger mirror and the delivery log. */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly repo: WebhooksRepository,
    private readonly intake: HookIntake,
    private readonly box: SecretBox,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly inbox: HookInbox,
    private readonly changes: PrincipalChanges,
  ) {}

  async create(p: Principal, dto: CreateWebhookDto): Promise<WebhookWithSecretDto> {
    const direction = dto.direction ?? (dto.url !== undefined || dto.events !== undefined ? 'outbound' : 'inbound');
    const fields = await this.checkFields(p.orgId, direction, dto);
    if ((await this.repo.count(p.orgId)) >= MAX_WEBHOOKS_PER_ORG) {
      throw new ConflictException(`An org has at most ${MAX_WEBHOOKS_PER_ORG} webhooks`, {}, 'limit_reached');
    }
    const secret = newWebhookSecret();
    const hook = await this.repo.create({
      id: prefixedId('wh'),
      orgId: p.orgId,
      direction,
      name: dto.name.trim(),
      target: fields.target ?? null,
      url: fields.url ?? null,
      events: fields.events ?? [],
      secretSealed: this.box.seal(secret),
      secretPreview: preview(secret),
      enabled: dto.enabled ?? true,
      createdBy: p.userId,
    });
    await this.record(p, 'webhooks.create', hook.id, { direction, name: hook.name });
    return { ...this.toDto(hook), secret };
  }

  async list(p: Principal, q: WebhookListQuery): Promise<Page<WebhookDto>> {
    await this.inbox.caughtUp(p.orgId); // the delivery stats count `/hooks` calls answered 202 before
    const hooks = await this.repo.listAll(p.orgId, q.direction);
    const tasks = q.direction === 'outbound' ? [] : await this.webhookTasks(p.orgId);
    const stats = await this.repo.stats(p.orgId, [...hooks.map((h) => h.id), ...tasks.map((t) => t.id)]);
    const all = [
      ...hooks.map((h) => this.toDto(h, stats.get(h.id))),
      ...tasks.map((t) => this.mirrorDto(t, stats.get(t.id))),
    ].sort((a, b) =>
      a.created_at === b.created_at ? b.id.localeCompare(a.id) : b.created_at.localeCompare(a.created_at),
    );
    return paginateArray(all, q, {
      scope: `webhooks:${p.orgId}:${q.direction ?? ''}`,
      key: (w) => w.created_at,
      id: (w) => w.id,
      map: (w) => w,
    });
  }

  async get(p: Principal, id: string): Promise<WebhookDto> {
    await this.inbox.caughtUp(p.orgId); // as in list
    const owned = await this.owned(p.orgId, id);
    const stats = (await this.repo.stats(p.orgId, [id])).get(id);
    return owned.kind === 'webhook' ? this.toDto(owned.hook, stats) : this.mirrorDto(owned.task, stats);
  }

  async update(p: Principal, id: string, dto: UpdateWebhookDto): Promise<WebhookDto> {
    const hook = await this.ownedWebhook(p.orgId, id);
    const patch: Partial<WebhookEntity> = {};
    if (dto.name !== undefined) {
      patch.name = dto.name.trim();
    }
    if (dto.enabled !== undefined) {
      patch.enabled = dto.enabled;
    }
    if (dto.target !== undefined || dto.url !== undefined || dto.events !== undefined) {
      const fields = await this.checkFields(p.orgId, hook.direction, {
        target: dto.target ?? (hook.direction === 'inbound' ? (hook.target as WebhookTargetDto) : undefined),
        url: dto.url ?? (hook.direction === 'outbound' ? (hook.url ?? undefined) : undefined),
        events: dto.events ?? (hook.direction === 'outbound' ? hook.events : undefined),
      });
      Object.assign(patch, fields);
    }
    if (Object.keys(patch).length) {
      await this.repo.update(p.orgId, id, patch);
      await this.changes.announce('hook_trigger', id);
    }
    await this.record(p, 'webhooks.update', id, { changes: Object.keys(patch) });
    return this.get(p, id);
  }

  async remove(p: Principal, id: string): Promise<void> {
    await this.ownedWebhook(p.orgId, id);
    await this.repo.delete(p.orgId, id);
    await this.changes.announce('hook_trigger', id);
    await this.record(p, 'webhooks.delete', id);
  }

  async rotateSecret(p: Principal, id: string): Promise<WebhookWithSecretDto> {
    await this.ownedWebhook(p.orgId, id);
    const secret = newWebhookSecret();
    await this.repo.update(p.orgId, id, { secretSealed: this.box.seal(secret), secretPreview: preview(secret) });
    await this.changes.announce('hook_trigger', id);
    await this.record(p, 'webhooks.rotate_secret', id);
    return { ...(await this.get(p, id)), secret };
  }

  async deliveries(p: Principal, id: string, q: DeliveryListQuery): Promise<Page<DeliveryDto>> {
    await this.inbox.caughtUp(p.orgId); // deliveries of `/hooks` calls answered 202 before this read
    await this.owned(p.orgId, id);
    return this.repo.listDeliveries(p.orgId, id, q, (d) => deliveryDto(d));
  }

  async delivery(p: Principal, id: string, deliveryId: string): Promise<DeliveryDetailDto> {
    await this.inbox.caughtUp(p.orgId); // deliveries of `/hooks` calls answered 202 before this read
    await this.owned(p.orgId, id);
    const d = await this.repo.findDelivery(p.orgId, id, deliveryId);
    if (!d) {
      throw new NotFoundException('Delivery');
    }
    const runStatus = d.runId ? await this.intake.taskRuns.runStatus(p.orgId, d.runId).catch(() => null) : null;
    return {
      ...deliveryDto(d),
      headers: d.headers,
      body: d.body,
      body_truncated: d.bodyTruncated,
      query: d.query,
      response_body: d.responseBody,
      run_status: runStatus,
    };
  }

  /** Inbound: runs the stored payload again (no signature check); outbound: a new delivery now. */
  async replay(p: Principal, id: string, deliveryId: string): Promise<HookAcceptedDto> {
    const owned = await this.owned(p.orgId, id);
    const d = await this.repo.findDelivery(p.orgId, id, deliveryId);
    if (!d) {
      throw new NotFoundException('Delivery');
    }
    if (d.direction === 'outbound') {
      return this.redeliverRow(p, d);
    }
    if (d.status === 'rejected' || d.body === null) {
      throw new ConflictException('A rejected call kept no payload to replay', {}, 'not_replayable');
    }
    if (d.bodyTruncated) {
      throw new ConflictException('The stored body was cut at 64 KB; it cannot be replayed', {}, 'not_replayable');
    }
    const target: FireTarget =
      owned.kind === 'task' ? { type: 'task', taskId: owned.task.id } : this.inboundTarget(owned.hook);
    const call: InboundCall = {
      body: parseStored(d.body, d.contentType),
      text: d.body,
      contentType: d.contentType,
      headers: d.headers ?? {},
      query: d.query ?? {},
      sizeBytes: d.sizeBytes,
      sourceIp: null,
    };
    const r = await this.intake.accept(p.orgId, id, target, call, 'replay', d.id);
    await this.record(p, 'webhooks.delivery.replay', id, { delivery_id: d.id, new_delivery_id: r.deliveryId });
    return { delivery_id: r.deliveryId, run_id: r.runId };
  }

  /** Outbound only: queues a new delivery of the same event now. */
  async redeliver(p: Principal, id: string, deliveryId: string): Promise<HookAcceptedDto> {
    await this.ownedWebhook(p.orgId, id);
    const d = await this.repo.findDelivery(p.orgId, id, deliveryId);
    if (!d) {
      throw new NotFoundException('Delivery');
    }
    if (d.direction !== 'outbound') {
      throw new ConflictException('Only outbound deliveries are redelivered; replay inbound ones', {}, 'not_outbound');
    }
    return this.redeliverRow(p, d);
  }

  private async redeliverRow(p: Principal, d: WebhookDeliveryEntity): Promise<HookAcceptedDto> {
    const id = prefixedId('dlv');
    await this.repo.insertDelivery({
      id,
      orgId: d.orgId,
      webhookId: d.webhookId,
      direction: 'outbound',
      source: 'redeliver',
      status: 'pending',
      eventType: d.eventType,
      payload: d.payload,
      body: d.body,
      bodyTruncated: d.bodyTruncated,
      contentType: d.contentType,
      sizeBytes: d.sizeBytes,
      replayOf: d.id,
      nextAttemptAt: (() => 'now()') as never,
    });
    await this.record(p, 'webhooks.delivery.redeliver', d.webhookId, { delivery_id: d.id, new_delivery_id: id });
    return { delivery_id: id, run_id: null };
  }

  /** What a call of an inbound webhook fires; a disabled one is refused. */
  inboundTarget(hook: WebhookEntity): FireTarget {
    if (hook.direction !== 'inbound' || !hook.target) {
      throw new ConflictException('This webhook is an outbound subscription', {}, 'not_inbound');
    }
    if (!hook.enabled) {
      throw new ConflictException('This webhook is disabled', {}, 'webhook_disabled');
    }
    return fireTargetOf(hook.target);
  }

  async ownedWebhook(orgId: string, id: string): Promise<WebhookEntity> {
    if (isPrefixedId('task', id) && (await this.webhookTasks(orgId)).some((t) => t.id === id)) {
      throw new ConflictException(
        'A task webhook trigger is changed through /tasks (rotate: POST /tasks/:id/trigger/rotate-secret)',
        {},
        'read_only',
      );
    }
    const hook = isPrefixedId('wh', id) ? await this.repo.findInOrg(orgId, id) : null;
    if (!hook) {
      throw new NotFoundException('Webhook');
    }
    return hook;
  }

  private async owned(orgId: string, id: string): Promise<Owned> {
    if (isPrefixedId('task', id)) {
      const task = (await this.webhookTasks(orgId)).find((t) => t.id === id);
      if (task) {
        return { kind: 'task', task };
      }
    }
    const hook = isPrefixedId('wh', id) ? await this.repo.findInOrg(orgId, id) : null;
    if (!hook) {
      throw new NotFoundException('Webhook');
    }
    return { kind: 'webhook', hook };
  }

  private async webhookTasks(orgId: string): Promise<TaskSummary[]> {
    if (!this.intake.hasTasks) {
      return [];
    }
    return (await this.intake.taskRuns.listForOrg(orgId)).filter((t) => t.triggerKind === 'webhook');
  }

  private async checkFields(
    orgId: string,
    direction: 'inbound' | 'outbound',
    dto: { target?: WebhookTargetDto; url?: string; events?: string[] },
  ): Promise<{ target?: WebhookTarget; url?: string; events?: string[] }> {
    if (direction === 'inbound') {
      if (dto.url !== undefined || dto.events !== undefined) {
        throw invalid('url', 'an inbound webhook has no url or events (its URL is /hooks/:id)');
      }
      if (!dto.target) {
        throw invalid('target', 'target is required for an inbound webhook');
      }
      return { target: await this.checkTarget(orgId, dto.target) };
    }
    if (dto.target !== undefined) {
      throw invalid('target', 'an outbound subscription has no target');
    }
    if (!dto.url) {
      throw invalid('url', 'url is required for an outbound subscription');
    }
    let u: URL;
    try {
      u = new URL(dto.url);
    } catch {
      throw invalid('url', 'url must be an absolute http(s) URL');
    }
    if (!['http:', 'https:'].includes(u.protocol) || u.username || u.password) {
      throw invalid('url', 'url must be an http(s) URL without credentials');
    }
    const events = [...new Set(dto.events ?? [])];
    if (!events.length) {
      throw invalid('events', 'events must list at least one event');
    }
    const unknown = events.filter((e) => !isOutboundEventName(e));
    if (unknown.length) {
      throw new ValidationException(`Unknown event: ${unknown.join(', ')}`, {
        fields: [{ field: 'events', errors: [`unknown: ${unknown.join(', ')}`] }],
        known: OUTBOUND_EVENT_NAMES,
      });
    }
    return { url: u.toString(), events };
  }

  private async checkTarget(orgId: string, t: WebhookTargetDto): Promise<WebhookTarget> {
    if (t.type === 'task') {
      const tasks = await this.intake.taskRuns.listForOrg(orgId);
      if (!tasks.some((x) => x.id === t.task_id)) {
        throw new NotFoundException('Task');
      }
      return { type: 'task', task_id: t.task_id! };
    }
    return { type: 'agent', agent: t.agent!, realm: t.realm ?? null, input_template: t.input_template ?? {} };
  }

  private toDto(h: WebhookEntity, stats?: DeliveryStats): WebhookDto {
    return {
      id: h.id,
      direction: h.direction,
      name: h.name,
      target: (h.target as WebhookTargetDto | null) ?? null,
      url: h.direction === 'inbound' ? this.hookUrl(h.id) : (h.url ?? ''),
      events: h.events,
      secret_preview: h.secretPreview,
      enabled: h.enabled,
      read_only: false,
      created_at: h.createdAt.toISOString(),
      last_delivery_at: stats?.lastDeliveryAt ? new Date(stats.lastDeliveryAt).toISOString() : null,
      delivery_stats: { ok: stats?.ok ?? 0, rejected: stats?.rejected ?? 0, failed: stats?.failed ?? 0 },
    };
  }

  private mirrorDto(t: TaskSummary, stats?: DeliveryStats): WebhookDto {
    return {
      id: t.id,
      direction: 'inbound',
      name: t.name,
      target: { type: 'task', task_id: t.id },
      url: this.hookUrl(t.id),
      events: [],
      secret_preview: null,
      enabled: t.enabled,
      read_only: true,
      created_at: t.createdAt.toISOString(),
      last_delivery_at: stats?.lastDeliveryAt ? new Date(stats.lastDeliveryAt).toISOString() : null,
      delivery_stats: { ok: stats?.ok ?? 0, rejected: stats?.rejected ?? 0, failed: stats?.failed ?? 0 },
    };
  }

  private hookUrl(id: string): string {
    return `${this.config.publicBaseUrl}/api/v1/hooks/${id}`;
  }

  private async record(p: Principal, action: string, id: string, details?: Record<string, unknown>): Promise<void> {
    await this.audit.record({
      orgId: p.orgId,
      category: 'api',
      action,
      result: 'success',
      actor: p,
      target: { type: 'webhook', id },
      ...(details ? { details } : {}),
    });
  }
}

function invalid(field: string, message: string): ValidationException {
  return new ValidationException(message, { fields: [{ field, errors: [message] }] });
}

/** The stored (redacted) body back as `trigger.body`: JSON when it was JSON, form fields for a form. */
function parseStored(body: string, contentType: string | null): unknown {
  if (contentType && /json/i.test(contentType)) {
    try {
      return JSON.parse(body);
    } catch {
      return body;
    }
  }
  if (contentType && /x-www-form-urlencoded/i.test(contentType)) {
    return Object.fromEntries(new URLSearchParams(body));
  }
  return body;
}

export function deliveryDto(d: WebhookDeliveryEntity): DeliveryDto {
  return {
    id: d.id,
    webhook_id: d.webhookId,
    direction: d.direction,
    source: d.source,
    status: d.status,
    received_at: d.createdAt.toISOString(),
    event_type: d.eventType,
    http_status: d.httpStatus,
    reject_reason: d.rejectReason,
    signature_valid: d.signatureValid,
    content_type: d.contentType,
    size_bytes: d.sizeBytes,
    source_ip: d.sourceIp,
    attempts: d.attempts,
    latency_ms: d.latencyMs,
    error_code: d.errorCode,
    error: d.error,
    next_attempt_at: d.nextAttemptAt ? d.nextAttemptAt.toISOString() : null,
    delivered_at: d.deliveredAt ? d.deliveredAt.toISOString() : null,
    run_id: d.runId,
    replay_of: d.replayOf,
  };
}
