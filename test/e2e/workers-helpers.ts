import type { TestApp } from '../setup/test-app';

export const WORKER_TOKEN = 'e2e-worker-token-0123456789abcdef';

/** Raw HTTP calls of a worker daemon (spec A.3). */
export function daemonApi(t: TestApp, token = WORKER_TOKEN) {
  const auth = { Authorization: `Bearer ${token}` };
  const post = (path: string, body: object = {}) => t.http().post(`/api/v1/workers${path}`).set(auth).send(body);
  return {
    register: (body: Partial<{ name: string; queues: string[]; concurrency: number; org_id: string }> = {}) =>
      post('/register', {
        name: 'w',
        hostname: 'host-e2e',
        version: '0.0.1',
        queues: ['default'],
        concurrency: 4,
        ...body,
      }),
    heartbeat: (id: string, inFlight: string[] = []) => post(`/${id}/heartbeat`, { in_flight: inFlight }),
    claim: (id: string, body: { max?: number; wait_secs?: number; queues?: string[] } = {}) =>
      post(`/${id}/claim`, { wait_secs: 0, ...body }),
    complete: (jobId: string, workerId: string, result: object = { ok: 1 }) =>
      post(`/jobs/${jobId}/complete`, { worker_id: workerId, result }),
    fail: (jobId: string, workerId: string, retryable = true, error = 'boom') =>
      post(`/jobs/${jobId}/fail`, { worker_id: workerId, error, retryable }),
    deregister: (id: string) => post(`/${id}/deregister`),
  };
}

export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 20_000,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) {
      return v;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
