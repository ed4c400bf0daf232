import { addMember, registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';

/** /voice routes without a usable speech provider: the flag gate, 503, validation, and reads. */
describe('voice sessions: feature off', () => {
  let t: TestApp;
  let owner: TestUser;

  beforeAll(async () => {
    t = await startTestApp({
      AGENTCY_FEATURES_VOICE: 'false',
      VOICE_STT_PROVIDER: 'openai',
      VOICE_BASE_URL: 'http://127.0.0.1:9/v1',
    });
    owner = await registerOwner(t, 'voiceoff');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers 404 feature_disabled on every /voice route', async () => {
    const post = await t.http().post('/api/v1/voice/sessions').set(owner.auth).send({}).expect(404);
    expect(post.body.error.code).toBe('feature_disabled');
    const list = await t.http().get('/api/v1/voice/sessions').set(owner.auth).expect(404);
    expect(list.body.error.code).toBe('feature_disabled');
    await t
      .http()
      .get(`/api/v1/voice/sessions/vs_${'0'.repeat(32)}`)
      .set(owner.auth)
      .expect(404);
  });
});

describe('voice sessions: no speech provider', () => {
  let t: TestApp;
  let owner: TestUser;
  let viewer: TestUser;

  beforeAll(async () => {
    // defaults: deepgram STT and elevenlabs TTS, neither with a key
    t = await startTestApp({ AGENTCY_FEATURES_VOICE: 'true' });
    owner = await registerOwner(t, 'voicenone');
    viewer = await addMember(t, owner, 'viewer', 'voice-viewer');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('POST /voice/sessions answers 503 sidecar_unavailable naming what is missing', async () => {
    const r = await t
      .http()
      .post('/api/v1/voice/sessions')
      .set(owner.auth)
      .send({ realm: 'infrastructure' })
      .expect(503);
    expect(r.body.error).toMatchObject({
      code: 'sidecar_unavailable',
      details: { service: 'speech', missing: ['stt', 'tts'] },
    });
    const list = await t.http().get('/api/v1/voice/sessions').set(owner.auth).expect(200);
    expect(list.body).toMatchObject({ items: [], next_cursor: null, total: 0 });
  });

  it('requires member+, authentication, and a valid body', async () => {
    await t.http().post('/api/v1/voice/sessions').send({}).expect(401);
    await t.http().post('/api/v1/voice/sessions').set(viewer.auth).send({}).expect(403);
    const bad = await t
      .http()
      .post('/api/v1/voice/sessions')
      .set(owner.auth)
      .send({ audio: { sample_rate: 12345 } })
      .expect(400);
    expect(bad.body.error.code).toBe('validation_failed');
    await t.http().post('/api/v1/voice/sessions').set(owner.auth).send({ surprise: true }).expect(400);
  });

  it('answers 404 for unknown or malformed session ids', async () => {
    await t
      .http()
      .get(`/api/v1/voice/sessions/vs_${'a'.repeat(32)}`)
      .set(owner.auth)
      .expect(404);
    await t.http().get('/api/v1/voice/sessions/..%2F..%2Fetc').set(owner.auth).expect(404);
    await t
      .http()
      .delete(`/api/v1/voice/sessions/vs_${'a'.repeat(32)}`)
      .set(owner.auth)
      .expect(404);
  });
});
