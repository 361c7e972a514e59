import { Logger } from '@nestjs/common';
import type { Database } from 'better-sqlite3';
import { accessSync, constants as fsConstants, existsSync, FSWatcher, statSync, watch } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { DescriptorShortageError } from './descriptor-shortage';
import { FileChangeWatch } from './file-change-watch';
import { OpenFileLimit, readOpenFileLimit } from './open-file-limit';
import { openProjectDatabase } from './open-project-database';
import { ProjectDatabaseMissingError } from './project-database-missing-error';
import { DESCRIPTORS_PER_PROJECT_DATABASE, ProjectDatabaseBudget, projectDatabaseBudget } from './project-database-budget';
import { removeProjectDirectory } from './project-directory';
import { isProjectId } from './project-id';
import { checkpointTruncate } from './sqlite-pragmas';
import type { StorageOptions } from './storage-options';
import { CaughtUpWal, FileIdentity, IDLE_CHECKPOINT_MS, sameFile, WalCheckpointer } from './wal-checkpointer';

/**
 * The longest a project's commits wait while the checkpoint process starts
 * its WAL afresh (see ProjectDatabases.holdCommitsForRestart). It copies a few frames
 * and syncs twice, 2-5 ms on the development machine; a disk slower than
 * that leaves the WAL to grow, as before, rather than hold pushes back.
 */
const RESTART_HOLD_MS = 25;

/** Rounds of "free descriptors, try again" an open gets before its failure stands. */
const DESCRIPTOR_RETRIES = 4;

/** One open project database and what is known about the file it was opened as. */
interface OpenDatabase {
  readonly projectId: string;
  readonly path: string;
  readonly db: Database;
  /** Device and inode at open, to notice the file being deleted or replaced. */
  readonly file: FileIdentity;
  /** Whether the process could write the file when it was opened (SQLite opens it read-only otherwise). */
  readonly writable: boolean;
  /** Undefined where the file cannot be watched: then every use stats it. */
  readonly watch: FileChangeWatch | undefined;
}

/**
 * Opens, caches and closes the per-project event databases
 * (`<dir>/<project-id>/events.db`), plain better-sqlite3 handles (see
 * openProjectDatabase: pragmas and a schema version check, nothing more).
 *
 * How many stay open is budgeted in file descriptors (three per database),
 * from the process's RLIMIT_NOFILE read at start, with a reserve for sockets
 * and the rest; SYNC_MAX_OPEN_PROJECTS caps it (see projectDatabaseBudget).
 * The least recently used closes first. Should descriptors run out anyway
 * (sockets beyond the reserve), an open closes least recently used databases
 * and tries again instead of failing the request.
 *
 * A handle must be used synchronously right after `get()` resolves: evicted
 * databases are closed on a later macrotask (setImmediate), which is what keeps
 * a handle valid for the caller that just received it. The checkpoint process
 * (WalCheckpointer) holds every database open while the server does, so an
 * open, its commits and its close cost no fsync on the event loop: it writes
 * a new WAL's header before the server opens the file, the server's close is
 * never the last one (the last checkpoints, syncs and deletes the -wal and
 * -shm), and its release leaves the WAL in place for the next open, to be
 * checkpointed once it is large or quiet, or at shutdown. The TRUNCATE
 * checkpoint is for shutdown only.
 *
 * An open SQLite handle keeps working on a file that was deleted or replaced
 * under it: writes would succeed, be acknowledged, and vanish with the handle.
 * So a handle is only used while its file is known to be the one at its path:
 * a FileChangeWatch notices the file being unlinked, renamed (over), chmodded
 * or written by another process, and a watch on the data directory notices
 * its project directories being renamed or deleted; only then does `get()`
 * stat the path (device and inode) and drop the handle if it names another
 * file or none, opening what is there now, which fails for a missing
 * database. (A rename of a directory above the data directory goes
 * unnoticed.) Where files cannot be watched (not Linux, the inotify watch
 * limit reached), `get()` stats the file every time, as it once always did.
 * Likewise, SQLite opens a file it may not write read-only and keeps it so:
 * a database opened while its disk was read-only serves reads, refuses
 * writes, is checked on every use, and is reopened once it is writable again.
 */
