import type { Principal } from '@libs/auth/principal';
import { prefixedId } from '@libs/database/ids';
import { AppException, UnauthorizedException } from '@libs/errors';
import { BlobTooLargeError, type BlobStore, type StoredBlob } from '@libs/storage';
import type { Readable } from 'node:stream';

/** The multipart file part as multer hands it to a storage engine. */
interface IncomingPart {
  fieldname: string;
  originalname: string;
  mimetype: string;
  stream: Readable;
}

/** What the engine adds to `req.file`: the blob is already stored under a key built from ids. */
export interface UploadedBlob {
  fieldname: string;
  originalname: string;
  /** the Content-Type the client declared for the part */
  mimetype: string;
  artifactId: string;
  storageKey: string;
  stored: StoredBlob;
}

export const storageKeyOf = (orgId: string, artifactId: string) => `${orgId}/${artifactId}`;

export const tooLarge = (maxBytes: number) =>
  new AppException(413, 'payload_too_large', `Artifacts are limited to ${maxBytes} bytes`, { max_bytes: maxBytes });

/**
 * A multer storage engine that streams the `file` part straight into the BlobStore (counted,
 * hashed, capped at ARTIFACT_MAX_BYTES) instead of buffering it; multer calls `_removeFile` when
 * the request fails after the part was stored.
 */
export class BlobStorageEngine {
  constructor(
    private readonly store: BlobStore,
    private readonly maxBytes: number,
  ) {}

  _handleFile(
    req: { principal?: Principal },
    file: IncomingPart,
    cb: (err: unknown, info?: Partial<UploadedBlob>) => void,
  ): void {
    if (!req.principal) {
      file.stream.resume();
      cb(new UnauthorizedException());
      return;
    }
    const artifactId = prefixedId('art');
    const storageKey = storageKeyOf(req.principal.orgId, artifactId);
    this.store.put(storageKey, file.stream, { maxBytes: this.maxBytes }).then(
      (stored) => cb(null, { artifactId, storageKey, stored }),
      (err: unknown) => {
        file.stream.resume();
        cb(err instanceof BlobTooLargeError ? tooLarge(this.maxBytes) : err);
      },
    );
  }

  _removeFile(_req: unknown, file: Partial<UploadedBlob>, cb: (err: unknown) => void): void {
    if (!file.storageKey) {
      cb(null);
      return;
    }
    this.store.delete(file.storageKey).then(
      () => cb(null),
      (err: unknown) => cb(err),
    );
  }
}
