import { Logger } from '@nestjs/common';
import { ChildProcess, spawn } from 'node:child_process';
import { AUTOCHECKPOINT_SAFETY_NET_PAGES } from './open-project-database';

/** How long writes to a database gather before its WAL is checkpointed. */
const CHECKPOINT_DELAY_MS = 1000;

/** The checkpoint process exits after this long without work, and starts again when needed. */
const IDLE_EXIT_MS = 30_000;

/**
 * How many threads of the checkpoint process work at once. Nearly all their
 * time is spent waiting for fsync; databases are spread over them by path, so
 * one file is always handled by the same thread, in the order its requests
 * were sent. Two, so that a hold (a project being opened) finds a second
 * lane while a long checkpoint runs on the other; each thread is a V8
 * isolate of its own, about 8-13 MB resident. Measured in the benchmark
 * (docs/performance.md): four threads gave no more throughput than two or
 * one on any scenario, for 84 MB resident where two take 66 (1000-event
 * pushes) and 106 MB where two take 91 (a round-robin over 800 projects).
 */
const CHECKPOINT_THREADS = 2;

/**
 * Node's options for the checkpoint process: a young generation of 2 MB (two
 * 1 MB semi-spaces) in each of its isolates, its threads' and its own. What
 * they allocate is messages and small objects that die at once, but under
 * steady traffic V8 grew each thread's young generation to its default
 * 32 MB, which then stayed resident: over two minutes of a round-robin over
 * 2,000 projects the process reached 172 MB, 67 MB of it the two threads'
 * young generations; 121 MB with this, for the same CPU per answer
 * (docs/performance.md, Memory). On the command line rather than in the
 * environment, so that it holds whatever NODE_OPTIONS the server was given
 * (the Docker image's caps the server's at 8 MB).
 */
export const CHECKPOINT_PROCESS_NODE_OPTIONS: readonly string[] = ['--max-semi-space-size=1'];

/**
 * The checkpoint process's whole environment. It needs nothing of the
 * server's (node and better-sqlite3 are given by absolute path; it makes no
 * temporary files), and none of the server's NODE_OPTIONS (a --require, an
 * inspector) reaches it. What it sets: glibc's malloc with one arena for all
 * the process's threads instead of one per thread. The
 * threads spend their time waiting for fsync, so they hardly contend for the
 * allocator, while each one's own arena grew to 17-18 MB resident with the
 * SQLite connections it opens and closes (a hold and a release for every
 * project the server opens): over two minutes of a round-robin over 2,000
 * projects 121-123 MB resident with an arena per thread, 113 with one, for
 * the same CPU (docs/performance.md, Memory). Other C libraries ignore it.
 */
export const CHECKPOINT_PROCESS_ENVIRONMENT: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '1' };

/**
 * A background checkpoint of a database runs at once only when its WAL has
 * grown past this; smaller ones wait until the database has been left alone
 * for IDLE_CHECKPOINT_MS. Each checkpoint costs two fsyncs, and starting the
 * WAL afresh after it a third (the new header; see checkpointThrough in
 * WORKER_SOURCE): a project written a few events at a time should not pay
 * them for every request.
 */
const CHECKPOINT_WAL_BYTES = 1024 * 1024;

/**
 * What is left of a WAL file when the checkpoint process starts it afresh on
 * its own (see restartWal in WORKER_SOURCE): half of CHECKPOINT_WAL_BYTES, so
 * that the file only passes that size once as much has been written since,
 * and the commits after a restart overwrite what is there before they extend
 * it.
 */
const RESTARTED_WAL_BYTES = CHECKPOINT_WAL_BYTES / 2;

/**
 * A WAL this long (20 MB at 8 KiB pages) that the checkpoint process has
 * caught up with is started afresh, the server holding the database's
 * commits back meanwhile (see WalCheckpointer): a quarter of the
 * autocheckpoint safety net (AUTOCHECKPOINT_SAFETY_NET_PAGES), long enough
 * that the pause comes seldom, short enough that the WAL never reaches the
 * safety net between two checkpoints.
 */
export const RESTART_WAL_FRAMES = AUTOCHECKPOINT_SAFETY_NET_PAGES / 4;

/**
 * A written database whose WAL stays below CHECKPOINT_WAL_BYTES is
 * checkpointed this long after its last write (Litestream's own default
 * checkpoint interval), and at shutdown. Its last write as the checkpoint
 * process hears of it: a release keeps the time noted before it, so a
 * database the server keeps opening and closing (more busy projects than
 * stay open, each open for less than a second) is closed out this long after
 * it was first left written, however often it is written since; that is what
 * bounds its WAL, which every open reads in full (docs/performance.md, Many
 * projects).
 */
