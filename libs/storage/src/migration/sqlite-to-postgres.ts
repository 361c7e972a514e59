import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isProjectId } from '../project-id';
import { MigrationRefused } from './migration-refused';
import { ColumnTypes, PostgresTarget } from './postgres-target';
import type { SqliteDataLocation } from './sqlite-data-location';
import { EventLogSummary, SqliteEventLogSource } from './sqlite-event-log-source';
import { SqliteServerSource, SqliteValue } from './sqlite-server-source';

export interface SqliteToPostgresOptions extends SqliteDataLocation {
  /** postgres:// or postgresql:// URL of the target database. */
  databaseUrl: string;
  /**
   * Continue into a target that already holds data: an earlier run of this
   * migration that was interrupted. Server tables are copied again (rows
   * already there are overwritten with the source's values), projects
   * already copied are checked and skipped, the others are copied.
   */
  resume?: boolean;
  onProgress?: (progress: MigrationProgress) => void;
  /** Events read from a project's SQLite file at a time (default 5000). */
  pageSize?: number;
}

export type ProjectOutcome =
  /** Copied now, with every event. */
  | 'copied'
  /** Found complete in the target (a resumed run): left as it is. */
  | 'already-copied'
  /** A deleted project whose events.db is gone: copied with no events. */
  | 'copied-without-events';

export type MigrationProgress =
  | { kind: 'started'; target: string; projects: number; resume: boolean }
  | { kind: 'server-tables'; rows: Record<string, number> }
  | { kind: 'project-events'; projectId: string; index: number; total: number; copied: number; of: number }
  | { kind: 'project'; projectId: string; index: number; total: number; outcome: ProjectOutcome; events: number; lastSeq: string };

export interface MigrationSummary {
  /** Rows copied per server table (users, api_keys, auth_requests). */
  serverRows: Record<string, number>;
  projects: Record<ProjectOutcome, number>;
  /** Events copied by this run. */
  events: number;
}

/** The server database's tables, in the order foreign keys need; projects and memberships go with each project. */
const SERVER_TABLES = ['users', 'api_keys', 'auth_requests'] as const;
const PROJECT_TABLES = ['projects', 'memberships'] as const;
/** Tables of server.db that hold nothing of the deployment's data: the migration bookkeeping of TypeORM. */
const BOOKKEEPING_TABLES = ['migrations', 'typeorm_metadata'];
/** A column the target adds to keep SQLite's insertion order (its tie-break of "oldest first"); filled from the rowid. */
const INSERTION_ORDER = 'insertion_order';

/** Which columns are copied from a source table, and how the target types them. */
interface TablePlan {
  table: string;
  /** Columns read from SQLite (rowid follows them in each row). */
  sourceColumns: string[];
  /** Columns written: the source columns, plus insertion_order when the target has it. */
  targetColumns: string[];
  types: ColumnTypes;
}

/**
 * `td-sync migrate-to-postgres`: copies a SQLite deployment (server.db and
 * every project's events.db) into a PostgreSQL database, as the PostgreSQL
 * backend stores it, keeping everything a client or a user holds on to:
 * ids, each event's seq and payload bytes, each project's seq counter, key
 * hashes and expiry, timestamps. Afterwards every API key still works and
 * every client's cursor still points at the same event.
 *
 * Users, keys and login requests go in one transaction; then each project,
 * with its memberships, counter and events, in a transaction of its own,
 * checked (event count, payload bytes, highest seq) before it commits. An
 * interrupted run leaves whole projects only, and a run with `resume`
 * skips those. The SQLite files are only read, each in one read
 * transaction; the server must be stopped, or what it writes after the
 * read began is not copied.
 */
