import type { AuditService } from '@libs/audit/audit.service';
import { AppException } from '@libs/errors';
import type { ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import type { OrgStatusPort, PrincipalResolver } from './auth-strategy';
import type { AuthRequirement } from './auth.decorators';
import { AuthGuard } from './auth.guard';
import type { AuthedRequest } from './authed-request';
import type { Principal } from './principal';
import type { ServiceCredentials } from './service-credentials';

const principal = (over: Partial<Principal> = {}): Principal => ({
  kind: 'user',
  userId: 'u1',
  orgId: 'o1',
  role: 'member',
  email: 'u@example.test',
  platformAdmin: false,
  authProvider: 'local',
  ...over,
});

function setup(requirement: AuthRequirement | undefined, opts: { p?: Principal; orgActive?: boolean } = {}) {
  const resolver = { resolve: jest.fn(async () => opts.p ?? principal()) };
  const services = { authenticate: jest.fn(async (kind: string) => ({ kind, orgId: 'o1', subject: kind })) };
  const audit = { record: jest.fn(async () => undefined) };
  const orgStatus = { isActive: jest.fn(async () => opts.orgActive ?? true) };
  const reflector = { getAllAndOverride: () => requirement };
  const guard = new AuthGuard(
    reflector as unknown as Reflector,
    resolver as unknown as PrincipalResolver,
    services as unknown as ServiceCredentials,
    audit as unknown as AuditService,
    orgStatus as unknown as OrgStatusPort,
  );
  const req = {
    method: 'GET',
    url: '/x',
    path: '/x',
    headers: { authorization: 'Bearer tok-1' },
    header: () => undefined,
  } as unknown as AuthedRequest;
  const ctx = {
    getType: () => 'http',
    getHandler: () => undefined,
    getClass: () => undefined,
    switchToHttp: () => ({ getRequest: () => req }),
  } as unknown as ExecutionContext;
  return { guard, ctx, req, resolver, services, audit };
}

async function status(p: unknown): Promise<number> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(AppException);
    return (err as AppException).status;
  }
  throw new Error('expected a refusal');
}

describe('AuthGuard: the route declaration picks the credential path', () => {
  it('no declaration → 401 (deny by default), audited', async () => {
    const s = setup(undefined);
    expect(await status(s.guard.canActivate(s.ctx))).toBe(401);
    expect(s.audit.record).toHaveBeenCalledWith(expect.objectContaining({ action: 'auth.rejected' }));
  });

  it('@Public → no strategy runs', async () => {
    const s = setup({ kind: 'public' });
    await expect(Promise.resolve(s.guard.canActivate(s.ctx))).resolves.toBe(true);
    expect(s.resolver.resolve).not.toHaveBeenCalled();
    expect(s.services.authenticate).not.toHaveBeenCalled();
  });

  it('@Authenticated → the bearer goes to PrincipalResolver (which picks the strategy from the token)', async () => {
    const s = setup({ kind: 'user', minRole: 'viewer', platformAdmin: false });
    await expect(Promise.resolve(s.guard.canActivate(s.ctx))).resolves.toBe(true);
    expect(s.resolver.resolve).toHaveBeenCalledWith('tok-1', s.req);
    expect(s.req.principal).toMatchObject({ userId: 'u1' });
    expect(s.services.authenticate).not.toHaveBeenCalled();
  });

  it('@Authenticated without a bearer → 401; below minRole or not platform admin → 403', async () => {
    const none = setup({ kind: 'user', minRole: 'viewer', platformAdmin: false });
    delete none.req.headers.authorization;
    expect(await status(none.guard.canActivate(none.ctx))).toBe(401);
    const low = setup({ kind: 'user', minRole: 'admin', platformAdmin: false });
    expect(await status(low.guard.canActivate(low.ctx))).toBe(403);
    const plat = setup({ kind: 'user', minRole: 'viewer', platformAdmin: true }, { p: principal({ role: 'owner' }) });
    expect(await status(plat.guard.canActivate(plat.ctx))).toBe(403);
  });

  it.each(['worker', 'webhook', 'shared_secret', 'pipeline', 'preview'] as const)(
    '%s → the strategy of that kind, never the user resolver',
    async (kind) => {
      const s = setup({ kind });
      await expect(Promise.resolve(s.guard.canActivate(s.ctx))).resolves.toBe(true);
      expect(s.services.authenticate).toHaveBeenCalledWith(kind, s.req);
      expect(s.resolver.resolve).not.toHaveBeenCalled();
      expect(s.req.caller).toMatchObject({ kind });
    },
  );

  it('a service caller of a disabled org → 403 org_disabled', async () => {
    const s = setup({ kind: 'webhook' }, { orgActive: false });
    expect(await status(s.guard.canActivate(s.ctx))).toBe(403);
  });
});
