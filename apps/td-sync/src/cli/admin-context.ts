import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { SyncConfigModule } from '../config/sync-config.module';
import { unknownSettingWarnings } from '../config/unknown-settings';
import { CliModule } from './cli.module';
import { StderrLogger } from './stderr-logger';

/**
 * Runs `work` with the admin services over the server's own storage, opened
 * from the same SYNC_* settings, and closes storage afterwards. Safe beside a
 * running server: SQLite in WAL mode lets one process write while the other
 * reads, each write is one short transaction (busy_timeout covers a wait for
 * the other's), and nothing the server keeps in memory goes stale: it reads
 * keys, users, roles and projects from the database on every request.
 */
export async function withAdminContext<T>(work: (context: INestApplicationContext) => Promise<T>): Promise<T> {
  const { module, config } = SyncConfigModule.load();
  const logger = new StderrLogger();
  // A misspelt setting here would point the command at another database without a word.
  for (const unknown of unknownSettingWarnings(config)) logger.warn(unknown);
  const context = await NestFactory.createApplicationContext(CliModule.forRoot(module), { logger, abortOnError: false });
  try {
    return await work(context);
  } finally {
    await context.close();
  }
}
