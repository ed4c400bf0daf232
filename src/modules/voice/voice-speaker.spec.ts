import type { TextToSpeech } from './providers/speech.types';
import { Speaker, takeSegments } from './voice-speaker';

describe('takeSegments', () => {
  it('cuts whole sentences and keeps the unfinished rest', () => {
    expect(takeSegments('Hello there. How are', false)).toEqual({ segments: ['Hello there.'], rest: ' How are' });
    // a sentence end is only sure once something follows it
    expect(takeSegments('Hello there.', false)).toEqual({ segments: [], rest: 'Hello there.' });
    expect(takeSegments('Hello there.', true)).toEqual({ segments: ['Hello there.'], rest: '' });
    expect(takeSegments('It is 10:30 now! Ok? yes', true).segments).toEqual(['It is 10:30 now!', 'Ok?', 'yes']);
    expect(takeSegments('3.14 is pi', false).segments).toEqual([]);
  });

  it('cuts long text without sentence ends at a space', () => {
    const long = 'word '.repeat(120);
    const { segments, rest } = takeSegments(long, false);
    expect(segments.length).toBeGreaterThan(0);
    expect(segments.every((s) => s.length <= 400)).toBe(true);
    expect(rest.length).toBeLessThanOrEqual(400);
  });
});

describe('Speaker', () => {
  function fakeTts(delayMs = 0) {
    const calls: { text: string; signal: AbortSignal }[] = [];
    const tts: TextToSpeech = {
      name: 'fake',
      synthesize: (text, _opts, signal) => {
        calls.push({ text, signal });
        return new Promise((resolve, reject) => {
          const timer = setTimeout(() => resolve(Buffer.alloc(3200)), delayMs);
          signal.addEventListener('abort', () => {
            clearTimeout(timer);
            reject(new Error('aborted'));
          });
        });
      },
    };
    return { tts, calls };
  }
  const settle = (ms = 20) => new Promise((r) => setTimeout(r, ms));
  /** waits for what should happen (up to 5 s), so a loaded machine cannot fail the test; `settle` is for what must not */
  async function until(cond: () => boolean): Promise<void> {
    for (const end = Date.now() + 5_000; !cond() && Date.now() < end;) {
      await settle(5);
    }
  }

  it('speaks sentences in order, in 100 ms frames', async () => {
    const { tts, calls } = fakeTts();
    const frames: Buffer[] = [];
    const sp = new Speaker(
      tts,
      { audio: (b) => frames.push(b), error: () => undefined },
      { sampleRate: 16000, voice: () => 'v' },
    );
    sp.begin();
    sp.append('One. Tw');
    sp.append('o.');
    sp.finish();
    await until(() => frames.length >= 2 && !sp.busy);
    expect(calls.map((c) => c.text)).toEqual(['One.', 'Two.']);
    expect(frames).toHaveLength(2 * 1); // 3200 bytes = 100 ms at 16 kHz: one frame per sentence
    expect(sp.busy).toBe(false);
  });

  it('interrupt aborts the in-flight request, drops the queue and mutes the rest of the answer', async () => {
    const { tts, calls } = fakeTts(200);
    const frames: Buffer[] = [];
    const errors: string[] = [];
    const sp = new Speaker(
      tts,
      { audio: (b) => frames.push(b), error: (c) => errors.push(c) },
      { sampleRate: 16000, voice: () => null },
    );
    sp.begin();
    sp.append('First sentence. Second sentence. ');
    await until(() => calls.length > 0);
    sp.interrupt();
    expect(calls[0].signal.aborted).toBe(true);
    sp.append('Third sentence. ');
    sp.finish();
    await settle(300);
    expect(calls).toHaveLength(1);
    expect(frames).toHaveLength(0);
    expect(errors).toEqual([]);
    // the next answer is spoken
    sp.begin();
    sp.append('Next.');
    sp.finish();
    await until(() => frames.length > 0);
    expect(frames.length).toBeGreaterThan(0);
  });

  it('holds speech while paused (pending approval)', async () => {
    const { tts, calls } = fakeTts();
    const sp = new Speaker(
      tts,
      { audio: () => undefined, error: () => undefined },
      { sampleRate: 16000, voice: () => null },
    );
    sp.begin();
    sp.pause();
    sp.append('Waiting. ');
    await settle();
    expect(calls).toHaveLength(0);
    sp.resume();
    await until(() => calls.length > 0);
    expect(calls.map((c) => c.text)).toEqual(['Waiting.']);
  });

  it('reports TTS failures as tts_failed and goes on', async () => {
    let n = 0;
    const tts: TextToSpeech = {
      name: 'flaky',
      synthesize: () => (n++ === 0 ? Promise.reject(new Error('boom')) : Promise.resolve(Buffer.alloc(10))),
    };
    const errors: string[] = [];
    const frames: Buffer[] = [];
    const sp = new Speaker(
      tts,
      { audio: (b) => frames.push(b), error: (c) => errors.push(c) },
      { sampleRate: 16000, voice: () => null },
    );
    sp.begin();
    sp.append('A. B. ');
    await until(() => errors.length > 0 && frames.length > 0);
    expect(errors).toEqual(['tts_failed']);
    expect(frames).toHaveLength(1);
  });
});
