import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { SyncConfigModule } from '../config/sync-config.module';
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
  const { module } = await SyncConfigModule.load();
  const context = await NestFactory.createApplicationContext(CliModule.forRoot(module), { logger: new StderrLogger(), abortOnError: false });
  try {
    return await work(context);
  } finally {
    await context.close();
  }
}
