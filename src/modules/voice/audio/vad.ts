import { rmsPcm16 } from './wav';

export interface VadOptions {
  sampleRate: number;
  /** RMS (PCM16 units) above which a window is speech */
  threshold: number;
  /** trailing silence (audio time) that ends an utterance */
  silenceMs: number;
  /** speech needed before an utterance starts (filters clicks); default 60 ms */
  minSpeechMs?: number;
  /** audio kept from before the speech start; default 200 ms */
  prerollMs?: number;
  /** an utterance longer than this is cut; default 30 s */
  maxUtteranceMs?: number;
  /** analysis window; default 20 ms */
  windowMs?: number;
}

export type VadEvent =
  { type: 'speech_start' } | { type: 'utterance'; pcm: Buffer; reason: 'silence' | 'max_length' | 'flush' };

/**
 * Energy VAD on PCM16LE mono, driven by audio time (sample counts), not wall-clock time: a client
 * that sends faster than real time gets the same segmentation. Each window's RMS is compared with the
 * threshold; `minSpeechMs` of consecutive speech starts an utterance (with `prerollMs` of audio
 * before it), `silenceMs` of consecutive silence ends it (the silence is trimmed but for one window).
 */
export class EnergyVad {
  private readonly windowSamples: number;
  private readonly minSpeechWindows: number;
  private readonly silenceWindows: number;
  private readonly prerollWindows: number;
  private readonly maxUtteranceWindows: number;
  /** bytes not yet forming a whole window */
  private pending = Buffer.alloc(0);
  /** recent windows before speech (preroll) */
  private preroll: Buffer[] = [];
  private speechRun = 0;
  private silenceRun = 0;
  private inUtterance = false;
  private utterance: Buffer[] = [];
  /** windows of the utterance that are trailing silence */
  private trailing: Buffer[] = [];

  constructor(private readonly opts: VadOptions) {
    const windowMs = opts.windowMs ?? 20;
    this.windowSamples = Math.max(1, Math.round((opts.sampleRate * windowMs) / 1000));
    const windows = (ms: number) => Math.max(1, Math.ceil(ms / windowMs));
    this.minSpeechWindows = windows(opts.minSpeechMs ?? 60);
    this.silenceWindows = windows(opts.silenceMs);
    this.prerollWindows = windows(opts.prerollMs ?? 200);
    this.maxUtteranceWindows = windows(opts.maxUtteranceMs ?? 30_000);
  }

  get speaking(): boolean {
    return this.inUtterance;
  }

  /** Feeds PCM16LE bytes; returns what happened in them (in order). */
  push(chunk: Buffer): VadEvent[] {
    const events: VadEvent[] = [];
    let buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const windowBytes = this.windowSamples * 2;
    while (buf.length >= windowBytes) {
      const w = Buffer.from(buf.subarray(0, windowBytes));
      buf = buf.subarray(windowBytes);
      this.window(w, events);
    }
    this.pending = Buffer.from(buf);
    return events;
  }

  /** The utterance so far (for interim transcripts); null outside one. */
  current(): Buffer | null {
    return this.inUtterance ? Buffer.concat([...this.utterance, ...this.trailing]) : null;
  }

  /** Bytes of the utterance so far (0 outside one). */
  currentBytes(): number {
    return this.inUtterance ? (this.utterance.length + this.trailing.length) * this.windowSamples * 2 : 0;
  }

  /** Ends the current utterance now (client `commit`); null when no speech had started. */
  flush(): Buffer | null {
    const rest = this.pending;
    this.pending = Buffer.alloc(0);
    if (!this.inUtterance) {
      // no speech started: nothing to transcribe
      this.reset();
      return null;
    }
    const pcm = Buffer.concat([...this.utterance, ...this.trailing, rest]);
    this.reset();
    return pcm;
  }

  /** Drops everything buffered. */
  reset(): void {
    this.inUtterance = false;
    this.utterance = [];
    this.trailing = [];
    this.preroll = [];
    this.speechRun = 0;
    this.silenceRun = 0;
  }

  private window(w: Buffer, events: VadEvent[]): void {
    const speech = rmsPcm16(w) >= this.opts.threshold;
    if (!this.inUtterance) {
      this.preroll.push(w);
      this.speechRun = speech ? this.speechRun + 1 : 0;
      if (this.speechRun >= this.minSpeechWindows) {
        this.inUtterance = true;
        this.utterance = this.preroll.slice(-(this.prerollWindows + this.speechRun));
        this.preroll = [];
        this.silenceRun = 0;
        this.trailing = [];
        events.push({ type: 'speech_start' });
      } else if (this.preroll.length > this.prerollWindows + this.minSpeechWindows) {
        this.preroll.shift();
      }
      return;
    }
    if (speech) {
      this.utterance.push(...this.trailing, w);
      this.trailing = [];
      this.silenceRun = 0;
    } else {
      this.trailing.push(w);
      this.silenceRun += 1;
    }
    if (this.silenceRun >= this.silenceWindows) {
      const pcm = Buffer.concat([...this.utterance, ...this.trailing.slice(0, 1)]);
      this.reset();
      events.push({ type: 'utterance', pcm, reason: 'silence' });
    } else if (this.utterance.length + this.trailing.length >= this.maxUtteranceWindows) {
      const pcm = Buffer.concat([...this.utterance, ...this.trailing]);
      this.reset();
      events.push({ type: 'utterance', pcm, reason: 'max_length' });
    }
  }
}