export async function migrateSqliteToPostgres(options: SqliteToPostgresOptions): Promise<MigrationSummary> {
  const report = options.onProgress ?? (() => undefined);
  const pageSize = options.pageSize ?? 5000;
  const source = SqliteServerSource.open(options.serverDbPath);
  try {
    const target = await PostgresTarget.open(options.databaseUrl);
    try {
      if (!options.resume) await refuseUnlessEmpty(target);
      const plans = await planTables(source, target);
      const projects = source.rows('projects', ['id', 'deleted_at']).map(([id, deletedAt]) => ({ id: String(id), deleted: deletedAt !== null }));
      report({ kind: 'started', target: target.description, projects: projects.length, resume: options.resume === true });

      const serverRows: Record<string, number> = {};
      await target.transaction(async () => {
        for (const table of SERVER_TABLES) {
          const plan = plans.get(table)!;
          const rows = withInsertionOrder(plan, source.rows(table, plan.sourceColumns));
          await target.upsert(table, plan.targetColumns, plan.types, rows);
          serverRows[table] = rows.length;
        }
      });
      report({ kind: 'server-tables', rows: serverRows });

      const summary: MigrationSummary = { serverRows, projects: { copied: 0, 'already-copied': 0, 'copied-without-events': 0 }, events: 0 };
      for (const [i, project] of projects.entries()) {
        const position = { index: i + 1, total: projects.length };
        const copied = await copyProject(source, target, plans, options.projectDataDir, project, pageSize, (copiedSoFar, of) =>
          report({ kind: 'project-events', projectId: project.id, ...position, copied: copiedSoFar, of }),
        );
        summary.projects[copied.outcome]++;
        if (copied.outcome !== 'already-copied') summary.events += copied.events;
        report({ kind: 'project', projectId: project.id, ...position, ...copied });
      }
      return summary;
    } finally {
      await target.close();
    }
  } finally {
    source.close();
  }
}

async function refuseUnlessEmpty(target: PostgresTarget): Promise<void> {
  const found = await target.tablesWithRows();
  if (found.size === 0) return;
  const held = [...found].map(([table, rows]) => `${rows} ${table}`).join(', ');
  throw new MigrationRefused(
    `PostgreSQL at ${target.description} already holds data (${held}). migrate-to-postgres fills an empty database: ` +
      'to continue a run that was interrupted, run it again with --resume; to start over, drop and recreate the database.',
  );
}

/**
 * The columns to copy for each table. A source table or column the target
 * lacks would be lost, so it stops the run before anything is written; an
 * unknown table of server.db stops it unless it is empty.
 */
async function planTables(source: SqliteServerSource, target: PostgresTarget): Promise<Map<string, TablePlan>> {
  const known: readonly string[] = [...SERVER_TABLES, ...PROJECT_TABLES];
  for (const table of source.tables()) {
    if (known.includes(table) || BOOKKEEPING_TABLES.includes(table)) continue;
    const rows = source.count(table);
    if (rows > 0) throw new MigrationRefused(`server.db has a table ${table} (${rows} rows) that this td-sync cannot copy to PostgreSQL; nothing was copied`);
  }
  const plans = new Map<string, TablePlan>();
  for (const table of known) {
    const sourceColumns = source.columns(table);
    if (sourceColumns.length === 0) throw new MigrationRefused(`server.db has no ${table} table: is it a td-sync server database?`);
    const types = await target.columnTypes(table);
    const missing = sourceColumns.filter((column) => !types.has(column));
    if (missing.length > 0) {
      throw new MigrationRefused(`${table}.${missing.join(`, ${table}.`)} of server.db has no place in the PostgreSQL schema, and would be lost; nothing was copied`);
    }
    for (const column of types.keys()) {
      if (!/^[a-z_][a-z0-9_]*$/.test(column)) throw new MigrationRefused(`unexpected column name ${JSON.stringify(column)} in the target's ${table} table`);
    }
    const addsOrder = types.has(INSERTION_ORDER) && !sourceColumns.includes(INSERTION_ORDER);
    plans.set(table, { table, sourceColumns, targetColumns: addsOrder ? [...sourceColumns, INSERTION_ORDER] : sourceColumns, types });
  }
  return plans;
}

