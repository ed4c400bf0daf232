import { AppConfig } from '@libs/config';
import { ClsPluginTransactional } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Global, Logger, Module, OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClsModule } from 'nestjs-cls';
import { DataSource } from 'typeorm';
import { DatabasePing } from './database-ping';
import { runMigrationsLocked } from './migrations';
import { typeormOptions } from './typeorm.options';

/**
 * The TypeORM connection, migrations at boot, and the one transaction helper: use cases mark a
 * method `@Transactional()` (`@nestjs-cls/transactional`) and repositories read the current
 * EntityManager from `TransactionHost<TransactionalAdapterTypeOrm>` (`txHost.tx`), which is the
 * plain manager outside a transaction. Nothing passes an EntityManager by hand.
 */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (c: AppConfig) => ({ ...typeormOptions(c.databaseUrl, c.databasePoolSize), autoLoadEntities: true }),
    }),
    ClsModule.forRoot({
      global: true,
      plugins: [
        new ClsPluginTransactional({
          adapter: new TransactionalAdapterTypeOrm({ dataSourceToken: DataSource }),
        }),
      ],
    }),
  ],
  providers: [DatabasePing],
  exports: [DatabasePing],
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
