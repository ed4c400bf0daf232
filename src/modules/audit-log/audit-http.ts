import { openSseResponse } from '@libs/http';
import type { Response } from 'express';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { AuditEntryDto } from 'src/modules/activity/dto/activity.dto';
import type { AuditSink } from './audit-stream.service';

/** The HTTP response as an SSE sink: `id: <seq>`, `event: audit`, one-line JSON `data:`; `event: ping` keep-alives. */
export class SseResponseSink implements AuditSink {
  private ended = false;

  constructor(private readonly res: Response) {
    res.on('close', () => {
      this.ended = true;
    });
  }

  open(): void {
    openSseResponse(this.res);
  }

  get closed(): boolean {
    return this.ended || this.res.writableEnded;
  }

  async send(seq: number, entry: AuditEntryDto): Promise<void> {
    if (this.closed) {
      return;
    }
    if (!this.res.write(`id: ${seq}\nevent: audit\ndata: ${JSON.stringify(entry)}\n\n`)) {
      await Promise.race([once(this.res, 'drain'), once(this.res, 'close')]);
    }
  }

  ping(): void {
    if (!this.closed) {
      this.res.write(`event: ping\ndata: {}\n\n`);
    }
  }

  end(): void {
    if (!this.res.writableEnded) {
      this.ended = true;
      if (this.res.headersSent) {
        this.res.end();
      }
    }
  }

  onClose(cb: () => void): void {
    this.res.on('close', cb);
  }
}

/** `Last-Event-ID` as a seq; absent or invalid → null. */
export function parseLastSeq(v: string | undefined): number | null {
  const n = Number(v);
  return v !== undefined && v !== '' && Number.isSafeInteger(n) && n >= 0 ? n : null;
}

/** Streams CSV lines with backpressure (pipeline waits for the socket); a client that leaves stops the reads. */
export async function sendCsv(res: Response, lines: AsyncIterable<string>, filename: string): Promise<void> {
  res.status(200);
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
  res.setHeader('Cache-Control', 'no-store');
  await pipeline(Readable.from(lines), res).catch(() => undefined);
}
