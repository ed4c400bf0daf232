import type { Principal } from '@libs/auth/principal';
import { AccessRequestPort, type AccessRequestInput } from '@libs/connectors/access-request.port';
import { ConflictException, NotFoundException } from '@libs/errors';
import { OrgEvents } from '@libs/events';
import type { Page } from '@libs/pagination';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AccessRequestsRepository } from './access-requests.repository';
import {
  AccessRequestDto,
  DecideAccessRequestDto,
  ListAccessRequestsQuery,
  toAccessRequestDto,
} from './dto/access-request.dto';

/**
 * Connector access requests: opened by the chat's `request_connector_access`, listed and decided by
 * admins. Deciding records the decision and tells the org (WebSocket topic `access_requests`); making
 * the connector available (adding or enabling a source, widening an agent's allow-list) stays an
 * explicit admin action on those resources.
 */
@Injectable()
export class AccessRequestsService extends AccessRequestPort {
  constructor(
    private readonly repo: AccessRequestsRepository,
    private readonly events: OrgEvents,
  ) {
    super();
  }

  async open(input: AccessRequestInput): Promise<{ id: string; status: 'pending' }> {
    const row = await this.repo.insert({
      id: `acr_${randomUUID().replace(/-/g, '')}`,
      orgId: input.orgId,
      userId: input.userId,
      connector: input.connector.slice(0, 200),
      reason: input.reason,
      conversationId: input.conversationId,
    });
    await this.events.publish(input.orgId, 'access_request.created', { ...toAccessRequestDto(row) });
    return { id: row.id, status: 'pending' };
  }

  list(p: Principal, q: ListAccessRequestsQuery): Promise<Page<AccessRequestDto>> {
    return this.repo.list(p.orgId, q, toAccessRequestDto);
  }

  async get(p: Principal, id: string): Promise<AccessRequestDto> {
    const row = await this.repo.find(p.orgId, id);
    if (!row) {
      throw new NotFoundException('Access request');
    }
    return toAccessRequestDto(row);
  }

  async decide(
    p: Principal,
    id: string,
    decision: 'granted' | 'rejected',
    dto: DecideAccessRequestDto,
  ): Promise<AccessRequestDto> {
    const updated = await this.repo.decide(p.orgId, id, decision, p.userId, dto.note ?? null);
    if (!updated) {
      const current = await this.repo.find(p.orgId, id);
      if (!current) {
        throw new NotFoundException('Access request');
      }
      throw new ConflictException(
        `The access request was already ${current.status}`,
        { access_request_id: id, status: current.status },
        'access_request_already_decided',
      );
    }
    const view = toAccessRequestDto(updated);
    await this.events.publish(p.orgId, 'access_request.decided', { ...view });
    return view;
  }
}
