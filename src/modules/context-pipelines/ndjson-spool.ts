import { AppException } from '@libs/errors';
import type { Hmac } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import type { Readable } from 'node:stream';

export interface SpoolLimits {
  maxBytes: number;
  maxLines: number;
}

export interface Spooled {
  bytes: number;
  lines: number;
}

export const tooLarge = (what: 'bytes' | 'lines', limits: SpoolLimits) =>
  new AppException(
    413,
    'payload_too_large',
    what === 'bytes'
      ? `NDJSON body larger than ${limits.maxBytes} bytes`
      : `NDJSON body has more than ${limits.maxLines} lines`,
    { max_bytes: limits.maxBytes, max_lines: limits.maxLines },
  );

/**
 * Copies a request body to `path` while counting bytes and lines and feeding `hmac`; rejects with
 * 413 as soon as a limit is passed (the rest of the body is read and discarded, never held).
 * Memory stays at one chunk: the file is written with backpressure.
 */
export function spoolBody(req: Readable, path: string, limits: SpoolLimits, hmac?: Hmac): Promise<Spooled> {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(path);
    let bytes = 0;
    let newlines = 0;
    let last = 10;
    let settled = false;
    const cleanup = () => {
      req.removeListener('data', onData);
      req.removeListener('end', onEnd);
      req.removeListener('error', onError);
      req.removeListener('close', onClose);
    };
    const fail = (err: Error) => {
      if (settled) {
        return;
      }
      settled = true;
      cleanup();
      req.resume();
      out.destroy();
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > limits.maxBytes) {
        return fail(tooLarge('bytes', limits));
      }
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) {
        newlines++;
      }
      if (newlines > limits.maxLines) {
        return fail(tooLarge('lines', limits));
      }
      last = chunk.length ? chunk[chunk.length - 1]! : last;
      hmac?.update(chunk);
      if (!out.write(chunk)) {
        req.pause();
        out.once('drain', () => req.resume());
      }
    };
    const onEnd = () => {
      const lines = newlines + (last !== 10 ? 1 : 0);
      if (lines > limits.maxLines) {
        return fail(tooLarge('lines', limits));
      }
      settled = true;
      cleanup();
      out.end(() => resolve({ bytes, lines }));
    };
    const onError = (err: Error) => fail(err);
    const onClose = () => fail(new AppException(400, 'bad_request', 'Request body ended early'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
    out.on('error', onError);
  });
}