/** Rows as read (columns, then rowid) made into rows of the plan's target columns: the rowid becomes insertion_order, or goes. */
function withInsertionOrder(plan: TablePlan, rows: SqliteValue[][]): SqliteValue[][] {
  const keepRowid = plan.targetColumns.length > plan.sourceColumns.length;
  return keepRowid ? rows : rows.map((row) => row.slice(0, -1));
}

interface CopiedProject {
  outcome: ProjectOutcome;
  events: number;
  lastSeq: string;
}

/**
 * One project in one transaction: its row, its counter (the seq it last
 * handed out, so the next push continues from there), its memberships and
 * its events with their seqs; then the copy's totals are compared with the
 * source's before COMMIT. A project already in the target (a resumed run)
 * is checked against the source and left alone.
 */
async function copyProject(
  source: SqliteServerSource,
  target: PostgresTarget,
  plans: Map<string, TablePlan>,
  projectDataDir: string,
  project: { id: string; deleted: boolean },
  pageSize: number,
  onEvents: (copied: number, of: number) => void,
): Promise<CopiedProject> {
  if (!isProjectId(project.id)) throw new MigrationRefused(`server.db holds a project id ${JSON.stringify(project.id)} that is not one td-sync makes; nothing of it was copied`);
  const path = join(projectDataDir, project.id, 'events.db');
  const log = existsSync(path) ? SqliteEventLogSource.open(path, project.id) : undefined;
  if (!log && !project.deleted) {
    throw new MigrationRefused(`the event database of project ${project.id} is missing (${path}): restore it from a backup, or delete the project, then run again with --resume`);
  }
  try {
    const summary: EventLogSummary = log?.summary() ?? { events: 0, lastSeq: 0n, lastEventTime: null, payloadBytes: 0n };
    const existing = await target.projectCounter(project.id);
    if (existing) {
      if (existing.lastSeq === summary.lastSeq && existing.eventCount === BigInt(summary.events)) {
        return { outcome: 'already-copied', events: summary.events, lastSeq: summary.lastSeq.toString() };
      }
      throw new MigrationRefused(
        `project ${project.id} is in PostgreSQL already with ${existing.eventCount} events up to seq ${existing.lastSeq}, ` +
          `but its SQLite files hold ${summary.events} up to seq ${summary.lastSeq}: one of them changed after it was copied, and migrate-to-postgres does not merge event logs`,
      );
    }
    await target.transaction(async () => {
      const projects = plans.get('projects')!;
      await target.upsert('projects', projects.targetColumns, projects.types, withInsertionOrder(projects, source.rowsOfProject('projects', projects.sourceColumns, project.id, 'id')));
      await target.insertCounter(project.id, summary.lastSeq, summary.events, summary.lastEventTime);
      const memberships = plans.get('memberships')!;
      await target.upsert('memberships', memberships.targetColumns, memberships.types, withInsertionOrder(memberships, source.rowsOfProject('memberships', memberships.sourceColumns, project.id)));
      let copied = 0;
      for (let after = 0n; log; ) {
        const events = log.eventsAfter(after, pageSize);
        if (events.length === 0) break;
        await target.insertEvents(project.id, events);
        copied += events.length;
        after = events[events.length - 1][0];
        onEvents(copied, summary.events);
      }
      const stored = await target.eventTotals(project.id);
      if (stored.events !== summary.events || stored.payloadBytes !== summary.payloadBytes || stored.maxSeq > summary.lastSeq) {
        throw new Error(
          `the copy of project ${project.id} does not match its SQLite file (${stored.events} events, ${stored.payloadBytes} payload bytes in PostgreSQL; ` +
            `${summary.events} events, ${summary.payloadBytes} bytes in SQLite); it was rolled back`,
        );
      }
      for (const plan of [projects, memberships]) {
        if (plan.targetColumns.includes(INSERTION_ORDER)) await target.advanceIdentity(plan.table, INSERTION_ORDER);
      }
    });
    return { outcome: log ? 'copied' : 'copied-without-events', events: summary.events, lastSeq: summary.lastSeq.toString() };
  } finally {
    log?.close();
  }
}
