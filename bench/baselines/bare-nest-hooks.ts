/**
 * The framework's floor for `POST /hooks/:id`: a bare NestJS 11 app on Express (one module, one
 * controller, logger off, Nest's own raw-body option) doing exactly what bench/baselines/raw-hooks.ts
 * does — HMAC-SHA256 over the raw body, a constant-time compare, one Redis XADD, 202. It shows how
 * much of the gap to raw node:http no NestJS route can close. Env as raw-hooks.ts.
 */
// eslint-disable-next-line no-restricted-imports -- the baseline is plain NestJS: no audit or idempotency interceptors
import { Controller, Headers, HttpCode, HttpException, Module, Param, Post, Req } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import Redis from 'ioredis';
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import 'reflect-metadata';

const hookId = process.env.RAW_HOOK_ID ?? 'task_bench';
const secret = process.env.RAW_HOOK_SECRET ?? 'whsec_bench';
const stream = `${process.env.REDIS_PREFIX ?? 'agentcy:'}bench:bare-nest-hooks`;
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');

function equal(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

@Controller('hooks')
class HooksController {
  @Post(':id')
  @HttpCode(202)
  async receive(
    @Param('id') id: string,
    @Headers('x-agentcy-signature') signature: string | undefined,
    @Req() req: { rawBody?: Buffer },
  ): Promise<{ delivery_id: string; run_id: string }> {
    const body = req.rawBody ?? Buffer.alloc(0);
    const expected = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
    if (id !== hookId || !equal((signature ?? '').trim().toLowerCase(), expected)) {
      throw new HttpException({ error: { code: 'invalid_signature' } }, 401);
    }
    const deliveryId = `dlv_${randomUUID().replace(/-/g, '')}`;
    const runId = `run_${randomUUID().replace(/-/g, '')}`;
    await redis.xadd(stream, 'MAXLEN', '~', '100000', '*', 'delivery', deliveryId, 'run', runId, 'body', body);
    return { delivery_id: deliveryId, run_id: runId };
  }
}

@Module({ controllers: [HooksController] })
class BareModule {}

async function main() {
  const app = await NestFactory.create(BareModule, new ExpressAdapter(), { logger: false, rawBody: true });
  app.setGlobalPrefix('api/v1');
  await app.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
}

main().catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exit(1);
});
