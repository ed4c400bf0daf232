import type { AuditInput, AuditService } from '@libs/audit';
import type { Principal } from '@libs/auth/principal';
import { AppException } from '@libs/errors';
import type { OrgEvents } from '@libs/events';
import { NoToolPolicy, ToolGate } from '@libs/tool-gate';
import type { ApprovalEntity, ConversationEntity } from 'src/modules/chat/chat.entity';
import type { ChatRepository } from 'src/modules/chat/chat.repository';
import type { ChatSecuritySettings } from 'src/modules/chat/context/chat-security';
import type { ConversationsService } from 'src/modules/chat/conversations/conversations.service';
import type { ToolCallsService } from 'src/modules/chat/tools/tool-calls.service';
import type { ApprovalSignals } from './approval-signals';
import type { ApprovalsRepository } from './approvals.repository';
import { ApprovalsService } from './approvals.service';

/** The approvals table as the decision needs it: the conditional UPDATE only passes a pending, unexpired row. */
class FakeApprovals {
  readonly rows = new Map<string, ApprovalEntity>();
  readonly conversations = new Map<string, Partial<ConversationEntity>>();

  findApproval(orgId: string, id: string) {
    const a = this.rows.get(id);
    return Promise.resolve(a && a.orgId === orgId ? { ...a } : null);
  }
  findApprovalById(id: string) {
    const a = this.rows.get(id);
    return Promise.resolve(a ? { ...a } : null);
  }
  findConversation(orgId: string, id: string) {
    return Promise.resolve(this.conversations.get(id) ?? null);
  }
  decide(orgId: string, id: string, status: 'approved' | 'denied', decidedBy: string | null, note: string | null) {
    const a = this.rows.get(id);
    if (!a || a.orgId !== orgId || a.status !== 'pending' || a.expiresAt.getTime() <= Date.now()) {
      return Promise.resolve(null);
    }
    Object.assign(a, { status, decidedBy, note });
    return Promise.resolve({ ...a });
  }
  expireIfDue(id: string) {
    const a = this.rows.get(id);
    if (a && a.status === 'pending' && a.expiresAt.getTime() <= Date.now()) {
      a.status = 'expired';
      return Promise.resolve(true);
    }
    return Promise.resolve(false);
  }
}

const member = (userId: string): Principal =>
  ({ userId, orgId: 'org-1', role: 'member', email: `${userId}@x.test`, platformAdmin: false }) as Principal;

function approval(over: Partial<ApprovalEntity> = {}): ApprovalEntity {
  return {
    id: 'apr_1',
    orgId: 'org-1',
    conversationId: 'c1',
    toolCallId: 'tc_1',
    tool: 'prod.delete_pod',
    connector: 'kubernetes',
    args: {},
    argsHash: 'h',
    effect: 'write',
    reason: 'write tool requires approval',
    status: 'pending',
    source: 'chat',
    requestedBy: 'alice',
    note: null,
    decidedAt: null,
    createdAt: new Date(),
    expiresAt: new Date(Date.now() + 60_000),
    ...over,
  } as ApprovalEntity;
}

function setup(opts: { allowSelfApproval?: boolean } = {}) {
  const repo = new FakeApprovals();
  repo.conversations.set('c1', { id: 'c1', createdBy: 'alice' });
  const audit: AuditInput[] = [];
  const auditService = { record: (e: AuditInput) => (audit.push(e), Promise.resolve(`aud_${audit.length}`)) };
  const signals: { id: string; status: string; note: string | null }[] = [];
  const orgEvents: { type: string; data: unknown }[] = [];
  const manual: ApprovalEntity[] = [];
  const service = new ApprovalsService(
    repo as unknown as ChatRepository,
    repo as unknown as ApprovalsRepository,
    {} as ConversationsService,
    {
      publish: (id: string, status: string, note: string | null) => (
        signals.push({ id, status, note }),
        Promise.resolve()
      ),
    } as unknown as ApprovalSignals,
    { onManualDecision: (a: ApprovalEntity) => (manual.push(a), Promise.resolve()) } as unknown as ToolCallsService,
    auditService as unknown as AuditService,
    {
      publish: (_org: string, type: string, data: unknown) => (orgEvents.push({ type, data }), Promise.resolve()),
    } as unknown as OrgEvents,
    {
      security: () => Promise.resolve({ allowSelfApproval: opts.allowSelfApproval ?? false }),
    } as unknown as ChatSecuritySettings,
    new ToolGate(auditService as unknown as AuditService, new NoToolPolicy()),
  );
  return { repo, service, audit, signals, orgEvents, manual };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as AppException).code;
  }
  return 'no error';
}

