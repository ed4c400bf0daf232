import { prefixedId } from '@libs/database/ids';
import { OrgEvents, type OrgEvent } from '@libs/events/org-events';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { OutboundDispatcher } from './outbound.dispatcher';
import { loggedBody } from './redaction';
import { publicEventName } from './webhook-events';
import { WebhooksRepository } from './webhooks.repository';

/**
 * Turns each org event published by this process into one `pending` delivery row per enabled
 * outbound subscription listening to it (OrgEvents.onPublish: exactly once per event in the
 * cluster). The row in PostgreSQL is the outbox: it survives the process and Redis.
 */
@Injectable()
export class OutboxWriter implements OnModuleInit {
  constructor(
    private readonly events: OrgEvents,
    private readonly repo: WebhooksRepository,
    private readonly dispatcher: OutboundDispatcher,
  ) {}

  onModuleInit(): void {
    this.events.onPublish(async (orgId, event) => {
      await this.write(orgId, event);
    });
  }

  async write(orgId: string, event: OrgEvent): Promise<number> {
    const type = publicEventName(event.type);
    if (!type) {
      return 0;
    }
    const subs = await this.repo.subscribersOf(orgId, type);
    if (!subs.length) {
      return 0;
    }
    const payload = { id: prefixedId('evt'), type, org_id: orgId, created_at: event.ts, data: event.data };
    const logged = loggedBody('', payload);
    await this.repo.insertDeliveries(
      subs.map((s) => ({
        id: prefixedId('dlv'),
        orgId,
        webhookId: s.id,
        direction: 'outbound' as const,
        source: 'event' as const,
        status: 'pending' as const,
        eventType: type,
        payload,
        body: logged.body,
        bodyTruncated: logged.truncated,
        contentType: 'application/json',
        sizeBytes: Buffer.byteLength(JSON.stringify(payload)),
        nextAttemptAt: () => 'now()',
      })) as never,
    );
    this.dispatcher.poke();
    return subs.length;
  }
}
