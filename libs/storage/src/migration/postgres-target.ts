import { Client, Pool } from 'pg';
import { describeDatabase } from '../postgres/describe-database';
import { migratePostgres } from '../postgres/postgres-migrator';
import { MigrationRefused } from './migration-refused';
import type { EventRow } from './sqlite-event-log-source';
import type { SqliteValue } from './sqlite-server-source';

/**
 * Held (session level) for a whole run: two migrate-to-postgres runs
 * against one database would copy the same projects at once. td-sync's
 * advisory lock key space ('tdsy', see postgres/advisory-locks.ts) with
 * 'mgrt' as the purpose, far from the small numbers the server uses.
 */
export const MIGRATION_RUN_LOCK = [0x74647379, 0x6d677274] as const;

/** The tables that hold anything of a deployment: a target with rows in any of them is not empty. */
const DATA_TABLES = ['users', 'api_keys', 'auth_requests', 'projects', 'memberships', 'events'] as const;

/** Rows per INSERT: the statement's arrays stay a few MB even for large payloads (see insertEvents). */
const ROWS_PER_STATEMENT = 1000;
const BYTES_PER_STATEMENT = 8 * 1024 * 1024;

/** A column's type as PostgreSQL's catalog names it (udt_name): text, bool, int8, ... */
export type ColumnTypes = Map<string, string>;

/** A project's counter row: what a copy of it must have reproduced. */
export interface ProjectCounter {
  lastSeq: bigint;
  eventCount: bigint;
}

/** What the events of a project in the target add up to, to compare with the source's summary. */
export interface StoredEventTotals {
  events: number;
  maxSeq: bigint;
  payloadBytes: bigint;
}

/**
 * The PostgreSQL database migrate-to-postgres fills: its schema brought up to
 * date by the server's own migrations, then written through one connection
 * that holds the run's advisory lock. Values arrive as SQLite stored them
 * and are converted by the target column's type.
 */
export class PostgresTarget {
  private constructor(
    private readonly client: Client,
    readonly description: string,
  ) {}

  static async open(url: string): Promise<PostgresTarget> {
    const description = describeDatabase(url);
    const pool = new Pool({ connectionString: url, max: 1, application_name: 'td-sync migrate-to-postgres' });
    pool.on('error', () => undefined);
    try {
      await migratePostgres(pool, url);
    } catch (error) {
      throw new MigrationRefused(`cannot prepare PostgreSQL at ${description}: ${(error as Error).message}`);
    } finally {
      await pool.end();
    }
    const client = new Client({ connectionString: url, application_name: 'td-sync migrate-to-postgres' });
    client.on('error', () => undefined);
    await client.connect();
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS locked', [...MIGRATION_RUN_LOCK]);
    if (!rows[0].locked) {
      await client.end();
      throw new MigrationRefused(`another migrate-to-postgres is running against ${description}: let it finish (or stop it) first`);
    }
    return new PostgresTarget(client, description);
  }

