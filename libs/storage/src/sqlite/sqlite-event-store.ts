import type { Database } from 'better-sqlite3';
import { statSync } from 'node:fs';
import { PROJECT_PAGE_SIZE } from '../open-project-database';
import { ProjectDatabaseMissingError } from '../project-database-missing-error';
import { ProjectDatabases } from '../project-databases';
import type { AccessDecision } from '../repositories/access-decision';
import { AppendResult, EventLogStatus, EventLogSummary, EventPage, EventPageRequest, EventStore, PushBatch, PushEvent, StoredEvent } from '../repositories/event-store';
import { SqliteEventLog } from './sqlite-event-log';
import { SqliteMembershipsRepository } from './sqlite-memberships.repository';

/**
 * How many bytes of WAL (as estimated from the rows written) make the store
 * ask for the background checkpoints at once rather than at the
 * checkpointer's next tick (about a second after the first write).
 * 1000-event pushes write 50-80 MB of WAL a second to one project, and
 * single-event pushes from 32 clients about 75 MB: within that second the WAL
 * would cross SQLite's own autocheckpoint (AUTOCHECKPOINT_SAFETY_NET_PAGES:
 * 80 MB at 8 KiB pages, 40 MB in a database made with 4 KiB), which then
 * copies and syncs all of it inside a commit, on the event loop (55-300 ms,
 * about 1.2 ms of CPU per 1000-event push). At a fifth of the smaller, the
 * checkpoint process keeps up, and the event loop never runs one.
 */
export const EARLY_CHECKPOINT_BYTES = 8 * 1024 * 1024;

/** A row's columns besides its payload, and its index entries, in bytes: roughly. */
const ROW_OVERHEAD_BYTES = 200;

/**
 * The WAL a push writes besides its rows: a commit writes each page it
 * touched whole, and a small push's rows and index entries dirty pages of
 * their own (measured: 1.5 WAL frames per single-event push, grouped or not,
 * at 8 and 32 clients). Without it, single-event pushes were counted at a
 * thirtieth of the WAL they write, and the safety net ran on the event loop.
 */
const PUSH_OVERHEAD_BYTES = 1.5 * PROJECT_PAGE_SIZE;

/** A push waiting for its group's commit. */
interface PendingAppend {
  userId: string;
  batch: PushBatch;
  serverTimestamp: string;
  decision: AccessDecision;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

/**
 * An open project database's pushes waiting for their group's commit: those
 * that arrived in one turn of the event loop (or while its commits were
 * held). One per handle, kept as long as the handle (see `groups`); a commit
 * is scheduled exactly while `appends` is not empty.
 */
interface AppendGroup {
  projectId: string;
  db: Database;
  appends: PendingAppend[];
}

/**
 * The event store of the SQLite backend: one events.db per project
 * (ProjectDatabases), access facts from the server database.
 *
 * Why each call is atomic with its authorization: better-sqlite3 is
 * synchronous, so once the project's handle is in hand, reading the caller's
 * role, applying `admit` and running the append (or the page read) happen in
 * one synchronous stretch that no other request can enter. The only wait is
 * for the handle itself, and it comes before the authoritative check; a
 * database that must first be opened (I/O, other requests run meanwhile) is
 * also checked before the open, so a stranger or an unknown project never
 * makes the server open anything. ProjectDatabases closes evicted handles on
 * a later macrotask, so the handle stays valid through the stretch.
 *
 * Group commit: pushes to one project that reach the store in the same turn
 * of the event loop (their bytes came in together) are committed together,
 * at the end of that turn (setImmediate), in one transaction: a commit is
 * most of a small push's SQLite time, and under load several arrive at once.
 * Each push still has its role read and applied right before its own rows,
 * in the same synchronous stretch (see SqliteEventLog.appendAll); pushes are
 * applied in the order they arrived, and a refused or failed one is rolled
 * back alone. A push alone in its turn is committed as before. The handle is
 * checked again at commit, in the same stretch: should it have been closed
 * or replaced meanwhile (evicted, its file restored), the group's pushes take
 * their own way, ungrouped (open the database, check, append at once). While
 * the checkpoint process starts the database's WAL afresh (a few ms, a few
 * times a second at most: ProjectDatabases.commitsHeld), a group waits, still
 * open to the pushes that arrive, and commits once it is done.
 */
export class SqliteEventStore extends EventStore {
  /**
   * Each handle's group, made on its first push and never removed: a weak
   * map lets it go with the handle. Not a map entry added and deleted per
   * push: a hash table that changes is copied afresh every few changes, and
   * V8 makes the copy of a long-lived one in old space, where the old copy
   * stays until a full collection, still pointing at the pushes it held.
   * Those pointers keep the pushes (their events, payload strings, rows)
   * alive through every scavenge in between, so each one ended in old space
   * too (docs/performance.md, Memory).
   */
  private readonly groups = new WeakMap<Database, AppendGroup>();
  /** Bytes of rows written (roughly) since the background checkpoints were last asked for early. */
  private unflushedBytes = 0;

  constructor(
    private readonly databases: ProjectDatabases,
    private readonly access: SqliteMembershipsRepository,
    private readonly log: SqliteEventLog,
  ) {
    super();
  }

