import type { AuditInput, AuditService } from '@libs/audit';
import { AppException } from '@libs/errors';
import { approvalRule, approverRule, ToolGate } from './tool-gate';
import { DEFAULT_APPROVAL_DEFAULTS, type GateTool, type PolicyOpinion, type ToolGateInput } from './tool-gate.types';
import { NoToolPolicy, ToolPolicy } from './tool-policy';

class FakeAudit {
  readonly entries: AuditInput[] = [];
  record(input: AuditInput): Promise<string> {
    this.entries.push(input);
    return Promise.resolve(`aud_${this.entries.length}`);
  }
}

class FakePolicy extends ToolPolicy {
  constructor(private readonly opinion: PolicyOpinion | null) {
    super();
  }
  evaluate(): Promise<PolicyOpinion | null> {
    return Promise.resolve(this.opinion);
  }
}

const tool = (effect: GateTool['effect'], extra: Partial<GateTool> = {}): GateTool => ({
  qualifiedName: `prod.${effect}_thing`,
  connector: 'kubernetes',
  sourceName: 'prod',
  effect,
  requiresApproval: false,
  ...extra,
});

const input = (over: Partial<ToolGateInput> = {}): ToolGateInput => ({
  orgId: 'org-1',
  caller: { userId: 'u1', email: 'u1@example.test', role: 'member' },
  tool: tool('read'),
  approvalDefaults: DEFAULT_APPROVAL_DEFAULTS,
  agent: null,
  entry: 'direct',
  ...over,
});

function gate(opinion: PolicyOpinion | null = null) {
  const audit = new FakeAudit();
  const policy = opinion ? new FakePolicy(opinion) : new NoToolPolicy();
  return { audit, gate: new ToolGate(audit as unknown as AuditService, policy) };
}

describe('ToolGate.decide', () => {
  it('defaults: read allow, write and destructive need approval; every decision is audited once', async () => {
    const { gate: g, audit } = gate();
    expect(await g.decide(input())).toEqual({
      decision: 'allow',
      policy: 'default-read',
      reason: 'read tool allowed (policy: default-read)',
      auditId: 'aud_1',
    });
    expect(await g.decide(input({ tool: tool('write') }))).toMatchObject({
      decision: 'approve',
      policy: 'default-write',
    });
    expect(await g.decide(input({ tool: tool('destructive') }))).toMatchObject({
      decision: 'approve',
      reason: expect.stringContaining('destructive tool requires approval'),
    });
    expect(audit.entries).toHaveLength(3);
    expect(audit.entries[0]).toMatchObject({
      orgId: 'org-1',
      category: 'policy',
      action: 'chat.tool.execute',
      result: 'success',
      actor: { userId: 'u1' },
      target: { type: 'tool', id: 'prod.read_thing' },
      details: { decision: 'allow', policy: 'default-read', effect: 'read', entry: 'direct', role: 'member' },
    });
  });

  it('viewers run read tools only, whatever the defaults say', async () => {
    const { gate: g, audit } = gate();
    const viewer = { userId: 'v1', email: 'v@example.test', role: 'viewer' as const };
    const allowAll = { read: 'allow', write: 'allow', destructive: 'allow' } as const;
    for (const effect of ['write', 'destructive'] as const) {
      expect(await g.decide(input({ caller: viewer, tool: tool(effect), approvalDefaults: allowAll }))).toMatchObject({
        decision: 'deny',
        policy: 'role-viewer-read-only',
      });
    }
    expect((await g.decide(input({ caller: viewer }))).decision).toBe('allow');
    expect(audit.entries[0]).toMatchObject({ result: 'denied', details: { decision: 'deny', role: 'viewer' } });
    // a service caller (inbound chat webhook) has no role: org and agent rules only
    const service = { userId: null, email: null, role: null };
    expect((await g.decide(input({ caller: service, tool: tool('write'), approvalDefaults: allowAll }))).decision).toBe(
      'allow',
    );
    expect(audit.entries.at(-1)!.actor).toBeNull();
  });

  it("the agent's connector allow-list refuses other connectors (type or source name admits)", async () => {
    const { gate: g } = gate();
    const agent = { name: 'triage', approvalDefaults: null, connectorsAllowlist: ['github'] };
    expect(await g.decide(input({ agent, entry: 'agent_run' }))).toMatchObject({
      decision: 'deny',
      policy: 'agent-connectors-allowlist',
      reason: 'Connector kubernetes is not allowed for agent triage',
    });
    expect((await g.decide(input({ agent: { ...agent, connectorsAllowlist: ['prod'] } }))).decision).toBe('allow');
    expect((await g.decide(input({ agent: { ...agent, connectorsAllowlist: [] } }))).decision).toBe('allow');
  });

  it('the policy hook: a deny wins over everything, an approval demand turns allow into approve', async () => {
    const denied = gate({ decision: 'deny', policy: 'freeze', reason: 'change freeze' }).gate;
    expect(await denied.decide(input())).toMatchObject({ decision: 'deny', policy: 'freeze', reason: 'change freeze' });
    const approve = gate({ decision: 'approve', policy: 'business-hours', reason: 'after hours' }).gate;
    expect(await approve.decide(input())).toMatchObject({ decision: 'approve', policy: 'business-hours' });
    // it cannot loosen: a default deny stays a deny
    const denyWrites = { ...DEFAULT_APPROVAL_DEFAULTS, write: 'deny' as const };
    expect((await approve.decide(input({ tool: tool('write'), approvalDefaults: denyWrites }))).decision).toBe('deny');
  });
});

