import { EventBus } from '@libs/redis';
import { Injectable } from '@nestjs/common';

/** The `approval:<id>` channel on the event bus: whoever decides or expires an approval wakes its waiter (any replica). */
@Injectable()
export class ApprovalSignals {
  constructor(private readonly bus: EventBus) {}

  async publish(approvalId: string, status: string, note: string | null): Promise<void> {
    await this.bus.publish(`approval:${approvalId}`, { approval_id: approvalId, status, note }).catch(() => undefined);
  }

  subscribe(approvalId: string, onMessage: () => void): Promise<() => Promise<void>> {
    return this.bus.subscribe(`approval:${approvalId}`, onMessage);
  }
}
