import type { Principal } from '@libs/auth/principal';
import { TransactionHost } from '@libs/database/transaction';
import { AppException } from '@libs/errors';
import type { PolicyEnforcer, RouteActions } from '@libs/policy';
import type { PoliciesRepository, PolicyPatch } from './policies.repository';
import { PoliciesService } from './policies.service';
import type { PolicyStore } from './policy-store';
import type { PolicyEntity } from './policy.entity';

const ID = `pol_${'a'.repeat(32)}`;
const SOURCE = 'forbid (principal, action == Agentcy::Action::"user.list", resource);';

class FakeRepo {
  rows: PolicyEntity[] = [];
  find(orgId: string, id: string) {
    return Promise.resolve(this.rows.find((r) => r.orgId === orgId && r.id === id) ?? null);
  }
  findByName(orgId: string, name: string) {
    return Promise.resolve(this.rows.find((r) => r.orgId === orgId && r.name === name) ?? null);
  }
  create(data: Partial<PolicyEntity>) {
    const row = { ...data, id: ID, version: 1, createdAt: new Date(), updatedAt: new Date() } as PolicyEntity;
    this.rows.push(row);
    return Promise.resolve(row);
  }
  update(orgId: string, id: string, patch: PolicyPatch) {
    const row = this.rows.find((r) => r.orgId === orgId && r.id === id);
    if (row) {
      Object.assign(row, patch, { version: row.version + 1 });
    }
    return Promise.resolve(row ?? null);
  }
  delete(orgId: string, id: string) {
    this.rows = this.rows.filter((r) => !(r.orgId === orgId && r.id === id));
    return Promise.resolve(true);
  }
}

const p: Principal = {
  kind: 'user',
  userId: 'usr_1',
  orgId: 'org_1',
  role: 'admin',
  email: 'a@example.test',
  platformAdmin: false,
  authProvider: 'local',
};
/** A TransactionHost that runs the work without a database (the fake repository holds the rows). */
const txHost = Object.assign(Object.create(TransactionHost.prototype) as TransactionHost, {
  withTransaction: (_: unknown, fn: () => Promise<unknown>) => fn(),
});

function service() {
  const repo = new FakeRepo();
  const store = { ensureSeeded: () => Promise.resolve() } as unknown as PolicyStore;
  const svc = new PoliciesService(
    repo as unknown as PoliciesRepository,
    store,
    {} as PolicyEnforcer,
    {} as RouteActions,
    txHost,
  );
  return { repo, svc };
}

const errorOf = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (e: unknown) => e as AppException,
  );

describe('PoliciesService', () => {
  it('refuses a source that does not compile with line-level compile_errors; creates one that does', async () => {
    const { svc, repo } = service();
    const err = await errorOf(svc.create(p, { name: 'bad', source: 'forbid (principal,\naction resource);' }));
    expect(err).toMatchObject({ status: 400, code: 'policy_compile_failed' });
    expect(err!.details).toMatchObject({ compile_errors: [{ line: 2 }] });
    expect(repo.rows).toEqual([]);
    const created = await svc.create(p, { name: 'good', source: SOURCE });
    expect(created).toMatchObject({ id: ID, name: 'good', enabled: true, builtin: false, created_by: 'usr_1' });
    expect(await errorOf(svc.create(p, { name: 'good', source: SOURCE }))).toMatchObject({
      status: 409,
      code: 'policy_name_taken',
    });
  });

  it('starter policies: no delete, no rename (409); disabling works; other orgs and malformed ids are 404', async () => {
    const { svc, repo } = service();
    repo.rows.push({
      id: ID,
      orgId: 'org_1',
      name: 'api',
      description: null,
      source: SOURCE,
      enabled: true,
      builtin: true,
      version: 1,
      createdBy: null,
      createdAt: new Date(),
      updatedAt: new Date(),
    });
    expect(await errorOf(svc.remove(p, ID))).toMatchObject({ status: 409, code: 'policy_builtin' });
    expect(await errorOf(svc.update(p, ID, { name: 'other' }))).toMatchObject({ status: 409, code: 'policy_builtin' });
    expect(await svc.update(p, ID, { enabled: false })).toMatchObject({ enabled: false, version: 2 });
    expect(await errorOf(svc.get({ ...p, orgId: 'org_2' }, ID))).toMatchObject({ status: 404 });
    expect(await errorOf(svc.get(p, 'audit'))).toMatchObject({ status: 404 });
  });
});
