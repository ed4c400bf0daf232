import type { Readable } from 'node:stream';

/** What a stored blob turned out to be: counted and hashed while it was written. */
export interface StoredBlob {
  sizeBytes: number;
  sha256: string;
  /** the first bytes (up to `HEAD_BYTES`), for content sniffing */
  head: Buffer;
}

export interface PutOptions {
  /** refuse (BlobTooLargeError) and store nothing when the body is larger */
  maxBytes: number;
}

/** The body exceeded `PutOptions.maxBytes`; nothing was kept. */
export class BlobTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`blob larger than ${maxBytes} bytes`);
    this.name = 'BlobTooLargeError';
  }
}

export class BlobNotFoundError extends Error {
  constructor(key: string) {
    super(`blob ${key} not found`);
    this.name = 'BlobNotFoundError';
  }
}

/**
 * The one port to blob storage (artifacts). Keys are built by the caller from ids only
 * (`assertBlobKey`), never from user input; implementations: local disk, S3-compatible.
 */
export abstract class BlobStore {
  /** recorded on each artifact row: which backend holds it */
  abstract readonly kind: 'local' | 's3';
  /** Writes the whole body or nothing (a failed or oversized put leaves no blob). */
  abstract put(key: string, body: Readable | Buffer, opts: PutOptions): Promise<StoredBlob>;
  /** The content; BlobNotFoundError when absent. */
  abstract get(key: string): Promise<Readable>;
  /** Idempotent: deleting a missing blob is not an error. */
  abstract delete(key: string): Promise<void>;
  abstract exists(key: string): Promise<boolean>;
}
