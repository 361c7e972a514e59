import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { Database } from 'better-sqlite3';
import { accessSync, constants as fsConstants, existsSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
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
 *
 * An open SQLite handle keeps working on a file that was deleted or replaced
 * under it: writes would succeed, be acknowledged, and vanish with the handle.
 * So `get()` checks that the path still names the file it opened (one stat)
 * and otherwise drops the handle and opens what is there now, which fails for
 * a missing database. Likewise, SQLite opens a file it may not write
 * read-only and keeps it so: a database opened while its disk was read-only
 * serves reads, refuses writes, and is reopened once it is writable again.
 */
@Injectable()
export class ProjectDatabases implements OnApplicationShutdown {
  private readonly logger = new Logger(ProjectDatabases.name);
  private readonly dir: string;
  /** Open databases, least recently used first (Map keeps insertion order). */
  private readonly open = new Map<string, DataSource>();
  /** The file each open database was opened as, to notice it being deleted or replaced. */
  private readonly openedFiles = new WeakMap<DataSource, FileIdentity & { writable: boolean }>();
  /** Opens in progress, so concurrent first requests share one DataSource. */
  private readonly opening = new Map<string, Promise<DataSource>>();
  /**
   * Per project, the closes of handles dropped from `open` that have not
   * finished yet, chained so the newest promise covers every earlier one.
   */
  private readonly closingOf = new Map<string, Promise<void>>();
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
    if (cached && this.stillOnDisk(projectId, cached)) {
      this.open.delete(projectId);
      this.open.set(projectId, cached);
      return sqliteHandle(cached);
    }
    return sqliteHandle(await this.acquire(projectId, true));
  }

  /**
   * Whether the project's database is open now, so that `get()` will resolve
   * without waiting for I/O (nothing else can run in between).
   */
  isOpen(projectId: string): boolean {
    return this.open.has(projectId);
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
    await Promise.all([...this.closingOf.values()]);
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
    // Connections of one process share SQLite's lock and WAL-index state for a
    // file, so a handle still closing (say one opened read-only) would shape
    // the new one: open only once the old one is gone.
    const previous = this.closingOf.get(projectId) ?? Promise.resolve();
    const opening = previous.then(() => openEventDatabase(path, mustExist)).then(
      (source) => {
        this.opening.delete(projectId);
        const opened = identityOf(path);
        if (opened) this.openedFiles.set(source, { ...opened, writable: isWritable(path) });
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
      this.closeLater(lruId, source);
    }
  }

  /** False (and the handle dropped) when the file at the project's path is not the one this handle has open. */
  private stillOnDisk(projectId: string, source: DataSource): boolean {
    const opened = this.openedFiles.get(source);
    const current = identityOf(this.pathOf(projectId));
    const sameFile = opened !== undefined && current !== undefined && opened.dev === current.dev && opened.ino === current.ino;
    // Only a handle opened read-only pays for the access() checks.
    if (sameFile && (opened.writable || !isWritable(this.pathOf(projectId)))) return true;
    const change = sameFile ? 'became writable' : current ? 'was replaced on disk' : 'was removed from disk';
    this.logger.warn(`event database of project ${projectId} ${change} while open: reopening it`);
    this.open.delete(projectId);
    this.closeLater(projectId, source);
    return false;
  }

  private closeLater(projectId: string, source: DataSource): void {
    const previous = this.closingOf.get(projectId) ?? Promise.resolve();
    const closing = previous
      .then(() => new Promise<void>((done) => setImmediate(done)))
      .then(() => this.closeQuietly(source));
    this.closingOf.set(projectId, closing);
    void closing.finally(() => {
      if (this.closingOf.get(projectId) === closing) this.closingOf.delete(projectId);
    });
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

interface FileIdentity {
  dev: number;
  ino: number;
}

/** Device and inode of the file at `path`; undefined when there is none (or a path component is not a directory). */
function identityOf(path: string): FileIdentity | undefined {
  try {
    const stats = statSync(path, { throwIfNoEntry: false });
    return stats ? { dev: stats.dev, ino: stats.ino } : undefined;
  } catch {
    return undefined;
  }
}

/** Whether this process may write the database file and its directory (for the -wal and -shm files); SQLite opens it read-only otherwise. */
function isWritable(path: string): boolean {
  try {
    accessSync(path, fsConstants.W_OK);
    accessSync(dirname(path), fsConstants.W_OK);
    return true;
  } catch {
    return false;
  }
}

async function closeSource(source: DataSource): Promise<void> {
  if (!source.isInitialized) return;
  try {
    checkpointTruncate(sqliteHandle(source));
  } finally {
    // A checkpoint can fail (a read-only or vanished file); the handle must close all the same.
    await source.destroy();
  }
}
