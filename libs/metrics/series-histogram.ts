import type { Metric, Registry } from 'prom-client';

/** One label set of a SeriesHistogram: what the hot path holds and updates. */
export class HistogramSeries {
  count = 0;
  sum = 0;
  readonly buckets: Float64Array;

  constructor(
    readonly labels: Readonly<Record<string, string>>,
    private readonly bounds: readonly number[],
  ) {
    this.buckets = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    this.count++;
    this.sum += value;
    const bounds = this.bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]) {
        this.buckets[i]++;
        return;
      }
    }
  }
}

interface Sample {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

/**
 * A labelled histogram for hot paths, exported through a prom-client registry. Callers keep the
 * `HistogramSeries` of each label set and observe on it: a bucket search and three additions.
 * (prom-client's own label children validate and re-hash their labels on every observation, about
 * 100 times the cost; see bench/metrics-observer.ts.) Optionally also exports every series' count as
 * a counter (`countName`), so a request updates one object for both metrics.
 */
export class SeriesHistogram {
  private readonly series: HistogramSeries[] = [];
  private readonly bounds: readonly number[];

  constructor(
    registry: Registry,
    private readonly opts: {
      name: string;
      help: string;
      buckets: readonly number[];
      countName?: string;
      countHelp?: string;
    },
  ) {
    this.bounds = [...opts.buckets].sort((a, b) => a - b);
    registry.registerMetric(this.exported(opts.name, opts.help, 'histogram', () => this.histogramSamples()));
    const countName = opts.countName;
    if (countName) {
      registry.registerMetric(
        this.exported(countName, opts.countHelp ?? opts.help, 'counter', () =>
          this.series.map((s) => ({ metricName: countName, labels: { ...s.labels }, value: s.count })),
        ),
      );
    }
  }

  /** A new series for a label set; the caller caches it (one per distinct label set). */
  create(labels: Record<string, string>): HistogramSeries {
    const s = new HistogramSeries({ ...labels }, this.bounds);
    this.series.push(s);
    return s;
  }

  private histogramSamples(): Sample[] {
    const name = this.opts.name;
    const out: Sample[] = [];
    for (const s of this.series) {
      let acc = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        acc += s.buckets[i];
        out.push({ metricName: `${name}_bucket`, labels: { le: this.bounds[i], ...s.labels }, value: acc });
      }
      out.push({ metricName: `${name}_bucket`, labels: { le: '+Inf', ...s.labels }, value: s.count });
      out.push({ metricName: `${name}_sum`, labels: { ...s.labels }, value: s.sum });
      out.push({ metricName: `${name}_count`, labels: { ...s.labels }, value: s.count });
    }
    return out;
  }

  /** The shape a prom-client Registry reads (`get()`), for a metric it did not create. */
  private exported(name: string, help: string, type: 'histogram' | 'counter', values: () => Sample[]): Metric {
    const metric = {
      name,
      help,
      type,
      aggregator: 'sum' as const,
      get: () => Promise.resolve({ name, help, type, aggregator: 'sum' as const, values: values() }),
      reset: () => undefined,
    };
    return metric as unknown as Metric;
  }
}
