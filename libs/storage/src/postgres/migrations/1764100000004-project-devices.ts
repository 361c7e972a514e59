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
 * td_sync_page stays for nodes of the previous release during a rolling
 * upgrade. The page statement below is its own, repeated: a migration states
 * what it creates in full, so that no later edit can change what an earlier
 * one did.
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
    await db.query(`CREATE FUNCTION td_sync_pull_page(
        p_project text, p_user text, p_after bigint, p_limit integer, p_budget bigint, p_exclude text)
      RETURNS TABLE (live boolean, role text, server_seq bigint, stop boolean, event_json text)
      LANGUAGE plpgsql STABLE
      SET enable_seqscan = off SET enable_bitmapscan = off SET enable_sort = off
      AS $$
      DECLARE
        v_live boolean;
        v_role text;
      BEGIN
        SELECT p.deleted_at IS NULL, m.role INTO v_live, v_role
          FROM projects p LEFT JOIN memberships m ON m.project_id = p.id AND m.user_id = p_user
          WHERE p.id = p_project;
        IF NOT FOUND THEN
          RETURN;
        END IF;
        -- Excluding a device: only if another one wrote after the cursor is there anything to read (project_devices, kept by a trigger on events in the same transactions).
        IF v_live AND v_role IS NOT NULL AND (p_exclude IS NULL OR EXISTS (
          SELECT 1 FROM project_devices d WHERE d.project_id = p_project AND d.device_id <> p_exclude AND d.last_seq > p_after
        )) THEN
          RETURN QUERY
            SELECT v_live, v_role, sized.server_seq, sized.n > 1 AND sized.running > p_budget,
              CASE WHEN sized.n = 1 OR sized.running <= p_budget THEN
                '{"server_seq":' || sized.server_seq
                || ',"device_id":' || to_json(sized.device_id)::text
                || ',"session_id":' || to_json(sized.session_id)::text
                || ',"client_action_id":' || sized.client_action_id
                || ',"action_type":' || to_json(sized.action_type)::text
                || ',"entity_type":' || to_json(sized.entity_type)::text
                || ',"entity_id":' || to_json(sized.entity_id)::text
                || ',"payload":' || sized.payload
                || ',"client_timestamp":' || to_json(sized.client_timestamp)::text || '}'
              END
            FROM (
              SELECT page.*, sum(page.size) OVER w AS running, row_number() OVER w AS n
              FROM (
                SELECT e.server_seq, e.device_id, e.session_id, e.client_action_id, e.action_type, e.entity_type, e.entity_id,
                       e.payload, e.client_timestamp,
                       octet_length(e.payload) + octet_length(e.device_id) + octet_length(e.session_id) + octet_length(e.entity_id) + 160 AS size
                FROM events e
                WHERE e.project_id = p_project AND e.server_seq > p_after AND (p_exclude IS NULL OR e.device_id <> p_exclude)
                ORDER BY e.server_seq
                LIMIT p_limit
              ) page
              WINDOW w AS (ORDER BY page.server_seq ROWS UNBOUNDED PRECEDING)
            ) sized
            WHERE sized.n <= 2 OR sized.running - sized.size <= p_budget
            ORDER BY sized.server_seq;
          IF FOUND THEN
            RETURN;
          END IF;
        END IF;
        RETURN QUERY SELECT v_live, v_role, NULL::bigint, NULL::boolean, NULL::text;
      END
      $$`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP FUNCTION td_sync_pull_page(text, text, bigint, integer, bigint, text)');
    await db.query('DROP TRIGGER events_note_devices ON events');
    await db.query('DROP FUNCTION td_sync_note_devices()');
    await db.query('DROP TABLE project_devices');
  }
}
