import { AuditLogReader } from '@libs/audit';
import type { Principal } from '@libs/auth/principal';
import { NotFoundException } from '@libs/errors';
import type { Page } from '@libs/pagination';
import { Injectable } from '@nestjs/common';
import { AuditEntryDto, toAuditEntryDto } from 'src/modules/activity/dto/activity.dto';
import { AuditChainVerifier, type ChainReport } from './audit-chain.verifier';
import { CSV_COLUMNS, csvLine, csvRow } from './audit-csv';
import { auditFilterOf } from './audit-log.filters';
import type { AuditFilterQuery, PolicyAuditQuery } from './dto/audit-log.dto';

const EXPORT_PAGE = 500;

/** `/policies/audit…`: the org's audit log for auditors (list, entry, CSV export, chain verification). */
@Injectable()
export class AuditLogService {
  constructor(
    private readonly reader: AuditLogReader,
    private readonly verifier: AuditChainVerifier,
  ) {}

  list(p: Principal, q: PolicyAuditQuery): Promise<Page<AuditEntryDto>> {
    return this.reader.list(p.orgId, auditFilterOf(q), { scope: 'policies-audit' }, toAuditEntryDto);
  }

  async get(p: Principal, id: string): Promise<AuditEntryDto> {
    const e = await this.reader.find(p.orgId, id);
    if (!e) {
      throw new NotFoundException('Audit entry');
    }
    return toAuditEntryDto(e);
  }

  verify(p: Principal): Promise<ChainReport> {
    return this.verifier.verify(p.orgId);
  }

  /** CSV lines (header first) of every matching entry, oldest first, read page by page as they are consumed. */
  csv(p: Principal, q: AuditFilterQuery): AsyncGenerator<string> {
    const filter = auditFilterOf(q);
    const reader = this.reader;
    return (async function* () {
      yield csvLine([...CSV_COLUMNS]);
      let after = 0;
      for (;;) {
        const rows = await reader.after(p.orgId, filter, after, EXPORT_PAGE);
        for (const e of rows) {
          yield csvRow(e);
        }
        if (rows.length < EXPORT_PAGE) {
          return;
        }
        after = Number(rows[rows.length - 1].seq);
      }
    })();
  }
}
