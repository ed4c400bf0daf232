import { deriveAction } from './actions';
import { compilePolicy } from './policy-compiler';
import { clockOf, type PolicyInput } from './policy-input';
import { CompiledPolicySet } from './policy-set';
import { STARTER_POLICIES } from './starters';

const toolCall = (role: string, effect: string, over: Partial<PolicyInput> = {}): PolicyInput => ({
  subject: { user_id: 'usr_1', org_id: 'org_1', role, channel: 'ui' },
  action: 'chat.tool.execute',
  resource: { connector: 'kubernetes', tool: 'kubernetes.delete_pod', tool_effect: effect },
  context: { approval_granted: false, request_id: 'req_1' },
  env: { now: '2026-04-29T12:00:00Z', instance_mode: 'self-hosted' },
  ...over,
});

const DESTRUCTIVE = `@id("destructive")
@message("{resource.tool} is destructive and {principal.role} may not run it")
forbid (principal, action == Agentcy::Action::"chat.tool.execute", resource)
when { resource.tool_effect == "destructive" && !["admin", "owner"].contains(principal.role) };
`;

describe('compilePolicy', () => {
  it('reports parse errors with their line and column', () => {
    const res = compilePolicy('@id("ok")\nforbid (principal, action, resource)\nwhen { context.hour < };\n');
    expect(res.ok).toBe(false);
    expect(!res.ok && res.errors[0]).toMatchObject({ line: 3, message: expect.any(String) });
  });

  it('refuses permit rules, templates and empty sources; reads the annotations', () => {
    const permit = compilePolicy(
      'forbid (principal, action, resource) when { false };\n\npermit (principal, action, resource);',
    );
    expect(!permit.ok && permit.errors[0]).toMatchObject({ line: 3, message: expect.stringContaining('only forbid') });
    expect(compilePolicy('forbid (principal == ?principal, action, resource);').ok).toBe(false);
    expect(compilePolicy('  \n').ok).toBe(false);
    const ok = compilePolicy(DESTRUCTIVE);
    expect(ok.ok && ok.rules[0]).toMatchObject({ id: 'destructive', approval: false, actions: ['chat.tool.execute'] });
  });

  it('refuses sources nested or chained deeply enough to overflow the engine, which stays healthy', () => {
    const deep = `forbid (principal, action, resource)\nwhen { ${'('.repeat(300)}true${')'.repeat(300)} };`;
    expect(compilePolicy(deep)).toMatchObject({
      ok: false,
      errors: [{ line: 2, message: expect.stringContaining('nesting') }],
    });
    const chain = `forbid (principal, action, resource) when { ${Array(600).fill('context.a == 1').join(' || ')} };`;
    expect(compilePolicy(chain)).toMatchObject({ ok: false, errors: [{ message: expect.stringContaining('tokens') }] });
    // brackets inside strings and comments do not count
    expect(
      compilePolicy(
        `// ${'('.repeat(100)}\nforbid (principal, action, resource) when { context.a == "${'['.repeat(100)}" };`,
      ).ok,
    ).toBe(true);
    expect(compilePolicy(DESTRUCTIVE).ok).toBe(true);
  });

  it('every starter bundle compiles', () => {
    for (const s of STARTER_POLICIES) {
      expect([s.name, compilePolicy(s.source).ok]).toEqual([s.name, true]);
    }
  });
});