export const IDLE_CHECKPOINT_MS = 60_000;

/**
 * A checkpoint round that starts with at most this many frames added since
 * the round before has caught up with the server's commits: what it leaves
 * (the frames added while it ran, as few) is a moment's work for the round
 * that restarts the WAL while the server holds its commits back (see
 * WalCheckpointer.restart).
 */
const CAUGHT_UP_FRAMES = 64;

/** Checkpoint rounds at most per request, should the server's commits outpace them. */
const MAX_CATCH_UP_ROUNDS = 4;

/**
 * One thread of the checkpoint process. Requests, each for one database path,
 * only ever acted on while the file at the path is still the one the server
 * opened (device and inode, before and after opening it): a file put there
 * since (a restore) shares the old one's -wal and -shm names, and a
 * checkpoint through those would copy the old file's pages into it.
 *
 * - `hold`: open the database read-only and keep it open (a connection in
 *   WAL mode keeps a shared lock on the file), so that the server's
 *   connection is never the last one to close: the last one checkpoints,
 *   syncs and deletes the -wal and -shm. Read-only, because a read-only
 *   connection never checkpoints or deletes anything when it closes, not
 *   even as the last one. With `prime`, when the WAL is new, a writable
 *   connection first rewrites the schema version (the same value), so that
 *   this thread, not the server's first commit, writes and syncs the WAL's
 *   header and its directory; it closes once the holder has its lock.
 * - `release`: close the held connection. The WAL stays as it is (its
 *   commits are there, as after any commit in synchronous=NORMAL), ready to
 *   be appended to by the next open without a new header, and the database
 *   is kept on a list to be closed out (checkpointed, its -wal and -shm
 *   deleted) once idle. One open and one close per hold, where a writable
 *   holder needed a read-only keeper opened and closed around its own close.
 * - `checkpoint`: fold the WAL into the database (PASSIVE: never blocks or
 *   waits for the server's writers and readers, just as SQLite's own
 *   autocheckpoint), through a writable connection: for a held database one
 *   kept next to the holder (a read-only one cannot checkpoint), otherwise
 *   opened for it and closed, which closes the database out when nobody
 *   else has it open. `force`d, at once; otherwise at once only for a WAL
 *   past CHECKPOINT_WAL_BYTES, else after IDLE_CHECKPOINT_MS without writes.
 *   Run at once, it checkpoints again while the server's commits add frames
 *   (catchUp), and answers with the WAL's length and whether it caught up;
 *   with `restart` (the server holding its commits back), it then starts a
 *   caught-up WAL afresh (restartWal).
 *
 * Urgent requests (holds, releases, a checkpoint before a close) overtake
 * background ones, one request per turn of the thread's event loop. On `stop`
 * it closes what it holds and closes out every database it kept, so that
 * after a shutdown each database file is complete on its own.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { sqlitePath, checkpointWalBytes, idleCheckpointMs } = workerData;
const CAUGHT_UP_FRAMES = ${CAUGHT_UP_FRAMES};
const MAX_CATCH_UP_ROUNDS = ${MAX_CATCH_UP_ROUNDS};
const Database = require(sqlitePath);
const { existsSync, statSync, unlinkSync } = require('node:fs');
function identity(path) {
  const stats = statSync(path, { throwIfNoEntry: false });
  return stats === undefined ? undefined : { dev: stats.dev, ino: stats.ino };
}
function same(a, b) {
  return a !== undefined && b !== undefined && a.dev === b.dev && a.ino === b.ino;
}
function walBytes(path) {
  return statSync(path + '-wal', { throwIfNoEntry: false })?.size ?? 0;
}
/** A writable connection to the database, for checkpoints and the commits that start a WAL afresh. */
function writer(path) {
  return new Database(path, { fileMustExist: true, timeout: 0 });
}
/**
 * Connections held open, by path: { db, file, writer } (db read-only; writer,
 * once a checkpoint of the held database needed one, writable).
 */
const held = new Map();
/**
 * Written databases whose WAL is not checkpointed yet, by path:
 * { file, writtenAt, wal } (wal: the -wal file left in place by a release).
 */
