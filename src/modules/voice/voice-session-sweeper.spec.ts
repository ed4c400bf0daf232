import type { AuditInput, AuditService } from '@libs/audit';
import type { AppConfig } from '@libs/config';
import { ReplicaPresence } from '@libs/redis/replica-presence';
import { VoiceSessionSweeper } from './voice-session-sweeper';
import type { VoiceSessionEntity } from './voice-session.entity';
import type { VoiceRepository } from './voice.repository';

const ME = 'p|host:1:me';
const DEAD = 'p|host:2:dead';
const LIVE = 'p|host:3:live';
const OTHER = 'q|host:4:other-deployment';

const session = (id: string, ownerInstance: string | null): VoiceSessionEntity =>
  ({ id, orgId: 'org-1', status: 'active', ownerInstance, startedAt: new Date() }) as VoiceSessionEntity;

describe('VoiceSessionSweeper (which sessions it ends)', () => {
  function setup(opts: { sessions: VoiceSessionEntity[]; alive?: string[]; lost?: string[]; failList?: boolean }) {
    const rows = new Map(opts.sessions.map((s) => [s.id, { ...s }]));
    const attempts: string[] = [];
    const audit: AuditInput[] = [];
    const reads: string[] = [];
    const sweeper = new VoiceSessionSweeper(
      {
        activeOwnedSessions: () =>
          opts.failList
            ? Promise.reject(new Error('db down'))
            : Promise.resolve([...rows.values()].filter((s) => s.status === 'active' && s.ownerInstance)),
        endInterrupted: (id: string, owner: string) => {
          attempts.push(`${id}:${owner}`);
          const row = rows.get(id);
          // the conditional UPDATE: still active, still the dead owner's (another sweeper may have won)
          if (!row || row.status !== 'active' || row.ownerInstance !== owner || (opts.lost ?? []).includes(id)) {
            return Promise.resolve(false);
          }
          row.status = 'ended';
          row.endReason = 'interrupted';
          return Promise.resolve(true);
        },
      } as unknown as VoiceRepository,
      {
        instanceId: ME,
        sameDeployment: (id: string) => id.startsWith('p|'),
        isAlive: (id: string) => (reads.push(id), Promise.resolve(id === ME || (opts.alive ?? []).includes(id))),
        orphanCheck: ReplicaPresence.prototype.orphanCheck,
      } as unknown as ReplicaPresence,
      { record: (e: AuditInput) => (audit.push(e), Promise.resolve('aud')) } as unknown as AuditService,
      { voice: { sweepIntervalMs: 1000 } } as AppConfig,
    );
    return { sweeper, rows, attempts, audit, reads };
  }

  it('ends only active sessions of dead replicas of this deployment, after winning the conditional UPDATE', async () => {
    const s = setup({
      sessions: [
        session('dead-1', DEAD),
        session('dead-2', DEAD),
        session('live', LIVE),
        session('mine', ME),
        session('other', OTHER),
        session('legacy', null),
        session('lost', 'p|host:5:gone'),
      ],
      alive: [LIVE],
      lost: ['lost'],
    });
    expect((await s.sweeper.sweep()).sort()).toEqual(['dead-1', 'dead-2']);
    expect(s.attempts.sort()).toEqual(['dead-1:p|host:2:dead', 'dead-2:p|host:2:dead', 'lost:p|host:5:gone']);
    // one liveness read per owner and pass; its own sessions and other deployments are never read
    expect(s.reads.sort()).toEqual([DEAD, LIVE, 'p|host:5:gone'].sort());
    for (const id of ['live', 'mine', 'other', 'legacy']) {
      expect(s.rows.get(id)!.status).toBe('active');
    }
    expect(s.rows.get('dead-1')).toMatchObject({ status: 'ended', endReason: 'interrupted' });
    expect(s.audit).toHaveLength(2);
    expect(s.audit[0]).toMatchObject({
      orgId: 'org-1',
      action: 'voice.session_interrupted',
      result: 'failure',
      actor: null,
      target: { type: 'voice_session', id: 'dead-1' },
      details: { owner_instance: DEAD, ended_by: ME, end_reason: 'interrupted' },
    });
  });

  it('never ends a session twice (a second pass finds nothing), and a failed listing is only logged', async () => {
    const s = setup({ sessions: [session('dead-1', DEAD)] });
    expect(await s.sweeper.sweep()).toEqual(['dead-1']);
    expect(await s.sweeper.sweep()).toEqual([]);
    expect(s.audit).toHaveLength(1);
    const f = setup({ sessions: [session('dead-1', DEAD)], failList: true });
    expect(await f.sweeper.sweep()).toEqual([]);
  });

  it('does nothing once stopped, and its timer does not hold the process', async () => {
    const s = setup({ sessions: [session('dead-1', DEAD)] });
    s.sweeper.onApplicationBootstrap();
    s.sweeper.onModuleDestroy();
    await new Promise((r) => setImmediate(r));
    expect(await s.sweeper.sweep()).toEqual([]);
  });
});
