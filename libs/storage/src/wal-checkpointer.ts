import { Logger } from '@nestjs/common';
import { ChildProcess, spawn } from 'node:child_process';

/** How long writes to a database gather before its WAL is checkpointed. */
const CHECKPOINT_DELAY_MS = 1000;

/** The checkpoint process exits after this long without work, and starts again when needed. */
const IDLE_EXIT_MS = 30_000;

/**
 * The checkpoint process's whole program: for each path it is sent, open the
 * database, fold the WAL into it (PASSIVE: never blocks or waits for the
 * server's writers and readers, just as SQLite's own autocheckpoint), close
 * it and answer. Only if the file at the path is still the one the server
 * has open (device and inode, before and after opening it): a file put there
 * since (a restore) shares the old one's -wal and -shm names, and a
 * checkpoint through those would copy the old file's pages into it. One path per turn of its event loop, so a request marked
 * urgent (a database about to be closed) overtakes a long batch of
 * background ones. It exits when the server closes the channel or goes
 * away. It is evaluated from a string so it runs the same from dist/ and
 * under the TypeScript test runner.
 */
const CHILD_SOURCE = `
process.title = 'td-sync checkpoints';
const Database = require(process.argv[1]);
const { statSync } = require('node:fs');
function isTheFile({ path, dev, ino }) {
  const stats = statSync(path, { throwIfNoEntry: false });
  return stats !== undefined && stats.dev === dev && stats.ino === ino;
}
const urgent = [];
const background = [];
let pumping = false;
process.on('message', ({ items, isUrgent }) => {
  (isUrgent ? urgent : background).push(...items);
  if (!pumping) {
    pumping = true;
    setImmediate(pump);
  }
});
function pump() {
  const item = urgent.shift() || background.shift();
  if (!item) {
    pumping = false;
    return;
  }
  let db;
  let failure;
  try {
    if (isTheFile(item)) {
      db = new Database(item.path, { fileMustExist: true, timeout: 0 });
      if (isTheFile(item)) db.pragma('wal_checkpoint(PASSIVE)');
    }
  } catch (error) {
    failure = error.message;
  } finally {
    if (db) db.close();
  }
  process.send({ id: item.id, failure });
  setImmediate(pump);
}
process.on('disconnect', () => process.exit(0));
`;

interface Reply {
  id: number;
  failure?: string;
}

/** A database file as the server opened it: its path, device and inode. */
export interface DatabaseFile {
  path: string;
  dev: number;
  ino: number;
}

/**
 * Checkpoints project databases in a child process. A checkpoint copies the
 * WAL's pages into the database file and syncs both, milliseconds of fsync
 * each; SQLite's automatic checkpoint does that inside whichever commit
 * crosses 1000 pages, so every few 1000-event pushes one of them stalled the
 * event loop for 10–20 ms. With autocheckpoint raised to a safety net on the
 * server's connections, this class batches "this database was written" notes
 * and checkpoints each written database about once a second, and at once
 * before the server closes it (see `settle`), off the event loop.
 *
 * A process, not a worker thread: a connection that SQLite closes while
 * another connection of the same process holds locks on the file keeps its
 * descriptor open (closing it would drop that process's POSIX locks), so a
 * checkpoint thread left one more descriptor per open project in the server.
 * Connections of another process do not count against the server's
 * descriptor limit, and this one closes each database right after its
 * checkpoint. It is started on first use and exits after IDLE_EXIT_MS without
 * work, so an idle server does not keep it (about 45 MB resident).
 */
export class WalCheckpointer {
  private readonly logger = new Logger(WalCheckpointer.name);
  private child: ChildProcess | undefined;
  /** Files written since their last checkpoint was asked for, by path. */
  private readonly pending = new Map<string, DatabaseFile>();
  /** Per path, the answers still awaited from the child for it. */
  private readonly inFlight = new Map<string, Set<Promise<void>>>();
  /** Per request awaiting its answer, how to resolve it and the process it was sent to. */
  private readonly replies = new Map<number, { path: string; resolve: () => void; child: ChildProcess }>();
  private timer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private nextId = 0;
  private stopped = false;

  /** Notes that the database `file` has new WAL content. */
  written(file: DatabaseFile): void {
    if (this.stopped) return;
    this.pending.set(file.path, file);
    this.timer ??= setTimeout(() => void this.flush(), CHECKPOINT_DELAY_MS).unref();
  }

