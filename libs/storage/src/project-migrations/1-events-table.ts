import type { ProjectSchemaStep } from './project-schema-step';

/**
 * A project's event log (PROTOCOL.md, Server storage). Round 1 created this
 * table through TypeORM (migration EventsTable1764000000001, recorded in a
 * `migrations` table, user_version left at 0); such a database is recognised
 * as being at this version (see migrateProjectSchema).
 *
 * AUTOINCREMENT: a server_seq is never reused, even after the newest rows are
 * gone (a restore from backup, say), so a client never mistakes a new event
 * for one it has already seen.
 */
export const EVENTS_TABLE: ProjectSchemaStep = {
  version: 1,
  description: 'events table',
  sql: `CREATE TABLE events (
    server_seq INTEGER PRIMARY KEY AUTOINCREMENT,
    device_id TEXT NOT NULL,
    session_id TEXT NOT NULL,
    client_action_id INTEGER NOT NULL,
    action_type TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    client_timestamp TEXT NOT NULL,
    server_timestamp TEXT NOT NULL,
    UNIQUE (device_id, session_id, client_action_id))`,
};
