import { Logger } from '@nestjs/common';
import { Worker } from 'node:worker_threads';

/** How long writes to a database gather before its WAL is checkpointed. */
const CHECKPOINT_DELAY_MS = 1000;

/**
 * The worker's whole program: for each path it is sent, open the database,
 * fold the WAL into it (PASSIVE: never blocks or waits for the server's
 * writers and readers, just as SQLite's own autocheckpoint) and close it. It
 * is evaluated from a string so it runs the same from dist/ and under the
 * TypeScript test runner.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.betterSqlite3);
parentPort.on('message', ({ id, paths }) => {
  const failures = [];
  for (const path of paths) {
    let db;
    try {
      db = new Database(path, { fileMustExist: true });
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch (error) {
      failures.push(path + ': ' + error.message);
    } finally {
      if (db) db.close();
    }
  }
  parentPort.postMessage({ id, failures });
});
`;

/**
 * Checkpoints project databases on a worker thread. A checkpoint copies the
 * WAL's pages into the database file and syncs it; SQLite's automatic
 * checkpoint does that inside whichever commit crosses 1000 pages, so every
 * few 1000-event pushes one of them stalled the event loop for 10–20 ms. With
 * autocheckpoint off on the server's connections (ProjectDatabases does that),
 * this class batches "this database was written" notes and checkpoints each
 * written database about once a second, off the event loop.
 */
export class WalCheckpointer {
  private readonly logger = new Logger(WalCheckpointer.name);
  private readonly worker: Worker;
  private readonly pending = new Set<string>();
  private readonly replies = new Map<number, () => void>();
  private timer: NodeJS.Timeout | undefined;
  private nextId = 0;
  private stopped = false;

  constructor() {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { betterSqlite3: require.resolve('better-sqlite3') } });
    this.worker.unref();
    this.worker.on('message', ({ id, failures }: { id: number; failures: string[] }) => {
      for (const failure of failures) this.logger.warn(`background checkpoint failed: ${failure}`);
      this.replies.get(id)?.();
      this.replies.delete(id);
    });
    this.worker.on('error', (error) => this.logger.error(`checkpoint worker failed: ${error.message}`));
  }

  /** Notes that the database at `path` has new WAL content. */
  written(path: string): void {
    if (this.stopped) return;
    this.pending.add(path);
    this.timer ??= setTimeout(() => void this.flush(), CHECKPOINT_DELAY_MS).unref();
  }

  /** Checkpoints everything noted so far; resolves when the worker is done. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size === 0 || this.stopped) return Promise.resolve();
    const paths = [...this.pending];
    this.pending.clear();
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.replies.set(id, resolve);
      this.worker.postMessage({ id, paths });
    });
  }

  /** Finishes what is pending and stops the worker. */
  async stop(): Promise<void> {
    await this.flush();
    this.stopped = true;
    await this.worker.terminate();
    for (const resolve of this.replies.values()) resolve();
    this.replies.clear();
  }
}
