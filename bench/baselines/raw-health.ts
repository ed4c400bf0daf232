/** Baseline: raw node:http answering the API's health bodies (BENCH_HEALTH_BODY / BENCH_LIVE_BODY). */
import { createServer } from 'node:http';

const bodies: Record<string, string> = {
  '/api/v1/health': process.env.BENCH_HEALTH_BODY ?? '{"status":"ok"}',
  '/api/v1/health/live': process.env.BENCH_LIVE_BODY ?? '{"status":"ok"}',
};

createServer((req, res) => {
  const body = bodies[(req.url ?? '').split('?')[0]];
  if (body === undefined) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}).listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
