/**
 * GET /health and an authenticated list endpoint through the real API (a built process on the
 * real services), each beside a raw node:http server answering the same JSON, in the same run.
 * Usage: npm run bench (or: node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/http.ts)
 */
import { spawnApiProcess } from '../test/support/spawn-api';
import { load, rawJsonServer, table } from './lib';

async function main() {
  const duration = Number(process.env.BENCH_DURATION_SEC ?? 8);
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 20);
  const api = await spawnApiProcess({
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MIN: '100000000',
    DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/agentcy',
  });
  try {
    const health = await (await fetch(`${api.baseUrl}/api/v1/health`)).json();
    const login = (await (
      await fetch(`${api.baseUrl}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'admin@localhost', password: 'admin' }),
      })
    ).json()) as { token: string };
    const auth = { Authorization: `Bearer ${login.token}` };
    const listPath = process.env.BENCH_LIST_PATH ?? '/api/v1/users?limit=20';
    const listBody = await (await fetch(`${api.baseUrl}${listPath}`, { headers: auth })).json();

    const rawHealth = await rawJsonServer(health);
    const rawList = await rawJsonServer(listBody);
    const rows = [
      await load('raw node:http (health JSON)', rawHealth.url, { connections, durationSec: duration }),
      await load('API GET /health', `${api.baseUrl}/api/v1/health`, { connections, durationSec: duration }),
      await load('raw node:http (list JSON)', rawList.url, { connections, durationSec: duration }),
      await load(`API GET ${listPath} (JWT)`, `${api.baseUrl}${listPath}`, {
        connections,
        durationSec: duration,
        headers: auth,
      }),
    ];
    rawHealth.server.close();
    rawList.server.close();
    const ratio = (a: number, b: number) => (b ? (a / b).toFixed(2) : 'n/a');
    process.stdout.write(`${table(rows)}\n\n`);
    process.stdout.write(`health: API/raw = ${ratio(rows[1].requestsPerSec, rows[0].requestsPerSec)}\n`);
    process.stdout.write(`list:   API/raw = ${ratio(rows[3].requestsPerSec, rows[2].requestsPerSec)}\n`);
  } finally {
    await api.kill();
  }
}

main().catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exit(1);
});
