import { parseWav, resamplePcm16, rmsPcm16, wavFromPcm16 } from './wav';

function pcmOf(samples: number[]): Buffer {
  const b = Buffer.alloc(samples.length * 2);
  samples.forEach((s, i) => b.writeInt16LE(s, i * 2));
  return b;
}

describe('WAV framing', () => {
  it('writes a 44-byte PCM16 mono RIFF header before the samples', () => {
    const pcm = pcmOf([0, 1000, -1000, 32767, -32768]);
    const wav = wavFromPcm16(pcm, 16000);
    expect(wav.length).toBe(44 + pcm.length);
    expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
    expect(wav.readUInt32LE(4)).toBe(36 + pcm.length);
    expect(wav.toString('ascii', 8, 16)).toBe('WAVEfmt ');
    expect(wav.readUInt32LE(16)).toBe(16);
    expect(wav.readUInt16LE(20)).toBe(1); // PCM
    expect(wav.readUInt16LE(22)).toBe(1); // mono
    expect(wav.readUInt32LE(24)).toBe(16000);
    expect(wav.readUInt32LE(28)).toBe(32000); // byte rate
    expect(wav.readUInt16LE(32)).toBe(2); // block align
    expect(wav.readUInt16LE(34)).toBe(16);
    expect(wav.toString('ascii', 36, 40)).toBe('data');
    expect(wav.readUInt32LE(40)).toBe(pcm.length);
    expect(wav.subarray(44).equals(pcm)).toBe(true);
  });

  it('parses what it writes, skips unknown chunks, and refuses non-PCM or non-WAV input', () => {
    const pcm = pcmOf([1, 2, 3, 4]);
    expect(parseWav(wavFromPcm16(pcm, 24000))).toEqual({ sampleRate: 24000, channels: 1, bitsPerSample: 16, pcm });
    const wav = wavFromPcm16(pcm, 8000);
    const list = Buffer.concat([Buffer.from('LIST'), Buffer.from([3, 0, 0, 0]), Buffer.from('abc'), Buffer.from([0])]);
    const withList = Buffer.concat([wav.subarray(0, 36), list, wav.subarray(36)]);
    expect(parseWav(withList)?.pcm.equals(pcm)).toBe(true);
    const float = Buffer.from(wav);
    float.writeUInt16LE(3, 20);
    expect(parseWav(float)).toBeNull();
    expect(parseWav(Buffer.from('not a wav file at all, really'))).toBeNull();
    expect(parseWav(Buffer.alloc(4))).toBeNull();
  });

  it('resamples by linear interpolation and keeps the length ratio', () => {
    const up = resamplePcm16(pcmOf([0, 100, 200]), 8000, 16000);
    expect(up.length / 2).toBe(6);
    expect([0, 1, 2, 3].map((i) => up.readInt16LE(i * 2))).toEqual([0, 50, 100, 150]);
    const down = resamplePcm16(pcmOf([0, 10, 20, 30, 40, 50]), 24000, 16000);
    expect(down.length / 2).toBe(4);
    expect([0, 1, 2].map((i) => down.readInt16LE(i * 2))).toEqual([0, 15, 30]);
    const same = pcmOf([5, 6, 7]);
    expect(resamplePcm16(same, 16000, 16000).equals(same)).toBe(true);
    // a trailing odd byte is dropped
    expect(resamplePcm16(Buffer.concat([same, Buffer.from([9])]), 16000, 16000).equals(same)).toBe(true);
  });

  it('computes the RMS of PCM16 samples', () => {
    expect(rmsPcm16(pcmOf([3, -3, 3, -3]))).toBe(3);
    expect(rmsPcm16(pcmOf([0, 0]))).toBe(0);
    expect(rmsPcm16(Buffer.alloc(0))).toBe(0);
    expect(Math.round(rmsPcm16(pcmOf([1000, 0])))).toBe(707);
  });
});