export class ProjectDatabases {
  private readonly logger = new Logger(ProjectDatabases.name);
  private readonly dir: string;
  private readonly limit: OpenFileLimit;
  private readonly budget: ProjectDatabaseBudget;
  /** Open databases, least recently used first (Map keeps insertion order). */
  private readonly open = new Map<string, OpenDatabase>();
  /** Opens in progress, so concurrent first requests share one handle. */
  private readonly opening = new Map<string, Promise<OpenDatabase>>();
  /**
   * Per project, the closes of handles dropped from `open` that have not
   * finished yet, chained so the newest promise covers every earlier one.
   */
  private readonly closingOf = new Map<string, Promise<void>>();
  /** See RESTART_HOLD_MS. */
  private readonly restartHoldMs: number;
  /** Projects whose commits wait while the checkpoint process starts their WAL afresh (see holdCommitsForRestart). */
  private readonly commitHolds = new Map<string, Promise<void>>();
  /** Handles evicted or dropped and not closed yet: their descriptors are still in use. */
  private closingCount = 0;
  /** Opens that have been given room in the budget and not finished yet. */
  private reserved = 0;
  private closed = false;
  private readonly checkpointer: WalCheckpointer;
  /**
   * One watch on the data directory, for what the watches on the database
   * files cannot see: a project directory renamed, replaced or deleted whole
   * (a restore that swaps directories moves the database file without
   * touching it), or the data directory itself moved. Undefined until the
   * first database opens; null where it cannot be set, and then every use of
   * a handle stats its file.
   */
  private dataDirWatch: FSWatcher | null | undefined;

  /**
   * Reads the descriptor limit and derives the budget. The server's start-up
   * line reports both (StorageConnection.gauges); this debug line also says
   * where the limit came from.
   */
  constructor(
    private readonly options: StorageOptions,
    {
      idleCheckpointMs = IDLE_CHECKPOINT_MS,
      restartHoldMs = RESTART_HOLD_MS,
    }: {
      /** How long after its last write a quiet database's WAL is checkpointed (see WalCheckpointer); shorter in tests. */
      idleCheckpointMs?: number;
      /** The longest a project's commits wait for its WAL to start afresh (see holdCommitsForRestart); longer in tests, beside others on a busy machine. */
      restartHoldMs?: number;
    } = {},
  ) {
    this.restartHoldMs = restartHoldMs;
    this.checkpointer = new WalCheckpointer(idleCheckpointMs, (wal) => this.holdCommitsForRestart(wal));
    this.dir = resolve(options.projectDataDir);
    this.limit = options.descriptorLimit !== undefined ? { descriptors: options.descriptorLimit, source: 'storage options' } : readOpenFileLimit();
    this.budget = projectDatabaseBudget(this.limit.descriptors, options.maxOpenProjects);
    const { capacity, reserve, boundBy } = this.budget;
    this.logger.debug(
      `descriptor limit ${this.limit.descriptors} (RLIMIT_NOFILE soft limit, from ${this.limit.source}): up to ${capacity} project databases open ` +
        `at ${DESCRIPTORS_PER_PROJECT_DATABASE} descriptors each, ${reserve} descriptors kept for sockets and the rest` +
        (boundBy === 'maxOpenProjects' ? ` (capped by SYNC_MAX_OPEN_PROJECTS=${this.options.maxOpenProjects})` : ''),
    );
  }

  /** How many project databases may be open at once (the descriptor budget, capped by maxOpenProjects). */
  get capacity(): number {
    return this.budget.capacity;
  }

  /** The descriptor limit the budget was derived from. */
  get descriptorLimit(): number {
    return this.limit.descriptors;
  }

  /** The checkpoint process's pid while it runs (see WalCheckpointer). */
  get checkpointProcessId(): number | undefined {
    return this.checkpointer.processId;
  }

  /** Creates the project's event database (idempotent) and keeps it open. */
  async create(projectId: string): Promise<void> {
    await this.acquire(projectId, 'create');
  }

  /** The project's database handle, opened on first use. */
  async get(projectId: string): Promise<Database> {
    return this.openHandle(projectId) ?? (await this.acquire(projectId, 'existing')).db;
  }

  /**
   * The project's handle if it is open and its file is still the one at its
   * path (what get() answers without waiting), else undefined; like get(),
   * it is only good for synchronous use right away.
   */
  openHandle(projectId: string): Database | undefined {
    const entry = this.open.get(projectId);
    if (!entry || !this.stillCurrent(entry)) return undefined;
    this.open.delete(projectId);
    this.open.set(projectId, entry);
    return entry.db;
  }

