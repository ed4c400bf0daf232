import { AppConfig } from '@libs/config';
import { Global, Logger, Module, OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { runMigrationsLocked } from './migrations';
import { typeormOptions } from './typeorm.options';

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (c: AppConfig) => ({ ...typeormOptions(c.databaseUrl, c.databasePoolSize), autoLoadEntities: true }),
    }),
  ],
})
export class DatabaseModule implements OnModuleInit {
  private readonly logger = new Logger('Migrations');

  constructor(
    private readonly ds: DataSource,
    private readonly config: AppConfig,
  ) {}

  async onModuleInit() {
    if (!this.config.migrationsRun) {
      return;
    }
    const ran = await runMigrationsLocked(this.ds);
    if (ran.length) {
      this.logger.log(`applied migrations: ${ran.join(', ')}`);
    }
  }
}
