import type { Database } from 'better-sqlite3';
import { statSync } from 'node:fs';
import { ProjectDatabaseMissingError, ProjectDatabases } from '../project-databases';
import type { AccessDecision } from '../repositories/access-decision';
import { AppendResult, EventLogStatus, EventLogSummary, EventPage, EventPageRequest, EventStore, PushBatch, StoredEvent } from '../repositories/event-store';
import { SqliteEventLog } from './sqlite-event-log';
import { SqliteMembershipsRepository } from './sqlite-memberships.repository';

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
 */
export class SqliteEventStore extends EventStore {
  constructor(
    private readonly databases: ProjectDatabases,
    private readonly access: SqliteMembershipsRepository,
    private readonly log: SqliteEventLog,
  ) {
    super();
  }

  async append(projectId: string, userId: string, batch: PushBatch, serverTimestamp: string, admit: AccessDecision): Promise<AppendResult> {
    const db = await this.handleOf(projectId, userId, admit);
    this.access.admitNow(projectId, userId, admit);
    const result = this.log.append(db, batch, serverTimestamp);
    if (result.accepted > 0) this.databases.written(projectId);
    return result;
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
    if (events.length > 0) this.databases.written(projectId);
  }

  removeLog(projectId: string): Promise<void> {
    return this.databases.remove(projectId);
  }

  /** The project's handle; a database that is not open yet is only opened for a caller `admit` lets through. */
  private handleOf(projectId: string, userId: string, admit: AccessDecision): Promise<Database> {
    if (!this.databases.isOpen(projectId)) this.access.admitNow(projectId, userId, admit);
    return this.databases.get(projectId);
  }
}
