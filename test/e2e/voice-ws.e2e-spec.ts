import { RedisService } from '@libs/redis';
import { createHash } from 'node:crypto';
import { addMember, registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server';
import { startFakeSpeech, tonePcm, type FakeSpeech } from '../support/fake-speech-server';
import { eventually } from './chat-helpers';
import { createVoiceSession, openVoice, sleep, voiceRefusal, wsUrlFor } from './voice-helpers';

/**
 * The voice socket end to end: OpenAI-compatible STT/TTS served by the local stand-in
 * (test/support/fake-speech-server.ts), the model by the fake OpenAI server, the rest real.
 */
describe('voice sessions over the WebSocket', () => {
  let t: TestApp;
  let speech: FakeSpeech;
  let llm: FakeOpenAI;
  let owner: TestUser;
  let other: TestUser;
  const RATE = 16_000;

  beforeAll(async () => {
    speech = await startFakeSpeech();
    llm = await startFakeOpenAI();
    llm.setDefault({ text: 'It is sunny today. Take your sunglasses!' });
    t = await startTestApp({ AGENTCY_FEATURES_VOICE: 'true', ...speech.openaiEnv, ...llm.apiEnv });
    owner = await registerOwner(t, 'voice');
    other = await registerOwner(t, 'voiceother');
  });
  afterAll(async () => {
    await t?.close();
    await speech?.close();
    await llm?.close();
  });

  const tokenKey = (wsUrl: string) =>
    t.app
      .get(RedisService)
      .key('voice', 'token', createHash('sha256').update(new URL(wsUrl).searchParams.get('token')!).digest('hex'));

  it('runs a full turn: speech → transcript.final → agent deltas → spoken answer, then ends on `end`', async () => {
    const s = await createVoiceSession(t, owner, { realm: 'infrastructure', audio: { sample_rate: RATE, vad: true } });
    expect(s.session_id).toMatch(/^vs_[0-9a-f]{32}$/);
    expect(s.ws_url).toMatch(new RegExp(`^ws://localhost:8080/voice/sessions/${s.session_id}/ws\\?token=vst_`));
    const created = await t.http().get(`/api/v1/voice/sessions/${s.session_id}`).set(owner.auth).expect(200);
    expect(created.body).toMatchObject({ status: 'pending', sample_rate: RATE, conversation_id: null, transcript: [] });

    speech.transcripts.push('what is the weather');
    const sttBefore = speech.requests.filter((r) => r.kind === 'openai_stt').length;
    const c = await openVoice(wsUrlFor(t, s.ws_url, { prefix: true }));
    await c.next((m) => m.type === 'session.started');
    c.speak(RATE, 600, 1000);

    const final = await c.next((m) => m.type === 'transcript.final');
    expect(final).toMatchObject({ text: 'what is the weather', message_id: expect.any(String) });
    const done = await c.next((m) => m.type === 'agent.done');
    expect(done).toMatchObject({ finish_reason: 'end_turn', message_id: expect.any(String) });
    const deltas = c.messages.filter((m) => m.type === 'agent.delta').map((m) => m.delta as string);
    expect(deltas.join('')).toBe('It is sunny today. Take your sunglasses!');
    // two sentences → two TTS requests, 300 ms of 24 kHz each, resampled to 16 kHz → 9600 bytes each
    await eventually(async () => (c.audioBytes() >= 2 * 9600 ? true : null));
    expect(c.audioBytes()).toBe(2 * 9600);

    const stt = speech.requests.filter((r) => r.kind === 'openai_stt').slice(sttBefore);
    expect(stt).toHaveLength(1);
    expect(stt[0].wav).toMatchObject({ sampleRate: RATE, channels: 1, bits: 16 });
    // the tone (600 ms) and the preroll, without most of the trailing silence
    expect(stt[0].wav!.pcmBytes).toBeGreaterThanOrEqual(0.6 * RATE * 2);
    expect(stt[0].wav!.pcmBytes).toBeLessThan(1.2 * RATE * 2);
    expect(stt[0].fields).toMatchObject({ model: 'whisper-1' });
    const tts = speech.requests.filter((r) => r.kind === 'openai_tts').map((r) => r.json);
    expect(tts).toEqual(
      expect.arrayContaining([
        { model: 'tts-1', voice: 'alloy', input: 'It is sunny today.', response_format: 'pcm' },
        { model: 'tts-1', voice: 'alloy', input: 'Take your sunglasses!', response_format: 'pcm' },
      ]),
    );
    // the user message went to the model
    expect(JSON.stringify(llm.requests[llm.requests.length - 1].body)).toContain('what is the weather');

    const live = await t.http().get(`/api/v1/voice/sessions/${s.session_id}`).set(owner.auth).expect(200);
    expect(live.body).toMatchObject({ status: 'active', turns: 1, conversation_id: expect.any(String) });
    expect(live.body.transcript).toEqual([
      expect.objectContaining({ role: 'user', text: 'what is the weather', message_id: final.message_id }),
      expect.objectContaining({ role: 'assistant', text: 'It is sunny today. Take your sunglasses!' }),
    ]);

    c.send({ type: 'end' });
    expect(await c.next((m) => m.type === 'session.ended')).toMatchObject({ reason: 'client' });
    expect((await c.closed).code).toBe(1000);
    const ended = await eventually(async () => {
      const r = await t.http().get(`/api/v1/voice/sessions/${s.session_id}`).set(owner.auth).expect(200);
      return r.body.status === 'ended' ? r.body : null;
    });
    expect(ended).toMatchObject({ end_reason: 'client', ended_at: expect.any(String) });
    expect(ended.audio_secs).toBeGreaterThan(1.5);
    const list = await t.http().get('/api/v1/voice/sessions').set(owner.auth).expect(200);
    expect(list.body.items.map((x: { id: string }) => x.id)).toContain(s.session_id);
  });

  it('continues the same conversation across utterances, and accepts `config` and `commit`', async () => {
    const s = await createVoiceSession(t, owner, { audio: { sample_rate: RATE } });
    const c = await openVoice(wsUrlFor(t, s.ws_url));
    await c.next((m) => m.type === 'session.started');
    speech.transcripts.push('first question', 'second question');
    c.speak(RATE);
    const f1 = await c.next((m) => m.type === 'transcript.final');
    await c.next((m) => m.type === 'agent.done');
    c.send({ type: 'config', voice_id: 'nova' });
    // no trailing silence: `commit` ends the utterance
    c.sendPcm(tonePcm(400, RATE), RATE);
    c.send({ type: 'commit' });
    const f2 = await c.next((m) => m.type === 'transcript.final');
    expect([f1.text, f2.text]).toEqual(['first question', 'second question']);
    expect(f2.conversation_id).toBe(f1.conversation_id);
    await c.next((m) => m.type === 'agent.done');
    await eventually(async () =>
      speech.requests.some((r) => r.kind === 'openai_tts' && r.json?.voice === 'nova') ? true : null,
    );
    c.send({ type: 'bogus' });
    expect(await c.next((m) => m.type === 'error')).toMatchObject({ code: 'unknown_message_type' });
    c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect(await c.next((m) => m.type === 'error')).toMatchObject({ code: 'invalid_audio' });
    await c.close();
    const got = await t.http().get(`/api/v1/voice/sessions/${s.session_id}`).set(owner.auth).expect(200);
    expect(got.body.turns).toBe(2);
    expect(got.body.transcript.filter((m: { role: string }) => m.role === 'user')).toHaveLength(2);
  });

  it('sends transcript.partial while a long utterance goes on, before its final transcript', async () => {
    const s = await createVoiceSession(t, owner, { audio: { sample_rate: RATE } });
    const c = await openVoice(wsUrlFor(t, s.ws_url));
    await c.next((m) => m.type === 'session.started');
    const sttBefore = speech.requests.filter((r) => r.kind === 'openai_stt').length;
    speech.transcripts.push('what is', 'what is the weather in Paris');
    c.speak(RATE, 2500, 1000);
    expect(await c.next((m) => m.type === 'transcript.partial')).toMatchObject({ text: 'what is' });
    expect(await c.next((m) => m.type === 'transcript.final')).toMatchObject({ text: 'what is the weather in Paris' });
    await c.next((m) => m.type === 'agent.done');
    const stt = speech.requests.filter((r) => r.kind === 'openai_stt').slice(sttBefore);
    expect(stt).toHaveLength(2);
    // the interim request carries the first 2 s of the utterance, the final one all of it
    expect(stt[0].wav!.pcmBytes).toBeGreaterThanOrEqual(2 * RATE * 2);
    expect(stt[0].wav!.pcmBytes).toBeLessThan(2.1 * RATE * 2);
    expect(stt[1].wav!.pcmBytes).toBeGreaterThan(2.5 * RATE * 2);
    await c.close();
  });

  it('interrupt cancels in-flight TTS: the request is aborted and its audio never arrives', async () => {
    const s = await createVoiceSession(t, owner, { audio: { sample_rate: RATE } });
    const c = await openVoice(wsUrlFor(t, s.ws_url));
    await c.next((m) => m.type === 'session.started');
    speech.ttsDelayMs = 1500;
    try {
      const ttsBefore = speech.requests.filter((r) => r.kind === 'openai_tts').length;
      c.speak(RATE);
      await c.next((m) => m.type === 'transcript.final');
      await eventually(async () =>
        speech.requests.filter((r) => r.kind === 'openai_tts').length > ttsBefore ? true : null,
      );
      c.send({ type: 'interrupt' });
      const inflight = speech.requests.filter((r) => r.kind === 'openai_tts').slice(ttsBefore);
      await eventually(async () => (inflight[0].aborted ? true : null));
      await c.next((m) => m.type === 'agent.done');
      await sleep(1800);
      expect(c.audioBytes()).toBe(0);
      // the second sentence of that answer is not spoken either
      expect(speech.requests.filter((r) => r.kind === 'openai_tts').length).toBe(ttsBefore + 1);
    } finally {
      speech.ttsDelayMs = 0;
    }
    // the next utterance is processed and spoken normally
    c.speak(RATE);
    await c.next((m) => m.type === 'transcript.final');
    await eventually(async () => (c.audioBytes() >= 2 * 9600 ? true : null));
    await c.close();
  });

  it('ends the session at max_duration_secs', async () => {
    const s = await createVoiceSession(t, owner, { limits: { max_duration_secs: 1 } });
    const c = await openVoice(wsUrlFor(t, s.ws_url));
    const started = Date.now();
    expect(await c.next((m) => m.type === 'session.ended', 5000)).toMatchObject({ reason: 'max_duration' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    await c.closed;
    const got = await eventually(async () => {
      const r = await t.http().get(`/api/v1/voice/sessions/${s.session_id}`).set(owner.auth).expect(200);
      return r.body.status === 'ended' ? r.body : null;
    });
    expect(got.end_reason).toBe('max_duration');
    const tooLong = await t
      .http()
      .post('/api/v1/voice/sessions')
      .set(owner.auth)
      .send({ limits: { max_duration_secs: 1801 } })
      .expect(400);
    expect(tooLong.body.error.code).toBe('validation_failed');
  });

  it('refuses more audio than the session may last', async () => {
    const s = await createVoiceSession(t, owner, {
      audio: { sample_rate: 8000, vad: false },
      limits: { max_duration_secs: 2 },
    });
    const c = await openVoice(wsUrlFor(t, s.ws_url));
    await c.next((m) => m.type === 'session.started');
    c.sendPcm(Buffer.alloc(8000 * 2 * 3), 8000);
    expect(await c.next((m) => m.type === 'error')).toMatchObject({ code: 'audio_limit' });
    expect(await c.next((m) => m.type === 'session.ended')).toMatchObject({ reason: 'error' });
  });

  it('closes a frame larger than the limit (1009)', async () => {
    const s = await createVoiceSession(t, owner);
    const c = await openVoice(wsUrlFor(t, s.ws_url));
    c.ws.send(Buffer.alloc(65 * 1024), { binary: true });
    expect((await c.closed).code).toBe(1009);
  });

  it('tokens are single-use, expire, and only open their own session', async () => {
    const s = await createVoiceSession(t, owner);
    const redis = t.app.get(RedisService).client;
    const ttl = await redis.ttl(tokenKey(s.ws_url));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
    // only the hash is stored
    expect(await redis.get(tokenKey(s.ws_url))).toBe(`${owner.orgId}/${s.session_id}`);

    const c = await openVoice(wsUrlFor(t, s.ws_url));
    await c.close();
    const reuse = await voiceRefusal(wsUrlFor(t, s.ws_url));
    expect(reuse.status).toBe(401);
    expect(JSON.parse(reuse.body).error.code).toBe('unauthorized');

    // missing and forged tokens
    const bare = wsUrlFor(t, s.ws_url).split('?')[0];
    expect((await voiceRefusal(bare)).status).toBe(401);
    expect((await voiceRefusal(`${bare}?token=vst_${'A'.repeat(43)}`)).status).toBe(401);

    // expired (the Redis entry outlived its 60 s)
    const e = await createVoiceSession(t, owner);
    await redis.pexpire(tokenKey(e.ws_url), 1);
    await sleep(20);
    expect((await voiceRefusal(wsUrlFor(t, e.ws_url))).status).toBe(401);
    const pending = await t.http().get(`/api/v1/voice/sessions/${e.session_id}`).set(owner.auth).expect(200);
    expect(pending.body.status).toBe('pending');

    // a valid token of one session does not open another (and is spent trying)
    const a = await createVoiceSession(t, owner);
    const b = await createVoiceSession(t, owner);
    const crossed = wsUrlFor(t, a.ws_url).replace(a.session_id, b.session_id);
    expect((await voiceRefusal(crossed)).status).toBe(401);
    expect((await voiceRefusal(wsUrlFor(t, a.ws_url))).status).toBe(401);
    const okB = await openVoice(wsUrlFor(t, b.ws_url));
    await okB.close();
  });

  it("another org's session is 404 (GET/DELETE) and its token cannot be used on it", async () => {
    const s = await createVoiceSession(t, owner);
    await t.http().get(`/api/v1/voice/sessions/${s.session_id}`).set(other.auth).expect(404);
    await t.http().delete(`/api/v1/voice/sessions/${s.session_id}`).set(other.auth).expect(404);
    const list = await t.http().get('/api/v1/voice/sessions').set(other.auth).expect(200);
    expect(list.body.items.map((x: { id: string }) => x.id)).not.toContain(s.session_id);
    // the other org's own (valid) token against this session's path: 404, and the token is spent
    const mine = await createVoiceSession(t, other);
    const attack = wsUrlFor(t, mine.ws_url).replace(mine.session_id, s.session_id);
    const refused = await voiceRefusal(attack);
    expect(refused.status).toBe(404);
    expect(JSON.parse(refused.body).error.code).toBe('not_found');
    expect((await voiceRefusal(wsUrlFor(t, mine.ws_url))).status).toBe(401);
    // a member of the same org who did not create it does not see it either; an admin does
    const member = await addMember(t, owner, 'member', 'voice-member');
    await t.http().get(`/api/v1/voice/sessions/${s.session_id}`).set(member.auth).expect(404);
    const admin = await addMember(t, owner, 'admin', 'voice-admin');
    await t.http().get(`/api/v1/voice/sessions/${s.session_id}`).set(admin.auth).expect(200);
    // the session is untouched: its own token still opens it
    const c = await openVoice(wsUrlFor(t, s.ws_url));
    await c.next((m) => m.type === 'session.started');
    await c.close();
  });

  it('DELETE ends an open socket (session.ended client) and removes the session', async () => {
    const s = await createVoiceSession(t, owner);
    const c = await openVoice(wsUrlFor(t, s.ws_url));
    await c.next((m) => m.type === 'session.started');
    await t.http().delete(`/api/v1/voice/sessions/${s.session_id}`).set(owner.auth).expect(204);
    expect(await c.next((m) => m.type === 'session.ended')).toMatchObject({ reason: 'client' });
    await c.closed;
    await t.http().get(`/api/v1/voice/sessions/${s.session_id}`).set(owner.auth).expect(404);
  });
});
