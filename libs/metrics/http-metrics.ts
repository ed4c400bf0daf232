import { Injectable } from '@nestjs/common';
import { MetricsRegistry } from './metrics-registry';
import { HistogramSeries, SeriesHistogram } from './series-histogram';

/** Route label of a request that matched no route (404s, static assets): never the raw path. */
export const UNMATCHED_ROUTE = 'unmatched';

/** The parts of an Express request/response the observer reads. */
export interface ObservedRequest {
  method: string;
  baseUrl?: string;
  route?: { path?: unknown };
}
export interface ObservedResponse {
  statusCode: number;
}

/** The matched route's template (`/api/v1/users/:id`), or `unmatched`. */
export function routeTemplate(req: ObservedRequest): string {
  const path = req.route?.path;
  if (typeof path !== 'string') {
    return UNMATCHED_ROUTE;
  }
  return req.baseUrl ? req.baseUrl + path : path;
}

/**
 * `http_request_duration_seconds` and `http_requests_total` by {method, route template, status}.
 * Each label set's series is cached (route → method → status), so a request costs three map
 * look-ups, a bucket search and three additions; label values come from a bounded set.
 */
@Injectable()
export class HttpMetrics {
  private readonly histogram: SeriesHistogram;
  private readonly series = new Map<string, Map<string, Map<number, HistogramSeries>>>();

  constructor(metrics: MetricsRegistry) {
    this.histogram = new SeriesHistogram(metrics.registry, {
      name: 'http_request_duration_seconds',
      help: 'Time from the first middleware to the last byte written, by method, route template and status',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      countName: 'http_requests_total',
      countHelp: 'HTTP requests answered, by method, route template and status',
    });
  }

  /** The `requestContext` observer: called once per finished response. */
  readonly onFinish = (req: ObservedRequest, res: ObservedResponse, seconds: number): void => {
    this.seriesOf(req.method, routeTemplate(req), res.statusCode).observe(seconds);
  };

  private seriesOf(method: string, route: string, status: number): HistogramSeries {
    let byMethod = this.series.get(route);
    if (!byMethod) {
      byMethod = new Map();
      this.series.set(route, byMethod);
    }
    let byStatus = byMethod.get(method);
    if (!byStatus) {
      byStatus = new Map();
      byMethod.set(method, byStatus);
    }
    let s = byStatus.get(status);
    if (!s) {
      s = this.histogram.create({ method, route, status: String(status) });
      byStatus.set(status, s);
    }
    return s;
  }
}