const dirty = new Map();
const urgent = [];
const background = [];
let pumping = false;
function enqueue(item, isUrgent) {
  (isUrgent ? urgent : background).push(item);
  if (!pumping) {
    pumping = true;
    setImmediate(pump);
  }
}
parentPort.on('message', ({ item, isUrgent, stop }) => {
  if (stop) {
    clearInterval(sweep);
    for (const [path, holder] of held) {
      closeHolder(holder);
      if (!dirty.has(path)) dirty.set(path, { file: holder.file });
    }
    held.clear();
    for (const [path, { file }] of [...dirty]) {
      try {
        closeOut(path, file);
      } catch {
        // Gone or unreadable: nothing to close out.
      }
    }
    process.exit(0);
  }
  enqueue(item, isUrgent);
});
const sweep = setInterval(() => {
  const now = Date.now();
  for (const [path, entry] of dirty) if (now - entry.writtenAt >= idleCheckpointMs && !entry.queued) {
    entry.queued = true;
    enqueue({ kind: 'idle', path }, false);
  }
}, Math.min(1000, idleCheckpointMs));
function pump() {
  const item = urgent.shift() || background.shift();
  if (!item) {
    pumping = false;
    return;
  }
  let reply;
  try {
    reply = run(item);
  } catch (error) {
    reply = { failure: error.message };
  }
  if (item.id !== undefined) parentPort.postMessage({ id: item.id, ...reply });
  setImmediate(pump);
}
function run(item) {
  switch (item.kind) {
    case 'hold':
      return hold(item);
    case 'release':
      return release(item);
    case 'idle': {
      const entry = dirty.get(item.path);
      if (entry?.queued) checkpoint(item.path, entry.file);
      return {};
    }
    default:
      if (!same(identity(item.path), item)) return {};
      if (item.force || walBytes(item.path) >= checkpointWalBytes) return checkpoint(item.path, item, item.restart ? 'held' : 'ifQuiet') ?? {};
      noteWritten(item.path, { dev: item.dev, ino: item.ino });
      return {};
  }
}
function noteWritten(path, file) {
  const entry = dirty.get(path);
  dirty.set(path, { file, writtenAt: Date.now(), wal: entry && same(entry.file, file) ? entry.wal : undefined });
}
/**
 * Checkpoints through the held database's writer, or closes the database out
 * when nobody here holds it; returns what catchUp found (undefined when the
 * file is no longer the one asked about); \`restart\`: see checkpointThrough.
 */
function checkpoint(path, file, restart) {
  dirty.delete(path);
  const holder = held.get(path);
  // Not held: released by the server (or never held, the checkpoint process out of descriptors), so closeOut's
  // own close is likely the last one, which deletes the WAL: starting it afresh first would only sync a header for nothing.
  if (!holder || !same(holder.file, file)) return closeOut(path, file, restart === 'held' ? restart : undefined);
  holder.writer ??= writer(path);
  return checkpointThrough(holder.writer, restart);
}
/**
 * Opens and closes the database, checkpointing it: the last connection to
 * close also deletes its -wal and -shm.
 */
function closeOut(path, file, restart) {
  dirty.delete(path);
  if (!same(identity(path), file)) return undefined;
  const db = writer(path);
  try {
    return same(identity(path), file) ? checkpointThrough(db, restart) : undefined;
  } finally {
    db.close();
  }
}
/**
 * Checkpoints through \`db\` (catchUp) and, by \`restart\`, starts a WAL
 * it caught up with afresh (restartWal): 'held', the server holding the
 * database's commits back (WalCheckpointer.restart), always; 'ifQuiet', a
 * checkpoint the server asked for (it has the database open), only a WAL
 * shorter than RESTART_WAL_FRAMES that the last catch-up round found all
 * copied with no frame added while it ran, without the server holding its
 * commits back. Otherwise the server's next commit would
 * find it all copied and start it afresh itself, writing and syncing the new
 * header on the event loop: once per checkpoint of every busy project (64
 * projects written in turn: 66 fsyncs a second in the event loop's thread,
 * docs/performance.md), each one a stall for every request on a slow disk.
 * No frame added during a round means the server is not writing to it just
 * now; should a commit of the server's come while this one holds the write
 * lock, it waits for it, as for any lock (a busy commit here gives up at
 * once). A longer WAL is restarted while the server holds its commits (see
 * WalCheckpointer): commits to it keep coming.
 */
function checkpointThrough(db, restart) {
  const { walFrames, caughtUp, quiet } = catchUp(db, restart === 'ifQuiet');
  const result = { walFrames, caughtUp };
  const startAfresh = restart === 'held' || (restart === 'ifQuiet' && quiet && walFrames > 0 && walFrames < ${RESTART_WAL_FRAMES});
  return caughtUp && startAfresh ? { ...result, restarted: restartWal(db, restart === 'ifQuiet') } : result;
}
/**
 * PASSIVE checkpoints, one after another while the server keeps committing:
 * each copies what the last left (the frames added while it synced), so they
 * get shorter, until one starts with at most CAUGHT_UP_FRAMES new frames or
 * MAX_CATCH_UP_ROUNDS have run. Returns the WAL's length in frames and
 * whether it is caught up: fully copied, with at most a few frames added
 * since, few enough to copy in a moment while the server holds its commits
 * back (see WalCheckpointer); and, with \`wantQuiet\` (at least two rounds
 * then), whether the last round found no frame added since the one before.
 */