  /**
   * Whether the project's database is open and known to be current, so that
   * `get()` will resolve without waiting for I/O (nothing else can run in
   * between).
   */
  isOpen(projectId: string): boolean {
    const entry = this.open.get(projectId);
    return entry !== undefined && (entry.watch === undefined || (entry.watch.quiet && this.dataDirWatch !== null));
  }

  /** Closes the project's database and deletes its directory (undoing a failed creation). */
  async remove(projectId: string): Promise<void> {
    const path = this.pathOf(projectId);
    await this.opening.get(projectId)?.catch(() => undefined);
    const entry = this.open.get(projectId);
    this.open.delete(projectId);
    await this.closingOf.get(projectId);
    await this.checkpointer.forget(path);
    if (entry) {
      entry.watch?.close();
      entry.db.close();
    }
    await this.withDescriptors(projectId, () => removeProjectDirectory(dirname(path)));
  }

  /** Notes a commit to the project's database, so its WAL is checkpointed in the background. */
  written(projectId: string): void {
    const entry = this.open.get(projectId);
    if (entry) this.checkpointer.written({ path: entry.path, ...entry.file });
  }

  /**
   * Runs the background checkpoints noted so far and waits for them: at once
   * for a WAL past 1 MiB, the rest once quiet (see WalCheckpointer).
   */
  flushCheckpoints(): Promise<void> {
    return this.checkpointer.flush();
  }

  /**
   * While the checkpoint process starts the project's WAL afresh, the
   * promise its commits wait for (see holdCommitsForRestart); undefined otherwise.
   * Never rejects.
   */
  commitsHeld(projectId: string): Promise<void> | undefined {
    return this.commitHolds.get(projectId);
  }

  /**
   * The checkpoint process has copied all of a long WAL but the frames added
   * at the end of its work (see WalCheckpointer): the project's commits wait
   * (commitsHeld; requests go on being served) while it copies those few and
   * starts the WAL afresh, which it can only do while nothing is added. At
   * most RESTART_HOLD_MS: should it take longer, commits go on (one that
   * meets the checkpoint process's own commit waits for it, as for any lock)
   * and the WAL may stay as it is until the next caught-up checkpoint.
   */
  private holdCommitsForRestart(wal: CaughtUpWal): void {
    const projectId = basename(dirname(wal.path));
    const entry = this.open.get(projectId);
    if (!entry || entry.path !== wal.path || !sameFile(entry.file, wal)) return;
    if (this.commitHolds.has(projectId) || !entry.writable || !this.stillCurrent(entry)) return;
    const hold = this.checkpointer.restart({ path: wal.path, ...entry.file }, this.restartHoldMs).then(
      () => undefined,
      () => undefined,
    );
    this.commitHolds.set(projectId, hold);
    void hold.then(() => this.commitHolds.delete(projectId));
  }

  get openCount(): number {
    return this.open.size;
  }

  /** Checkpoints (TRUNCATE) and closes every open project database. */
  async closeAll(): Promise<void> {
    this.closed = true;
    await this.checkpointer.stop();
    await Promise.allSettled([...this.opening.values()]);
    const entries = [...this.open.values()];
    this.open.clear();
    this.dataDirWatch?.close();
    await Promise.all([...this.closingOf.values()]);
    for (const entry of entries) this.closeQuietly(entry, { truncate: true });
  }

  /** `<dir>/<id>/events.db`, only for a well-formed id. */
  pathOf(projectId: string): string {
    if (!isProjectId(projectId)) throw new Error('invalid project id');
    return join(this.dir, projectId, 'events.db');
  }

  private acquire(projectId: string, mode: 'existing' | 'create'): Promise<OpenDatabase> {
    if (this.closed) return Promise.reject(new Error('project databases are closed'));
    const existing = this.open.get(projectId);
    if (existing) return Promise.resolve(existing);
    const pending = this.opening.get(projectId);
    if (pending) return pending;

    const path = this.pathOf(projectId);
    if (mode === 'existing' && !existsSync(path)) return Promise.reject(new ProjectDatabaseMissingError(projectId));
    // Connections of one process share SQLite's lock and WAL-index state for a
    // file, so a handle still closing (say one opened read-only) would shape
    // the new one: open only once the old one is gone.
    const previous = this.closingOf.get(projectId) ?? Promise.resolve();
    const opening = previous
      .then(() => this.makeRoom(projectId))
      // The checkpoint process opens it first and writes its WAL header, so the commits of this handle sync nothing (see WalCheckpointer).
      .then(() => (mode === 'existing' ? this.checkpointer.hold(path, true) : undefined))
      .then(() => this.withDescriptors(projectId, () => this.openEntry(projectId, path, mode)).finally(() => this.reserved--))
      // One just made had nothing to hold before the open: it is held from now, so its checkpoints too run on a connection kept open there.
      .then((entry) => (mode === 'create' ? this.checkpointer.hold(path, false).then(() => entry) : entry))
      .then(
        (entry) => {
          this.opening.delete(projectId);
          if (this.closed) {
            this.closeQuietly(entry, { truncate: true });
            throw new Error('project databases are closed');
          }
          this.open.set(projectId, entry);
          this.evictOverflow();
          return entry;
        },
        (error: unknown) => {
          this.opening.delete(projectId);
          void this.checkpointer.release(path);
          throw error;
        },
      );
    this.opening.set(projectId, opening);
    return opening;
  }

