// organize-imports-ignore: side-effect imports (path aliases, reflect-metadata) must stay first
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { AppConfig } from './libs/config/app-config';
import { typeormOptions } from './libs/database/typeorm.options';

/** DataSource for the TypeORM CLI: `npm run typeorm -- migration:generate src/database/migrations/Name`. */
const config = AppConfig.fromEnv(process.env);
export default new DataSource(typeormOptions(config.databaseUrl));