  /** Row counts of the tables that are not empty. */
  async tablesWithRows(): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    for (const table of DATA_TABLES) {
      const { rows } = await this.client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
      if (Number(rows[0].n) > 0) found.set(table, Number(rows[0].n));
    }
    return found;
  }

  async tableExists(table: string): Promise<boolean> {
    const { rows } = await this.client.query(`SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1`, [table]);
    return rows.length > 0;
  }

  async columnTypes(table: string): Promise<ColumnTypes> {
    const { rows } = await this.client.query<{ column_name: string; udt_name: string }>(
      `SELECT column_name, udt_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
      [table],
    );
    return new Map(rows.map((row) => [row.column_name, row.udt_name]));
  }

  /** Runs `work` in one transaction: all of it is in the target, or none. */
  async transaction<T>(work: () => Promise<T>): Promise<T> {
    await this.client.query('BEGIN');
    try {
      const result = await work();
      await this.client.query('COMMIT');
      return result;
    } catch (error) {
      await this.client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  /**
   * Writes `rows` (arrays of `columns`' values) into `table`. A row whose
   * primary key is there already is overwritten with the source's values:
   * copying again after an interruption converges on the source.
   */
  async upsert(table: string, columns: readonly string[], types: ColumnTypes, rows: SqliteValue[][]): Promise<void> {
    if (rows.length === 0) return;
    const key = await this.primaryKey(table);
    const updates = columns.filter((column) => !key.includes(column)).map((column) => `${column} = EXCLUDED.${column}`);
    const casts = columns.map((column, i) => `$${i + 1}::${types.get(column)}[]`).join(', ');
    const text =
      `INSERT INTO ${table} (${columns.join(', ')}) SELECT * FROM unnest(${casts}) ` +
      `ON CONFLICT (${key.join(', ')}) ${updates.length > 0 ? `DO UPDATE SET ${updates.join(', ')}` : 'DO NOTHING'}`;
    for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
      const chunk = rows.slice(start, start + ROWS_PER_STATEMENT);
      const values = columns.map((column, i) => chunk.map((row) => toPostgres(row[i], types.get(column)!, `${table}.${column}`)));
      await this.client.query(text, values);
    }
  }

  async projectCounter(projectId: string): Promise<ProjectCounter | undefined> {
    const { rows } = await this.client.query<{ last_seq: string; event_count: string }>('SELECT last_seq, event_count FROM project_seqs WHERE project_id = $1', [
      projectId,
    ]);
    return rows[0] && { lastSeq: BigInt(rows[0].last_seq), eventCount: BigInt(rows[0].event_count) };
  }

  async insertCounter(projectId: string, lastSeq: bigint, eventCount: number, lastEventTime: string | null): Promise<void> {
    await this.client.query('INSERT INTO project_seqs (project_id, last_seq, event_count, last_event_time) VALUES ($1, $2, $3, $4)', [
      projectId,
      lastSeq.toString(),
      eventCount,
      lastEventTime,
    ]);
  }

  /** Appends a project's events with the seqs they have, a statement per ~1000 events or 8 MB. */
  async insertEvents(projectId: string, events: EventRow[]): Promise<void> {
    let start = 0;
    while (start < events.length) {
      let end = start;
      let bytes = 0;
      while (end < events.length && end - start < ROWS_PER_STATEMENT && (end === start || bytes < BYTES_PER_STATEMENT)) {
        bytes += events[end][7].length * 3;
        end++;
      }
      const chunk = events.slice(start, end);
      const column = (i: number) => chunk.map((row) => eventValue(row, i, projectId));
      await this.client.query(
        `INSERT INTO events (project_id, server_seq, device_id, session_id, client_action_id, action_type, entity_type, entity_id, payload, client_timestamp, server_timestamp)
         SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])`,
        [projectId, ...Array.from({ length: 10 }, (_, i) => column(i))],
      );
      start = end;
    }
  }

  async eventTotals(projectId: string): Promise<StoredEventTotals> {
    const { rows } = await this.client.query<{ n: string; max_seq: string; bytes: string }>(
      `SELECT count(*) AS n, coalesce(max(server_seq), 0) AS max_seq, coalesce(sum(octet_length(payload)), 0) AS bytes FROM events WHERE project_id = $1`,
      [projectId],
    );
    return { events: Number(rows[0].n), maxSeq: BigInt(rows[0].max_seq), payloadBytes: BigInt(rows[0].bytes) };
  }

  /**
   * Moves an identity column's sequence past the values copied into it, so
   * the rows the server inserts later sort after them.
   */
  async advanceIdentity(table: string, column: string): Promise<void> {
    await this.client.query(`SELECT setval(pg_get_serial_sequence($1, $2), max(${column})) FROM ${table} HAVING max(${column}) IS NOT NULL`, [table, column]);
  }

  async close(): Promise<void> {
    await this.client.query('SELECT pg_advisory_unlock($1, $2)', [...MIGRATION_RUN_LOCK]).catch(() => undefined);
    await this.client.end();
  }

  private async primaryKey(table: string): Promise<string[]> {
    const { rows } = await this.client.query<{ attname: string }>(
      `SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
       WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)`,
      [table],
    );
    if (rows.length === 0) throw new MigrationRefused(`table ${table} of the target has no primary key`);
    return rows.map((row) => row.attname);
  }
}

/**
 * A SQLite value as the PostgreSQL column type takes it: 64-bit integers as
 * decimal text (node-postgres has no bigint parameters), SQLite's 0/1 as
 * booleans. Anything else (a number in a text column, a BLOB) is refused:
 * the copy would not be exact.
 */
export function toPostgres(value: SqliteValue, type: string, where: string): string | boolean | null {
  if (value === null) return null;
  switch (type) {
    case 'text':
    case 'varchar':
      if (typeof value === 'string') return value;
      break;
    case 'bool':
      if ((typeof value === 'bigint' || typeof value === 'number') && (Number(value) === 0 || Number(value) === 1)) return Number(value) === 1;
      break;
    case 'int2':
    case 'int4':
    case 'int8':
      if (typeof value === 'bigint' || (typeof value === 'number' && Number.isSafeInteger(value))) return value.toString();
      break;
    default:
      throw new MigrationRefused(`${where} has the PostgreSQL type ${type}, which this migration does not know how to fill`);
  }
  const shown = Buffer.isBuffer(value) ? `a ${value.length}-byte BLOB` : JSON.stringify(typeof value === 'bigint' ? value.toString() : value);
  throw new MigrationRefused(`${where} holds ${shown}, which does not fit its PostgreSQL type ${type}`);
}

/** One column of an event row, checked: a value of the wrong kind (a BLOB payload, say) stops the copy. */
function eventValue(row: EventRow, column: number, projectId: string): string {
  const value: unknown = row[column];
  if (column === 0 || column === 3) {
    if (typeof value === 'bigint') return value.toString();
  } else if (typeof value === 'string') {
    return value;
  }
  throw new MigrationRefused(`event ${String(row[0])} of project ${projectId} holds a ${typeof value} where text or an integer belongs`);
}
