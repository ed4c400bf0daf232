/**
 * Open SSE streams of this process. SSE responses are written by plain helpers that have no
 * injector (src/modules/chat/conversations/sse.ts), so the count is a process-wide number that
 * the `sse_streams_open` gauge reads at scrape time.
 */
let open = 0;

/** Counts an SSE response as open until its connection closes. */
export function trackSseStream(res: { once(event: 'close', listener: () => void): unknown }): void {
  open++;
  res.once('close', () => {
    open--;
  });
}

export function openSseStreams(): number {
  return open;
}
