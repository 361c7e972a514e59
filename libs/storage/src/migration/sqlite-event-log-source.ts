import type { Database, Statement } from 'better-sqlite3';
import { openReadOnlySqlite, tableColumns } from '../read-only-sqlite';
import { MigrationRefused } from './migration-refused';

/** The columns of a project's `events` table (PROTOCOL.md, Server storage), in the order EventRow holds them. */
export const EVENT_COLUMNS = [
  'server_seq',
  'device_id',
  'session_id',
  'client_action_id',
  'action_type',
  'entity_type',
  'entity_id',
  'payload',
  'client_timestamp',
  'server_timestamp',
] as const;

/** One stored event; the two int64 columns as bigints, so no digit is lost. */
export type EventRow = [bigint, string, string, bigint, string, string, string, string, string, string];

/** What the copy must reproduce, and what it checks its copy against. */
export interface EventLogSummary {
  events: number;
  /** The highest seq the project ever handed out: AUTOINCREMENT's counter, which a deleted newest row does not lower. */
  lastSeq: bigint;
  /** server_timestamp of the newest event; null when there is none. */
  lastEventTime: string | null;
  /** UTF-8 bytes of all payloads: the copy's must be the same. */
  payloadBytes: bigint;
}

/**
 * One project's `events.db`, read for migrate-to-postgres: read-only, in one
 * read transaction, page by page in seq order with 64-bit integers kept
 * exact (better-sqlite3's safe integers).
 */
export class SqliteEventLogSource {
  private readonly page: Statement;

  private constructor(private readonly db: Database) {
    this.page = db.prepare(`SELECT ${EVENT_COLUMNS.join(', ')} FROM events WHERE server_seq > ? ORDER BY server_seq LIMIT ?`).raw();
  }

  static open(path: string, projectId: string): SqliteEventLogSource {
    const db = openReadOnlySqlite(path);
    try {
      db.defaultSafeIntegers(true);
      const columns = tableColumns(db, 'events');
      const unknown = columns.filter((column) => !(EVENT_COLUMNS as readonly string[]).includes(column));
      const missing = EVENT_COLUMNS.filter((column) => !columns.includes(column));
      if (columns.length === 0 || unknown.length > 0 || missing.length > 0) {
        throw new MigrationRefused(
          `the events table of project ${projectId} (${path}) is not the one this td-sync knows` +
            (unknown.length > 0 ? `: unknown column(s) ${unknown.join(', ')}` : missing.length > 0 ? `: missing column(s) ${missing.join(', ')}` : ': there is none'),
        );
      }
      db.exec('BEGIN');
      return new SqliteEventLogSource(db);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  summary(): EventLogSummary {
    const [events, maxSeq, payloadBytes] = this.db
      .prepare('SELECT count(*), coalesce(max(server_seq), 0), coalesce(sum(length(CAST(payload AS BLOB))), 0) FROM events')
      .raw()
      .get() as [bigint, bigint, bigint];
    const counter = this.db.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'events'`).pluck().get() as bigint | undefined;
    const newest = this.db.prepare('SELECT server_timestamp FROM events ORDER BY server_seq DESC LIMIT 1').pluck().get() as string | undefined;
    return {
      events: Number(events),
      lastSeq: counter !== undefined && counter > maxSeq ? counter : maxSeq,
      lastEventTime: newest ?? null,
      payloadBytes,
    };
  }

  /** Up to `limit` events after `afterSeq`, ascending. */
  eventsAfter(afterSeq: bigint, limit: number): EventRow[] {
    return this.page.all(afterSeq, limit) as EventRow[];
  }

  close(): void {
    if (!this.db.open) return;
    this.db.exec('COMMIT');
    this.db.close();
  }
}
