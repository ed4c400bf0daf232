/**
 * A local stand-in for the speech providers /voice calls, scriptable per test:
 *
 *   const speech = await startFakeSpeech();
 *   speech.transcripts.push('what pods are failing');      // next STT answers (FIFO), then `defaultTranscript`
 *   speech.ttsDelayMs = 1500;                               // slow TTS (barge-in tests)
 *   t = await startTestApp({ AGENTCY_FEATURES_VOICE: 'true', ...speech.openaiEnv });   // or speech.vendorEnv
 *   ...
 *   speech.requests   // every request: { kind, path, headers, json?, wav?, aborted }
 *   await speech.close();
 *
 * Serves, on one port:
 * - OpenAI-compatible `POST /v1/audio/transcriptions` (multipart with a WAV `file`) → `{ text }` and
 *   `POST /v1/audio/speech` `{ model, voice, input, response_format: "pcm" }` → PCM16LE 24 kHz bytes;
 * - Deepgram `POST /v1/listen` (WAV body, `Authorization: Token <key>`) →
 *   `{ results: { channels: [{ alternatives: [{ transcript }] }] } }`;
 * - ElevenLabs `POST /v1/text-to-speech/:voice_id?output_format=pcm_<rate>` (`xi-api-key`) → PCM16LE.
 * A wrong or missing key answers 401. TTS audio is a 440 Hz tone of `ttsMs` (default 300 ms).
 * `tonePcm` / `silencePcm` build client audio (speech-like tone / silence).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const FAKE_SPEECH_KEY = 'test-speech-key';

export interface FakeSpeechRequest {
  kind: 'openai_stt' | 'openai_tts' | 'deepgram_stt' | 'elevenlabs_tts' | 'unknown';
  path: string;
  headers: IncomingMessage['headers'];
  json?: Record<string, unknown>;
  /** STT: the uploaded WAV's format and PCM length */
  wav?: { sampleRate: number; channels: number; bits: number; pcmBytes: number } | null;
  /** multipart fields other than the file (OpenAI STT) */
  fields?: Record<string, string>;
  /** the client went away before the answer was complete (an aborted TTS request) */
  aborted: boolean;
}

export interface FakeSpeech {
  baseUrl: string;
  requests: FakeSpeechRequest[];
  transcripts: string[];
  defaultTranscript: string;
  ttsDelayMs: number;
  ttsMs: number;
  /** status to answer STT with instead (e.g. 500), once per entry */
  sttFailures: number[];
  /** env for startTestApp: OpenAI-compatible STT and TTS */
  openaiEnv: Record<string, string>;
  /** env for startTestApp: Deepgram STT and ElevenLabs TTS */
  vendorEnv: Record<string, string>;
  close: () => Promise<void>;
}

/** PCM16LE mono: a 440 Hz tone (amplitude 8000, RMS ≈ 5650) of `ms` at `rate`. */
export function tonePcm(ms: number, rate = 24_000, amplitude = 8000): Buffer {
  const n = Math.round((rate * ms) / 1000);
  const out = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) {
    out.writeInt16LE(Math.round(amplitude * Math.sin((2 * Math.PI * 440 * i) / rate)), i * 2);
  }
  return out;
}

/** PCM16LE mono silence of `ms` at `rate`. */
export function silencePcm(ms: number, rate = 24_000): Buffer {
  return Buffer.alloc(Math.round((rate * ms) / 1000) * 2);
}

function parseWavHeader(buf: Buffer): FakeSpeechRequest['wav'] {
  if (buf.length < 44 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    return null;
  }
  return {
    channels: buf.readUInt16LE(22),
    sampleRate: buf.readUInt32LE(24),
    bits: buf.readUInt16LE(34),
    pcmBytes: buf.readUInt32LE(40),
  };
}

