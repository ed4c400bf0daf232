import { ReplicaPresence } from '@libs/redis/replica-presence';
import { DataSource } from 'typeorm';
import { registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import { startFakeSpeech, type FakeSpeech } from '../support/fake-speech-server';
import { spawnApiProcess, type SpawnedApi } from '../support/spawn-api';
import { eventually } from './chat-helpers';
import { createVoiceSession, openVoice, sleep, type VoiceClient } from './voice-helpers';

const TTL_MS = 1500;
const SWEEP_MS = 500;

/**
 * A `/voice` session's socket lives in the API process that accepted it. That process (a second API
 * process of the same deployment) is SIGKILLed with the socket open; the sweeper of this jest
 * process's app ends the session `ended`/`interrupted` once the dead process's presence key lapses.
 * Sessions held by a live replica (another child process, and this app itself) are never touched.
 */
describe('/voice recovery: a session whose replica died ends interrupted', () => {
  let t: TestApp;
  let speech: FakeSpeech;
  let doomed: SpawnedApi | undefined;
  let live: SpawnedApi | undefined;
  let owner: TestUser;
  let db: DataSource;
  const clients: VoiceClient[] = [];
  const env = () => ({
    AGENTCY_FEATURES_VOICE: 'true',
    ...speech.openaiEnv,
    CHAT_INSTANCE_TTL_MS: String(TTL_MS),
    VOICE_SWEEP_INTERVAL_MS: String(SWEEP_MS),
  });

  beforeAll(async () => {
    speech = await startFakeSpeech();
    t = await startTestApp(env());
    db = t.app.get(DataSource);
    owner = await registerOwner(t, 'voicerec');
    [doomed, live] = await Promise.all([
      spawnApiProcess({ ...env(), MIGRATIONS_RUN: 'false' }),
      spawnApiProcess({ ...env(), MIGRATIONS_RUN: 'false' }),
    ]);
  }, 90_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await doomed?.kill(0);
    await live?.kill(0);
    await t?.close();
    await speech?.close();
  });

  /** Opens a new session's socket on the API at `baseUrl` (the token is valid on any replica). */
  const openOn = async (baseUrl: string) => {
    const s = await createVoiceSession(t, owner, { audio: { sample_rate: 16_000, vad: true } });
    const u = new URL(s.ws_url);
    const c = await openVoice(`${baseUrl.replace(/^http/, 'ws')}${u.pathname}${u.search}`);
    clients.push(c);
    await c.next((m) => m.type === 'session.started');
    return { id: s.session_id, client: c };
  };
  const get = async (id: string) =>
    (await t.http().get(`/api/v1/voice/sessions/${id}`).set(owner.auth).expect(200)).body as Record<string, unknown>;
  const ownerOf = async (id: string) =>
    (
      (await db.query(`SELECT owner_instance FROM voice_sessions WHERE id = $1`, [id])) as { owner_instance: string }[]
    )[0].owner_instance;
  const interruptedAudits = async () =>
    (await db.query(
      `SELECT target, details, result FROM audit_log WHERE org_id = $1 AND action = 'voice.session_interrupted'`,
      [owner.orgId],
    )) as { target: { id: string }; details: Record<string, unknown>; result: string }[];

  it('SIGKILL of the replica holding the socket → ended/interrupted within TTL + sweep interval; live replicas untouched', async () => {
    const onDoomed = await openOn(doomed!.baseUrl);
    const onLive = await openOn(live!.baseUrl);
    const onSelf = await openOn(t.baseUrl);
    expect(await get(onDoomed.id)).toMatchObject({ status: 'active', end_reason: null, ended_at: null });
    // each session records the replica that holds its socket
    const deadOwner = await ownerOf(onDoomed.id);
    const liveOwner = await ownerOf(onLive.id);
    expect(await ownerOf(onSelf.id)).toBe(t.app.get(ReplicaPresence).instanceId);
    expect(new Set([deadOwner, liveOwner, await ownerOf(onSelf.id)]).size).toBe(3);

    // while every replica is alive, sweeps leave all sessions alone
    await sleep(TTL_MS + 2 * SWEEP_MS);
    for (const s of [onDoomed, onLive, onSelf]) {
      expect(await get(s.id)).toMatchObject({ status: 'active', end_reason: null });
    }

    doomed!.signal('SIGKILL');
    await doomed!.exited;
    const killedAt = Date.now();
    await onDoomed.client.closed;
    const ended = await eventually(
      async () => {
        const s = await get(onDoomed.id);
        return s.status === 'ended' ? s : null;
      },
      20_000,
      100,
    );
    const tookMs = Date.now() - killedAt;
    expect(ended).toMatchObject({ status: 'ended', end_reason: 'interrupted', ended_at: expect.any(String) });
    // TTL + sweep interval, plus slack
    expect(tookMs).toBeLessThan(TTL_MS + SWEEP_MS + 3_000);
    // listed as ended too
    const list = await t.http().get('/api/v1/voice/sessions').set(owner.auth).expect(200);
    expect(list.body.items.find((s: { id: string }) => s.id === onDoomed.id)).toMatchObject({
      status: 'ended',
      end_reason: 'interrupted',
    });
    // ended exactly once (the live child's sweeper races this app's): one audit entry
    await eventually(async () => ((await interruptedAudits()).length ? true : null));
    await sleep(2 * SWEEP_MS);
    const audits = await interruptedAudits();
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({
      result: 'failure',
      target: { type: 'voice_session', id: onDoomed.id },
      details: { owner_instance: deadOwner, end_reason: 'interrupted' },
    });

    // sessions of live replicas stay active through further sweeps, and their sockets still work
    await sleep(TTL_MS + 2 * SWEEP_MS);
    expect(await get(onLive.id)).toMatchObject({ status: 'active', end_reason: null, ended_at: null });
    expect(await get(onSelf.id)).toMatchObject({ status: 'active', end_reason: null, ended_at: null });
    for (const s of [onLive, onSelf]) {
      s.client.send({ type: 'end' });
      expect(await s.client.next((m) => m.type === 'session.ended')).toMatchObject({ reason: 'client' });
      await eventually(async () => ((await get(s.id)).status === 'ended' ? true : null));
      expect(await get(s.id)).toMatchObject({ status: 'ended', end_reason: 'client' });
    }
    expect(await interruptedAudits()).toHaveLength(1);
  }, 60_000);
});
