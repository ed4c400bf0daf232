import type { Logger } from '@nestjs/common';
import WebSocket from 'ws';
import type { AutomatedTurn, ChatTurnsContract } from '../chat/chat-turns.contract';
import { EnergyVad } from './audio/vad';
import type { SpeechToText, TextToSpeech } from './providers/speech.types';
import type { VoiceEndReason, VoiceSessionEntity } from './voice-session.entity';
import { Speaker } from './voice-speaker';
import type { VoiceRepository } from './voice.repository';

/** Largest JSON control message. */
export const MAX_TEXT_FRAME_BYTES = 4 * 1024;
/** Utterances waiting for the running turn; one more is refused with `busy`. */
const MAX_QUEUED_UTTERANCES = 3;
/** Longest utterance (server VAD cut, or manual buffer without `commit`). */
const MAX_UTTERANCE_MS = 30_000;
/** While an utterance goes on, its audio so far is transcribed every this much speech (`transcript.partial`). */
export const PARTIAL_EVERY_MS = 2_000;

export interface VoiceConnectionDeps {
  stt: SpeechToText;
  tts: TextToSpeech;
  turns: ChatTurnsContract;
  repo: VoiceRepository;
  logger: Logger;
  idleTimeoutMs: number;
  vadSilenceMs: number;
  vadThreshold: number;
}

/**
 * One open voice socket (docs/voice.md): audio in → VAD → STT → one agent turn in the session's
 * conversation → deltas out and spoken through TTS. Utterances are handled one at a time (a
 * conversation runs one turn at a time); `interrupt` silences the current answer.
 */
