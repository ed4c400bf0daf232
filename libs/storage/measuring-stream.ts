import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { BlobTooLargeError, type StoredBlob } from './blob-store';

/** Bytes kept for content sniffing. */
export const HEAD_BYTES = 4096;

/** Pass-through that counts, hashes and keeps the head of what flows through; errors past `maxBytes`. */
export class MeasuringStream extends Transform {
  private size = 0;
  private readonly hash: Hash = createHash('sha256');
  private readonly headChunks: Buffer[] = [];
  private headLength = 0;

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      cb(new BlobTooLargeError(this.maxBytes));
      return;
    }
    this.hash.update(chunk);
    if (this.headLength < HEAD_BYTES) {
      const part = chunk.subarray(0, HEAD_BYTES - this.headLength);
      this.headChunks.push(part);
      this.headLength += part.length;
    }
    cb(null, chunk);
  }

  /** Valid once the stream has finished. */
  result(): StoredBlob {
    return { sizeBytes: this.size, sha256: this.hash.digest('hex'), head: Buffer.concat(this.headChunks) };
  }
}

/** The same measurements for a body already in memory. */
export function measureBuffer(body: Buffer, maxBytes: number): StoredBlob {
  if (body.length > maxBytes) {
    throw new BlobTooLargeError(maxBytes);
  }
  return {
    sizeBytes: body.length,
    sha256: createHash('sha256').update(body).digest('hex'),
    head: body.subarray(0, HEAD_BYTES),
  };
}
