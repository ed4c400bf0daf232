/**
 * Baseline for `POST /hooks/:id`: raw node:http doing the bare minimum of verify-and-enqueue — read
 * the body, HMAC-SHA256 it with the hook's secret, compare in constant time, `XADD` the body to a
 * Redis stream, answer 202 `{delivery_id, run_id}`.
 * Env: RAW_HOOK_ID, RAW_HOOK_SECRET, REDIS_URL, REDIS_PREFIX.
 * Not done here (the API does it): the delivery row and the pending run row in PostgreSQL, the
 * BullMQ job, the per-trigger rate limit, request logging and the trigger lookup — which is what
 * the ratio measures.
 */
import Redis from 'ioredis';
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';

const hookPath = `/api/v1/hooks/${process.env.RAW_HOOK_ID ?? 'task_bench'}`;
const secret = process.env.RAW_HOOK_SECRET ?? 'whsec_bench';
const stream = `${process.env.REDIS_PREFIX ?? 'agentcy:'}bench:raw-hooks`;
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');

function equal(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

function send(res: import('node:http').ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

createServer((req, res) => {
  if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== hookPath) {
    send(res, 404, { error: { code: 'not_found' } });
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const expected = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
    const given = String(req.headers['x-agentcy-signature'] ?? '');
    if (!equal(given.trim().toLowerCase(), expected)) {
      send(res, 401, { error: { code: 'invalid_signature' } });
      return;
    }
    const deliveryId = `dlv_${randomUUID().replace(/-/g, '')}`;
    const runId = `run_${randomUUID().replace(/-/g, '')}`;
    redis.xadd(stream, 'MAXLEN', '~', '100000', '*', 'delivery', deliveryId, 'run', runId, 'body', body).then(
      () => send(res, 202, { delivery_id: deliveryId, run_id: runId }),
      (err: Error) => send(res, 500, { error: { code: 'internal_error', message: err.message } }),
    );
  });
}).listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
