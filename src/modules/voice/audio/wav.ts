/** PCM16LE mono helpers: WAV framing for the STT upload, resampling for TTS output. */

/** A RIFF/WAVE file (PCM, 16-bit, mono) holding `pcm`. */
export function wavFromPcm16(pcm: Buffer, sampleRate: number, channels = 1): Buffer {
  const header = Buffer.alloc(44);
  const byteRate = sampleRate * channels * 2;
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + pcm.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16); // fmt chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(byteRate, 28);
  header.writeUInt16LE(channels * 2, 32); // block align
  header.writeUInt16LE(16, 34); // bits per sample
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(pcm.length, 40);
  return Buffer.concat([header, pcm]);
}

export interface ParsedWav {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  pcm: Buffer;
}

/** Reads a PCM WAV (any chunk order); null when it is not one. */
export function parseWav(buf: Buffer): ParsedWav | null {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    return null;
  }
  let off = 12;
  let fmt: Omit<ParsedWav, 'pcm'> | null = null;
  while (off + 8 <= buf.length) {
    const id = buf.toString('ascii', off, off + 4);
    const size = buf.readUInt32LE(off + 4);
    const body = off + 8;
    if (id === 'fmt ' && size >= 16 && body + 16 <= buf.length) {
      if (buf.readUInt16LE(body) !== 1) {
        return null;
      }
      fmt = {
        channels: buf.readUInt16LE(body + 2),
        sampleRate: buf.readUInt32LE(body + 4),
        bitsPerSample: buf.readUInt16LE(body + 14),
      };
    } else if (id === 'data' && fmt) {
      return { ...fmt, pcm: buf.subarray(body, Math.min(buf.length, body + size)) };
    }
    off = body + size + (size % 2);
  }
  return null;
}

/** Linear-interpolation resampling of PCM16LE mono (TTS output to the session's rate). */
export function resamplePcm16(pcm: Buffer, fromRate: number, toRate: number): Buffer {
  const n = Math.floor(pcm.length / 2);
  if (fromRate === toRate || n === 0) {
    return pcm.subarray(0, n * 2);
  }
  const outLen = Math.max(1, Math.round((n * toRate) / fromRate));
  const out = Buffer.alloc(outLen * 2);
  const step = fromRate / toRate;
  for (let i = 0; i < outLen; i++) {
    const pos = i * step;
    const i0 = Math.min(n - 1, Math.floor(pos));
    const i1 = Math.min(n - 1, i0 + 1);
    const frac = pos - i0;
    const v = pcm.readInt16LE(i0 * 2) * (1 - frac) + pcm.readInt16LE(i1 * 2) * frac;
    out.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(v))), i * 2);
  }
  return out;
}

/** Root mean square of PCM16LE samples `[start, end)` (sample indexes). */
export function rmsPcm16(pcm: Buffer, start = 0, end = Math.floor(pcm.length / 2)): number {
  if (end <= start) {
    return 0;
  }
  let sum = 0;
  for (let i = start; i < end; i++) {
    const s = pcm.readInt16LE(i * 2);
    sum += s * s;
  }
  return Math.sqrt(sum / (end - start));
}
