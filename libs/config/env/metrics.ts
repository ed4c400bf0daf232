import type { EnvVar } from '../env-var';

/** The Prometheus endpoint. */
export const METRICS_VARS: readonly EnvVar[] = [
  {
    name: 'METRICS_TOKEN',
    kind: 'string',
    secret: true,
    description:
      'Bearer token of GET /metrics (Prometheus format, docs/metrics.md) on the API port; unset: that route answers 404.',
  },
  {
    name: 'METRICS_PORT',
    kind: 'int',
    min: 1,
    max: 65535,
    description: 'Serve GET /metrics without a token on a separate port (METRICS_HOST); unset: no separate listener.',
  },
  {
    name: 'METRICS_HOST',
    kind: 'string',
    default: '127.0.0.1',
    description: 'Interface of the METRICS_PORT listener.',
  },
];