  async append(projectId: string, userId: string, batch: PushBatch, serverTimestamp: string, admit: AccessDecision): Promise<AppendResult> {
    const db = await this.handleOf(projectId, userId, admit);
    return new Promise<AppendResult>((resolve, reject) => {
      let group = this.groups.get(db);
      if (!group) {
        group = { projectId, db, appends: [] };
        this.groups.set(db, group);
      }
      if (group.appends.length === 0) {
        const first = group;
        setImmediate(() => this.commit(first));
      }
      group.appends.push({ userId, batch, serverTimestamp, decision: admit, resolve, reject });
    });
  }

  async page(projectId: string, userId: string, request: EventPageRequest, admit: AccessDecision): Promise<EventPage> {
    const db = await this.handleOf(projectId, userId, admit);
    this.access.admitNow(projectId, userId, admit);
    return this.log.page(db, request.afterServerSeq, request.limit, request.excludeDevice);
  }

  async status(projectId: string, userId: string, admit: AccessDecision): Promise<EventLogStatus> {
    const db = await this.handleOf(projectId, userId, admit);
    this.access.admitNow(projectId, userId, admit);
    return this.log.status(db);
  }

  /** An append in its own transaction, right after the handle is in hand (no grouping, so no second wait). */
  private async appendAlone(projectId: string, userId: string, batch: PushBatch, serverTimestamp: string, admit: AccessDecision): Promise<AppendResult> {
    const db = await this.handleOf(projectId, userId, admit);
    this.access.admitNow(projectId, userId, admit);
    const result = this.log.append(db, batch, serverTimestamp);
    this.written(projectId, batch, result.accepted);
    return result;
  }

  async summary(projectId: string): Promise<EventLogSummary | undefined> {
    let db: Database;
    try {
      db = await this.databases.get(projectId);
    } catch (error) {
      if (error instanceof ProjectDatabaseMissingError) return undefined;
      throw error;
    }
    const path = this.databases.pathOf(projectId);
    const bytesOnDisk = ['', '-wal', '-shm'].reduce((sum, suffix) => sum + (statSync(path + suffix, { throwIfNoEntry: false })?.size ?? 0), 0);
    return { ...this.log.status(db), bytesOnDisk };
  }

  async importEvents(projectId: string, events: StoredEvent[]): Promise<void> {
    await this.databases.create(projectId);
    this.log.appendStored(await this.databases.get(projectId), events);
    this.written(projectId, { events }, events.length);
  }

  removeLog(projectId: string): Promise<void> {
    return this.databases.remove(projectId);
  }

  /** The project's handle; a database that is not open yet is only opened for a caller `admit` lets through. */
  private handleOf(projectId: string, userId: string, admit: AccessDecision): Promise<Database> {
    if (!this.databases.isOpen(projectId)) this.access.admitNow(projectId, userId, admit);
    return this.databases.get(projectId);
  }

  private commit(group: AppendGroup): void {
    const { projectId, db } = group;
    // The checkpoint process is starting this database's WAL afresh: the group waits, and pushes arriving meanwhile join it.
    const held = this.databases.commitsHeld(projectId);
    if (held) {
      void held.then(() => this.commit(group));
      return;
    }
    const { appends } = group;
    group.appends = [];
    if (this.databases.openHandle(projectId) !== db) {
      for (const { userId, batch, serverTimestamp, decision, resolve, reject } of appends) {
        this.appendAlone(projectId, userId, batch, serverTimestamp, decision).then(resolve, reject);
      }
      return;
    }
    let results: Array<AppendResult | Error>;
    try {
      const grouped = appends.map(({ userId, batch, serverTimestamp, decision }) => ({
        batch,
        serverTimestamp,
        admit: () => this.access.admitNow(projectId, userId, decision),
      }));
      if (grouped.length === 1) {
        grouped[0].admit();
        results = [this.log.append(db, grouped[0].batch, grouped[0].serverTimestamp)];
      } else {
        results = this.log.appendAll(db, grouped);
      }
    } catch (error) {
      for (const pending of appends) pending.reject(error);
      return;
    }
    results.forEach((result, i) => {
      if (!(result instanceof Error)) this.written(projectId, appends[i].batch, result.accepted);
    });
    results.forEach((result, i) => (result instanceof Error ? appends[i].reject(result) : appends[i].resolve(result)));
  }

  /**
   * Notes `accepted` new rows of `batch` in the project's database, for the
   * background checkpoint; past EARLY_CHECKPOINT_BYTES since the last time,
   * has the checkpoints run now.
   */
  private written(projectId: string, batch: { events: ReadonlyArray<Pick<PushEvent, 'payload' | 'payloadBytes' | 'payloadByteLength'>> }, accepted: number): void {
    if (accepted === 0) return;
    this.databases.written(projectId);
    const { events } = batch;
    let rowBytes = 0;
    for (let i = 0; i < events.length; i++) {
      const event = events[i];
      // Never `payload` when the bytes are there: reading it decodes them.
      rowBytes += (event.payloadByteLength ?? event.payloadBytes?.length ?? event.payload.length) + ROW_OVERHEAD_BYTES;
    }
    // Rejected events (duplicates, empty entity_ids) wrote no row: count the accepted share of the rows, and the pages in full.
    this.unflushedBytes += PUSH_OVERHEAD_BYTES + (accepted === events.length ? rowBytes : (rowBytes * accepted) / events.length);
    if (this.unflushedBytes >= EARLY_CHECKPOINT_BYTES) {
      this.unflushedBytes = 0;
      void this.databases.flushCheckpoints();
    }
  }
}
