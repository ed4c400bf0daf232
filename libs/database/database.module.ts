import { AppConfig } from '@libs/config';
import { MetricsModule, StoreMetrics } from '@libs/metrics';
import { Global, Logger, Module, OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DatabasePing } from './database-ping';
import { runMigrationsLocked } from './migrations';
import { TransactionHost } from './transaction';
import { typeormOptions } from './typeorm.options';

/**
 * The TypeORM connection, migrations at boot, and the one transaction helper: use cases mark a
 * method `@Transactional()` (libs/database/transaction.ts) and repositories read the current
 * EntityManager from `TransactionHost` (`txHost.tx`), which is the
 * plain manager outside a transaction. Nothing passes an EntityManager by hand.
 */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (c: AppConfig) => ({ ...typeormOptions(c.databaseUrl, c.databasePoolSize), autoLoadEntities: true }),
    }),
    MetricsModule,
  ],
  providers: [DatabasePing, TransactionHost],
  exports: [DatabasePing, TransactionHost],
})
export class DatabaseModule implements OnModuleInit {
  private readonly logger = new Logger('Migrations');

  constructor(
    private readonly ds: DataSource,
    private readonly config: AppConfig,
    metrics: StoreMetrics,
  ) {
    // TypeORM's postgres driver keeps its pg.Pool as `master`
    metrics.trackPool(() => {
      const pool = (ds.driver as { master?: { totalCount: number; idleCount: number; waitingCount: number } }).master;
      return pool && { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount };
    });
  }

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
