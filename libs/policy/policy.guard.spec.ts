import type { AuditInput, AuditService } from '@libs/audit';
import type { Principal } from '@libs/auth/principal';
import { AppException } from '@libs/errors';
import type { ExecutionContext } from '@nestjs/common';
import type { PolicyEnforcer } from './policy-enforcer';
import type { PolicyInput } from './policy-input';
import { PolicyEngineError, type PolicyDecision } from './policy-set';
import { PolicyGuard } from './policy.guard';
import type { RouteActions } from './route-actions';

class FakeEnforcer {
  on = true;
  install = true;
  inputs: PolicyInput[] = [];
  constructor(private readonly answer: () => PolicyDecision) {}
  installEnabled() {
    return this.install;
  }
  active() {
    return Promise.resolve(this.on);
  }
  decide(input: PolicyInput) {
    this.inputs.push(input);
    return Promise.resolve().then(this.answer);
  }
}

class FakeAudit {
  readonly entries: AuditInput[] = [];
  record(input: AuditInput) {
    this.entries.push(input);
    return Promise.resolve(`aud_${this.entries.length}`);
  }
}

const actions = { of: () => 'source.sync' } as unknown as RouteActions;
const principal: Principal = {
  kind: 'user',
  userId: 'usr_1',
  orgId: 'org_1',
  role: 'member',
  email: 'm@example.test',
  platformAdmin: false,
  authProvider: 'local',
};

function ctx(p: Principal | undefined, method = 'POST'): ExecutionContext {
  const req = {
    principal: p,
    method,
    route: { path: '/api/v1/sources/:id/sync' },
    params: { id: 'src-1' },
    query: {},
    ip: '10.0.0.1',
    id: 'req_1',
    socket: {},
    header: () => undefined,
  };
  return { getType: () => 'http', switchToHttp: () => ({ getRequest: () => req }) } as unknown as ExecutionContext;
}

function guard(answer: () => PolicyDecision) {
  const enforcer = new FakeEnforcer(answer);
  const audit = new FakeAudit();
  return {
    enforcer,
    audit,
    g: new PolicyGuard(enforcer as unknown as PolicyEnforcer, actions, audit as unknown as AuditService),
  };
}

const deny: PolicyDecision = {
  decision: 'deny',
  matches: [{ rule: 'p.r', policy_id: 'pol_1', policy_name: 'p', message: 'no syncing', kind: 'deny' }],
  errors: [],
};

describe('PolicyGuard', () => {
  it('requests without a user subject pass without asking the engine', () => {
    const { g, enforcer } = guard(() => deny);
    expect(g.canActivate(ctx(undefined))).toBe(true);
    expect(enforcer.inputs).toEqual([]);
  });

  it('feature off for the org: nothing is evaluated; off for the install: not even asked (synchronous)', async () => {
    const { g, enforcer } = guard(() => deny);
    enforcer.on = false;
    await expect(g.canActivate(ctx(principal))).resolves.toBe(true);
    enforcer.install = false;
    expect(g.canActivate(ctx(principal))).toBe(true);
    expect(enforcer.inputs).toEqual([]);
  });

  it('a deny is 403 policy_denied with the audit id, messages and rule; the input names the route', async () => {
    const { g, enforcer, audit } = guard(() => deny);
    const err = (await Promise.resolve(g.canActivate(ctx(principal))).catch((e: unknown) => e)) as AppException;
    expect(err).toBeInstanceOf(AppException);
    expect(err).toMatchObject({
      status: 403,
      code: 'policy_denied',
      message: 'no syncing',
      details: { audit_id: 'aud_1', messages: ['no syncing'], rule: 'p.r' },
    });
    expect(enforcer.inputs[0]).toMatchObject({
      subject: { user_id: 'usr_1', role: 'member', channel: 'ui' },
      action: 'source.sync',
      resource: { path: '/sources/:id/sync', method: 'POST', id: 'src-1', source_id: 'src-1' },
      context: { ip: '10.0.0.1', request_id: 'req_1', approval_granted: false },
    });
    expect(audit.entries[0]).toMatchObject({
      category: 'policy',
      action: 'source.sync',
      result: 'denied',
      details: { decision: 'deny', rule: 'p.r', policy_id: 'pol_1' },
    });
  });

  it('an engine failure fails closed: 503 policy_engine_unavailable, audited as an error', async () => {
    const { g, audit } = guard(() => {
      throw new PolicyEngineError('boom');
    });
    const err = (await Promise.resolve(g.canActivate(ctx(principal))).catch((e: unknown) => e)) as AppException;
    expect(err).toMatchObject({ status: 503, code: 'policy_engine_unavailable', details: { audit_id: 'aud_1' } });
    expect(audit.entries[0]).toMatchObject({ result: 'failure', details: { decision: 'error' } });
  });

  it('an allow passes and is audited; owners are not checked on policy routes', async () => {
    const { g, audit, enforcer } = guard(() => ({ decision: 'allow', matches: [], errors: [] }));
    await expect(g.canActivate(ctx(principal))).resolves.toBe(true);
    expect(audit.entries[0]).toMatchObject({ result: 'success', details: { decision: 'allow' } });
    const owner = new PolicyGuard(
      enforcer as unknown as PolicyEnforcer,
      { of: () => 'policy.update' } as unknown as RouteActions,
      audit as unknown as AuditService,
    );
    const before = enforcer.inputs.length;
    await expect(owner.canActivate(ctx({ ...principal, role: 'owner' }, 'PATCH'))).resolves.toBe(true);
    expect(enforcer.inputs.length).toBe(before);
  });
});
