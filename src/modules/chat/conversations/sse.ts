import { openSseResponse } from '@libs/http';
import type { Response } from 'express';
import type { TurnEvent } from 'src/modules/chat/turns/turn-events.service';

/** Writes SSE frames (`id:`, `event:`, one-line JSON `data:`) to an Express response. */
export class SseWriter {
  private closed = false;

  constructor(private readonly res: Response) {
    res.on('close', () => {
      this.closed = true;
    });
  }

  get isClosed(): boolean {
    return this.closed || this.res.writableEnded;
  }

  /** Status and headers; `flush: false` leaves them to go out with the first frame (one write instead of two). */
  open(flush = true): void {
    openSseResponse(this.res, flush);
  }

  /** Sends the headers now if no frame has carried them yet. */
  flush(): void {
    if (!this.res.headersSent) {
      this.res.flushHeaders();
    }
  }

  send(e: TurnEvent): void {
    if (this.isClosed) {
      return;
    }
    this.res.write(`id: ${e.id}\nevent: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`);
  }

  end(): void {
    if (this.isClosed) {
      return;
    }
    this.closed = true;
    this.res.end();
  }

  onClose(cb: () => void): void {
    this.res.on('close', cb);
  }
}

/** Parses a Last-Event-ID header value (the per-turn sequence number); invalid → 0. */
export function parseLastEventId(v: string | undefined | null): number {
  const n = Number(v);
  return Number.isInteger(n) && n > 0 ? n : 0;
}

/** Streams a locally running turn to the response from its first event; the turn itself never depends on the client. */
export function pipeLocalTurn(
  res: Response,
  subscribe: (listener: (e: TurnEvent) => void) => (() => void) | undefined,
): void {
  const sse = new SseWriter(res);
  // the turn has emitted message_start already: the replay below writes it together with the headers
  sse.open(false);
  // `let`, assigned below: the listener may run before subscribe() returns, and must see undefined then
  let unsubscribe: (() => void) | undefined;
  let ended = false;
  // eslint-disable-next-line prefer-const
  unsubscribe = subscribe((e) => {
    sse.send(e);
    if (e.event === 'message_end') {
      ended = true;
      sse.end();
      unsubscribe?.();
    }
  });
  if (ended) {
    unsubscribe?.();
  }
  sse.flush();
  if (!unsubscribe) {
    sse.end();
  }
  sse.onClose(() => unsubscribe?.());
}

/** Streams events from an async source (re-attach); aborts the source when the client goes away. */
export async function pipeEvents(
  res: Response,
  source: AsyncGenerator<TurnEvent> | undefined,
  ctrl: AbortController,
): Promise<void> {
  const sse = new SseWriter(res);
  sse.open();
  sse.onClose(() => ctrl.abort());
  try {
    if (source) {
      for await (const e of source) {
        if (sse.isClosed) {
          break;
        }
        sse.send(e);
      }
    }
  } catch {
    // the stream ends; the client can re-attach with Last-Event-ID
  } finally {
    ctrl.abort();
    sse.end();
  }
}
