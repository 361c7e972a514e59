import type { Database, Statement } from 'better-sqlite3';
import { tableColumns } from '../read-only-sqlite';
import { GoDataDirectoryError } from './go-data-directory-error';
import type { GoEvent } from './go-records';
import { openGoSqliteFile } from './go-sqlite-file';

/** One project's `events` table on the Go server, read in seq order, a page at a time. */
export class GoEventLog {
  private constructor(
    private readonly db: Database,
    /** Undefined when the database has no events table: the Go server creates it on first open, so none were ever stored. */
    private readonly pageAfter: Statement<[bigint, number]> | undefined,
  ) {}

  static open(path: string): GoEventLog {
    const db = openGoSqliteFile(path);
    try {
      if (tableColumns(db, 'events').length === 0) return new GoEventLog(db, undefined);
      // Integers as bigint: seqs and client action ids are int64 on the Go server.
      const page = db
        .prepare(
          `SELECT server_seq, device_id, session_id, client_action_id, action_type, entity_type, entity_id, payload, client_timestamp, server_timestamp
           FROM events WHERE server_seq > ? ORDER BY server_seq LIMIT ?`,
        )
        .safeIntegers(true);
      return new GoEventLog(db, page);
    } catch (error) {
      db.close();
      throw new GoDataDirectoryError(`cannot read ${path}: ${(error as Error).message}`);
    }
  }

  /** Up to `limit` events after `afterSeq`, ascending. */
  page(afterSeq: number | bigint, limit: number): GoEvent[] {
    if (!this.pageAfter) return [];
    const rows = this.pageAfter.all(BigInt(afterSeq), limit) as Array<Record<string, unknown>>;
    return rows.map((row) => ({
      server_seq: exact(row.server_seq as bigint),
      device_id: String(row.device_id),
      session_id: String(row.session_id),
      client_action_id: exact(row.client_action_id as bigint),
      action_type: String(row.action_type),
      entity_type: String(row.entity_type),
      entity_id: String(row.entity_id),
      payload: Buffer.isBuffer(row.payload) ? row.payload : Buffer.from(String(row.payload ?? ''), 'utf8'),
      client_timestamp: time(row.client_timestamp),
      server_timestamp: time(row.server_timestamp),
    }));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function exact(value: bigint): number | bigint {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

/** With safeIntegers on, an integer time comes back as a bigint. */
function time(value: unknown): string | number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number(value);
  return typeof value === 'number' ? value : String(value);
}
