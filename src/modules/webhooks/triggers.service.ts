import type { Principal } from '@libs/auth/principal';
import { isPrefixedId } from '@libs/database/ids';
import { NotFoundException } from '@libs/errors';
import { Injectable } from '@nestjs/common';
import { FireAcceptedDto } from './dto/webhook.dto';
import { HookIntake } from './hook-intake.service';
import { WebhooksRepository } from './webhooks.repository';
import { WebhooksService } from './webhooks.service';

/** `POST /triggers/:id/fire`: the authenticated alternative to a signed `/hooks` call. */
@Injectable()
export class TriggersService {
  constructor(
    private readonly repo: WebhooksRepository,
    private readonly webhooks: WebhooksService,
    private readonly intake: HookIntake,
  ) {}

  async fire(p: Principal, id: string, body: unknown): Promise<FireAcceptedDto> {
    const trigger = { kind: 'fire' as const, body: body ?? {}, user_id: p.userId };
    if (isPrefixedId('task', id)) {
      return { run_id: (await this.intake.fire(p.orgId, { type: 'task', taskId: id }, trigger)).runId };
    }
    const hook = isPrefixedId('wh', id) ? await this.repo.findInOrg(p.orgId, id) : null;
    if (!hook) {
      throw new NotFoundException('Trigger');
    }
    const target = this.webhooks.inboundTarget(hook);
    return { run_id: (await this.intake.fire(p.orgId, target, { ...trigger, webhook_id: id })).runId };
  }
}
