import { registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import type { FakeKubeApi } from '../support/connectors/fake-kube-api';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server';
import { startFakeSpeech, tonePcm, type FakeSpeech } from '../support/fake-speech-server';
import { allowSelfApproval, createKubeSource, eventually, withFakeKube } from './chat-helpers';
import { createVoiceSession, openVoice, wsUrlFor } from './voice-helpers';

/** Deepgram STT + ElevenLabs TTS shapes (the stand-in serves both), tool calls, STT failures, idle end. */
describe('voice sessions with the Deepgram and ElevenLabs providers', () => {
  let t: TestApp;
  let speech: FakeSpeech;
  let llm: FakeOpenAI;
  let kube: FakeKubeApi;
  let owner: TestUser;

  beforeAll(async () => {
    speech = await startFakeSpeech();
    llm = await startFakeOpenAI();
    llm.setDefault({ text: 'Done.' });
    kube = await withFakeKube();
    t = await startTestApp({
      AGENTCY_FEATURES_VOICE: 'true',
      VOICE_IDLE_TIMEOUT_SECS: '2',
      ...speech.vendorEnv,
      ...llm.apiEnv,
    });
    owner = await registerOwner(t, 'voicevendor');
    await allowSelfApproval(t.baseUrl, owner.auth);
    await createKubeSource(t.baseUrl, owner.auth, kube, 'prod-cluster');
  });
  afterAll(async () => {
    await t?.close();
    await speech?.close();
    await llm?.close();
    await kube?.close();
  });

  it('transcribes with /v1/listen and speaks with /v1/text-to-speech/:voice_id at the session rate', async () => {
    const s = await createVoiceSession(t, owner, { voice_id: 'voice-xyz', audio: { sample_rate: 22050, vad: false } });
    const c = await openVoice(wsUrlFor(t, s.ws_url));
    expect(await c.next((m) => m.type === 'session.started')).toMatchObject({ sample_rate: 22050, vad: false });
    speech.transcripts.push('list the failing pods');
    llm.script(
      { toolCalls: [{ name: 'search_connector_tools', arguments: { query: 'pods' } }] },
      { text: 'No pod is failing.' },
    );
    // no server VAD: audio accumulates until `commit`
    c.sendPcm(tonePcm(500, 22050), 22050);
    c.send({ type: 'commit' });
    expect(await c.next((m) => m.type === 'transcript.final')).toMatchObject({ text: 'list the failing pods' });
    const call = await c.next((m) => m.type === 'tool_call');
    expect(call).toMatchObject({ tool_call_id: expect.stringMatching(/^tc_/), tool: 'search_connector_tools' });
    await c.next((m) => m.type === 'agent.done');
    expect(
      c.messages
        .filter((m) => m.type === 'agent.delta')
        .map((m) => m.delta)
        .join(''),
    ).toBe('No pod is failing.');
    // 300 ms at 22.05 kHz, straight from ElevenLabs (pcm_22050), no resampling
    await eventually(async () => (c.audioBytes() >= 2 * Math.round(22050 * 0.3) ? true : null));

    const dg = speech.requests.find((r) => r.kind === 'deepgram_stt')!;
    expect(dg.path).toMatch(/^\/v1\/listen\?model=nova-2/);
    expect(dg.headers['content-type']).toBe('audio/wav');
    expect(dg.wav).toMatchObject({ sampleRate: 22050, channels: 1, bits: 16, pcmBytes: 22050 }); // 500 ms × 2 bytes
    const el = speech.requests.find((r) => r.kind === 'elevenlabs_tts')!;
    expect(el.path).toBe('/v1/text-to-speech/voice-xyz?output_format=pcm_22050');
    expect(el.json).toEqual({ text: 'No pod is failing.', model_id: 'eleven_turbo_v2_5' });
    await c.close();
  });

  it('forwards approval_required / approval_resolved and speaks the answer once the approval is decided', async () => {
    const s = await createVoiceSession(t, owner, { audio: { sample_rate: 16000 } });
    const c = await openVoice(wsUrlFor(t, s.ws_url));
    await c.next((m) => m.type === 'session.started');
    speech.transcripts.push('delete the web pod');
    llm.script(
      {
        toolCalls: [
          {
            id: 'call_voice_del',
            name: 'execute_connector_tool',
            arguments: { tool: 'prod-cluster.delete_pod', arguments: { namespace: 'prod', name: 'web-1' } },
          },
        ],
      },
      { text: 'The pod is deleted.' },
    );
    const ttsBefore = speech.requests.filter((r) => r.kind === 'elevenlabs_tts').length;
    c.speak(16000);
    await c.next((m) => m.type === 'transcript.final');
    const req = await c.next((m) => m.type === 'approval_required');
    expect(req).toMatchObject({ approval_id: expect.any(String), tool_call_id: expect.any(String) });
    expect(c.messages.find((m) => m.type === 'tool_call')).toEqual({
      type: 'tool_call',
      tool_call_id: req.tool_call_id,
      tool: expect.stringContaining('delete_pod'),
    });
    expect(c.audioBytes()).toBe(0);
    await t
      .http()
      .post(`/api/v1/chat/approvals/${req.approval_id as string}`)
      .set(owner.auth)
      .send({ approved: true })
      .expect(200);
    expect(await c.next((m) => m.type === 'approval_resolved')).toMatchObject({
      approval_id: req.approval_id,
      decision: 'approved',
    });
    await c.next((m) => m.type === 'agent.done');
    await eventually(async () => (c.audioBytes() > 0 ? true : null));
    const spoken = speech.requests
      .filter((r) => r.kind === 'elevenlabs_tts')
      .slice(ttsBefore)
      .map((r) => r.json?.text);
    expect(spoken).toEqual(['The pod is deleted.']);
    await c.close();
  });

  it('reports STT failures as `error` and keeps the session open', async () => {
    const s = await createVoiceSession(t, owner, { audio: { sample_rate: 16000 } });
    const c = await openVoice(wsUrlFor(t, s.ws_url));
    await c.next((m) => m.type === 'session.started');
    speech.sttFailures.push(500);
    c.speak(16000);
    const err = await c.next((m) => m.type === 'error');
    expect(err).toMatchObject({ code: 'stt_failed', message: expect.stringContaining('500') });
    speech.transcripts.push('second try');
    c.speak(16000);
    expect(await c.next((m) => m.type === 'transcript.final')).toMatchObject({ text: 'second try' });
    await c.next((m) => m.type === 'agent.done');
    await c.close();
  });

  it('ends an idle session (no client frame and nothing in progress)', async () => {
    const s = await createVoiceSession(t, owner);
    const c = await openVoice(wsUrlFor(t, s.ws_url));
    await c.next((m) => m.type === 'session.started');
    expect(await c.next((m) => m.type === 'session.ended', 6000)).toMatchObject({ reason: 'idle' });
    await c.closed;
    const got = await eventually(async () => {
      const r = await t.http().get(`/api/v1/voice/sessions/${s.session_id}`).set(owner.auth).expect(200);
      return r.body.status === 'ended' ? r.body : null;
    });
    expect(got.end_reason).toBe('idle');
  });
});
