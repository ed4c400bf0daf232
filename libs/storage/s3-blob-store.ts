import type * as S3Sdk from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
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

let s3Sdk: Promise<typeof S3Sdk> | undefined;

/** `@aws-sdk/client-s3`, loaded on first use (≈ 20 MB of RSS): only an install with the s3 backend that stores blobs pays for it. */
function loadS3Sdk(): Promise<typeof S3Sdk> {
  return (s3Sdk ??= import('@aws-sdk/client-s3'));
}

const isNotFound = (sdk: typeof S3Sdk, err: unknown) =>
  err instanceof sdk.S3ServiceException &&
  (err.name === 'NoSuchKey' || err.name === 'NotFound' || err.$metadata?.httpStatusCode === 404);

/**
 * Blobs in one bucket of any S3-compatible store: the one place that talks to it. A stream of
 * unknown length is spooled to a file under `spoolDir` first (a plain PUT needs its length; nothing is
 * held in memory), then sent with its size.
 */
export class S3BlobStore extends BlobStore {
  readonly kind = 's3' as const;
  /** the SDK and its client, created on first use */
  private s3?: Promise<{ sdk: typeof S3Sdk; client: S3Client }>;
  private client?: S3Client;
  private destroyed = false;
  private readonly bucket: string;
  private readonly spoolDir: string;

  constructor(private readonly opts: S3BlobStoreOptions) {
    super();
    this.bucket = opts.bucket;
    this.spoolDir = opts.spoolDir;
  }

  private connect(): Promise<{ sdk: typeof S3Sdk; client: S3Client }> {
    return (this.s3 ??= loadS3Sdk().then((sdk) => {
      const client = this.newClient(sdk);
      if (this.destroyed) {
        client.destroy();
      }
      this.client = client;
      return { sdk, client };
    }));
  }

  private newClient(sdk: typeof S3Sdk): S3Client {
    const opts = this.opts;
    return new sdk.S3Client({
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
      const { sdk, client } = await this.connect();
      await client.send(
        new sdk.PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentLength: body.length }),
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
      const { sdk, client } = await this.connect();
      await client.send(
        new sdk.PutObjectCommand({
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
    const { sdk, client } = await this.connect();
    try {
      const res = await client.send(new sdk.GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return res.Body as Readable;
    } catch (err) {
      if (isNotFound(sdk, err)) {
        throw new BlobNotFoundError(key);
      }
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    assertBlobKey(key);
    const { sdk, client } = await this.connect();
    await client.send(new sdk.DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async exists(key: string): Promise<boolean> {
    assertBlobKey(key);
    const { sdk, client } = await this.connect();
    try {
      await client.send(new sdk.HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (err) {
      if (isNotFound(sdk, err)) {
        return false;
      }
      throw err;
    }
  }

  destroy(): void {
    this.destroyed = true;
    this.client?.destroy();
  }
}
