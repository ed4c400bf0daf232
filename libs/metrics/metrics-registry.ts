import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';

/** Scrape-time probes (queue counts, round trips) give up after this long; the metric is then absent. */
export const PROBE_TIMEOUT_MS = 2_000;

/**
 * The app's one Prometheus registry (not prom-client's global one, so each app instance, e.g. in
 * tests, has its own), with the default process metrics (`process_*`, `nodejs_*`).
 */
@Injectable()
export class MetricsRegistry {
  readonly registry = new Registry();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The text exposition format; runs every scrape-time collector. */
  render(): Promise<string> {
    return this.registry.metrics();
  }
}

/** Resolves with the promise's value, or undefined once `ms` have passed or it rejects. */
export async function withinTimeout<T>(work: () => Promise<T>, ms = PROBE_TIMEOUT_MS): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
    timer.unref();
  });
  try {
    return await Promise.race([work().catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
