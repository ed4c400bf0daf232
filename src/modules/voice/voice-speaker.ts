import type { TextToSpeech } from './providers/speech.types';

/** Longest text sent to TTS at once when no sentence end comes. */
const MAX_SEGMENT_CHARS = 400;

/** Cuts streamed text into speakable segments: whole sentences, or ~400 characters at a space. */
export function takeSegments(buffer: string, final: boolean): { segments: string[]; rest: string } {
  const segments: string[] = [];
  let rest = buffer;
  for (;;) {
    const m = /[.!?;:\n](?=\s|$)/.exec(rest);
    // a sentence end is only sure once something follows it (or the text is final)
    if (m && (m.index + 1 < rest.length || final)) {
      const seg = rest.slice(0, m.index + 1).trim();
      rest = rest.slice(m.index + 1);
      if (seg) {
        segments.push(seg);
      }
      continue;
    }
    if (rest.length > MAX_SEGMENT_CHARS) {
      const cut = rest.lastIndexOf(' ', MAX_SEGMENT_CHARS);
      const at = cut > 0 ? cut : MAX_SEGMENT_CHARS;
      segments.push(rest.slice(0, at).trim());
      rest = rest.slice(at);
      continue;
    }
    break;
  }
  if (final && rest.trim()) {
    segments.push(rest.trim());
    rest = '';
  }
  return { segments, rest };
}

export interface SpeakerSink {
  audio(pcm: Buffer): void;
  error(code: string, message: string): void;
}

/**
 * Speaks an answer while it streams: segments go to TTS one at a time, in order, and their PCM to
 * the sink in ~100 ms frames. `interrupt()` (barge-in) aborts the in-flight TTS request and drops
 * everything not yet spoken; `pause()`/`resume()` hold speech while an approval is pending.
 */
export class Speaker {
  private buffer = '';
  private readonly queue: string[] = [];
  private generation = 0;
  private abort: AbortController | null = null;
  private running = false;
  private paused = false;
  /** the current answer was interrupted: the rest of it is not spoken */
  private muted = false;

  constructor(
    private readonly tts: TextToSpeech,
    private readonly sink: SpeakerSink,
    private readonly opts: { sampleRate: number; voice: () => string | null },
  ) {}

  /** Something is queued or being synthesized. */
  get busy(): boolean {
    return this.running || this.queue.length > 0;
  }

  /** A new answer starts (unmutes). */
  begin(): void {
    this.muted = false;
    this.buffer = '';
  }

  append(delta: string): void {
    if (this.muted) {
      return;
    }
    this.buffer += delta;
    const { segments, rest } = takeSegments(this.buffer, false);
    this.buffer = rest;
    this.enqueue(segments);
  }

  /** The answer is complete: speak what is left. */
  finish(): void {
    if (this.muted) {
      return;
    }
    const { segments } = takeSegments(this.buffer, true);
    this.buffer = '';
    this.enqueue(segments);
  }

  interrupt(): void {
    this.generation += 1;
    this.muted = true;
    this.queue.length = 0;
    this.buffer = '';
    this.abort?.abort();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    void this.pump();
  }

  stop(): void {
    this.interrupt();
  }

  private enqueue(segments: string[]): void {
    if (segments.length) {
      this.queue.push(...segments);
      void this.pump();
    }
  }

  private async pump(): Promise<void> {
    if (this.running) {
      return;
    }
    this.running = true;
    try {
      while (!this.paused && this.queue.length) {
        const text = this.queue.shift()!;
        const gen = this.generation;
        const abort = new AbortController();
        this.abort = abort;
        let pcm: Buffer;
        try {
          pcm = await this.tts.synthesize(
            text,
            { voice: this.opts.voice(), sampleRate: this.opts.sampleRate },
            abort.signal,
          );
        } catch (err) {
          if (!abort.signal.aborted && gen === this.generation) {
            this.sink.error('tts_failed', (err as Error).message);
          }
          continue;
        } finally {
          this.abort = null;
        }
        if (gen !== this.generation) {
          continue;
        }
        const frame = Math.max(2, Math.round(this.opts.sampleRate / 10) * 2);
        for (let off = 0; off < pcm.length; off += frame) {
          this.sink.audio(pcm.subarray(off, Math.min(pcm.length, off + frame)));
        }
      }
    } finally {
      this.running = false;
    }
  }
}