export class VoiceConnection {
  private ended = false;
  private readonly vad: EnergyVad | null;
  private manual: Buffer[] = [];
  private manualBytes = 0;
  private audioBytes = 0;
  private readonly maxAudioBytes: number;
  private readonly maxUtteranceBytes: number;
  private readonly queue: Array<{ pcm: Buffer; seq: number }> = [];
  /** VAD utterances started so far (the one in progress has this number) */
  private utteranceSeq = 0;
  /** the last utterance whose final transcript was asked for: its partials are no longer sent */
  private finalizedSeq = 0;
  private partial: Promise<void> | null = null;
  private nextPartialAt = 0;
  private readonly partialBytes: number;
  private processing = false;
  private readonly stt: AbortController = new AbortController();
  private readonly speaker: Speaker;
  private voice: string | null;
  private conversationId: string | null;
  private maxTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ws: WebSocket,
    private readonly session: VoiceSessionEntity,
    private readonly deps: VoiceConnectionDeps,
    private readonly onEnded: () => void,
  ) {
    const rate = session.sampleRate;
    this.voice = session.voiceId;
    this.conversationId = session.conversationId;
    this.maxAudioBytes = rate * 2 * session.maxDurationSecs;
    this.maxUtteranceBytes = Math.round((rate * 2 * MAX_UTTERANCE_MS) / 1000);
    this.partialBytes = Math.round((rate * 2 * PARTIAL_EVERY_MS) / 1000);
    this.vad = session.vad
      ? new EnergyVad({
          sampleRate: rate,
          threshold: deps.vadThreshold,
          silenceMs: deps.vadSilenceMs,
          maxUtteranceMs: MAX_UTTERANCE_MS,
        })
      : null;
    this.speaker = new Speaker(
      deps.tts,
      {
        audio: (pcm) => this.sendBinary(pcm),
        error: (code, message) => this.send('error', { code, message }),
      },
      { sampleRate: rate, voice: () => this.voice },
    );
  }

  get id(): string {
    return this.session.id;
  }

  get orgId(): string {
    return this.session.orgId;
  }

  start(): void {
    this.ws.on('message', (raw, isBinary) => this.onFrame(raw as Buffer, isBinary));
    this.ws.on('close', () => void this.end('client', false));
    this.ws.on('error', () => this.ws.terminate());
    this.maxTimer = setTimeout(() => void this.end('max_duration'), this.session.maxDurationSecs * 1000);
    this.maxTimer.unref();
    this.touch();
    this.send('session.started', {
      session_id: this.session.id,
      conversation_id: this.conversationId,
      sample_rate: this.session.sampleRate,
      vad: this.session.vad,
      max_duration_secs: this.session.maxDurationSecs,
    });
  }

  /** Ends the session: `session.ended {reason}` (when the socket is still open), close, row ended. */
  async end(reason: VoiceEndReason, notify = true): Promise<void> {
    if (this.ended) {
      return;
    }
    this.ended = true;
    clearTimeout(this.maxTimer);
    clearTimeout(this.idleTimer);
    this.speaker.stop();
    this.stt.abort();
    this.queue.length = 0;
    if (notify) {
      this.send('session.ended', { reason });
    }
    if (this.ws.readyState === WebSocket.OPEN) {
      this.ws.close(1000, reason);
    }
    this.onEnded();
    const audioSecs = this.audioBytes / (2 * this.session.sampleRate);
    await this.deps.repo
      .end(this.session.orgId, this.session.id, reason, audioSecs)
      .catch((err) => this.deps.logger.warn(`voice session ${this.session.id} end: ${(err as Error).message}`));
  }

  private send(type: string, data: Record<string, unknown>): void {
    if (this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify({ type, ...data }));
    }
  }

  private sendBinary(pcm: Buffer): void {
    if (!this.ended && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(pcm, { binary: true });
    }
  }

  /** Re-arms the idle timer; it fires only when nothing is in progress. */
  private touch(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.processing || this.queue.length || this.speaker.busy) {
        return this.touch();
      }
      void this.end('idle');
    }, this.deps.idleTimeoutMs);
    this.idleTimer.unref();
  }

  private onFrame(raw: Buffer, isBinary: boolean): void {
    if (this.ended) {
      return;
    }
    this.touch();
    if (isBinary) {
      return this.onAudio(raw);
    }
    if (raw.length > MAX_TEXT_FRAME_BYTES) {
      return this.send('error', {
        code: 'invalid_message',
        message: `Text frames are limited to ${MAX_TEXT_FRAME_BYTES} bytes`,
      });
    }
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      if (!msg || typeof msg !== 'object' || Array.isArray(msg)) {
        throw new Error('not an object');
      }
    } catch {
      return this.send('error', { code: 'invalid_message', message: 'Text frames must be JSON objects with a "type"' });
    }
    switch (msg.type) {
      case 'interrupt':
        return this.speaker.interrupt();
      case 'end':
        return void this.end('client');
      case 'commit':
        return this.commit();
      case 'config': {
        const v = msg.voice_id;
        if (v !== undefined && (typeof v !== 'string' || !v || v.length > 200)) {
          return this.send('error', { code: 'invalid_message', message: '"voice_id" must be a non-empty string' });
        }
        if (typeof v === 'string') {
          this.voice = v;
        }
        return;
      }
      default:
        return this.send('error', {
          code: 'unknown_message_type',
          message: `Unknown message type ${JSON.stringify(msg.type)}`,
        });
    }
  }

  private onAudio(pcm: Buffer): void {
    if (pcm.length % 2 !== 0) {
      return this.send('error', {
        code: 'invalid_audio',
        message: 'Audio frames are PCM16LE: an even number of bytes',
      });
    }
    this.audioBytes += pcm.length;
    if (this.audioBytes > this.maxAudioBytes) {
      this.send('error', { code: 'audio_limit', message: 'More audio than the session may last' });
      return void this.end('error');
    }
    if (!this.vad) {
      this.manual.push(pcm);
      this.manualBytes += pcm.length;
      if (this.manualBytes >= this.maxUtteranceBytes) {
        this.commit();
      }
      return;
    }
    for (const ev of this.vad.push(pcm)) {
      if (ev.type === 'speech_start') {
        this.utteranceSeq += 1;
        this.nextPartialAt = this.partialBytes;
      } else {
        this.enqueue(ev.pcm, this.utteranceSeq);
      }
    }
    this.maybePartial();
  }

  /** Every PARTIAL_EVERY_MS of an utterance in progress: its audio so far to STT → `transcript.partial`. */
  private maybePartial(): void {
    if (!this.vad || this.partial || this.vad.currentBytes() < this.nextPartialAt) {
      return;
    }
    const pcm = this.vad.current();
    if (!pcm) {
      return;
    }
    const seq = this.utteranceSeq;
    this.nextPartialAt = pcm.length + this.partialBytes;
    this.partial = this.deps.stt
      .transcribe(pcm, this.session.sampleRate, this.stt.signal)
      .then((text) => {
        if (text && !this.ended && seq > this.finalizedSeq) {
          this.send('transcript.partial', { text });
        }
      })
      .catch(() => undefined)
      .finally(() => {
        this.partial = null;
      });
  }

  /** Client `commit`: the utterance ends now. */
  private commit(): void {
    const pcm = this.vad ? this.vad.flush() : Buffer.concat(this.manual);
    this.manual = [];
    this.manualBytes = 0;
    if (pcm && pcm.length) {
      this.enqueue(pcm, this.vad ? this.utteranceSeq : 0);
    }
  }

  private enqueue(pcm: Buffer, seq: number): void {
    if (this.queue.length >= MAX_QUEUED_UTTERANCES) {
      return this.send('error', { code: 'busy', message: 'Too many utterances waiting; this one was dropped' });
    }
    this.queue.push({ pcm, seq });
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.processing) {
      return;
    }
    this.processing = true;
    try {
      while (!this.ended && this.queue.length) {
        const next = this.queue.shift()!;
        await this.utterance(next.pcm, next.seq);
      }
    } finally {
      this.processing = false;
      this.touch();
    }
  }

  /** STT → turn → transcript.final, then the turn's events until it ends. */
  private async utterance(pcm: Buffer, seq: number): Promise<void> {
    // an interim transcription of this utterance still running goes out first
    await this.partial;
    this.finalizedSeq = Math.max(this.finalizedSeq, seq);
    let text: string;
    try {
      text = await this.deps.stt.transcribe(pcm, this.session.sampleRate, this.stt.signal);
    } catch (err) {
      if (!this.ended) {
        this.send('error', { code: 'stt_failed', message: (err as Error).message });
      }
      return;
    }
    if (this.ended || !text) {
      return;
    }
    // events of the turn wait until transcript.final is out (it needs the stored message's id)
    const held: Array<[string, Record<string, unknown>]> = [];
    let live = false;
    let assistantMessageId: string | null = null;
    const observe = (event: string, data: Record<string, unknown>) => {
      if (event === 'message_start' && typeof data.message_id === 'string') {
        assistantMessageId = data.message_id;
      }
      return live ? this.onTurnEvent(event, data) : held.push([event, data]);
    };
    let turn: AutomatedTurn;
    try {
      turn = await this.deps.turns.start({
        orgId: this.session.orgId,
        agent: this.session.agent,
        realm: this.session.realm,
        title: `Voice: ${text.slice(0, 200)}`,
        content: text,
        actorUserId: this.session.createdBy,
        externalKey: `voice:${this.session.id}`,
        observe,
      });
    } catch (err) {
      const e = err as { code?: string; message?: string };
      this.send('error', {
        code: typeof e.code === 'string' ? e.code : 'turn_failed',
        message: e.message ?? 'turn failed',
      });
      return;
    }
    this.conversationId = turn.conversationId;
    this.speaker.begin();
    const [, transcript] = await Promise.all([
      this.deps.repo.incrementTurns(this.session.orgId, this.session.id, turn.conversationId).catch(() => undefined),
      this.deps.turns.transcript(this.session.orgId, turn.conversationId).catch(() => null),
    ]);
    const userMessage = [...(transcript?.messages ?? [])].reverse().find((m) => m.role === 'user');
    this.send('transcript.final', {
      text,
      message_id: userMessage?.id ?? null,
      conversation_id: turn.conversationId,
    });
    live = true;
    for (const [event, data] of held) {
      this.onTurnEvent(event, data);
    }
    // the turn's end (message_end) is not an observed event: its outcome is
    const outcome = await turn.done.catch((err: Error) => ({
      finishReason: 'error',
      error: { code: 'turn_failed', message: err.message },
    }));
    if (this.ended) {
      return;
    }
    if (outcome.error) {
      this.send('error', { code: outcome.error.code, message: outcome.error.message });
    }
    this.speaker.resume();
    this.speaker.finish();
    this.send('agent.done', { finish_reason: outcome.finishReason, message_id: assistantMessageId });
  }

  private onTurnEvent(event: string, data: Record<string, unknown>): void {
    if (this.ended) {
      return;
    }
    switch (event) {
      case 'content_delta':
        if (typeof data.delta === 'string' && data.delta) {
          this.send('agent.delta', { delta: data.delta });
          this.speaker.append(data.delta);
        }
        return;
      case 'tool_call_start':
        return this.send('tool_call', { tool_call_id: data.tool_call_id, tool: data.tool ?? data.name });
      case 'approval_required':
        this.speaker.pause();
        return this.send('approval_required', data);
      case 'approval_resolved':
        this.send('approval_resolved', data);
        return this.speaker.resume();
      default:
        return;
    }
  }
}
