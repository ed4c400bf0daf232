/**
 * Baseline: a bare NestJS 11 app on Express (one module, one controller, logger off) answering the
 * API's health bodies, passed in as JSON through BENCH_HEALTH_BODY / BENCH_LIVE_BODY. Run as its own
 * process by bench/http.ts. BENCH_ADAPTER=prototyped builds it on the API's own
 * `PrototypedExpressAdapter` (requests born with Express's prototypes), the stock `ExpressAdapter`
 * otherwise.
 */
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import 'reflect-metadata';
import { PrototypedExpressAdapter } from '../../libs/http/prototyped-express-adapter';

const healthBody: unknown = JSON.parse(process.env.BENCH_HEALTH_BODY ?? '{"status":"ok"}');
const liveBody: unknown = JSON.parse(process.env.BENCH_LIVE_BODY ?? '{"status":"ok"}');

@Controller('health')
class HealthController {
  @Get()
  get(): unknown {
    return healthBody;
  }

  @Get('live')
  live(): unknown {
    return liveBody;
  }
}

@Module({ controllers: [HealthController] })
class BareModule {}

async function main() {
  const adapter = process.env.BENCH_ADAPTER === 'prototyped' ? new PrototypedExpressAdapter() : new ExpressAdapter();
  const app = await NestFactory.create(BareModule, adapter, { logger: false });
  app.setGlobalPrefix('api/v1');
  await app.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
}

main().catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exit(1);
});