function catchUp(db, wantQuiet) {
  let previous;
  for (let round = 1; ; round++) {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    const walFrames = result.log;
    // Busy: another connection is checkpointing. Not all copied: a reader still needs older frames (a long read, Litestream).
    if (result.busy !== 0 || result.checkpointed !== walFrames) return { walFrames, caughtUp: false };
    // Fewer frames than before: the server started the WAL afresh meanwhile.
    const added = previous === undefined ? walFrames : walFrames - previous;
    // Whether the server wrote while a round ran takes a second one (with nothing to copy, it syncs nothing).
    if (added <= CAUGHT_UP_FRAMES && !(wantQuiet && previous === undefined)) return { walFrames, caughtUp: true, quiet: previous !== undefined && added === 0 };
    if (round === MAX_CATCH_UP_ROUNDS) return { walFrames, caughtUp: false };
    previous = walFrames;
  }
}
/**
 * Starts a WAL that is all copied afresh (commitNothing): SQLite restarts the
 * WAL at the first commit that finds it all copied, and this one writes the
 * new header and syncs it here instead of in the server's next commit. While
 * the server holds its commits back (see WalCheckpointer.restart), or when it
 * has not written during the last catch-up round (see checkpointThrough):
 * otherwise one of its commits would have added frames since, and this one
 * would only append. Returns whether it committed; a writer or reader in the
 * way (busy) leaves the WAL as it is.
 *
 * \`cut\`: the file is cut to RESTARTED_WAL_BYTES as it starts over
 * (journal_size_limit, applied by that commit). A WAL file keeps its size
 * when SQLite starts it over, so without a cut its size would say "past
 * checkpointWalBytes" after every restart and every write would be
 * checkpointed within the second; cut, its size says again how much has been
 * written since. Only for a restart of a quiet WAL: cutting a file of 20-40 MB
 * takes the file system 12-21 ms (freeing its blocks, then syncing that), all
 * of it inside the commit, and a busy project's held commits waited that long
 * several times a second, only to grow the file back within the next quarter
 * of a second (docs/performance.md, Small requests). A busy WAL is cut once it
 * is quiet.
 */
function restartWal(db, cut) {
  try {
    if (cut) db.pragma('journal_size_limit = ${RESTARTED_WAL_BYTES}');
    commitNothing(db);
    return true;
  } catch {
    return false;
  } finally {
    if (cut) db.pragma('journal_size_limit = -1');
  }
}
/**
 * A commit that changes nothing (the schema version rewritten as it is), at
 * the server's synchronous=NORMAL: what a commit does to the WAL (a new
 * WAL's header written and synced, or an all-copied WAL started afresh)
 * without touching the data. Throws when busy.
 */
function commitNothing(db) {
  db.pragma('synchronous = 1');
  db.transaction(() => db.pragma('user_version = ' + Number(db.pragma('user_version', { simple: true })))).immediate();
}
function hold({ path, prime }) {
  const holder = held.get(path);
  if (holder) return { held: holder.file };
  const before = identity(path);
  if (!before) return {};
  dropStaleWal(path, before);
  let primer;
  let db;
  try {
    if (prime && walBytes(path) === 0) primer = primed(path);
    db = new Database(path, { fileMustExist: true, readonly: true, timeout: 0 });
    // Reading the mode takes the shared lock (and opens the -wal and -shm) without changing anything.
    if (db.pragma('journal_mode', { simple: true }) !== 'wal' || !same(identity(path), before)) {
      db.close();
      return {};
    }
  } catch {
    // Out of descriptors, say: the server closes its own connection the slow way.
    db?.close();
    return {};
  } finally {
    // Not the last connection while the holder has its lock: it leaves the WAL and its header as they are.
    primer?.close();
  }
  held.set(path, { db, file: before, writer: undefined });
  return { held: before };
}
/**
 * A writable connection that has written the header of the database's new
 * WAL (and synced it), or one that could not (another process writing: then
 * the server's first commit writes it, as it always did).
 */