  /**
   * Waits until one more database fits the budget, counting handles still
   * closing (their descriptors are not free yet) and opens under way, and
   * evicts the least recently used to make it fit. Under churn (more active
   * projects than fit) every open thus waits for one close (a turn of the
   * event loop while the checkpoint process holds the database; its
   * checkpoint first where it does not): slower, but the descriptors in use
   * never exceed the budget.
   */
  private async makeRoom(keep: string): Promise<void> {
    for (;;) {
      const excess = this.open.size + this.closingCount + this.reserved + 1 - this.budget.capacity;
      if (excess > 0 && this.closingCount < excess) this.evict(excess - this.closingCount, keep);
      if (excess <= 0 || this.closingCount === 0) {
        this.reserved++;
        return;
      }
      await Promise.race(this.closingOf.values());
    }
  }

  private async openEntry(projectId: string, path: string, mode: 'existing' | 'create'): Promise<OpenDatabase> {
    const db = await openProjectDatabase(path, mode);
    const file = identityOf(path);
    if (!file) {
      db.close();
      throw new ProjectDatabaseMissingError(projectId); // gone again between the open and now
    }
    const watch = this.watchDataDir() ? FileChangeWatch.start(path) : undefined;
    return { projectId, path, db, file, writable: isWritable(path), watch };
  }

  /** Starts the data directory's watch if it is not running; whether file watches can be trusted. */
  private watchDataDir(): boolean {
    if (process.platform !== 'linux') return false; // see FileChangeWatch
    if (this.dataDirWatch === undefined) {
      try {
        const watcher = watch(this.dir, { persistent: false }, (_event, name) => this.dataDirChanged(name));
        watcher.on('error', () => {
          watcher.close();
          this.dataDirWatch = null;
        });
        this.dataDirWatch = watcher;
      } catch {
        this.dataDirWatch = null;
      }
    }
    return this.dataDirWatch !== null;
  }

  /**
   * A name in the data directory changed: a project's directory, or (its own
   * name) the data directory itself, whose watch then follows it wherever it
   * went and is started afresh on the next open; until then every use stats.
   */
  private dataDirChanged(name: string | null): void {
    const entry = name === null ? undefined : this.open.get(name);
    if (entry) {
      entry.watch?.markChanged();
      return;
    }
    if (name !== null && name !== basename(this.dir)) return; // a project that is not open
    this.dataDirWatch?.close();
    this.dataDirWatch = undefined;
    for (const other of this.open.values()) other.watch?.markChanged();
  }

  /**
   * Runs `work` (an open or a removal), and when it fails for want of file
   * descriptors, frees some and runs it again: first by waiting for closes
   * already under way, then by closing the least recently used quarter of the
   * open databases. Only when nothing is left to close does the failure stand.
   */
  private async withDescriptors<T>(projectId: string, work: () => Promise<T>): Promise<T> {
    for (let round = 1; ; round++) {
      try {
        return await work();
      } catch (error) {
        const shortage = error instanceof DescriptorShortageError || ['EMFILE', 'ENFILE'].includes((error as NodeJS.ErrnoException).code ?? '');
        if (!shortage || round > DESCRIPTOR_RETRIES) throw error;
        const closes = [...this.closingOf.values()];
        const evicted = closes.length > 0 ? 0 : this.evict(Math.max(1, Math.ceil(this.open.size / 4)), projectId);
        if (closes.length === 0 && evicted === 0) throw error;
        this.logger.warn(
          `out of file descriptors (limit ${this.limit.descriptors}) for project ${projectId}: ` +
            (evicted > 0 ? `closed ${evicted} least recently used project databases, ` : `waited for ${closes.length} closing project databases, `) +
            `trying again (${round}/${DESCRIPTOR_RETRIES})`,
        );
        await Promise.all([...this.closingOf.values()]);
      }
    }
  }

