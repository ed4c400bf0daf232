import type { AuditService } from '@libs/audit';
import type { Principal } from '@libs/auth/principal';
import { NotFoundException, ValidationException } from '@libs/errors';
import type { AgentsContract } from 'src/modules/agents/agents.contract';
import type { BindingsRepository } from './bindings.repository';
import { BindingsService } from './bindings.service';
import type { ChannelBindingEntity } from './channel.entity';

/** In-memory stand-in of the bindings part of ChannelsRepository. */
class FakeRepo {
  rows: ChannelBindingEntity[] = [];
  private n = 0;
  listBindings = async (orgId: string, channel?: string) =>
    this.rows
      .filter((r) => r.orgId === orgId && (!channel || r.channel === channel))
      .sort((a, b) => a.position - b.position);
  findBinding = async (orgId: string, id: string) => this.rows.find((r) => r.orgId === orgId && r.id === id) ?? null;
  nextPosition = async (orgId: string) => (await this.listBindings(orgId)).length;
  createBinding = async (data: Partial<ChannelBindingEntity>) => {
    const row = {
      ...data,
      id: `bnd_${++this.n}`,
      createdAt: new Date(),
      updatedAt: new Date(),
    } as ChannelBindingEntity;
    this.rows.push(row);
    return row;
  };
  reorder = async (orgId: string, ids: string[]) =>
    ids.forEach((id, i) => {
      this.rows.find((r) => r.orgId === orgId && r.id === id)!.position = i;
    });
}

describe('BindingsService', () => {
  const p = { orgId: 'org-1', userId: 'u1' } as Principal;
  let repo: FakeRepo;
  let svc: BindingsService;

  beforeEach(() => {
    repo = new FakeRepo();
    const agents = {
      resolve: async (_org: string, name: string) => {
        if (name !== 'default') {
          throw new NotFoundException('Agent');
        }
        return { id: 'a1', name };
      },
    } as unknown as AgentsContract;
    const audit = { record: async () => undefined } as unknown as AuditService;
    svc = new BindingsService(repo as unknown as BindingsRepository, agents, audit);
  });

  it('appends, or inserts at the given position', async () => {
    const a = await svc.create(p, { agent: 'default', match_rule: { channel: 'slack' } });
    const b = await svc.create(p, { agent: 'default', match_rule: { channel: 'slack' } });
    const c = await svc.create(p, { agent: 'default', match_rule: { channel: 'slack', from: 'x*' }, position: 0 });
    expect((await repo.listBindings('org-1')).map((r) => r.id)).toEqual([c.id, a.id, b.id]);
    expect(c.match_rule).toEqual({ channel: 'slack', from: 'x*' });
  });

  it('text_regex must compile as RE2', async () => {
    await expect(
      svc.create(p, { agent: 'default', match_rule: { channel: 'slack', text_regex: '(?<=x)y' } }),
    ).rejects.toBeInstanceOf(ValidationException);
    const ok = await svc.create(p, { agent: 'default', match_rule: { channel: 'slack', text_regex: '^deploy ' } });
    expect(ok.match_rule.text_regex).toBe('^deploy ');
  });

  it('an unknown agent is a 400, not a 404', async () => {
    await expect(svc.create(p, { agent: 'ghost', match_rule: { channel: 'slack' } })).rejects.toBeInstanceOf(
      ValidationException,
    );
  });

  it('reorder needs every id of the org exactly once', async () => {
    const a = await svc.create(p, { agent: 'default', match_rule: { channel: 'slack' } });
    const b = await svc.create(p, { agent: 'default', match_rule: { channel: 'slack' } });
    await expect(svc.reorder(p, [a.id])).rejects.toBeInstanceOf(ValidationException);
    await expect(svc.reorder(p, [a.id, a.id])).rejects.toBeInstanceOf(ValidationException);
    await expect(svc.reorder(p, [a.id, 'bnd_other'])).rejects.toBeInstanceOf(ValidationException);
    const page = await svc.reorder(p, [b.id, a.id]);
    expect(page.items.map((x) => x.id)).toEqual([b.id, a.id]);
  });

  it('routeIncoming: unbound when no enabled incoming binding targets the endpoint, else first match or drop', async () => {
    const E1 = '11111111-1111-4111-8111-111111111111';
    const E2 = '22222222-2222-4222-8222-222222222222';
    const m = (endpoint: string, from: string) => ({
      channel: 'incoming' as const,
      endpoint,
      from,
      chat: null,
      thread: null,
      team: null,
      conversationType: null,
      mentioned: false,
      text: 'hi',
    });
    await svc.create(p, { agent: 'default', match_rule: { channel: 'slack' } });
    expect(await svc.routeIncoming('org-1', m(E1, 'vip-1'))).toEqual({ bound: false });
    const b = await svc.create(p, {
      agent: 'default',
      match_rule: { channel: 'incoming', endpoint: E1, from: 'vip-*' },
    });
    expect(await svc.routeIncoming('org-1', m(E1, 'vip-1'))).toEqual({
      bound: true,
      match: { id: b.id, agent: 'default', realm: null },
    });
    expect(await svc.routeIncoming('org-1', m(E1, 'other'))).toEqual({ bound: true, match: null });
    expect(await svc.routeIncoming('org-1', m(E2, 'vip-1'))).toEqual({ bound: false });
    // another org's bindings are never read
    expect(await svc.routeIncoming('org-2', m(E1, 'other'))).toEqual({ bound: false });
    await expect(
      svc.create(p, { agent: 'default', match_rule: { channel: 'slack', endpoint: E1 } }),
    ).rejects.toBeInstanceOf(ValidationException);
    await expect(
      svc.create(p, { agent: 'default', match_rule: { channel: 'incoming', endpoint: 'nope' } }),
    ).rejects.toBeInstanceOf(ValidationException);
  });
});
