import { StringDecoder } from 'node:string_decoder';

export type SessionEventName = 'stdout' | 'stderr' | 'status';

/** One frame of a session's output stream (`id` grows by one per event for Last-Event-ID). */
export interface SessionEvent {
  id: number;
  event: SessionEventName;
  data: Record<string, unknown>;
}

/**
 * The recent output of a session: a ring bounded by events and bytes (older events fall off;
 * a client resuming from an id that fell off gets what is left), plus live listeners.
 */
export class OutputLog {
  private readonly events: SessionEvent[] = [];
  private bytes = 0;
  private seq = 0;
  private readonly listeners = new Set<(e: SessionEvent) => void>();
  private readonly decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };

  constructor(
    private readonly maxEvents = 2000,
    private readonly maxBytes = 512 * 1024,
  ) {}

  get lastId(): number {
    return this.seq;
  }

  /** Appends process output (multi-byte characters split across chunks are kept whole). */
  output(stream: 'stdout' | 'stderr', chunk: Buffer): void {
    const text = this.decoders[stream].write(chunk);
    if (text) {
      this.push(stream, { text });
    }
  }

  push(event: SessionEventName, data: Record<string, unknown>): SessionEvent {
    const e: SessionEvent = { id: ++this.seq, event, data };
    const size = JSON.stringify(data).length;
    this.events.push(e);
    this.bytes += size;
    while (this.events.length > this.maxEvents || (this.bytes > this.maxBytes && this.events.length > 1)) {
      const old = this.events.shift()!;
      this.bytes -= JSON.stringify(old.data).length;
    }
    for (const l of this.listeners) {
      l(e);
    }
    return e;
  }

  /** Events after `afterId` still held. */
  since(afterId: number): SessionEvent[] {
    return this.events.filter((e) => e.id > afterId);
  }

  subscribe(listener: (e: SessionEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
