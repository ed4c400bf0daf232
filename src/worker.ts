// organize-imports-ignore: side-effect imports (path aliases, reflect-metadata) must stay first
import './register-paths';
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppConfig, ConfigValidationError } from '@libs/config';
import { createRootLogger, PinoNestLogger } from '@libs/logging';
import { AppModule } from './app.module';
import { applyV8Tuning } from './v8-tuning';

/**
 * Background worker: boots the same modules as the API without an HTTP listener. The ingestion
 * processor (IngestRunner) and the task-run consumer always run here, whatever INGEST_RUN_IN_API and
 * TASK_RUN_IN_API say for API processes.
 */
async function main() {
  let config: AppConfig;
  try {
    config = AppConfig.fromEnv({
      ...process.env,
      INGEST_RUN_IN_API: 'true',
      TASK_RUN_IN_API: 'true',
      HOOK_INBOX_CONSUMER: 'true',
    });
  } catch (err) {
    if (err instanceof ConfigValidationError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
  applyV8Tuning(config);
  const logger = createRootLogger(config.logLevel);
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), {
    logger: new PinoNestLogger(logger),
    abortOnError: false,
  });
  app.enableShutdownHooks();
  await app.init();
  logger.info(
    { concurrency: config.ingestConcurrency, org_concurrency: config.ingestOrgConcurrency },
    'Agentcy worker started (ingestion and task-run queues)',
  );
}

main().catch((err) => {
  process.stderr.write(`fatal: ${err?.stack ?? err}\n`);
  process.exit(1);
});
