import type { OrgStatusPort } from '@libs/auth/auth-strategy';
import type { SecretBox } from '@libs/crypto';
import { fakePrincipalChanges } from '../../../test/support/fake-principal-changes';
import type { HookIntake } from './hook-intake.service';
import { HookTriggers } from './hook-triggers';
import type { WebhooksRepository } from './webhooks.repository';

const TASK = 'task_0123456789abcdef0123456789abcdef';

function setup() {
  const secrets = new Map<string, string>([[TASK, 'whsec_one']]);
  let gate: Promise<void> | undefined;
  let open: () => void = () => undefined;
  const intake = {
    taskRuns: {
      hookTarget: async (id: string) => {
        const secret0 = secrets.get(id);
        if (gate) {
          await gate; // the row was read before the gate: what it read is the old secret
          gate = undefined;
          return secret0 ? { taskId: id, orgId: 'org-1', enabled: true, secret: secret0 } : null;
        }
        const secret = secrets.get(id);
        return secret ? { taskId: id, orgId: 'org-1', enabled: true, secret } : null;
      },
    },
  } as unknown as HookIntake;
  const changes = fakePrincipalChanges();
  const orgStatus = { isActive: async () => true } as unknown as OrgStatusPort;
  const triggers = new HookTriggers({} as WebhooksRepository, intake, {} as SecretBox, orgStatus, changes.changes);
  return {
    triggers,
    secrets,
    announce: changes.hear,
    gap: changes.gap,
    holdNextLoad: () => (gate = new Promise<void>((r) => (open = r))),
    releaseLoad: () => open(),
  };
}

describe('HookTriggers (the fast lane cache)', () => {
  it('is filled by a load and serves the trigger with its org state', async () => {
    const s = setup();
    await s.triggers.onModuleInit();
    expect(s.triggers.cached(TASK)).toBeUndefined();
    await s.triggers.load(TASK);
    expect(s.triggers.cached(TASK)).toMatchObject({ orgId: 'org-1', secret: 'whsec_one', orgActive: true });
  });

  it('drops a trigger when it changes, the triggers of an org that changes, and everything after a gap', async () => {
    const s = setup();
    await s.triggers.onModuleInit();
    await s.triggers.load(TASK);
    s.announce({ kind: 'hook_trigger', id: TASK });
    expect(s.triggers.cached(TASK)).toBeUndefined();
    await s.triggers.load(TASK);
    s.announce({ kind: 'org', id: 'org-2' });
    expect(s.triggers.cached(TASK)).toBeDefined();
    s.announce({ kind: 'org', id: 'org-1' });
    expect(s.triggers.cached(TASK)).toBeUndefined();
    await s.triggers.load(TASK);
    s.gap();
    expect(s.triggers.cached(TASK)).toBeUndefined();
  });

  it('does not cache what a load read before a change announced while it ran', async () => {
    const s = setup();
    await s.triggers.onModuleInit();
    void s.holdNextLoad();
    const loading = s.triggers.load(TASK);
    await new Promise((r) => setImmediate(r));
    s.secrets.set(TASK, 'whsec_two');
    s.announce({ kind: 'hook_trigger', id: TASK }); // the rotation commits while the old row is in flight
    s.releaseLoad();
    await loading;
    expect(s.triggers.cached(TASK)).toBeUndefined();
    await s.triggers.load(TASK);
    expect(s.triggers.cached(TASK)?.secret).toBe('whsec_two');
  });

  it('forgets an entry after its TTL', async () => {
    const s = setup();
    await s.triggers.onModuleInit();
    await s.triggers.load(TASK);
    const now = Date.now();
    jest.spyOn(Date, 'now').mockReturnValue(now + 31_000);
    try {
      expect(s.triggers.cached(TASK)).toBeUndefined();
    } finally {
      jest.restoreAllMocks();
    }
  });
});