describe('ApprovalsService.decide (approval flow)', () => {
  it('approves a pending approval: wakes the waiter, audits and publishes approval.resolved', async () => {
    const { repo, service, audit, signals, orgEvents } = setup();
    repo.rows.set('apr_1', approval());
    const dto = await service.decide(member('alice'), 'apr_1', { approved: true, note: 'ok' });
    expect(dto).toMatchObject({ status: 'approved' });
    expect(signals).toEqual([{ id: 'apr_1', status: 'approved', note: 'ok' }]);
    expect(audit.map((a) => a.action)).toContain('approval.approved');
    expect(orgEvents).toEqual([
      {
        type: 'approval.resolved',
        data: { approval_id: 'apr_1', conversation_id: 'c1', decision: 'approved', note: 'ok' },
      },
    ]);
  });

  it('denies', async () => {
    const { repo, service, signals } = setup();
    repo.rows.set('apr_1', approval());
    await service.decide(member('alice'), 'apr_1', { approved: false });
    expect(repo.rows.get('apr_1')!.status).toBe('denied');
    expect(signals[0].status).toBe('denied');
  });

  it('refuses self-approval of a destructive call through the gate (403, audited) unless the org allows it', async () => {
    const s1 = setup();
    s1.repo.rows.set('apr_1', approval({ effect: 'destructive' }));
    expect(await codeOf(s1.service.decide(member('alice'), 'apr_1', { approved: true }))).toBe(
      'self_approval_forbidden',
    );
    expect(s1.repo.rows.get('apr_1')!.status).toBe('pending');
    expect(s1.audit.find((a) => a.action === 'approval.decide')?.result).toBe('denied');

    const s2 = setup({ allowSelfApproval: true });
    s2.repo.rows.set('apr_1', approval({ effect: 'destructive' }));
    await s2.service.decide(member('alice'), 'apr_1', { approved: true });
    expect(s2.repo.rows.get('apr_1')!.status).toBe('approved');
  });

  it('lets the requester deny their own destructive call, and another member approve it', async () => {
    const { repo, service } = setup();
    repo.conversations.set('c1', { id: 'c1', createdBy: 'bob' });
    repo.rows.set('apr_1', approval({ effect: 'destructive' }));
    await service.decide(member('alice'), 'apr_1', { approved: false });
    expect(repo.rows.get('apr_1')!.status).toBe('denied');
    repo.rows.set('apr_2', approval({ id: 'apr_2', effect: 'destructive' }));
    await service.decide(member('bob'), 'apr_2', { approved: true });
    expect(repo.rows.get('apr_2')!.status).toBe('approved');
  });

  it('expires a due approval instead of deciding it (409 approval_expired)', async () => {
    const { repo, service, signals, audit } = setup();
    repo.rows.set('apr_1', approval({ expiresAt: new Date(Date.now() - 1000) }));
    expect(await codeOf(service.decide(member('alice'), 'apr_1', { approved: true }))).toBe('approval_expired');
    expect(repo.rows.get('apr_1')!.status).toBe('expired');
    expect(signals).toEqual([{ id: 'apr_1', status: 'expired', note: null }]);
    expect(audit.find((a) => a.action === 'approval.decide')?.result).toBe('failure');
  });

  it('answers 409 approval_already_decided for a decided approval', async () => {
    const { repo, service } = setup();
    repo.rows.set('apr_1', approval({ status: 'denied' }));
    expect(await codeOf(service.decide(member('alice'), 'apr_1', { approved: true }))).toBe('approval_already_decided');
  });

  it('hands a decided manual call to the tool-call service', async () => {
    const { repo, service, manual } = setup();
    repo.rows.set('apr_1', approval({ source: 'manual' }));
    await service.decide(member('alice'), 'apr_1', { approved: true });
    expect(manual.map((a) => a.id)).toEqual(['apr_1']);
  });

  it('hides the approval of another member’s conversation (404)', async () => {
    const { repo, service } = setup();
    repo.rows.set('apr_1', approval());
    expect(await codeOf(service.decide(member('mallory'), 'apr_1', { approved: true }))).toBe('not_found');
  });
});