function primed(path) {
  const db = writer(path);
  try {
    if (db.pragma('journal_mode', { simple: true }) === 'wal') commitNothing(db);
  } catch {
    // Busy: see above.
  }
  return db;
}
function closeHolder(holder) {
  // The writer first: while the read-only holder is open it is not the last connection, so it checkpoints nothing more.
  holder.writer?.close();
  holder.db.close();
}
function release({ path }) {
  const holder = held.get(path);
  if (!holder) return {};
  held.delete(path);
  closeHolder(holder);
  if (!same(identity(path), holder.file) || (walBytes(path) === 0 && !existsSync(path + '-shm'))) {
    dirty.delete(path);
    return {};
  }
  dirty.set(path, { file: holder.file, writtenAt: dirty.get(path)?.writtenAt ?? Date.now(), wal: identity(path + '-wal') });
  return {};
}
/**
 * A -wal left in place by a release belongs to the file released. If another
 * file has been put at the path since (a restore while the project was not
 * open), SQLite would replay those frames into it: delete that -wal first,
 * but only if it is still the very file left (a -wal restored along with the
 * database is the new one's own).
 */
function dropStaleWal(path, file) {
  const entry = dirty.get(path);
  if (!entry || same(entry.file, file)) return;
  dirty.delete(path);
  if (entry.wal && same(identity(path + '-wal'), entry.wal)) {
    unlinkSync(path + '-wal');
    try {
      unlinkSync(path + '-shm');
    } catch {
      // None: nothing to delete.
    }
  }
}
`;

/**
 * The checkpoint process's whole program: CHECKPOINT_THREADS threads running
 * WORKER_SOURCE, each request sent to the thread its path belongs to. When the
 * server closes the channel or goes away, every thread closes what it holds
 * (a server that is still running, and shutting down, closes its own
 * connections last) and the process exits. It is evaluated from a string so it
 * runs the same from dist/ and under the TypeScript test runner.
 */
const CHILD_SOURCE = `
process.title = 'td-sync checkpoints';
const { Worker } = require('node:worker_threads');
const [sqlitePath, threadCount, idleCheckpointMs] = process.argv.slice(1);
const workers = Array.from({ length: Number(threadCount) }, () => {
  const worker = new Worker(${JSON.stringify(WORKER_SOURCE)}, {
    eval: true,
    workerData: { sqlitePath, checkpointWalBytes: ${CHECKPOINT_WAL_BYTES}, idleCheckpointMs: Number(idleCheckpointMs) },
  });
  worker.on('message', (reply) => process.send(reply));
  return worker;
});
function workerOf(path) {
  let hash = 0;
  for (let i = 0; i < path.length; i++) hash = (hash * 31 + path.charCodeAt(i)) >>> 0;
  return workers[hash % workers.length];
}
process.on('message', ({ items, isUrgent }) => {
  for (const item of items) workerOf(item.path).postMessage({ item, isUrgent });
});
process.on('disconnect', () => {
  let running = workers.length;
  for (const worker of workers) {
    worker.once('exit', () => {
      if (--running === 0) process.exit(0);
    });
    worker.postMessage({ stop: true });
  }
});
`;

interface Reply {
  id: number;
  failure?: string;
  /** To a hold: the file the checkpoint process now holds open (absent: it does not). */
  held?: FileIdentity;
  /** To a checkpoint run at once: the WAL's length in frames (pages) when it ended. */
  walFrames?: number;
  /** To a checkpoint run at once: whether it copied every frame but a few added at its end (see catchUp in WORKER_SOURCE). */
  caughtUp?: boolean;
  /** To a checkpoint asked to restart the WAL: whether it did (see restartWal in WORKER_SOURCE). */
  restarted?: boolean;
}

/**
 * A database whose WAL the checkpoint process has nearly caught up with (see
 * WalCheckpointer.flush): one to start afresh (WalCheckpointer.restart).
 */
export interface CaughtUpWal extends DatabaseFile {
  /** The WAL's length in frames when the checkpoint process last looked. */
  walFrames: number;
}

/** Device and inode of a file. */
export interface FileIdentity {
  dev: number;
  ino: number;
}

/** Whether `a` and `b` name the same file (device and inode); false when either is missing. */
export function sameFile(a: FileIdentity | undefined, b: FileIdentity | undefined): boolean {
  return a !== undefined && b !== undefined && a.dev === b.dev && a.ino === b.ino;
}

/** A database file as the server opened it: its path, device and inode. */
export interface DatabaseFile extends FileIdentity {
  path: string;
}

/** One request to the checkpoint process (see WORKER_SOURCE). */
type Request = { kind: 'checkpoint'; path: string; dev: number; ino: number; force: boolean; restart?: boolean } | { kind: 'hold'; path: string; prime: boolean } | { kind: 'release'; path: string };

/**
 * Checkpoints project databases in a child process, and holds them open there
 * so that the server's connections never do the work of the last one to close.
 *
 * A checkpoint copies the WAL's pages into the database file and syncs both,
 * milliseconds of fsync each; SQLite's automatic checkpoint does that inside
 * whichever commit crosses 1000 pages, so every few 1000-event pushes one of
 * them stalled the event loop for 10–20 ms. With autocheckpoint raised to a
 * safety net on the server's connections, this class batches "this database
 * was written" notes and checkpoints each written database about once a
 * second, off the event loop.
 *
 * Opening and closing cost as much: the last connection to close a database
 * checkpoints it, syncs, and deletes its -wal and -shm, and the next commit
 * after an open writes a new WAL header and syncs it and its directory. With
 * more active projects than fit the descriptor budget, every request paid
 * both on the event loop. So the child `hold`s each database the server has
 * open (and primes its WAL: the header is written and synced there), and
 * `release`s it after the server's connection is closed; the server's opens,
 * commits and closes then touch no fsync at all. Where the child cannot hold
 * a database (out of descriptors, not running), the server settles it first
 * (`settle`: a checkpoint, urgent) and closes it itself, as before.
 *
 * A checkpoint through another connection copies every frame but cannot
 * start the WAL afresh: SQLite restarts a WAL at the first commit that finds
 * all of it copied, and under steady commits there is always a frame newer
 * than the last checkpoint. Such a WAL grew until a commit of the server's
 * crossed the autocheckpoint safety net and copied and synced a second's
 * frames on the event loop (55-65 ms every 1.1 s with 32 clients pushing
 * single events to one project). So a checkpoint asked for at once repeats
 * until it has caught up with the commits (catchUp in WORKER_SOURCE), and
 * for a WAL past RESTART_WAL_FRAMES `onCaughtUp` is told: the server holds
 * that database's commits back for a moment (see ProjectDatabases) and asks
 * for `restart`: the checkpoint process copies the few frames left, starts
 * the WAL afresh with a commit of its own and syncs its header, and the
 * event loop does none of it. (Copying those frames through the server's
 * connection instead cost the event loop 1.5-4 ms each time, and 7-15 ms
 * where a 1000-event push had landed in between.)
 *
 * A process, not a worker thread: a connection that SQLite closes while
 * another connection of the same process holds locks on the file keeps its
 * descriptor open (closing it would drop that process's POSIX locks), and
 * the server's -shm descriptor is shared with every connection of its
 * process to the file, so held connections in the server would cost
 * descriptors the budget has not got. Connections of another process do not
 * count against the server's limit. It is started on first use and exits
 * after IDLE_EXIT_MS without work and with nothing held, so an idle server
 * does not keep it (55-90 MB resident, about 43 MB of which are the Node
 * binary's pages, shared with the server's).
 */
export class WalCheckpointer {
  private readonly logger = new Logger(WalCheckpointer.name);
  private child: ChildProcess | undefined;
  /** Files written since their last checkpoint was asked for, by path. */
  private readonly pending = new Map<string, DatabaseFile>();
  /** Per path, the answer (and what follows on it) to the checkpoint last sent for it, while awaited (see flush). */
  private readonly checkpointing = new Map<string, Promise<void>>();
  /** Per path, the answers still awaited from the child for it. */
  private readonly inFlight = new Map<string, Set<Promise<void>>>();
  /** Per request awaiting its answer, how to resolve it and the process it was sent to. */
  private readonly replies = new Map<number, { path: string; resolve: (reply: Reply) => void; child: ChildProcess }>();
  /** Paths the child holds open (or has been asked to), with the file it holds once it has answered. */
  private readonly held = new Map<string, { child: ChildProcess; file: Promise<FileIdentity | undefined> }>();
  private timer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private nextId = 0;
  private stopped = false;

  /**
   * `idleCheckpointMs`: see IDLE_CHECKPOINT_MS (shorter in tests).
   * `onCaughtUp`: told of a WAL past RESTART_WAL_FRAMES that a checkpoint has
   * caught up with, to be started afresh (see flush and restart).
   */
  constructor(
    private readonly idleCheckpointMs = IDLE_CHECKPOINT_MS,
    private readonly onCaughtUp: (wal: CaughtUpWal) => void = () => undefined,
  ) {}

  /** Notes that the database `file` has new WAL content. */
  written(file: DatabaseFile): void {
    if (this.stopped) return;
    this.pending.set(file.path, file);
    this.timer ??= setTimeout(() => void this.flush(), CHECKPOINT_DELAY_MS).unref();
  }

  /**
   * Sends everything noted so far to be checkpointed; resolves when the
   * checkpoint process has dealt with it. `force`: checkpoint it all now,
   * whatever the size of the WAL (see CHECKPOINT_WAL_BYTES). A WAL past
   * RESTART_WAL_FRAMES that a checkpoint caught up with is passed to
   * `onCaughtUp` as soon as its answer is in.
   *
   * A database whose last checkpoint is still under way is sent again only
   * once that one is answered: the checkpoint process would only queue the
   * second behind it (each running up to MAX_CATCH_UP_ROUNDS rounds, a sync
   * or two each), and a restart behind both. Under a steady stream of small
   * pushes the early checkpoints (every 8 MB or so) came faster than that.
   */
  async flush(force = false): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size === 0 || this.stopped) return;
    const ready: DatabaseFile[] = [];
    const busy: string[] = [];
    for (const file of this.pending.values()) {
      if (this.checkpointing.has(file.path)) busy.push(file.path);
      else ready.push(file);
    }
    for (const file of ready) this.pending.delete(file.path);
    await Promise.all([...this.checkpoint(ready, force), ...busy.map((path) => this.checkpointing.get(path)?.then(() => this.flushOne(path, force)))]);
  }

  /** Sends `files` to be checkpointed; one promise per file, resolved once its answer is in and acted on. */
  private checkpoint(files: DatabaseFile[], force: boolean): Array<Promise<void>> {
    const answers = this.send(files.map((file) => ({ kind: 'checkpoint', force, ...file })), false);
    return answers.map((answer, i) => {
      const { path } = files[i];
      const done = answer.then((reply) => this.caughtUp(files[i], reply));
      this.checkpointing.set(path, done);
      void done.then(() => {
        if (this.checkpointing.get(path) === done) this.checkpointing.delete(path);
      });
      return done;
    });
  }

  /**
   * After a checkpoint of `path` was answered: what was noted for it since
   * is sent, unless another flush has sent it meanwhile (then its answer
   * covers this one).
   */
  private async flushOne(path: string, force: boolean): Promise<void> {
    const sentSince = this.checkpointing.get(path);
    if (sentSince) return sentSince;
    const file = this.pending.get(path);
    if (!file || this.stopped) return;
    this.pending.delete(path);
    await Promise.all(this.checkpoint([file], force));
  }

  /**
   * Checkpoints `file` at once (urgent) and starts its WAL afresh if that
   * leaves it all copied, which only holds while nothing else writes to it:
   * the caller holds its commits back until this resolves. Resolves with
   * whether the WAL was restarted, false after `timeoutMs` without an answer
   * (the checkpoint process may still restart it after that: a commit of the
   * server's that meets its commit waits for it, as for any lock, and one
   * that comes first makes its restart give up, busy).
   */
  restart(file: DatabaseFile, timeoutMs: number): Promise<boolean> {
    if (this.stopped) return Promise.resolve(false);
    const [answer] = this.send([{ kind: 'checkpoint', force: true, restart: true, ...file }], true);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    return Promise.race([answer.then((reply) => reply.restarted === true), late]).finally(() => clearTimeout(timer));
  }

  /**
   * Has the child open the database at `path` and keep it open until
   * `release(path)`; with `prime`, also write the header of an empty WAL (for
   * a database the server is about to open). Resolves with the file the child
   * holds, or undefined when it does not hold it (nothing at the path, not a
   * WAL database, the child out of descriptors or not running). Asked as
   * urgent; a second hold of a held path answers at once.
   */
  hold(path: string, prime: boolean): Promise<FileIdentity | undefined> {
    const current = this.held.get(path);
    if (current) return current.file;
    const child = this.stopped ? undefined : this.running();
    if (!child) return Promise.resolve(undefined);
    const [reply] = this.send([{ kind: 'hold', path, prime }], true);
    const file = reply.then((answer) => answer.held);
    this.held.set(path, { child, file });
    void file.then((identity) => {
      if (identity === undefined && this.held.get(path)?.file === file) this.held.delete(path);
    });
    return file;
  }

  /**
   * Has the child close what it holds of `path`; resolves once it has. Its
   * WAL stays in place for the next open, and the child closes it out
   * (checkpoints it, deletes its -wal and -shm) IDLE_CHECKPOINT_MS after the
   * last write it heard of (see there), or at shutdown; what was noted as
   * written there is left to that.
   */
  async release(path: string): Promise<void> {
    const current = this.held.get(path);
    if (!current) return;
    this.held.delete(path);
    this.pending.delete(path);
    if (current.child !== this.child || !current.child.connected) return; // it ended, and closed everything with it
    await Promise.all(this.send([{ kind: 'release', path }], true));
  }

  /**
   * Resolves once everything written to `path` so far has been checkpointed
   * (at once when nothing was written since the last checkpoint), so that
   * closing the server's connection afterwards has nothing left to copy and
   * sync on the event loop. Asked as urgent: it overtakes background work.
   */
  async settle(file: DatabaseFile): Promise<void> {
    if (this.stopped) return;
    if (this.pending.delete(file.path) || this.inFlight.has(file.path)) await Promise.all(this.send([{ kind: 'checkpoint', force: true, ...file }], true));
  }

  /**
   * Releases `path`, drops what is noted for it and resolves once no request
   * for it runs (before its files are deleted or replaced).
   */
  async forget(path: string): Promise<void> {
    await this.release(path);
    this.pending.delete(path);
    await Promise.all(this.inFlight.get(path) ?? []);
  }

  /**
   * Finishes what is pending and ends the checkpoint process, which first
   * closes everything it holds (so the server's own connections, closed
   * after this, are the last ones and checkpoint and delete the WAL files).
   */
  async stop(): Promise<void> {
    await this.flush();
    await Promise.all([...this.inFlight.values()].flatMap((answers) => [...answers]));
    this.stopped = true;
    this.held.clear();
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

  /** Sends `requests` to the child; one promise per request, resolved with its answer (empty when it is gone). */
  private send(requests: Request[], isUrgent: boolean): Array<Promise<Reply>> {
    const child = this.running();
    if (!child) return requests.map(() => Promise.resolve({ id: -1 }));
    clearTimeout(this.idleTimer);
    const items = requests.map((request) => {
      const { path } = request;
      const id = this.nextId++;
      const answered = new Promise<Reply>((resolve) => this.replies.set(id, { path, resolve, child }));
      const answers = this.inFlight.get(path) ?? new Set<Promise<void>>();
      const done = answered.then(() => undefined);
      answers.add(done);
      this.inFlight.set(path, answers);
      void done.then(() => {
        answers.delete(done);
        if (answers.size === 0 && this.inFlight.get(path) === answers) this.inFlight.delete(path);
      });
      return { id, request, answered };
    });
    // While answers are awaited the channel keeps the process alive (a shutdown waits for them).
    child.channel?.ref();
    child.send({ items: items.map(({ id, request }) => ({ id, ...request })), isUrgent }, (error) => {
      if (error) for (const { id } of items) this.answer({ id, failure: error.message });
    });
    return items.map(({ answered }) => answered);
  }

  private caughtUp(file: DatabaseFile, { caughtUp, walFrames }: Reply): void {
    if (!caughtUp || walFrames === undefined || walFrames < RESTART_WAL_FRAMES) return;
    try {
      this.onCaughtUp({ ...file, walFrames });
    } catch (error) {
      // A flush is often not awaited by anyone: what fails here must not become an unhandled rejection.
      this.logger.warn(`starting the WAL of ${file.path} afresh failed: ${(error as Error).message}`);
    }
  }

  private answer(reply: Reply): void {
    const { id, failure } = reply;
    const waiting = this.replies.get(id);
    if (!waiting) return;
    if (failure !== undefined) this.logger.warn(`checkpoint process: work on ${waiting.path} failed: ${failure}`);
    this.replies.delete(id);
    waiting.resolve(reply);
    if ([...this.replies.values()].some((other) => other.child === waiting.child)) return;
    waiting.child.channel?.unref();
    if (waiting.child !== this.child) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      // Held databases keep it running: its exit would leave their closing to the server's event loop.
      if (this.child === waiting.child && waiting.child.connected && this.held.size === 0) waiting.child.disconnect();
    }, IDLE_EXIT_MS).unref();
  }

  /** The checkpoint process's pid while it runs (its memory goes on /metrics); undefined while none does. */
  get processId(): number | undefined {
    return this.child?.connected ? this.child.pid : undefined;
  }

  /** The checkpoint process, started if it is not running; undefined if it cannot be started. */
  private running(): ChildProcess | undefined {
    if (this.child?.connected) return this.child;
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, [...CHECKPOINT_PROCESS_NODE_OPTIONS, '-e', CHILD_SOURCE, require.resolve('better-sqlite3'), String(CHECKPOINT_THREADS), String(this.idleCheckpointMs)], {
        stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
        env: { ...CHECKPOINT_PROCESS_ENVIRONMENT },
      });
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

  /**
   * Whatever `child` had not answered will not be, and what it held it holds
   * no more: the server closes those databases itself, settling them first.
   */
  private ended(child: ChildProcess): void {
    if (this.child === child) this.child = undefined;
    for (const [path, holder] of [...this.held]) if (holder.child === child) this.held.delete(path);
    for (const [id, reply] of [...this.replies]) if (reply.child === child) this.answer({ id });
  }
}