  /** Checkpoints everything noted so far; resolves when that is done. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size === 0 || this.stopped) return;
    const files = [...this.pending.values()];
    this.pending.clear();
    await Promise.all(this.send(files, false));
  }

  /**
   * Resolves once everything written to `path` so far has been checkpointed
   * (at once when nothing was written since the last checkpoint), so that
   * closing the server's connection afterwards has nothing left to copy and
   * sync on the event loop. Asked as urgent: it overtakes background work.
   */
  async settle(file: DatabaseFile): Promise<void> {
    if (this.stopped) return;
    if (this.pending.delete(file.path) || this.inFlight.has(file.path)) await Promise.all(this.send([file], true));
  }

  /** Drops what is noted for `path` and resolves once no checkpoint of it runs (before its files are deleted). */
  async forget(path: string): Promise<void> {
    this.pending.delete(path);
    await Promise.all(this.inFlight.get(path) ?? []);
  }

  /** Finishes what is pending and ends the checkpoint process. */
  async stop(): Promise<void> {
    await this.flush();
    await Promise.all([...this.inFlight.values()].flatMap((answers) => [...answers]));
    this.stopped = true;
    clearTimeout(this.idleTimer);
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((done) => child.once('exit', done));
      child.ref(); // a shutdown waits for it to be gone
      if (child.connected) child.disconnect();
      else child.kill();
      await exited;
    }
  }

  /** Sends `files` to the child; one promise per file, resolved when it answers (or is gone). */
  private send(files: DatabaseFile[], isUrgent: boolean): Array<Promise<void>> {
    const child = this.running();
    if (!child) return [];
    clearTimeout(this.idleTimer);
    const items = files.map((file) => {
      const { path } = file;
      const id = this.nextId++;
      const answered = new Promise<void>((resolve) => this.replies.set(id, { path, resolve, child }));
      const answers = this.inFlight.get(path) ?? new Set();
      answers.add(answered);
      this.inFlight.set(path, answers);
      void answered.then(() => {
        answers.delete(answered);
        if (answers.size === 0 && this.inFlight.get(path) === answers) this.inFlight.delete(path);
      });
      return { id, file, answered };
    });
    // While answers are awaited the channel keeps the process alive (a shutdown waits for them).
    child.channel?.ref();
    child.send({ items: items.map(({ id, file }) => ({ id, ...file })), isUrgent }, (error) => {
      if (error) for (const { id } of items) this.answer({ id, failure: error.message });
    });
    return items.map(({ answered }) => answered);
  }

  private answer({ id, failure }: Reply): void {
    const reply = this.replies.get(id);
    if (!reply) return;
    if (failure !== undefined) this.logger.warn(`background checkpoint of ${reply.path} failed: ${failure}`);
    this.replies.delete(id);
    reply.resolve();
    if ([...this.replies.values()].some((other) => other.child === reply.child)) return;
    reply.child.channel?.unref();
    if (reply.child !== this.child) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.child === reply.child && reply.child.connected) reply.child.disconnect();
    }, IDLE_EXIT_MS).unref();
  }
  /** The checkpoint process, started if it is not running; undefined if it cannot be started. */
  private running(): ChildProcess | undefined {
    if (this.child?.connected) return this.child;
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, ['-e', CHILD_SOURCE, require.resolve('better-sqlite3')], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
    } catch (error) {
      this.logger.error(`cannot start the checkpoint process: ${(error as Error).message}`);
      return undefined;
    }
    if (child.pid === undefined || !child.connected) {
      // Out of descriptors for its pipes, say: try again on the next request.
      child.on('error', (error) => this.logger.warn(`cannot start the checkpoint process: ${error.message}`));
      return undefined;
    }
    this.child = child;
    child.unref();
    child.on('message', (reply: Reply) => this.answer(reply));
    child.on('error', (error) => {
      this.logger.error(`checkpoint process failed: ${error.message}`);
      if (child.pid === undefined) this.ended(child); // never started, so no 'exit' to wait for
    });
    child.on('exit', (code, signal) => {
      if (code !== 0 && !this.stopped) this.logger.warn(`checkpoint process ended (${signal ?? `exit code ${code}`}); it starts again when needed`);
      this.ended(child);
    });
    return child;
  }

  /** Whatever `child` had not answered will not be: the next close (or the shutdown) checkpoints instead. */
  private ended(child: ChildProcess): void {
    if (this.child === child) this.child = undefined;
    for (const [id, reply] of [...this.replies]) if (reply.child === child) this.answer({ id });
  }
}
