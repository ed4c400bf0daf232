import { join } from 'node:path';
import type { DataSourceOptions } from 'typeorm';

/** Shared by the app, the migrate script and ormconfig.ts (TypeORM CLI). Never `synchronize`. */
export function typeormOptions(databaseUrl: string, poolSize = 10): DataSourceOptions {
  const root = join(__dirname, '..', '..');
  return {
    type: 'postgres',
    url: databaseUrl,
    synchronize: false,
    migrationsRun: false,
    migrationsTableName: 'typeorm_migrations',
    entities: [join(root, 'src/**/*.entity.{ts,js}'), join(root, 'libs/**/*.entity.{ts,js}')],
    migrations: [join(root, 'src/database/migrations/*.{ts,js}')],
    extra: { max: poolSize, application_name: 'agentcy-api' },
    // driver errors reach the exception filter, which maps and logs them; no duplicate console output
    logging: false,
  };
}
