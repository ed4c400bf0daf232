// organize-imports-ignore: side-effect imports (path aliases, reflect-metadata) must stay first
import './register-paths';
import 'reflect-metadata';
import { AppConfig, ConfigValidationError } from '@libs/config';
import { applyV8Tuning } from './v8-tuning';

async function main() {
  let config: AppConfig;
  try {
    config = AppConfig.fromEnv(process.env);
  } catch (err) {
    if (err instanceof ConfigValidationError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  applyV8Tuning(config);
  // the application graph is loaded only after the configuration is known to be valid
  const { createApp, installGracefulShutdown } = await import('./bootstrap');
  const { app, logger } = await createApp(config);
  installGracefulShutdown(app, config, logger);
  await app.listen(config.port, config.host);
  logger.info({ port: config.port }, `Agentcy API listening on http://${config.host}:${config.port}/api/v1`);
}

main().catch((err) => {
  process.stderr.write(`fatal: ${err?.stack ?? err}\n`);
  process.exit(1);
});
