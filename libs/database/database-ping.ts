import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** Liveness probe of PostgreSQL for /health (so services never hold the DataSource). */
@Injectable()
export class DatabasePing {
  constructor(private readonly ds: DataSource) {}

  async ping(): Promise<void> {
    await this.ds.query('SELECT 1');
  }
}
