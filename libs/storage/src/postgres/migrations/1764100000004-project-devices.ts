import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each project's devices and the last seq each wrote (`project_devices`),
 * and `td_sync_pull_page`: td_sync_page's answer, which first asks that table
 * whether any device but the excluded one wrote after the cursor, and if none
 * did answers the empty page without reading an event.
 *
 * Why: td_sync_page leaves the excluded device out with a filter on the range
 * after the cursor, so it reads every excluded event there. A `td` that is the
 * only writer of its project pulls, after each push, excluding itself: the
 * cursor does not move past events it is not sent, so every autosync pull
 * read all its own events since then, more each time (the bench's mixed
 * scenario fell from 4,300 events/s over 15 s to 990 over five minutes).
 * When someone else did write after the cursor, the page reads as before.
 *
 * Kept by a statement trigger on events, in the transaction that inserts
 * them (pushes, groups, imports; nodes of the previous release too), so any
 * snapshot that sees an event sees its device's row with a last_seq at least
 * its seq. Not an index on events: a third index on it cost 1000-event pushes
 * 18 %, and PL/pgSQL's generic plans for the push functions' duplicate probe
 * picked it over the unique key on a table without statistics
 * (docs/performance.md). A stale row (events deleted with their project) only
 * makes a pull read as before; the project's purge deletes its rows.
 *
 * The page itself is td_sync_page's, called with a limit of 0 when there is
 * nothing to read (its LIMIT then reads no row); td_sync_page also stays for
 * nodes of the previous release during a rolling upgrade. Both functions are
 * STABLE: the check and the page read one snapshot.
 */
export class ProjectDevices1764100000004 implements MigrationInterface {
  name = 'ProjectDevices1764100000004';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TABLE project_devices (
      project_id TEXT COLLATE "C" NOT NULL,
      device_id TEXT COLLATE "C" NOT NULL,
      last_seq BIGINT NOT NULL,
      PRIMARY KEY (project_id, device_id))`);
    await db.query(`CREATE FUNCTION td_sync_note_devices() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO project_devices AS d (project_id, device_id, last_seq)
          SELECT n.project_id, n.device_id, max(n.server_seq) FROM new_events n GROUP BY n.project_id, n.device_id
          ON CONFLICT (project_id, device_id) DO UPDATE SET last_seq = greatest(d.last_seq, excluded.last_seq);
        RETURN NULL;
      END
      $$`);
    // Writers wait from here to the migration's commit, so that none commits events between the trigger's start and the table's filling.
    await db.query(`LOCK TABLE events IN SHARE ROW EXCLUSIVE MODE`);
    await db.query(`CREATE TRIGGER events_note_devices AFTER INSERT ON events REFERENCING NEW TABLE AS new_events
      FOR EACH STATEMENT EXECUTE FUNCTION td_sync_note_devices()`);
    await db.query(`INSERT INTO project_devices (project_id, device_id, last_seq)
      SELECT e.project_id, e.device_id, max(e.server_seq) FROM events e GROUP BY e.project_id, e.device_id
      ON CONFLICT (project_id, device_id) DO UPDATE SET last_seq = greatest(project_devices.last_seq, excluded.last_seq)`);
    // A page limit of 0 when nobody but the excluded device wrote after the cursor: td_sync_page then reads no event and answers the facts alone.
    await db.query(`CREATE FUNCTION td_sync_pull_page(
        p_project text, p_user text, p_after bigint, p_limit integer, p_budget bigint, p_exclude text)
      RETURNS TABLE (live boolean, role text, server_seq bigint, stop boolean, event_json text)
      LANGUAGE sql STABLE AS $$
        SELECT * FROM td_sync_page(p_project, p_user, p_after,
          CASE WHEN p_exclude IS NULL OR EXISTS (
            SELECT 1 FROM project_devices d WHERE d.project_id = p_project AND d.device_id <> p_exclude AND d.last_seq > p_after
          ) THEN p_limit ELSE 0 END,
          p_budget, p_exclude)
      $$`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP FUNCTION td_sync_pull_page(text, text, bigint, integer, bigint, text)');
    await db.query('DROP TRIGGER events_note_devices ON events');
    await db.query('DROP FUNCTION td_sync_note_devices()');
    await db.query('DROP TABLE project_devices');
  }
}
