import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { statSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { SyncConfig } from '../config/sync-config';

/**
 * Healthy when the server database answers a query that reads its schema page,
 * so a closed connection or an unreadable file shows, not just a live process;
 * and when the file at SYNC_SERVER_DB_PATH is still the one it opened. SQLite
 * keeps answering (and writing) on a file deleted or replaced under it, and
 * everything written from then on is lost at the next start, so that is down
 * too: a restart is what the probe should cause.
 */
@Injectable()
export class ServerDatabaseHealth {
  /** Device and inode of the file opened at start (the DataSource is initialised before this is made). */
  private readonly opened: string | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly indicators: HealthIndicatorService,
    private readonly config: SyncConfig,
  ) {
    this.opened = fileIdentity(config.serverDbPath);
  }

  async check(key = 'server_db'): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check(key);
    try {
      await this.dataSource.query('SELECT count(*) AS n FROM sqlite_master');
    } catch {
      return indicator.down({ message: 'server database does not answer' });
    }
    if (this.opened === undefined || fileIdentity(this.config.serverDbPath) !== this.opened) {
      return indicator.down({ message: 'server database file was removed or replaced while open' });
    }
    return indicator.up();
  }
}

function fileIdentity(path: string): string | undefined {
  try {
    const stats = statSync(path, { throwIfNoEntry: false });
    return stats ? `${stats.dev}:${stats.ino}` : undefined;
  } catch {
    return undefined;
  }
}
