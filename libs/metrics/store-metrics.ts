import { Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { MetricsRegistry, withinTimeout } from './metrics-registry';
import { HistogramSeries, SeriesHistogram } from './series-histogram';

export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

export type Store = 'redis' | 'neo4j';

/**
 * The data stores: `db_pool_connections{state}` (read from the pg pool at scrape time),
 * `store_roundtrip_seconds{store}` (one PING / `RETURN 1` per scrape: the network and server
 * round trip without any query cost) and `neo4j_query_duration_seconds{mode}` (every Cypher
 * transaction through Neo4jService). Redis commands are not timed one by one: they sit on hot
 * paths (rate limits, events) and are sub-millisecond; the probe shows the round trip.
 */
@Injectable()
export class StoreMetrics {
  private pool?: () => PoolStats | undefined;
  private readonly probes = new Map<Store, () => Promise<unknown>>();
  private readonly neo4j: Record<'read' | 'write', HistogramSeries>;

  constructor(metrics: MetricsRegistry) {
    const poolStats = () => this.pool?.();
    new Gauge({
      name: 'db_pool_connections',
      help: 'PostgreSQL pool connections: total open, idle, and requests waiting for one',
      labelNames: ['state'] as const,
      registers: [metrics.registry],
      collect() {
        this.reset();
        const s = poolStats();
        if (s) {
          this.set({ state: 'total' }, s.total);
          this.set({ state: 'idle' }, s.idle);
          this.set({ state: 'waiting' }, s.waiting);
        }
      },
    });
    const probes = this.probes;
    new Gauge({
      name: 'store_roundtrip_seconds',
      help: 'Round trip of a trivial command (Redis PING, Neo4j RETURN 1) at scrape time; absent when it failed or timed out',
      labelNames: ['store'] as const,
      registers: [metrics.registry],
      async collect() {
        this.reset();
        const results = await Promise.all(
          [...probes].map(async ([store, probe]) => {
            const started = process.hrtime.bigint();
            const ok = await withinTimeout(async () => (await probe(), true));
            return [store, ok ? Number(process.hrtime.bigint() - started) / 1e9 : undefined] as const;
          }),
        );
        for (const [store, seconds] of results) {
          if (seconds !== undefined) {
            this.set({ store }, seconds);
          }
        }
      },
    });
    const queries = new SeriesHistogram(metrics.registry, {
      name: 'neo4j_query_duration_seconds',
      help: 'Neo4j managed transactions (session open to close), by access mode',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
    this.neo4j = { read: queries.create({ mode: 'read' }), write: queries.create({ mode: 'write' }) };
  }

  trackPool(stats: () => PoolStats | undefined): void {
    this.pool = stats;
  }

  trackRoundTrip(store: Store, probe: () => Promise<unknown>): void {
    this.probes.set(store, probe);
  }

  /** Starts timing one Neo4j transaction; call the result when it ends. */
  neo4jQuery(mode: 'read' | 'write'): () => void {
    const series = this.neo4j[mode];
    const started = process.hrtime.bigint();
    return () => series.observe(Number(process.hrtime.bigint() - started) / 1e9);
  }
}
