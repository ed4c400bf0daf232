import type { AuditInput, AuditService } from '@libs/audit';
import type { AppConfig } from '@libs/config';
import type { ApprovalOutcomes } from 'src/modules/chat/approvals/approval-outcomes';
import type { ApprovalSignals } from 'src/modules/chat/approvals/approval-signals';
import type { ApprovalsRepository } from 'src/modules/chat/approvals/approvals.repository';
import type { ChatRuntime } from 'src/modules/chat/chat-runtime.service';
import type { ApprovalEntity, TurnEntity } from 'src/modules/chat/chat.entity';
import type { ChatRepository } from 'src/modules/chat/chat.repository';
import type { OrphanTurnRecovery } from './orphan-turn-recovery';
import { TurnSweeper } from './turn-sweeper';
import type { TurnsService } from './turns.service';

const ME = 'p|host:1:me';

function setup(opts: {
  running: Partial<TurnEntity>[];
  alive?: string[];
  local?: string[];
  due?: Partial<ApprovalEntity>[];
}) {
  const adopted: string[] = [];
  const closed: string[] = [];
  const signals: string[] = [];
  const applied: string[] = [];
  const audit: AuditInput[] = [];
  const owners = new Map(opts.running.map((t) => [t.id!, t.ownerInstance!]));
  const sweeper = new TurnSweeper(
    {
      runningTurns: () => Promise.resolve(opts.running),
      adoptTurn: (id: string, from: string, to: string) => {
        if (owners.get(id) !== from) {
          return Promise.resolve(false);
        }
        owners.set(id, to);
        adopted.push(id);
        return Promise.resolve(true);
      },
    } as unknown as ChatRepository,
    { expireDue: () => Promise.resolve(opts.due ?? []) } as unknown as ApprovalsRepository,
    { isRunningHere: (t: { id: string }) => (opts.local ?? []).includes(t.id) } as unknown as TurnsService,
    {
      expired: (a: { id: string }) => (signals.push(`${a.id}:expired`), Promise.resolve()),
    } as unknown as ApprovalSignals,
    {
      apply: (_o: string, tc: string) => (applied.push(tc), Promise.resolve({ status: 'expired' })),
    } as unknown as ApprovalOutcomes,
    { close: (t: TurnEntity) => (closed.push(t.id), Promise.resolve()) } as unknown as OrphanTurnRecovery,
    {
      instanceId: ME,
      sameDeployment: (id: string) => id.startsWith('p|'),
      isAlive: (id: string) => Promise.resolve(id === ME || (opts.alive ?? []).includes(id)),
    } as unknown as ChatRuntime,
    { record: (e: AuditInput) => (audit.push(e), Promise.resolve('aud')) } as unknown as AuditService,
    { chat: { sweepIntervalMs: 1000 } } as AppConfig,
  );
  return { sweeper, adopted, closed, signals, applied, audit };
}

describe('TurnSweeper', () => {
  it('adopts only turns of dead replicas of this deployment that are not running here', async () => {
    const { sweeper, adopted, closed } = setup({
      running: [
        { id: 'dead', ownerInstance: 'p|host:2:dead' },
        { id: 'alive', ownerInstance: 'p|host:3:alive' },
        { id: 'other-deployment', ownerInstance: 'q|host:4:x' },
        { id: 'mine-running', ownerInstance: ME },
        { id: 'mine-after-restart', ownerInstance: ME },
      ],
      alive: ['p|host:3:alive'],
      local: ['mine-running'],
    });
    await sweeper.sweep();
    await new Promise((r) => setImmediate(r));
    expect(adopted).toEqual(['dead', 'mine-after-restart']);
    expect(closed).toEqual(['dead', 'mine-after-restart']);
  });

  it('expires due approvals: wakes their waiters, audits, and records a manual call as expired', async () => {
    const { sweeper, signals, applied, audit } = setup({
      running: [],
      due: [
        { id: 'apr_1', orgId: 'o', toolCallId: 'tc_1', source: 'chat', tool: 't', conversationId: 'c' },
        { id: 'apr_2', orgId: 'o', toolCallId: 'tc_2', source: 'manual', tool: 't', conversationId: 'c' },
      ],
    });
    await sweeper.sweep();
    expect(signals).toEqual(['apr_1:expired', 'apr_2:expired']);
    expect(audit.map((a) => a.action)).toEqual(['approval.expired', 'approval.expired']);
    expect(applied).toEqual(['tc_2']);
  });
});
