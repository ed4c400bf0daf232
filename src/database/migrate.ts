// organize-imports-ignore: side-effect imports (path aliases, reflect-metadata) must stay first
import '../register-paths';
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { AppConfig } from '@libs/config';
import { runMigrationsLocked } from '@libs/database/migrations';
import { typeormOptions } from '@libs/database/typeorm.options';

/** `npm run migrate`: applies pending migrations for operators who prefer a separate step. */
async function main() {
  const config = AppConfig.fromEnv(process.env);
  const ds = await new DataSource(typeormOptions(config.databaseUrl, 2)).initialize();
  const ran = await runMigrationsLocked(ds);
  process.stdout.write(ran.length ? `applied: ${ran.join(', ')}\n` : 'no pending migrations\n');
  await ds.destroy();
}

main().catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exit(1);
});
