import { EnergyVad, type VadEvent } from './vad';

const RATE = 16000;
const tone = (ms: number, amp = 8000) => {
  const n = (RATE * ms) / 1000;
  const b = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) {
    b.writeInt16LE(Math.round(amp * Math.sin((2 * Math.PI * 440 * i) / RATE)), i * 2);
  }
  return b;
};
const silence = (ms: number) => Buffer.alloc(((RATE * ms) / 1000) * 2);
const ms = (pcm: Buffer) => (pcm.length / 2 / RATE) * 1000;
const utterances = (events: VadEvent[]) =>
  events.filter((e): e is Extract<VadEvent, { type: 'utterance' }> => e.type === 'utterance');

describe('EnergyVad', () => {
  const make = (over: Partial<ConstructorParameters<typeof EnergyVad>[0]> = {}) =>
    new EnergyVad({ sampleRate: RATE, threshold: 500, silenceMs: 300, ...over });

  it('ends an utterance after the silence duration, keeping preroll and trimming the trailing silence', () => {
    const vad = make();
    const ev = vad.push(Buffer.concat([silence(500), tone(400), silence(400)]));
    expect(ev[0]).toEqual({ type: 'speech_start' });
    const u = utterances(ev);
    expect(u).toHaveLength(1);
    expect(u[0].reason).toBe('silence');
    // 400 ms speech + 200 ms preroll + one 20 ms window of the trailing silence
    expect(ms(u[0].pcm)).toBe(620);
    expect(vad.speaking).toBe(false);
  });

  it('does not end on a pause shorter than the silence duration', () => {
    const vad = make();
    const ev = vad.push(Buffer.concat([tone(200), silence(200), tone(200), silence(100)]));
    expect(utterances(ev)).toHaveLength(0);
    expect(vad.speaking).toBe(true);
    const end = utterances(vad.push(silence(300)));
    expect(end).toHaveLength(1);
    expect(ms(end[0].pcm)).toBe(200 + 200 + 200 + 20);
  });

  it('segments by audio time, whatever the frame sizes', () => {
    const audio = Buffer.concat([silence(100), tone(300), silence(500), tone(300), silence(500)]);
    const whole = utterances(make().push(audio)).map((u) => u.pcm.length);
    const vad = make();
    const pieces: number[] = [];
    for (let off = 0; off < audio.length; off += 222) {
      pieces.push(...utterances(vad.push(audio.subarray(off, off + 222))).map((u) => u.pcm.length));
    }
    expect(whole).toHaveLength(2);
    expect(pieces).toEqual(whole);
  });

  it('ignores quiet audio and clicks shorter than the minimum speech', () => {
    const vad = make();
    expect(vad.push(Buffer.concat([tone(1000, 300), silence(500)]))).toEqual([]);
    expect(vad.push(Buffer.concat([tone(20), silence(1000)]))).toEqual([]);
    expect(vad.flush()).toBeNull();
  });

  it('cuts an utterance at the maximum length', () => {
    const vad = make({ maxUtteranceMs: 1000 });
    const u = utterances(vad.push(tone(2500)));
    expect(u.map((x) => x.reason)).toEqual(['max_length', 'max_length']);
    expect(ms(u[0].pcm)).toBe(1000);
  });

  it('exposes the utterance in progress (interim transcripts)', () => {
    const vad = make();
    vad.push(silence(100));
    expect(vad.current()).toBeNull();
    expect(vad.currentBytes()).toBe(0);
    vad.push(tone(300));
    expect(ms(vad.current()!)).toBe(300 + 100); // the tone and 100 ms of preroll
    expect(vad.currentBytes()).toBe(vad.current()!.length);
    vad.push(silence(300));
    expect(vad.current()).toBeNull();
  });

  it('flush ends the utterance in progress (client commit)', () => {
    const vad = make();
    vad.push(tone(300));
    const pcm = vad.flush();
    expect(pcm && ms(pcm)).toBe(300);
    expect(vad.speaking).toBe(false);
    expect(vad.flush()).toBeNull();
  });
});
