import autocannon from 'autocannon';
import { createServer, Server } from 'node:http';

export interface LoadResult {
  name: string;
  requestsPerSec: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  errors: number;
  non2xx: number;
}

/** A bounded autocannon run against a loopback URL. */
export async function load(
  name: string,
  url: string,
  opts: { connections?: number; durationSec?: number; headers?: Record<string, string> } = {},
): Promise<LoadResult> {
  const r = await autocannon({
    url,
    connections: opts.connections ?? 20,
    duration: opts.durationSec ?? 8,
    headers: opts.headers,
  });
  return {
    name,
    requestsPerSec: Math.round(r.requests.average),
    latencyP50Ms: r.latency.p50,
    latencyP99Ms: r.latency.p99,
    errors: r.errors,
    non2xx: r.non2xx,
  };
}

/** The raw baseline: node:http answering a fixed JSON body. */
export async function rawJsonServer(body: unknown, status = 200): Promise<{ url: string; server: Server }> {
  const payload = JSON.stringify(body);
  const server = createServer((_req, res) => {
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(payload),
    });
    res.end(payload);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server };
}

export function table(rows: LoadResult[]): string {
  const head = '| target | req/s | p50 ms | p99 ms | errors | non-2xx |\n|---|---|---|---|---|---|';
  return [
    head,
    ...rows.map(
      (r) => `| ${r.name} | ${r.requestsPerSec} | ${r.latencyP50Ms} | ${r.latencyP99Ms} | ${r.errors} | ${r.non2xx} |`,
    ),
  ].join('\n');
}
