import type { CatalogTool } from '@libs/connectors/tool-catalog.port';
import type { SecretBox } from '@libs/crypto';
import type { ToolCallEntity, ToolCallStatus } from 'src/modules/chat/chat.entity';
import type { ChatRepository } from 'src/modules/chat/chat.repository';
import type { ToolExecutor } from 'src/modules/chat/tools/tool-executor';
import { ApprovalOutcomes } from './approval-outcomes';
import type { ApprovalsRepository } from './approvals.repository';

class FakeToolCalls {
  readonly rows = new Map<string, Partial<ToolCallEntity>>();
  transitionToolCall(id: string, from: ToolCallStatus[], patch: Partial<ToolCallEntity>) {
    const row = this.rows.get(id);
    if (!row || !from.includes(row.status!)) {
      return Promise.resolve(false);
    }
    Object.assign(row, patch);
    return Promise.resolve(true);
  }
  findToolCall(_orgId: string, id: string) {
    return Promise.resolve(this.rows.get(id) ?? null);
  }
  sealedArgs() {
    return Promise.resolve(Buffer.from('sealed'));
  }
}

const tool = { qualifiedName: 'prod.delete_pod', effect: 'destructive' } as CatalogTool;

function setup() {
  const repo = new FakeToolCalls();
  repo.rows.set('tc_1', { id: 'tc_1', status: 'pending_approval' });
  const executed: { id: string; approved: boolean }[] = [];
  const executor = {
    executeAndStore: (_org: string, id: string, _t: CatalogTool, _a: unknown, approved: boolean) => {
      executed.push({ id, approved });
      Object.assign(repo.rows.get(id)!, { status: 'completed', result: { ok: true } });
      return Promise.resolve({ status: 'completed', result: { ok: true } });
    },
    storedOutcome: (_org: string, id: string) => {
      const r = repo.rows.get(id)!;
      return Promise.resolve({ status: r.status, error: r.error ?? undefined, result: r.result ?? undefined });
    },
  };
  const box = { openJson: () => ({ name: 'web-1' }) };
  const outcomes = new ApprovalOutcomes(
    repo as unknown as ChatRepository,
    repo as unknown as ApprovalsRepository,
    executor as unknown as ToolExecutor,
    box as unknown as SecretBox,
  );
  return { repo, executed, outcomes };
}

describe('ApprovalOutcomes', () => {
  it('runs an approved call once: the pending_approval → running transition is conditional', async () => {
    const { outcomes, executed } = setup();
    const first = await outcomes.apply('org', 'tc_1', tool, {}, { status: 'approved', note: null });
    const second = await outcomes.apply('org', 'tc_1', tool, {}, { status: 'approved', note: null });
    expect(first.status).toBe('completed');
    expect(second.status).toBe('completed');
    expect(executed).toEqual([{ id: 'tc_1', approved: true }]);
  });

  it('fails an approved call whose tool left the catalog', async () => {
    const { outcomes, repo } = setup();
    const o = await outcomes.apply('org', 'tc_1', undefined, {}, { status: 'approved', note: null });
    expect(o).toMatchObject({ status: 'failed', error: { code: 'tool_not_found' } });
    expect(repo.rows.get('tc_1')!.status).toBe('failed');
  });

  it.each([
    [{ status: 'denied', note: 'no' }, 'denied', 'policy_denied', 'Denied by approver: no'],
    [{ status: 'denied', note: null }, 'denied', 'policy_denied', 'Denied by approver'],
    [{ status: 'expired', note: null }, 'expired', 'approval_expired', 'No decision before the approval expired'],
    [
      { status: 'cancelled', note: 'turn cancelled' },
      'failed',
      'cancelled',
      'The turn was cancelled while waiting for approval',
    ],
  ] as const)('records %j as %s / %s', async (decision, status, code, message) => {
    const { outcomes, executed } = setup();
    const o = await outcomes.apply('org', 'tc_1', tool, {}, decision);
    expect(o.status).toBe(status);
    expect(o.error).toEqual({ code, message });
    expect(executed).toEqual([]);
  });

  it('opens the sealed arguments of an approval', async () => {
    const { outcomes } = setup();
    await expect(outcomes.approvedArgs('apr_1')).resolves.toEqual({ name: 'web-1' });
  });
});