export async function startFakeSpeech(): Promise<FakeSpeech> {
  const state = {
    requests: [] as FakeSpeechRequest[],
    transcripts: [] as string[],
    defaultTranscript: 'hello from the fake speech server',
    ttsDelayMs: 0,
    ttsMs: 300,
    sttFailures: [] as number[],
  };
  const sockets = new Set<import('node:net').Socket>();

  const readBody = (req: IncomingMessage) =>
    new Promise<Buffer>((resolve) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', () => resolve(Buffer.concat(chunks)));
    });
  const json = (res: ServerResponse, status: number, body: unknown) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const nextTranscript = () => state.transcripts.shift() ?? state.defaultTranscript;

  const speak = (rec: FakeSpeechRequest, res: ServerResponse, rate: number) => {
    res.on('close', () => {
      if (!res.writableFinished) {
        rec.aborted = true;
      }
    });
    setTimeout(() => {
      if (!res.destroyed) {
        res.writeHead(200, { 'content-type': 'audio/pcm' }).end(tonePcm(state.ttsMs, rate));
      }
    }, state.ttsDelayMs);
  };

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const body = await readBody(req);
      const rec: FakeSpeechRequest = {
        kind: 'unknown',
        path: url.pathname + url.search,
        headers: req.headers,
        aborted: false,
      };
      state.requests.push(rec);
      if (req.method !== 'POST') {
        return json(res, 404, { error: 'not found' });
      }
      if (url.pathname === '/v1/audio/transcriptions' || url.pathname === '/v1/audio/speech') {
        if (req.headers.authorization !== `Bearer ${FAKE_SPEECH_KEY}`) {
          return json(res, 401, { error: { message: 'bad key' } });
        }
        if (url.pathname === '/v1/audio/transcriptions') {
          rec.kind = 'openai_stt';
          const form = await new Response(body, {
            headers: { 'content-type': String(req.headers['content-type'] ?? '') },
          }).formData();
          const file = form.get('file');
          rec.wav = file && typeof file !== 'string' ? parseWavHeader(Buffer.from(await file.arrayBuffer())) : null;
          rec.fields = {};
          for (const [k, v] of form.entries()) {
            if (typeof v === 'string') {
              rec.fields[k] = v;
            }
          }
          const fail = state.sttFailures.shift();
          if (fail) {
            return json(res, fail, { error: { message: 'stt failure' } });
          }
          return json(res, 200, { text: nextTranscript() });
        }
        rec.kind = 'openai_tts';
        rec.json = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
        return speak(rec, res, 24_000);
      }
      if (url.pathname === '/v1/listen') {
        rec.kind = 'deepgram_stt';
        if (req.headers.authorization !== `Token ${FAKE_SPEECH_KEY}`) {
          return json(res, 401, { err_msg: 'bad key' });
        }
        rec.wav = parseWavHeader(body);
        const fail = state.sttFailures.shift();
        if (fail) {
          return json(res, fail, { err_msg: 'stt failure' });
        }
        return json(res, 200, {
          metadata: { request_id: 'fake' },
          results: { channels: [{ alternatives: [{ transcript: nextTranscript(), confidence: 0.99 }] }] },
        });
      }
      const el = /^\/v1\/text-to-speech\/([^/]+)$/.exec(url.pathname);
      if (el) {
        rec.kind = 'elevenlabs_tts';
        if (req.headers['xi-api-key'] !== FAKE_SPEECH_KEY) {
          return json(res, 401, { detail: 'bad key' });
        }
        rec.json = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
        const rate = Number(/^pcm_(\d+)$/.exec(url.searchParams.get('output_format') ?? '')?.[1] ?? 44_100);
        return speak(rec, res, rate);
      }
      return json(res, 404, { error: 'not found' });
    })().catch((err) => json(res, 500, { error: String(err) }));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const fake: FakeSpeech = {
    baseUrl,
    get requests() {
      return state.requests;
    },
    get transcripts() {
      return state.transcripts;
    },
    get sttFailures() {
      return state.sttFailures;
    },
    get defaultTranscript() {
      return state.defaultTranscript;
    },
    set defaultTranscript(v: string) {
      state.defaultTranscript = v;
    },
    get ttsDelayMs() {
      return state.ttsDelayMs;
    },
    set ttsDelayMs(v: number) {
      state.ttsDelayMs = v;
    },
    get ttsMs() {
      return state.ttsMs;
    },
    set ttsMs(v: number) {
      state.ttsMs = v;
    },
    openaiEnv: {
      VOICE_STT_PROVIDER: 'openai',
      VOICE_TTS_PROVIDER: 'openai',
      VOICE_BASE_URL: `${baseUrl}/v1`,
      VOICE_API_KEY: FAKE_SPEECH_KEY,
    },
    vendorEnv: {
      VOICE_STT_PROVIDER: 'deepgram',
      DEEPGRAM_API_KEY: FAKE_SPEECH_KEY,
      DEEPGRAM_BASE_URL: baseUrl,
      VOICE_TTS_PROVIDER: 'elevenlabs',
      ELEVENLABS_API_KEY: FAKE_SPEECH_KEY,
      ELEVENLABS_VOICE_ID: 'fake-voice',
      ELEVENLABS_BASE_URL: baseUrl,
    },
    close: async () => {
      for (const s of sockets) {
        s.destroy();
      }
      await new Promise((r) => server.close(r));
    },
  };
  return fake;
}
