import { SetMetadata } from '@nestjs/common';
import type { AuditCategory } from './audit.service';

export const AUDIT_ACTION_METADATA = 'agentcy:audit-action';
export const NO_AUDIT_METADATA = 'agentcy:no-audit';

export interface AuditActionMeta {
  /** `<domain>.<verb>`, e.g. `api_keys.create` */
  action: string;
  category: AuditCategory;
  /** resource type written into `target.type`; defaults to the first path segment */
  targetType?: string;
}

/**
 * Names the audit entry the global AuditInterceptor writes for this mutating route
 * (default: category `api`, action `<METHOD> <route path>`).
 */
export const AuditAction = (action: string, category: AuditCategory = 'api', targetType?: string) =>
  SetMetadata(AUDIT_ACTION_METADATA, { action, category, targetType } satisfies AuditActionMeta);

/** The handler's service records its own, richer entry (e.g. login success/failure); the interceptor skips it. */
export const NoAudit = () => SetMetadata(NO_AUDIT_METADATA, true);
