import { MigrationInterface, QueryRunner } from 'typeorm';

/** A project's event log (PROTOCOL.md, Server storage). */
export class EventsTable1764000000001 implements MigrationInterface {
  name = 'EventsTable1764000000001';

  async up(db: QueryRunner): Promise<void> {
    // AUTOINCREMENT: a server_seq is never reused, even after the newest rows
    // are gone (a restore from backup, say), so a client never mistakes a new
    // event for one it has already seen.
    await db.query(`CREATE TABLE events (
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
      UNIQUE (device_id, session_id, client_action_id))`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE events`);
  }
}
