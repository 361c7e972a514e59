import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { Database } from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { isProjectId } from './project-id';
import { EventsTable1764000000001 } from './project-migrations/1764000000001-events-table';
import { sqliteHandle } from './sqlite-handle';
import { applyPragmas, checkpointTruncate } from './sqlite-pragmas';
import { STORAGE_OPTIONS, StorageOptions } from './storage-options';
import { WalCheckpointer } from './wal-checkpointer';

/**
 * SQLite's own checkpoint runs inside the commit that crosses this many WAL
 * pages. The WalCheckpointer normally keeps the WAL far below it, off the event
 * loop; this is only the safety net should it fall behind.
 */
const AUTOCHECKPOINT_SAFETY_NET_PAGES = 10_000;

/** The project has a row in the server database but its event database is gone from disk. */
export class ProjectDatabaseMissingError extends Error {
  constructor(projectId: string) {
    super(`event database of project ${projectId} is missing`);
    this.name = 'ProjectDatabaseMissingError';
  }
}

/**
 * Opens, caches and closes the per-project event databases
 * (`<dir>/<project-id>/events.db`). TypeORM owns each database's schema
 * (migrations run when it opens) and lifecycle; callers get the underlying
 * better-sqlite3 handle for the hot path.
 *
 * A handle must be used synchronously right after `get()` resolves: evicted
 * databases are closed on a later macrotask (setImmediate), which is what keeps a
 * handle valid for the caller that just received it.
 */
@Injectable()
export class ProjectDatabases implements OnApplicationShutdown {
  private readonly logger = new Logger(ProjectDatabases.name);
  private readonly dir: string;
  /** Open databases, least recently used first (Map keeps insertion order). */
  private readonly open = new Map<string, DataSource>();
  /** Opens in progress, so concurrent first requests share one DataSource. */
  private readonly opening = new Map<string, Promise<DataSource>>();
  private readonly closing = new Set<Promise<void>>();
  private closed = false;
  private readonly checkpointer = new WalCheckpointer();

  constructor(@Inject(STORAGE_OPTIONS) private readonly options: StorageOptions) {
    this.dir = resolve(options.projectDataDir);
  }

  /** Creates the project's event database (idempotent) and keeps it open. */
  async create(projectId: string): Promise<void> {
    await this.acquire(projectId, false);
  }

  /** The project's database handle, opened on first use. */
  async get(projectId: string): Promise<Database> {
    const cached = this.open.get(projectId);
    if (cached) {
      this.open.delete(projectId);
      this.open.set(projectId, cached);
      return sqliteHandle(cached);
    }
    return sqliteHandle(await this.acquire(projectId, true));
  }

  /** Closes the project's database and deletes its directory (undoing a failed creation). */
  async remove(projectId: string): Promise<void> {
    const path = this.pathOf(projectId);
    await this.opening.get(projectId)?.catch(() => undefined);
    const source = this.open.get(projectId);
    this.open.delete(projectId);
    if (source) await closeSource(source);
    await rm(join(path, '..'), { recursive: true, force: true });
  }

  /** Notes a commit to the project's database, so its WAL is checkpointed in the background. */
  written(projectId: string): void {
    this.checkpointer.written(this.pathOf(projectId));
  }

  /** Runs the background checkpoints noted so far and waits for them. */
  flushCheckpoints(): Promise<void> {
    return this.checkpointer.flush();
  }

  get openCount(): number {
    return this.open.size;
  }

  /** Checkpoints (TRUNCATE) and closes every open project database. */
  async closeAll(): Promise<void> {
    this.closed = true;
    await this.checkpointer.stop();
    await Promise.allSettled([...this.opening.values()]);
    const sources = [...this.open.values()];
    this.open.clear();
    await Promise.all([...this.closing]);
    await Promise.all(sources.map((source) => this.closeQuietly(source)));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.closeAll();
  }

  /** `<dir>/<id>/events.db`, only for a well-formed id. */
  pathOf(projectId: string): string {
    if (!isProjectId(projectId)) throw new Error('invalid project id');
    return join(this.dir, projectId, 'events.db');
  }

  private acquire(projectId: string, mustExist: boolean): Promise<DataSource> {
    if (this.closed) return Promise.reject(new Error('project databases are closed'));
    const existing = this.open.get(projectId);
    if (existing) return Promise.resolve(existing);
    const pending = this.opening.get(projectId);
    if (pending) return pending;

    const path = this.pathOf(projectId);
    if (mustExist && !existsSync(path)) return Promise.reject(new ProjectDatabaseMissingError(projectId));
    const opening = openEventDatabase(path, mustExist).then(
      (source) => {
        this.opening.delete(projectId);
        this.open.set(projectId, source);
        this.evictOverflow();
        return source;
      },
      (error: unknown) => {
        this.opening.delete(projectId);
        throw error;
      },
    );
    this.opening.set(projectId, opening);
    return opening;
  }

  private evictOverflow(): void {
    while (this.open.size > this.options.maxOpenProjects) {
      const [lruId, source] = this.open.entries().next().value as [string, DataSource];
      this.open.delete(lruId);
      const closing = new Promise<void>((done) => setImmediate(done)).then(() => this.closeQuietly(source));
      this.closing.add(closing);
      void closing.finally(() => this.closing.delete(closing));
    }
  }

  private async closeQuietly(source: DataSource): Promise<void> {
    try {
      await closeSource(source);
    } catch (error) {
      this.logger.error(`closing a project database failed: ${(error as Error).message}`);
    }
  }
}

async function openEventDatabase(path: string, mustExist: boolean): Promise<DataSource> {
  const source = new DataSource({
    type: 'better-sqlite3',
    database: path,
    fileMustExist: mustExist,
    prepareDatabase: (db: Database) => {
      applyPragmas(db);
      db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_SAFETY_NET_PAGES}`);
    },
    migrations: [EventsTable1764000000001],
    migrationsRun: true,
    migrationsTransactionMode: 'each',
    logging: false,
  });
  await source.initialize();
  return source;
}


async function closeSource(source: DataSource): Promise<void> {
  if (!source.isInitialized) return;
  checkpointTruncate(sqliteHandle(source));
  await source.destroy();
}
