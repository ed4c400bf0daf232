import { AuditLogReader } from '@libs/audit';
import type { Principal } from '@libs/auth/principal';
import { NotFoundException, ValidationException } from '@libs/errors';
import type { Page } from '@libs/pagination';
import { Injectable } from '@nestjs/common';
import { ActivityItemDto, AuditEntryDto, AuditQuery, toActivityItemDto, toAuditEntryDto } from './dto/activity.dto';

@Injectable()
export class ActivityService {
  constructor(private readonly repo: AuditLogReader) {}

  /** Human-oriented feed: every category except `policy`. */
  feed(p: Principal, q: AuditQuery): Promise<Page<ActivityItemDto>> {
    this.checkRange(q);
    return this.repo.list(p.orgId, q, { excludeCategories: ['policy'], scope: 'activity' }, toActivityItemDto);
  }

  audit(p: Principal, q: AuditQuery): Promise<Page<AuditEntryDto>> {
    this.checkRange(q);
    return this.repo.list(p.orgId, q, { scope: 'audit' }, toAuditEntryDto);
  }

  async auditEntry(p: Principal, id: string): Promise<AuditEntryDto> {
    const e = await this.repo.find(p.orgId, id);
    if (!e) {
      throw new NotFoundException('Audit entry');
    }
    return toAuditEntryDto(e);
  }

  private checkRange(q: AuditQuery): void {
    const from = q.from ?? q.since;
    const to = q.to ?? q.until;
    if (from && to && new Date(from).getTime() > new Date(to).getTime()) {
      throw new ValidationException('from must not be after to', {
        fields: [{ field: 'from', errors: ['from must not be after to'] }],
      });
    }
  }
}
