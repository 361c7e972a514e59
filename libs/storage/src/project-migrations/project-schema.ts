import type { Database } from 'better-sqlite3';
import { EVENTS_TABLE } from './1-events-table';
import { EVENTS_BY_DEVICE_INDEX } from './2-events-by-device-index';
import type { ProjectSchemaStep } from './project-schema-step';

/** Every step, oldest first; a new one is appended with the next version. */
export const PROJECT_SCHEMA_STEPS: readonly ProjectSchemaStep[] = [EVENTS_TABLE, EVENTS_BY_DEVICE_INDEX];

/** The version a project database is at once every step has run (its `PRAGMA user_version`). */
export const PROJECT_SCHEMA_VERSION = PROJECT_SCHEMA_STEPS[PROJECT_SCHEMA_STEPS.length - 1].version;

/** The database was written by a newer td-sync; opening it with this one could lose what that version relies on. */
export class ProjectSchemaTooNewError extends Error {
  constructor(version: number) {
    super(`project database schema version ${version} is newer than this server's (${PROJECT_SCHEMA_VERSION})`);
    this.name = 'ProjectSchemaTooNewError';
  }
}

/**
 * Brings a project event database to PROJECT_SCHEMA_VERSION. The common case,
 * a database already there, costs one `PRAGMA user_version` read and nothing
 * else: no bookkeeping table is queried on open.
 *
 * Behind, the missing steps run in one IMMEDIATE transaction (so two
 * processes opening the same old database cannot both upgrade it), which
 * ends by setting user_version: a crash midway leaves the database as it was.
 * Returns the version the database was found at.
 */
export function migrateProjectSchema(db: Database): number {
  const found = userVersion(db);
  if (found === PROJECT_SCHEMA_VERSION) return found;
  if (found > PROJECT_SCHEMA_VERSION) throw new ProjectSchemaTooNewError(found);
  return db
    .transaction((): number => {
      const current = userVersion(db); // another process may have upgraded it meanwhile
      if (current > PROJECT_SCHEMA_VERSION) throw new ProjectSchemaTooNewError(current);
      const from = current === 0 && isRoundOneSchema(db) ? EVENTS_TABLE.version : current;
      for (const step of PROJECT_SCHEMA_STEPS) if (step.version > from) db.exec(step.sql);
      db.pragma(`user_version = ${PROJECT_SCHEMA_VERSION}`);
      return current;
    })
    .immediate();
}

function userVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * A database created by round 1 (TypeORM's migration EventsTable1764000000001)
 * has the events table at user_version 0; nothing else makes one. Its
 * `migrations` table (TypeORM's record of that migration) is left in place:
 * it is harmless, and without it the previous release could no longer open
 * an upgraded database after a rollback.
 */
function isRoundOneSchema(db: Database): boolean {
  return db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'`).get() !== undefined;
}
