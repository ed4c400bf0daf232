import { OrgEvents } from '@libs/events';
import { EventBus } from '@libs/redis';
import { Injectable } from '@nestjs/common';
import type { ApprovalEntity } from 'src/modules/chat/chat.entity';

/** The `approval:<id>` channel on the event bus: whoever decides or expires an approval wakes its waiter (any replica). */
@Injectable()
export class ApprovalSignals {
  constructor(
    private readonly bus: EventBus,
    private readonly events: OrgEvents,
  ) {}

  async publish(approvalId: string, status: string, note: string | null): Promise<void> {
    await this.bus.publish(`approval:${approvalId}`, { approval_id: approvalId, status, note }).catch(() => undefined);
  }

  /** An approval that reached its deadline: wakes its waiters and tells the org (`approval.expired`). */
  async expired(a: Pick<ApprovalEntity, 'id' | 'orgId' | 'conversationId' | 'tool'>): Promise<void> {
    await this.publish(a.id, 'expired', null);
    await this.events.publish(a.orgId, 'approval.expired', {
      approval_id: a.id,
      conversation_id: a.conversationId,
      tool: a.tool,
    });
  }

  subscribe(approvalId: string, onMessage: () => void): Promise<() => Promise<void>> {
    return this.bus.subscribe(`approval:${approvalId}`, onMessage);
  }
}