  private evictOverflow(): void {
    const overflow = this.open.size - this.budget.capacity;
    if (overflow > 0) this.evict(overflow);
  }

  /** Closes (later) up to `count` least recently used databases, never `keep`'s; returns how many. */
  private evict(count: number, keep?: string): number {
    let evicted = 0;
    for (const entry of [...this.open.values()]) {
      if (evicted === count) break;
      if (entry.projectId === keep) continue;
      this.open.delete(entry.projectId);
      this.closeLater(entry);
      evicted++;
    }
    return evicted;
  }

  /** True when `entry`'s file is still the one at its path; otherwise drops the handle (the caller reopens). */
  private stillCurrent(entry: OpenDatabase): boolean {
    if (entry.watch?.quiet && entry.writable && this.dataDirWatch) return true; // nothing happened to the path since it was verified
    const current = identityOf(entry.path);
    const unchanged = sameFile(current, entry.file);
    // Only a handle opened read-only pays for the access() checks.
    if (unchanged && (entry.writable || !isWritable(entry.path))) {
      entry.watch?.markVerified();
      return true;
    }
    const change = unchanged ? 'became writable' : current ? 'was replaced on disk' : 'was removed from disk';
    this.logger.warn(`event database of project ${entry.projectId} ${change} while open: reopening it`);
    this.open.delete(entry.projectId);
    this.closeLater(entry, { replaced: !unchanged });
    return false;
  }

  /**
   * Closes `entry` on a later macrotask. A database still at its path is held
   * open by the checkpoint process while this connection closes, so that the
   * close is not the last one (the last checkpoints what is left, syncs, and
   * deletes the -wal and -shm): the checkpoint process does that when it
   * releases the database afterwards, off the event loop. Should it not hold
   * the file (out of descriptors, not running), the database is checkpointed
   * there first instead, so that the close has little left to copy and sync.
   *
   * A `replaced` one (its file deleted or renamed over) is different: SQLite
   * neither checkpoints nor deletes anything when closing a database whose
   * file has moved, so its -wal would stay at the path, full of frames of the
   * old file, and be replayed into whatever database opens there next (the
   * restored one). So its WAL is emptied with a TRUNCATE checkpoint on the old
   * handle first, and the checkpoint process is kept away from the path until
   * then, since a connection to the new file would share the old file's
   * -wal and -shm.
   */
  private closeLater(entry: OpenDatabase, { replaced }: { replaced: boolean } = { replaced: false }): void {
    const { projectId, path } = entry;
    entry.watch?.close();
    this.closingCount++;
    const previous = this.closingOf.get(projectId) ?? Promise.resolve();
    const closing = previous
      .then(() => new Promise<void>((done) => setImmediate(done)))
      .then(() => (replaced ? this.checkpointer.forget(path).then(() => false) : this.holdForClose(entry)))
      .then((held) => {
        this.closeQuietly(entry, { truncate: replaced });
        this.closingCount--;
        if (held) void this.checkpointer.release(path);
      });
    this.closingOf.set(projectId, closing);
    void closing.finally(() => {
      if (this.closingOf.get(projectId) === closing) this.closingOf.delete(projectId);
    });
  }

  /**
   * Makes sure the checkpoint process holds `entry`'s file before the server
   * closes it (see closeLater); where it cannot, checkpoints the database
   * there instead. Returns whether it is held.
   */
  private async holdForClose(entry: OpenDatabase): Promise<boolean> {
    const file = { path: entry.path, ...entry.file };
    const held = await this.checkpointer.hold(entry.path, false);
    if (sameFile(held, file)) return true;
    // Nothing held, or another file than this handle's (a replacement not noticed yet): the old way.
    await this.checkpointer.release(entry.path);
    await this.checkpointer.settle(file);
    return false;
  }

  private closeQuietly(entry: OpenDatabase, { truncate }: { truncate: boolean }): void {
    entry.watch?.close();
    try {
      // A checkpoint can fail (a read-only or vanished file); the handle must close all the same.
      if (truncate && entry.db.open) checkpointTruncate(entry.db);
    } catch (error) {
      this.logger.warn(`checkpointing the database of project ${entry.projectId} before closing it failed: ${(error as Error).message}`);
    }
    try {
      entry.db.close();
    } catch (error) {
      this.logger.error(`closing the database of project ${entry.projectId} failed: ${(error as Error).message}`);
    }
  }
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
