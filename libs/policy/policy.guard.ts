import { AuditService } from '@libs/audit/audit.service';
import { requestMetaOf } from '@libs/audit/request-meta';
import type { AuthedRequest } from '@libs/auth/authed-request';
import type { Principal } from '@libs/auth/principal';
import { ForbiddenException, ServiceUnavailableException } from '@libs/errors';
import { CanActivate, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { routeTemplate } from './actions';
import { httpInput } from './inputs';
import { PolicyEnforcer } from './policy-enforcer';
import type { PolicyInput } from './policy-input';
import type { PolicyDecision } from './policy-set';
import { RouteActions } from './route-actions';

/**
 * What a GET decision depends on (policies.md §5 allows caching GET decisions 5 s per subject,
 * action and resource): everything of the input but the request id's value and `now` below the minute.
 */
function decisionKey(input: PolicyInput): string {
  const { request_id: requestId, ...context } = input.context;
  return JSON.stringify([
    input.subject,
    input.action,
    input.resource,
    context,
    !!requestId,
    input.env.now.slice(0, 16),
  ]);
}

/**
 * Global guard after AuthGuard and FeatureFlagGuard: the org's policies decide every route a user
 * subject calls while features.policies is on for the org (public and service routes have no
 * subject and are not checked). A deny answers 403 `policy_denied` with the audit entry's id, the
 * messages and the rule; an engine failure 503 `policy_engine_unavailable` (fail closed). Every
 * decision is audited (category `policy`); an allow is queued without waiting for the write, and a GET
 * allow reused from the 5 s decision cache is not audited again (it was when it was decided).
 * Owners are never refused the `policy.*` routes, so a policy cannot lock the org out of fixing it.
 */
@Injectable()
export class PolicyGuard implements CanActivate {
  private readonly logger = new Logger(PolicyGuard.name);

  constructor(
    private readonly enforcer: PolicyEnforcer,
    private readonly actions: RouteActions,
    private readonly audit: AuditService,
  ) {}

  /** Synchronous without a user subject or with the feature off for the install: an async guard costs every request a promise. */
  canActivate(ctx: ExecutionContext): boolean | Promise<boolean> {
    if (ctx.getType() !== 'http') {
      return true;
    }
    const req = ctx.switchToHttp().getRequest<AuthedRequest>();
    if (!req.principal || !this.enforcer.installEnabled()) {
      return true;
    }
    return this.check(req, req.principal);
  }

  private async check(req: AuthedRequest, p: Principal): Promise<boolean> {
    if (!(await this.enforcer.active(p.orgId))) {
      return true;
    }
    const routePath = (req.route as { path?: string } | undefined)?.path ?? req.path;
    const action = this.actions.of(req.method, routePath);
    if (p.role === 'owner' && action.startsWith('policy.')) {
      return true;
    }
    const meta = requestMetaOf(req);
    const realm = typeof req.query?.realm === 'string' ? req.query.realm : null;
    const input = httpInput(p, action, {
      method: req.method,
      path: routeTemplate(routePath),
      params: { ...(req.params as Record<string, string>) },
      ip: meta.ip,
      requestId: meta.requestId,
      realm,
    });
    let d: PolicyDecision;
    try {
      d = await this.enforcer.decide(input, {
        withApproval: false,
        cacheKey: req.method === 'GET' ? decisionKey(input) : undefined,
      });
    } catch (err) {
      this.logger.error({ err, action }, 'policy evaluation failed; refusing the request');
      const auditId = await this.record(p, input, 'error', null);
      throw new ServiceUnavailableException(
        'The policy engine could not decide; the request is refused',
        { audit_id: auditId },
        'policy_engine_unavailable',
      );
    }
    if (d.decision === 'allow') {
      if (!d.cached) {
        void this.record(p, input, 'allow', d);
      }
      return true;
    }
    const auditId = await this.record(p, input, 'deny', d);
    const messages = d.matches.map((m) => m.message);
    throw new ForbiddenException(
      messages[0],
      { audit_id: auditId, messages, rule: d.matches[0].rule, rules: d.matches.map((m) => m.rule) },
      'policy_denied',
    );
  }

  private record(
    p: Principal,
    input: PolicyInput,
    decision: 'allow' | 'deny' | 'error',
    d: PolicyDecision | null,
  ): Promise<string> {
    return this.audit.record({
      orgId: p.orgId,
      category: 'policy',
      action: input.action,
      result: decision === 'allow' ? 'success' : decision === 'deny' ? 'denied' : 'failure',
      actor: { userId: p.userId, email: p.email, apiKeyId: p.apiKeyId ?? null },
      target: {
        type: 'route',
        id: `${String(input.resource.method)} ${String(input.resource.path)}`,
        ...input.resource,
      },
      ip: input.context.ip as string | null,
      requestId: input.context.request_id as string | null,
      details: {
        decision,
        ...(d && d.matches.length
          ? {
              rule: d.matches[0].rule,
              policy_id: d.matches[0].policy_id,
              rules: d.matches.map((m) => m.rule),
              messages: d.matches.map((m) => m.message),
            }
          : {}),
      },
    });
  }
}
