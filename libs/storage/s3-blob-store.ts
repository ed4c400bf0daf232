import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { assertBlobKey } from './blob-key';
import { BlobNotFoundError, BlobStore, type PutOptions, type StoredBlob } from './blob-store';
import { measureBuffer, MeasuringStream } from './measuring-stream';

export interface S3BlobStoreOptions {
  bucket: string;
  region: string;
  endpoint?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle: boolean;
  /** where streams are spooled before a PUT (on disk: a tmpfs /tmp would hold them in memory) */
  spoolDir: string;
}

const isNotFound = (err: unknown) =>
  err instanceof S3ServiceException &&
  (err.name === 'NoSuchKey' || err.name === 'NotFound' || err.$metadata?.httpStatusCode === 404);

/**
 * Blobs in one bucket of any S3-compatible store: the one place that talks to it. A stream of
 * unknown length is spooled to a file under `spoolDir` first (a plain PUT needs its length; nothing is
 * held in memory), then sent with its size.
 */
export class S3BlobStore extends BlobStore {
  readonly kind = 's3' as const;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly spoolDir: string;

  constructor(opts: S3BlobStoreOptions) {
    super();
    this.bucket = opts.bucket;
    this.spoolDir = opts.spoolDir;
    this.client = new S3Client({
      region: opts.region,
      endpoint: opts.endpoint,
      forcePathStyle: opts.forcePathStyle,
      credentials:
        opts.accessKeyId && opts.secretAccessKey
          ? { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey }
          : undefined,
      // plain signed PUTs: many S3-compatible servers do not accept the SDK's default aws-chunked checksums
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  async put(key: string, body: Readable | Buffer, opts: PutOptions): Promise<StoredBlob> {
    assertBlobKey(key);
    if (Buffer.isBuffer(body)) {
      const stored = measureBuffer(body, opts.maxBytes);
      await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentLength: body.length }),
      );
      return stored;
    }
    await mkdir(this.spoolDir, { recursive: true });
    const dir = await mkdtemp(join(this.spoolDir, 'put-'));
    const spool = join(dir, randomUUID());
    try {
      const measuring = new MeasuringStream(opts.maxBytes);
      await pipeline(body, measuring, createWriteStream(spool, { flags: 'wx' }));
      const stored = measuring.result();
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: createReadStream(spool),
          ContentLength: stored.sizeBytes,
        }),
      );
      return stored;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async get(key: string): Promise<Readable> {
    assertBlobKey(key);
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return res.Body as Readable;
    } catch (err) {
      if (isNotFound(err)) {
        throw new BlobNotFoundError(key);
      }
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    assertBlobKey(key);
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async exists(key: string): Promise<boolean> {
    assertBlobKey(key);
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (err) {
      if (isNotFound(err)) {
        return false;
      }
      throw err;
    }
  }

  destroy(): void {
    this.client.destroy();
  }
}
