import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { StorageConnection } from '@td-sync/storage';

/**
 * Healthy while storage answers a query (StorageConnection.ping): with SQLite,
 * the server database answers and its file is still the one it opened. A
 * database that does not answer makes the probe fail, and a restart is what
 * the probe should then cause.
 */
@Injectable()
export class StorageHealth {
  constructor(
    private readonly storage: StorageConnection,
    private readonly indicators: HealthIndicatorService,
  ) {}

  async check(key = 'server_db'): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check(key);
    const problem = await this.storage.ping().catch(() => 'the database does not answer');
    return problem === undefined ? indicator.up() : indicator.down({ message: problem });
  }
}
