import type { AuditLogFilter } from '@libs/audit';
import { ValidationException } from '@libs/errors';
import type { AuditFilterQuery, PolicyAuditQuery } from './dto/audit-log.dto';

/** The reader's filter for the policies-style query; refuses `since` after `until`. */
export function auditFilterOf(
  q: AuditFilterQuery & Partial<Pick<PolicyAuditQuery, 'limit' | 'cursor'>>,
): AuditLogFilter {
  if (q.since && q.until && new Date(q.since).getTime() > new Date(q.until).getTime()) {
    throw new ValidationException('since must not be after until', {
      fields: [{ field: 'since', errors: ['since must not be after until'] }],
    });
  }
  return {
    limit: q.limit,
    cursor: q.cursor,
    decision: q.decision,
    action: q.action,
    category: q.category,
    connector: q.connector,
    tool: q['resource.tool'],
    user_id: q.user_id,
    api_key_id: q.api_key_id,
    since: q.since,
    until: q.until,
  };
}