describe('approval defaults (approvalRule)', () => {
  const read = { effect: 'read' as const, requiresApproval: false };
  const write = { effect: 'write' as const, requiresApproval: false };

  it('requiresApproval forces approval even when the default allows', () => {
    expect(approvalRule({ effect: 'read', requiresApproval: true }, DEFAULT_APPROVAL_DEFAULTS)).toMatchObject({
      decision: 'approve',
      policy: 'tool-requires-approval',
    });
  });

  it('deny refuses; agent overrides win over org defaults', () => {
    expect(approvalRule(write, { ...DEFAULT_APPROVAL_DEFAULTS, write: 'deny' }).decision).toBe('deny');
    expect(
      approvalRule({ effect: 'write', requiresApproval: true }, { ...DEFAULT_APPROVAL_DEFAULTS, write: 'deny' })
        .decision,
    ).toBe('deny');
    expect(approvalRule(write, DEFAULT_APPROVAL_DEFAULTS, { write: 'allow' })).toMatchObject({
      decision: 'allow',
      policy: 'agent-write',
    });
    expect(approvalRule(read, DEFAULT_APPROVAL_DEFAULTS, { read: 'approve' }).decision).toBe('approve');
    expect(approvalRule(write, { ...DEFAULT_APPROVAL_DEFAULTS, write: 'deny' }, { write: 'approve' }).decision).toBe(
      'approve',
    );
    expect(approvalRule(read, DEFAULT_APPROVAL_DEFAULTS, { read: 'deny' }).decision).toBe('deny');
  });
});

describe('who may approve', () => {
  const approval = (effect: string) => ({ id: 'apr_1', tool: 'prod.x', effect, requestedBy: 'u1' });
  const me = { userId: 'u1', email: 'u1@example.test' };

  it('the caller cannot approve their own destructive call unless allow_self_approval is on', () => {
    expect(approverRule({ approval: approval('destructive'), decider: me, allowSelfApproval: false }).decision).toBe(
      'deny',
    );
    expect(approverRule({ approval: approval('destructive'), decider: me, allowSelfApproval: true }).decision).toBe(
      'allow',
    );
    expect(approverRule({ approval: approval('write'), decider: me, allowSelfApproval: false }).decision).toBe('allow');
    const other = { userId: 'u2', email: 'u2@example.test' };
    expect(approverRule({ approval: approval('destructive'), decider: other, allowSelfApproval: false }).decision).toBe(
      'allow',
    );
  });

  it('assertMayApprove: 403 self_approval_forbidden, audited', async () => {
    const { gate: g, audit } = gate();
    const err = await g
      .assertMayApprove({ orgId: 'org-1', approval: approval('destructive'), decider: me, allowSelfApproval: false })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppException);
    expect(err).toMatchObject({ status: 403, code: 'self_approval_forbidden' });
    expect(audit.entries).toEqual([
      expect.objectContaining({ category: 'approval', action: 'approval.decide', result: 'denied' }),
    ]);
    await expect(
      g.assertMayApprove({ orgId: 'org-1', approval: approval('destructive'), decider: me, allowSelfApproval: true }),
    ).resolves.toBeUndefined();
  });
});
