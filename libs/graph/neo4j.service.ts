import { AppConfig } from '@libs/config';
import { StoreMetrics } from '@libs/metrics/store-metrics';
import { Injectable, Logger, OnModuleDestroy, Optional } from '@nestjs/common';
import neo4j, { Driver, ManagedTransaction, QueryResult, RecordShape } from 'neo4j-driver';

/** The one place that owns the neo4j-driver. Cypher is always parameterised. */
@Injectable()
export class Neo4jService implements OnModuleDestroy {
  private readonly logger = new Logger(Neo4jService.name);
  readonly driver: Driver;

  constructor(
    private readonly config: AppConfig,
    @Optional() private readonly metrics?: StoreMetrics,
  ) {
    this.driver = neo4j.driver(config.neo4j.uri, neo4j.auth.basic(config.neo4j.user, config.neo4j.password), {
      maxConnectionPoolSize: 50,
      connectionTimeout: 5_000,
      connectionAcquisitionTimeout: 10_000,
      // managed transactions retry transient errors (deadlocks, a restarting server) this long; the
      // driver's default of 30 s would hold an HTTP request that long while Neo4j is down
      maxTransactionRetryTime: 3_000,
      disableLosslessIntegers: true,
      logging: { level: 'warn', logger: (level, message) => this.logger.warn(`${level}: ${message}`) },
    });
    metrics?.trackRoundTrip('neo4j', () => this.ping());
  }

  get database(): string {
    return this.config.neo4j.database;
  }

  async read<T extends RecordShape = RecordShape>(
    cypher: string,
    params: Record<string, unknown> = {},
    timeoutMs?: number,
  ): Promise<QueryResult<T>> {
    const session = this.driver.session({
      database: this.config.neo4j.database,
      defaultAccessMode: neo4j.session.READ,
    });
    const done = this.metrics?.neo4jQuery('read');
    try {
      return await session.executeRead(
        (tx) => tx.run<T>(cypher, params),
        timeoutMs ? { timeout: timeoutMs } : undefined,
      );
    } finally {
      await session.close();
      done?.();
    }
  }

  async write<T extends RecordShape = RecordShape>(
    cypher: string,
    params: Record<string, unknown> = {},
  ): Promise<QueryResult<T>> {
    const session = this.driver.session({
      database: this.config.neo4j.database,
      defaultAccessMode: neo4j.session.WRITE,
    });
    const done = this.metrics?.neo4jQuery('write');
    try {
      return await session.executeWrite((tx) => tx.run<T>(cypher, params));
    } finally {
      await session.close();
      done?.();
    }
  }

  /** Several statements in one write transaction (all or nothing). */
  async writeTx<R>(work: (tx: ManagedTransaction) => Promise<R>): Promise<R> {
    const session = this.driver.session({
      database: this.config.neo4j.database,
      defaultAccessMode: neo4j.session.WRITE,
    });
    const done = this.metrics?.neo4jQuery('write');
    try {
      return await session.executeWrite(work);
    } finally {
      await session.close();
      done?.();
    }
  }

  async ping(): Promise<void> {
    await this.read('RETURN 1 AS ok');
  }

  async onModuleDestroy() {
    await this.driver.close();
  }
}
