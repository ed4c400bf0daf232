import { hostname } from 'node:os';

/** The daemon's own settings (docs/workers.md); the API side of the daemon reads AppConfig as usual. */
export interface DaemonSettings {
  apiUrl: string;
  token: string;
  name: string;
  hostname: string;
  queues: string[];
  concurrency: number;
  orgId?: string;
  shutdownGraceMs: number;
}

export class DaemonSettingsError extends Error {}

const QUEUES = ['ingest', 'tasks', 'pipelines', 'embeddings', 'default'];

/** Reads AGENTCY_URL, WORKER_TOKEN, WORKER_NAME, WORKER_QUEUES, WORKER_CONCURRENCY, WORKER_ORG_ID, WORKER_SHUTDOWN_GRACE_SECS. */
export function daemonSettings(env: Record<string, string | undefined>): DaemonSettings {
  const apiUrl = env.AGENTCY_URL?.trim();
  if (!apiUrl || !/^https?:\/\//.test(apiUrl)) {
    throw new DaemonSettingsError('AGENTCY_URL must be the http(s) URL of the API');
  }
  const token = env.WORKER_TOKEN?.trim();
  if (!token) {
    throw new DaemonSettingsError('WORKER_TOKEN is required');
  }
  const queues = (env.WORKER_QUEUES ?? 'ingest')
    .split(',')
    .map((q) => q.trim())
    .filter(Boolean);
  const unknown = queues.filter((q) => !QUEUES.includes(q));
  if (!queues.length || unknown.length) {
    throw new DaemonSettingsError(
      `WORKER_QUEUES: unknown queue(s) ${unknown.join(', ')} (known: ${QUEUES.join(', ')})`,
    );
  }
  const int = (name: string, def: number, min: number, max: number) => {
    const raw = env[name];
    const n = raw === undefined || raw === '' ? def : Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new DaemonSettingsError(`${name} must be an integer between ${min} and ${max}`);
    }
    return n;
  };
  const host = env.WORKER_HOSTNAME || hostname();
  return {
    apiUrl,
    token,
    name: env.WORKER_NAME || `worker-${host}-${process.pid}`,
    hostname: host,
    queues,
    concurrency: int('WORKER_CONCURRENCY', 1, 1, 256),
    orgId: env.WORKER_ORG_ID || undefined,
    shutdownGraceMs: int('WORKER_SHUTDOWN_GRACE_SECS', 30, 0, 3600) * 1000,
  };
}
