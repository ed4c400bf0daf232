import type { Principal } from '@libs/auth/principal';
import type { ConnectorToolSpec } from '@libs/connectors/connector';
import { ForbiddenException } from '@libs/errors';
import { ToolGate } from '@libs/tool-gate';
import { Injectable } from '@nestjs/common';
import { SettingsService } from '../settings/settings.service';
import type { SourceEntity } from './source.entity';

/**
 * `POST /sources/:id/tools/:tool/execute` through the same ToolGate as chat (role, org approval
 * defaults, policy). This endpoint has no approval workflow: a call the gate wants approved is
 * refused with 403 `approval_required` and belongs in `POST /chat/conversations/:id/tool-calls`
 * (202 pending_approval); a denied call is 403 `policy_denied`. Both carry the audit entry id.
 */
@Injectable()
export class DirectToolGate {
  constructor(
    private readonly gate: ToolGate,
    private readonly settings: SettingsService,
  ) {}

  async assertMayRun(
    p: Principal,
    source: SourceEntity,
    spec: ConnectorToolSpec,
    meta: { requestId?: string; ip?: string },
  ): Promise<void> {
    const qualifiedName = `${source.name}.${spec.name}`;
    const verdict = await this.gate.decide({
      orgId: p.orgId,
      caller: { userId: p.userId, email: p.email, role: p.role, apiKeyId: p.apiKeyId ?? null },
      tool: {
        qualifiedName,
        connector: source.sourceType,
        sourceName: source.name,
        effect: spec.effect,
        requiresApproval: spec.requiresApproval ?? spec.effect === 'destructive',
      },
      approvalDefaults: (await this.settings.getSecurity(p.orgId)).approvalDefaults,
      agent: null,
      entry: 'direct',
      context: { source_id: source.id },
      requestId: meta.requestId,
      ip: meta.ip,
    });
    const details = { effect: spec.effect, policy: verdict.policy, audit_id: verdict.auditId };
    if (verdict.decision === 'deny') {
      throw new ForbiddenException(verdict.reason, details, 'policy_denied');
    }
    if (verdict.decision === 'approve') {
      throw new ForbiddenException(
        `${qualifiedName} needs an approval (${verdict.reason}); run it through POST /chat/conversations/:id/tool-calls`,
        details,
        'approval_required',
      );
    }
  }
}
