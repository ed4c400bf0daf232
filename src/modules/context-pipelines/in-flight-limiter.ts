import { Injectable } from '@nestjs/common';

/** Concurrent ingest requests per pipeline in this process. */
@Injectable()
export class InFlightLimiter {
  private readonly counts = new Map<string, number>();

  /** A release function, or null when `max` requests of `key` are already running. */
  tryAcquire(key: string, max: number): (() => void) | null {
    const n = this.counts.get(key) ?? 0;
    if (n >= max) {
      return null;
    }
    this.counts.set(key, n + 1);
    let released = false;
    return () => {
      if (released) {
        return;
      }
      released = true;
      const left = (this.counts.get(key) ?? 1) - 1;
      if (left > 0) {
        this.counts.set(key, left);
      } else {
        this.counts.delete(key);
      }
    };
  }
}
