import type { ServiceCaller } from '@libs/auth/principal';
import { prefixedId } from '@libs/database/ids';
import { AppException, ServiceUnavailableException } from '@libs/errors';
import { mapError } from '@libs/errors/all-exceptions.filter';
import { Injectable, Optional } from '@nestjs/common';
import { TasksContract, type TriggerContext } from 'src/modules/tasks/tasks.contract';
import type { InboxHookCall } from './hook-inbox-entry';
import { FireTarget, HookClaims, InboundCall } from './inbound-call';
import { loggedBody, redactHeaders } from './redaction';
import type { DeliverySource } from './webhook-delivery.entity';
import { WebhooksRepository } from './webhooks.repository';

export interface AcceptedCall {
  deliveryId: string;
  runId: string;
}

/**
 * The one path from a verified inbound call (signed `/hooks` call, sample run, replay) to a queued
 * run: one delivery row and one `TasksContract.fire` (which queues the run durably). A fire that
 * fails is still logged (`failed`) and its error rethrown.
 */
@Injectable()
export class HookIntake {
  constructor(
    private readonly repo: WebhooksRepository,
    @Optional() private readonly tasks?: TasksContract,
  ) {}

  get hasTasks(): boolean {
    return !!this.tasks;
  }

  /** The tasks module, or 503 while none is mounted. */
  get taskRuns(): TasksContract {
    if (!this.tasks) {
      throw new ServiceUnavailableException('Task runs are not available', undefined, 'tasks_unavailable');
    }
    return this.tasks;
  }

  /** A call of `/hooks/:trigger_id` whose signature the strategy verified. */
  async receive(caller: ServiceCaller, call: InboundCall): Promise<AcceptedCall> {
    const claims = caller.claims as unknown as HookClaims;
    return this.accept(caller.orgId!, claims.trigger_id, claims.target, call, 'hook');
  }

  async accept(
    orgId: string,
    triggerId: string,
    target: FireTarget,
    call: InboundCall,
    source: DeliverySource,
    replayOf: string | null = null,
    ids: Partial<AcceptedCall> = {},
  ): Promise<AcceptedCall> {
    const deliveryId = ids.deliveryId ?? prefixedId('dlv');
    const trigger: TriggerContext = {
      kind: source === 'sample' ? 'sample' : 'webhook',
      body: call.body,
      headers: call.headers,
      query: call.query,
      delivery_id: deliveryId,
      ...(triggerId.startsWith('wh_') ? { webhook_id: triggerId } : {}),
    };
    const logged = loggedBody(call.text, typeof call.body === 'object' ? call.body : undefined);
    const row = {
      id: deliveryId,
      orgId,
      webhookId: triggerId,
      direction: 'inbound' as const,
      source,
      signatureValid: source === 'hook' ? true : null,
      contentType: call.contentType,
      sizeBytes: call.sizeBytes,
      sourceIp: call.sourceIp,
      headers: redactHeaders(call.headers),
      body: logged.body,
      bodyTruncated: logged.truncated,
      query: call.query,
      attempts: 1,
      replayOf,
    };
    let runId: string;
    try {
      runId = (await this.fire(orgId, target, trigger, ids.runId)).runId;
    } catch (err) {
      const m = mapError(err);
      await this.repo.insertDelivery({
        ...row,
        status: 'failed',
        httpStatus: m.status,
        errorCode: m.code,
        error: m.message,
      });
      throw err;
    }
    await this.repo.insertDelivery({ ...row, status: 'accepted', httpStatus: 202, runId });
    return { deliveryId, runId };
  }

  /**
   * A call the fast lane accepted (HookInbox), with the ids its 202 gave: written once however
   * often the entry is handed over. A refusal of the fire (task paused or deleted since) is its
   * `failed` delivery row; an error of the stores is thrown (the entry is handed over again).
   */
  async acceptFromInbox(orgId: string, entry: InboxHookCall): Promise<void> {
    if (await this.repo.deliveryExists(entry.deliveryId)) {
      return;
    }
    try {
      await this.accept(orgId, entry.triggerId, entry.target, entry.call, 'hook', null, {
        deliveryId: entry.deliveryId,
        runId: entry.runId,
      });
    } catch (err) {
      if (!(err instanceof AppException) || err.status >= 500) {
        throw err;
      }
    }
  }

  /** Records a refused call of a known trigger: metadata only, never its body or headers. */
  async reject(
    orgId: string,
    triggerId: string,
    meta: { contentType: string | null; sizeBytes: number; sourceIp: string | null },
    rejectReason: 'invalid_signature' | 'body_too_large' | 'disabled',
    detail: string,
    httpStatus: number,
  ): Promise<void> {
    await this.repo.insertDelivery({
      id: prefixedId('dlv'),
      orgId,
      webhookId: triggerId,
      direction: 'inbound',
      source: 'hook',
      status: 'rejected',
      httpStatus,
      rejectReason,
      errorCode: detail,
      signatureValid: rejectReason === 'invalid_signature' ? false : null,
      contentType: meta.contentType,
      sizeBytes: meta.sizeBytes,
      sourceIp: meta.sourceIp,
      attempts: 1,
    });
  }

  fire(orgId: string, target: FireTarget, trigger: TriggerContext, runId?: string): Promise<{ runId: string }> {
    return target.type === 'task'
      ? this.taskRuns.fire(orgId, target.taskId, trigger, runId)
      : this.taskRuns.fireAdHoc(
          orgId,
          { agent: target.agent, realm: target.realm, inputTemplate: target.inputTemplate },
          trigger,
          runId,
        );
  }
}
