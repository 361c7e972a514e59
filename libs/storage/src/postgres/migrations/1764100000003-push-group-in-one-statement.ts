import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `td_sync_push_group`: several pushes to one project in one statement, one
 * transaction, one hold of the project's counter lock (see
 * PostgresEventStore: a node sends the pushes that queued up behind its call
 * in flight for the project as one group). Pushes to one project are
 * serialized on that lock, held to COMMIT, so each took a whole commit (its
 * WAL flush) on its own, and small pushes queued behind one another's syncs;
 * a group pays one.
 *
 * Each push of the group is what td_sync_push makes of it, in order: its
 * facts read for its own user and the shared rule `p_admitted` applied (first
 * without the lock, so a group of refused pushes never takes it; then, once
 * the lock is held, again for each push in a fresh snapshot: the function is
 * VOLATILE), its duplicates looked up under the lock (a push sees the rows
 * of the pushes before it in the group: one transaction), its new events
 * numbered after the previous push's. One row per push, `batch` its 1-based
 * position, with td_sync_push's columns; a refused push writes nothing and
 * the others go on. The counter moves once, by all the events added.
 *
 * The pushes' events come concatenated in the event arrays, `p_counts[b]` of
 * them for push b, in push order; the per-push arrays hold the rest of each
 * push. td_sync_push stays for a group of one and for nodes of the previous
 * release during a rolling upgrade: both take the same lock.
 */
export class PushGroupInOneStatement1764100000003 implements MigrationInterface {
  name = 'PushGroupInOneStatement1764100000003';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE FUNCTION td_sync_push_group(
        p_project text, p_admitted text[],
        p_users text[], p_devices text[], p_sessions text[], p_server_timestamps text[], p_lowest bigint[], p_highest bigint[], p_counts integer[],
        p_ids bigint[], p_action_types text[], p_entity_types text[], p_entity_ids text[], p_payloads text[], p_client_timestamps text[])
      RETURNS TABLE (batch integer, done boolean, live boolean, role text, first_seq bigint, stored_at integer[], stored_seqs bigint[])
      LANGUAGE plpgsql VOLATILE AS $$
      DECLARE
        v_b integer;
        v_from integer;
        v_to integer;
        v_next integer := 1;
        v_admitted boolean;
        v_locked boolean := false;
        v_gone boolean := false;
        v_last bigint;
        v_live boolean;
        v_role text;
        v_stored_at integer[];
        v_stored_seqs bigint[];
        v_added bigint;
        v_total bigint := 0;
        v_last_time text;
      BEGIN
        FOR v_b IN 1 .. cardinality(p_users) LOOP
          -- This push's events: p_ids[v_from:v_to] and the same slice of each event array.
          v_from := v_next;
          v_to := v_from + p_counts[v_b] - 1;
          v_next := v_to + 1;
          IF v_gone THEN
            -- The project was purged while this group waited for the lock.
            RETURN QUERY SELECT v_b, false, false, NULL::text, NULL::bigint, NULL::integer[], NULL::bigint[];
            CONTINUE;
          END IF;
          -- The facts for this push's user: under the lock once it is held.
          SELECT p.deleted_at IS NULL, m.role INTO v_live, v_role
            FROM projects p LEFT JOIN memberships m ON m.project_id = p.id AND m.user_id = p_users[v_b]
            WHERE p.id = p_project;
          v_admitted := FOUND AND (CASE WHEN v_live THEN 'live:' ELSE 'deleted:' END || coalesce(v_role, '')) = ANY (p_admitted);
          IF v_admitted AND NOT v_locked AND p_counts[v_b] > 0 THEN
            SELECT s.last_seq INTO v_last FROM project_seqs s WHERE s.project_id = p_project FOR UPDATE;
            v_locked := true;
            v_gone := NOT FOUND;
            IF v_gone THEN
              RETURN QUERY SELECT v_b, false, false, NULL::text, NULL::bigint, NULL::integer[], NULL::bigint[];
              CONTINUE;
            END IF;
            -- Again, in a fresh snapshot: whatever committed while this waited for the lock.
            SELECT p.deleted_at IS NULL, m.role INTO v_live, v_role
              FROM projects p LEFT JOIN memberships m ON m.project_id = p.id AND m.user_id = p_users[v_b]
              WHERE p.id = p_project;
            v_admitted := (CASE WHEN v_live THEN 'live:' ELSE 'deleted:' END || coalesce(v_role, '')) = ANY (p_admitted);
          END IF;
          IF NOT v_admitted THEN
            RETURN QUERY SELECT v_b, false, coalesce(v_live, false), v_role, NULL::bigint, NULL::integer[], NULL::bigint[];
            CONTINUE;
          END IF;
          IF p_counts[v_b] = 0 THEN
            -- Nothing to store (every event was refused alone): the decision is all there is.
            RETURN QUERY SELECT v_b, true, v_live, v_role, NULL::bigint, NULL::integer[], NULL::bigint[];
            CONTINUE;
          END IF;

          v_stored_at := NULL;
          v_stored_seqs := NULL;
          IF EXISTS (SELECT 1 FROM events e WHERE e.project_id = p_project AND e.device_id = p_devices[v_b] AND e.session_id = p_sessions[v_b]
                     AND e.client_action_id BETWEEN p_lowest[v_b] AND p_highest[v_b]) THEN
            SELECT array_agg(i.n::integer ORDER BY i.n), array_agg(e.server_seq ORDER BY i.n) INTO v_stored_at, v_stored_seqs
              FROM unnest(p_ids[v_from:v_to]) WITH ORDINALITY AS i(id, n)
              JOIN events e ON e.project_id = p_project AND e.device_id = p_devices[v_b] AND e.session_id = p_sessions[v_b]
                           AND e.client_action_id = i.id;
          END IF;

          INSERT INTO events (project_id, server_seq, device_id, session_id, client_action_id, action_type, entity_type,
                              entity_id, payload, client_timestamp, server_timestamp)
            SELECT p_project, v_last + row_number() OVER (ORDER BY e.n), p_devices[v_b], p_sessions[v_b], e.client_action_id, e.action_type,
                   e.entity_type, e.entity_id, e.payload, e.client_timestamp, p_server_timestamps[v_b]
            FROM unnest(p_ids[v_from:v_to], p_action_types[v_from:v_to], p_entity_types[v_from:v_to], p_entity_ids[v_from:v_to],
                        p_payloads[v_from:v_to], p_client_timestamps[v_from:v_to])
                 WITH ORDINALITY AS e(client_action_id, action_type, entity_type, entity_id, payload, client_timestamp, n)
            WHERE v_stored_at IS NULL OR e.n::integer <> ALL (v_stored_at);
          v_added := p_counts[v_b] - coalesce(cardinality(v_stored_at), 0);
          RETURN QUERY SELECT v_b, true, v_live, v_role, v_last + 1, v_stored_at, v_stored_seqs;
          IF v_added > 0 THEN
            v_last := v_last + v_added;
            v_total := v_total + v_added;
            v_last_time := p_server_timestamps[v_b];
          END IF;
        END LOOP;
        IF v_total > 0 THEN
          UPDATE project_seqs
            SET last_seq = v_last, event_count = event_count + v_total, last_event_time = v_last_time
            WHERE project_id = p_project;
        END IF;
      END
      $$`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(
      `DROP FUNCTION td_sync_push_group(text, text[], text[], text[], text[], text[], bigint[], bigint[], integer[],
        bigint[], text[], text[], text[], text[], text[])`,
    );
  }
}
