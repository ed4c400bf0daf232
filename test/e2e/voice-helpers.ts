import WebSocket from 'ws';
import type { TestUser } from '../factories/users';
import type { TestApp } from '../setup/test-app';
import { silencePcm, tonePcm } from '../support/fake-speech-server';

export interface VoiceMessage {
  type: string;
  [k: string]: unknown;
}

export interface VoiceClient {
  ws: WebSocket;
  messages: VoiceMessage[];
  /** binary frames received (TTS audio), in order */
  audio: Buffer[];
  audioBytes: () => number;
  next: (pred: (m: VoiceMessage) => boolean, timeoutMs?: number) => Promise<VoiceMessage>;
  send: (msg: unknown) => void;
  /** sends PCM in 20 ms frames */
  sendPcm: (pcm: Buffer, rate: number) => void;
  /** a tone of `speechMs` then `silenceMs` of silence: one utterance for the server VAD */
  speak: (rate: number, speechMs?: number, silenceMs?: number) => void;
  closed: Promise<{ code: number; reason: string }>;
  close: () => Promise<void>;
}

/** `ws_url` of a session, pointed at the test server (its host is PUBLIC_BASE_URL's). */
export function wsUrlFor(t: TestApp, wsUrl: string, opts: { prefix?: boolean } = {}): string {
  const u = new URL(wsUrl);
  const path = opts.prefix ? `/api/v1${u.pathname}` : u.pathname;
  return `${t.baseUrl.replace(/^http/, 'ws')}${path}${u.search}`;
}

export function openVoice(url: string): Promise<VoiceClient> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  const messages: VoiceMessage[] = [];
  const audio: Buffer[] = [];
  let cursor = 0;
  const waiters = new Set<() => void>();
  ws.on('message', (raw, isBinary) => {
    if (isBinary) {
      audio.push(Buffer.from(raw as Buffer));
    } else {
      messages.push(JSON.parse(raw.toString()) as VoiceMessage);
    }
    for (const w of [...waiters]) {
      w();
    }
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  const next = (pred: (m: VoiceMessage) => boolean, timeoutMs = 10_000) =>
    new Promise<VoiceMessage>((resolve, reject) => {
      const check = () => {
        for (let i = cursor; i < messages.length; i++) {
          if (pred(messages[i])) {
            cursor = i + 1;
            waiters.delete(check);
            clearTimeout(timer);
            resolve(messages[i]);
            return;
          }
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timed out waiting for a voice message; got ${JSON.stringify(messages.slice(cursor))}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  const send = (msg: unknown) => ws.send(JSON.stringify(msg));
  const sendPcm = (pcm: Buffer, rate: number) => {
    const frame = Math.round(rate / 50) * 2;
    for (let off = 0; off < pcm.length; off += frame) {
      ws.send(pcm.subarray(off, Math.min(pcm.length, off + frame)), { binary: true });
    }
  };
  const client: VoiceClient = {
    ws,
    messages,
    audio,
    audioBytes: () => audio.reduce((n, b) => n + b.length, 0),
    next,
    send,
    sendPcm,
    speak: (rate, speechMs = 600, silenceMs = 1000) =>
      sendPcm(Buffer.concat([silencePcm(100, rate), tonePcm(speechMs, rate), silencePcm(silenceMs, rate)]), rate),
    closed,
    close: async () => {
      if (ws.readyState !== WebSocket.CLOSED) {
        ws.close();
        await closed;
      }
    },
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(client));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body })));
    });
    ws.once('error', (err) => reject(err));
  });
}

/** HTTP status of a refused voice upgrade (101 when it opened). */
export async function voiceRefusal(url: string): Promise<{ status: number; body: string }> {
  try {
    const c = await openVoice(url);
    await c.close();
    return { status: 101, body: '' };
  } catch (err) {
    const e = err as { status?: number; body?: string };
    if (e.status) {
      return { status: e.status, body: e.body ?? '' };
    }
    throw err;
  }
}

export async function createVoiceSession(
  t: TestApp,
  user: TestUser,
  body: Record<string, unknown> = {},
): Promise<{ session_id: string; ws_url: string; expires_at: string }> {
  const r = await t.http().post('/api/v1/voice/sessions').set(user.auth).send(body);
  if (r.status !== 201) {
    throw new Error(`POST /voice/sessions → ${r.status} ${JSON.stringify(r.body)}`);
  }
  return r.body as { session_id: string; ws_url: string; expires_at: string };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
