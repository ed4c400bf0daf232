// organize-imports-ignore: side-effect imports (path aliases, reflect-metadata) must stay first
import '../register-paths';
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppConfig, ConfigValidationError } from '@libs/config';
import { createRootLogger, PinoNestLogger } from '@libs/logging';
import { AppModule } from '../app.module';
import { IngestRunner } from '../modules/sources/ingest-runner.service';
import { WorkerDaemon, type JobHandler } from './worker-daemon/daemon';
import { DaemonSettingsError, daemonSettings } from './worker-daemon/settings';

/**
 * Worker daemon (`npm run worker-daemon`, docs/workers.md): registers with the API over HTTP
 * (AGENTCY_URL + WORKER_TOKEN), claims jobs of its queues and runs them. Jobs run here, in a Nest
 * application context on the same PostgreSQL/Redis/Neo4j as the API (like src/worker.ts), with the
 * in-process BullMQ consumers off: this process only works for the worker queue.
 */
async function main() {
  let config: AppConfig;
  let settings: ReturnType<typeof daemonSettings>;
  try {
    settings = daemonSettings(process.env);
    config = AppConfig.fromEnv({ ...process.env, INGEST_RUN_IN_API: 'false', TASK_RUN_IN_API: 'false' });
  } catch (err) {
    if (err instanceof ConfigValidationError || err instanceof DaemonSettingsError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
  const logger = createRootLogger(config.logLevel).child({ component: 'worker-daemon' });
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), {
    logger: new PinoNestLogger(logger),
    abortOnError: false,
  });
  await app.init();
  const runner = app.get(IngestRunner);

  /** The registry of what this daemon can run, by job kind. */
  const handlers: Record<string, JobHandler> = {
    // the same use case the BullMQ ingestion processor runs; the sync job row reports progress
    'source.sync': async (job) => {
      const p = job.payload as { source_id: string; sync_job_id: string };
      return runner.run(
        { jobId: p.sync_job_id, orgId: job.org_id, sourceId: p.source_id },
        { attemptsMade: job.attempts, opts: { attempts: job.max_attempts } },
      );
    },
  };

  const daemon = new WorkerDaemon({
    apiUrl: settings.apiUrl,
    token: settings.token,
    name: settings.name,
    hostname: settings.hostname,
    version: process.env.npm_package_version ?? '0.1.0',
    queues: settings.queues,
    concurrency: settings.concurrency,
    orgId: settings.orgId,
    handlers,
    shutdownGraceMs: settings.shutdownGraceMs,
    log: (level, msg, data) => logger[level](data ?? {}, msg),
  });
  let closing = false;
  const close = async (signal: string) => {
    if (closing) {
      return;
    }
    closing = true;
    logger.info({ signal }, 'worker daemon shutting down');
    await daemon.shutdown();
    await app.close().catch(() => undefined);
    process.exit(0);
  };
  process.once('SIGTERM', () => void close('SIGTERM'));
  process.once('SIGINT', () => void close('SIGINT'));
  await daemon.start();
  logger.info({ worker_id: daemon.workerId, queues: settings.queues }, 'worker daemon started');
}

main().catch((err) => {
  process.stderr.write(`fatal: ${err?.stack ?? err}\n`);
  process.exit(1);
});
