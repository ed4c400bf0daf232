import { trackSseStream } from '@libs/metrics/sse-streams';
import type { Response } from 'express';

/**
 * Turns a response into an open SSE stream: status, headers that keep proxies from buffering, no
 * socket timeout, Nagle off, counted in the open-streams gauge. `flush: false` leaves the headers
 * to go out with the first frame (one write instead of two).
 */
export function openSseResponse(res: Response, flush = true): void {
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream');
  res.setHeader('Cache-Control', 'no-cache');
  res.setHeader('Connection', 'keep-alive');
  res.setHeader('X-Accel-Buffering', 'no');
  res.socket?.setTimeout(0);
  res.socket?.setNoDelay(true);
  if (flush) {
    res.flushHeaders();
  }
  trackSseStream(res);
}