describe('CompiledPolicySet', () => {
  const set = (source: string, key = 'spec') => new CompiledPolicySet(key, [{ id: 'pol_a', name: 'mine', source }]);

  it('default allow; a forbid that applies denies with its rule and formatted message', () => {
    const s = set(DESTRUCTIVE);
    expect(s.evaluate(toolCall('admin', 'destructive')).decision).toBe('allow');
    expect(s.evaluate(toolCall('member', 'read')).decision).toBe('allow');
    expect(s.evaluate(toolCall('member', 'destructive'))).toEqual({
      decision: 'deny',
      matches: [
        {
          rule: 'mine.destructive',
          policy_id: 'pol_a',
          policy_name: 'mine',
          message: 'kubernetes.delete_pod is destructive and member may not run it',
          kind: 'deny',
        },
      ],
      errors: [],
    });
  });

  it('a rule lifted by approval_granted, or annotated @approval, demands approval instead', () => {
    const unless = set(
      'forbid (principal, action == Agentcy::Action::"chat.tool.execute", resource) when { resource.tool_effect == "write" } unless { context.approval_granted };',
      'spec-unless',
    );
    expect(unless.evaluate(toolCall('member', 'write'))).toMatchObject({
      decision: 'approval_required',
      matches: [{ kind: 'approval', rule: 'mine#1' }],
    });
    // over HTTP no approval can be granted: it denies
    expect(unless.evaluate(toolCall('member', 'write'), { withApproval: false }).decision).toBe('deny');
    const starters = new CompiledPolicySet(
      'spec-starters',
      STARTER_POLICIES.map((s, i) => ({ id: `pol_${i}`, name: s.name, source: s.source })),
    );
    expect(starters.evaluate(toolCall('member', 'write'))).toMatchObject({
      decision: 'approval_required',
      matches: [{ rule: 'connectors.write_needs_approval', kind: 'approval' }],
    });
    expect(starters.evaluate(toolCall('admin', 'write')).decision).toBe('allow');
    expect(starters.evaluate(toolCall('viewer', 'destructive')).decision).toBe('deny');
  });

  it('rules scoped to other actions are not evaluated; errors are reported, not applied', () => {
    const s = set(DESTRUCTIVE, 'spec-scope');
    expect(s.concerns('user.list')).toBe(false);
    const any = set('forbid (principal, action, resource) when { resource.missing == 1 };', 'spec-err');
    const d = any.evaluate(toolCall('member', 'read'));
    expect(d.decision).toBe('allow');
    expect(d.errors[0]).toMatchObject({ rule: 'mine#1' });
  });

  it('business hours come from the context clock (UTC)', () => {
    const starters = new CompiledPolicySet(
      'spec-hours',
      STARTER_POLICIES.map((s, i) => ({ id: `pol_${i}`, name: s.name, source: s.source })),
    );
    const del = (now: string): PolicyInput => ({
      subject: { user_id: 'usr_1', org_id: 'org_1', role: 'owner', channel: 'ui' },
      action: 'source.delete',
      resource: { path: '/sources/:id', method: 'DELETE', id: 'x' },
      context: { request_id: 'req_1' },
      env: { now, instance_mode: 'self-hosted' },
    });
    expect(starters.evaluate(del('2026-04-29T12:00:00Z'), { withApproval: false }).decision).toBe('allow');
    expect(starters.evaluate(del('2026-04-29T20:00:00Z'), { withApproval: false }).decision).toBe('deny');
    expect(starters.evaluate(del('2026-05-02T12:00:00Z'), { withApproval: false }).decision).toBe('deny');
  });
});

describe('clockOf', () => {
  it("reads the clock in the org's time zone; UTC when unknown", () => {
    expect(clockOf('2026-04-29T23:30:00Z')).toEqual({ hour: 23, minute: 30, weekday: 3 });
    expect(clockOf('2026-04-29T23:30:00Z', 'Asia/Tokyo')).toEqual({ hour: 8, minute: 30, weekday: 4 });
    expect(clockOf('2026-04-29T23:30:00Z', 'Not/AZone')).toEqual({ hour: 23, minute: 30, weekday: 3 });
  });
});

describe('deriveAction (policies.md §3)', () => {
  it.each([
    ['GET', '/api/v1/sources', 'source.list'],
    ['GET', '/api/v1/sources/:id', 'source.read'],
    ['POST', '/api/v1/sources', 'source.create'],
    ['PATCH', '/api/v1/sources/:id', 'source.update'],
    ['PUT', '/api/v1/sources/:id', 'source.update'],
    ['DELETE', '/api/v1/sources/:id', 'source.delete'],
    ['POST', '/api/v1/sources/:id/sync', 'source.sync'],
    ['POST', '/api/v1/tasks/:id/run', 'task.run'],
    ['POST', '/api/v1/api-keys/:id/rotate', 'api_key.rotate'],
    ['POST', '/api/v1/chat/conversations/:id/messages', 'chat.message.send'],
    ['POST', '/api/v1/chat/conversations/:id/approvals/:aid', 'chat.approval.decide'],
    ['POST', '/api/v1/chat/conversations/:id/tool-calls', 'chat.tool.execute'],
    ['POST', '/api/v1/graph/cypher', 'graph.cypher'],
    ['GET', '/api/v1/chat/conversations', 'chat.conversation.list'],
    ['POST', '/api/v1/chat/conversations', 'chat.conversation.create'],
    ['GET', '/api/v1/sources/:id/jobs', 'source.job.list'],
    ['POST', '/api/v1/sources/:id/tools/:tool/execute', 'source.tool.execute'],
    ['GET', '/api/v1/policies/actions', 'policy.action.list'],
    ['POST', '/api/v1/policies/evaluate', 'policy.evaluate'],
    ['GET', '/api/v1/users/me', 'user.me.read'],
  ])('%s %s → %s', (method, path, action) => {
    expect(deriveAction(method, path)).toBe(action);
  });
});
