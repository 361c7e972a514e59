import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { DataSource } from 'typeorm';

/**
 * Healthy when the server database answers a query that reads its schema page,
 * so a closed connection or an unreadable file shows, not just a live process.
 */
@Injectable()
export class ServerDatabaseHealth {
  constructor(
    private readonly dataSource: DataSource,
    private readonly indicators: HealthIndicatorService,
  ) {}

  async check(key = 'server_db'): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check(key);
    try {
      await this.dataSource.query('SELECT count(*) AS n FROM sqlite_master');
      return indicator.up();
    } catch {
      return indicator.down({ message: 'server database does not answer' });
    }
  }
}
