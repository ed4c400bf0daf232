import type { AppConfig } from '@libs/config';
import type { ApprovalEntity } from 'src/modules/chat/chat.entity';
import type { ApprovalSignals } from './approval-signals';
import { ApprovalWaiter } from './approval-waiter';
import type { ApprovalsRepository } from './approvals.repository';

class FakeApprovals {
  readonly rows = new Map<string, Pick<ApprovalEntity, 'id' | 'status' | 'note' | 'expiresAt'>>();
  findApprovalById(id: string) {
    const a = this.rows.get(id);
    return Promise.resolve(a ? { ...a } : null);
  }
  expireIfDue(id: string) {
    const a = this.rows.get(id);
    if (a && a.status === 'pending' && a.expiresAt.getTime() <= Date.now()) {
      a.status = 'expired';
      return Promise.resolve(true);
    }
    return Promise.resolve(false);
  }
  expirePending(id: string) {
    const a = this.rows.get(id);
    if (a && a.status === 'pending') {
      a.status = 'expired';
      return Promise.resolve(true);
    }
    return Promise.resolve(false);
  }
}

class FakeSignals {
  readonly published: { id: string; status: string; note: string | null }[] = [];
  readonly listeners = new Map<string, () => void>();
  readonly orgEvents: string[] = [];
  publish(id: string, status: string, note: string | null) {
    this.published.push({ id, status, note });
    return Promise.resolve();
  }
  expired(a: { id: string }) {
    this.orgEvents.push(`approval.expired:${a.id}`);
    return this.publish(a.id, 'expired', null);
  }
  subscribe(id: string, fn: () => void) {
    this.listeners.set(id, fn);
    return Promise.resolve(() => (this.listeners.delete(id), Promise.resolve()));
  }
}

function setup(pollMs = 10_000) {
  const repo = new FakeApprovals();
  const signals = new FakeSignals();
  const config = { chat: { approvalPollMs: pollMs } } as unknown as AppConfig;
  const waiter = new ApprovalWaiter(
    repo as unknown as ApprovalsRepository,
    signals as unknown as ApprovalSignals,
    config,
  );
  return { repo, signals, waiter };
}

describe('ApprovalWaiter', () => {
  it('settles when a decision is signalled on approval:<id>', async () => {
    const { repo, signals, waiter } = setup();
    repo.rows.set('a1', { id: 'a1', status: 'pending', note: null, expiresAt: new Date(Date.now() + 60_000) });
    const wait = waiter.wait(repo.rows.get('a1')!);
    await new Promise((r) => setImmediate(r));
    Object.assign(repo.rows.get('a1')!, { status: 'approved', note: 'go' });
    signals.listeners.get('a1')!();
    await expect(wait).resolves.toEqual({ status: 'approved', note: 'go' });
    expect(signals.listeners.size).toBe(0);
  });

  it('expires the approval itself at expires_at and tells the other waiters', async () => {
    const { repo, signals, waiter } = setup();
    repo.rows.set('a1', { id: 'a1', status: 'pending', note: null, expiresAt: new Date(Date.now() + 30) });
    await expect(waiter.wait(repo.rows.get('a1')!)).resolves.toEqual({ status: 'expired', note: null });
    expect(repo.rows.get('a1')!.status).toBe('expired');
    expect(signals.published).toEqual([{ id: 'a1', status: 'expired', note: null }]);
    expect(signals.orgEvents).toEqual(['approval.expired:a1']);
  });

  it('a cancelled turn expires the approval and ends the wait as `cancelled`', async () => {
    const { repo, signals, waiter } = setup(10);
    repo.rows.set('a1', { id: 'a1', status: 'pending', note: null, expiresAt: new Date(Date.now() + 60_000) });
    let cancelled = false;
    const wait = waiter.wait(repo.rows.get('a1')!, () => Promise.resolve(cancelled));
    cancelled = true;
    await expect(wait).resolves.toEqual({ status: 'cancelled', note: 'turn cancelled' });
    expect(repo.rows.get('a1')!.status).toBe('expired');
    expect(signals.published).toEqual([{ id: 'a1', status: 'expired', note: 'turn cancelled' }]);
    // a cancelled turn's approval is not a deadline expiry: no approval.expired event
    expect(signals.orgEvents).toEqual([]);
  });

  it('a decision that won the race against the cancel is kept', async () => {
    const { repo, waiter } = setup(10);
    repo.rows.set('a1', { id: 'a1', status: 'pending', note: null, expiresAt: new Date(Date.now() + 60_000) });
    repo.expirePending = () => {
      Object.assign(repo.rows.get('a1')!, { status: 'approved', note: null });
      return Promise.resolve(false);
    };
    await expect(waiter.wait(repo.rows.get('a1')!, () => Promise.resolve(true))).resolves.toEqual({
      status: 'approved',
      note: null,
    });
  });

  it('a vanished approval counts as expired', async () => {
    const { waiter } = setup();
    await expect(waiter.wait({ id: 'gone', expiresAt: new Date(Date.now() + 60_000) })).resolves.toEqual({
      status: 'expired',
      note: null,
    });
  });
});
