/** Server-sent events from a fetch body: `id:` / `event:` / `data:` frames separated by a blank line. */
export interface SseFrame {
  id?: string;
  event: string;
  /** parsed JSON when the data is JSON, else the raw text */
  data: unknown;
}

export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseFrame> {
  const decoder = new TextDecoder();
  let buf = '';
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buf += decoder.decode(chunk, { stream: true }).replace(/\r\n?/g, '\n');
    let idx: number;
    while ((idx = buf.indexOf('\n\n')) >= 0) {
      const frame = parseFrame(buf.slice(0, idx));
      buf = buf.slice(idx + 2);
      if (frame) {
        yield frame;
      }
    }
  }
  const last = parseFrame(buf);
  if (last) {
    yield last;
  }
}

export function parseFrame(text: string): SseFrame | undefined {
  const frame: SseFrame = { event: 'message', data: undefined };
  const data: string[] = [];
  let seen = false;
  for (const line of text.split('\n')) {
    if (!line || line.startsWith(':')) {
      continue;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') {
      frame.id = value;
      seen = true;
    } else if (field === 'event') {
      frame.event = value;
      seen = true;
    } else if (field === 'data') {
      data.push(value);
      seen = true;
    }
  }
  if (!seen) {
    return undefined;
  }
  const raw = data.join('\n');
  try {
    frame.data = raw ? (JSON.parse(raw) as unknown) : undefined;
  } catch {
    frame.data = raw;
  }
  return frame;
}
