import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { access, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { assertBlobKey } from './blob-key';
import { BlobNotFoundError, BlobStore, type PutOptions, type StoredBlob } from './blob-store';
import { measureBuffer, MeasuringStream } from './measuring-stream';

/** Blobs as files under one root directory; a key maps to `<root>/<key>` and can never leave it. */
export class LocalBlobStore extends BlobStore {
  readonly kind = 'local' as const;
  private readonly root: string;

  constructor(root: string) {
    super();
    this.root = resolve(root);
  }

  private pathOf(key: string): string {
    const path = resolve(this.root, ...assertBlobKey(key).split('/'));
    if (!path.startsWith(this.root + sep)) {
      throw new Error(`blob key ${key} escapes the store`);
    }
    return path;
  }

  async put(key: string, body: Readable | Buffer, opts: PutOptions): Promise<StoredBlob> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    // written beside the target and renamed: a reader never sees half a blob, a failure leaves none
    const part = `${path}.${randomUUID()}.part`;
    try {
      if (Buffer.isBuffer(body)) {
        const stored = measureBuffer(body, opts.maxBytes);
        await writeFile(part, body, { flag: 'wx' });
        await rename(part, path);
        return stored;
      }
      const measuring = new MeasuringStream(opts.maxBytes);
      await pipeline(body, measuring, createWriteStream(part, { flags: 'wx' }));
      await rename(part, path);
      return measuring.result();
    } catch (err) {
      await rm(part, { force: true });
      throw err;
    }
  }

  async get(key: string): Promise<Readable> {
    const path = this.pathOf(key);
    if (!(await this.exists(key))) {
      throw new BlobNotFoundError(key);
    }
    return createReadStream(path);
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async exists(key: string): Promise<boolean> {
    try {
      await access(this.pathOf(key));
      return true;
    } catch {
      return false;
    }
  }

  /** for tests and diagnostics: where a key lives */
  locate(key: string): string {
    return this.pathOf(key);
  }
}
