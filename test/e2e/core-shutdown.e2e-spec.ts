import { request } from 'node:http';
import { spawnApiProcess } from '../support/spawn-api';

/** Sends a login request whose body arrives in two parts, `gapMs` apart: an in-flight request. */
function slowLogin(baseUrl: string, onFirstPart: () => void, gapMs: number): Promise<{ status: number; body: any }> {
  const body = JSON.stringify({ email: 'admin@localhost', password: 'admin' });
  const url = new URL('/api/v1/auth/login', baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'x-request-id': 'shutdown-probe-1',
        },
      },
      (res) => {
        let data = '';
        res.on('data', (d) => (data += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(data) }));
      },
    );
    req.on('error', reject);
    req.write(body.slice(0, 10));
    setTimeout(() => {
      onFirstPart();
      setTimeout(() => req.end(body.slice(10)), gapMs);
    }, 200);
  });
}

describe('process: structured logs and graceful shutdown', () => {
  it('SIGTERM lets an in-flight request finish, refuses new ones, exits 0', async () => {
    const api = await spawnApiProcess({ LOG_LEVEL: 'info' });
    const res = await slowLogin(api.baseUrl, () => api.signal('SIGTERM'), 700);
    expect(res.status).toBe(200);
    expect(res.body.token).toEqual(expect.any(String));
    expect(await api.exited).toBe(0);
    await expect(fetch(`${api.baseUrl}/api/v1/health`)).rejects.toThrow();
    const lines = api
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));
    const access = lines.find((l) => l.request_id === 'shutdown-probe-1');
    expect(access).toMatchObject({ level: 'info', method: 'POST', path: '/api/v1/auth/login', status: 200 });
    expect(lines.some((l) => l.msg === 'shutdown complete')).toBe(true);
  });

  it('a bad configuration stops the process with one message naming every bad variable', async () => {
    await expect(
      spawnApiProcess({ AGENTCY_FEATURES_RAG: 'maybe', JWT_EXPIRY_SECS: 'soon' }, { startTimeoutMs: 30_000 }),
    ).rejects.toThrow(/exited with 78[\s\S]*Invalid configuration:[\s\S]*JWT_EXPIRY_SECS[\s\S]*AGENTCY_FEATURES_RAG/);
  });
});
