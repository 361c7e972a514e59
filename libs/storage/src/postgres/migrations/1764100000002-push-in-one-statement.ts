import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `td_sync_push`: a whole push in one statement, one round trip: the access
 * decision, the duplicate lookup, the numbering and the insert (see
 * PostgresEventStore.append). It replaces two reads before td_sync_append
 * (the facts with a duplicate probe, then the stored seqs), which are left in
 * place for nodes of the previous release during a rolling upgrade.
 *
 * The caller's rule comes as data, `p_admitted`: every state of the facts the
 * rule admits, spelled `live:<role>` or `deleted:<role>` (`live:` for a
 * non-member), so the function applies it itself where the facts are read.
 * It reads them first without the lock, so a push refused at once (a
 * stranger's, a reader's) neither waits for nor takes the project's counter
 * lock; then, holding the lock, it reads them again (VOLATILE: a fresh
 * snapshot, which sees every change committed while it waited, as every such
 * change takes the same lock) and writes only if they are still admitted.
 * `done` false means nothing was written, and `live`/`role` are the facts the
 * refusal is to be decided on.
 *
 * Duplicates are looked up under the lock: every writer of a project's events
 * holds it to COMMIT, so the lookup sees each event stored before, and no
 * concurrent push can store one of them between lookup and insert. One index
 * probe over the batch's id range ($lowest..$highest, on the unique index)
 * usually spares looking each id up. `stored_at` are the 1-based positions in
 * `p_ids` of the events already stored and `stored_seqs` their seqs; the
 * others are numbered from `first_seq` in order, and the counter moves only
 * by them (an all-duplicate push burns no seq). `p_ids` holds no id twice.
 */
export class PushInOneStatement1764100000002 implements MigrationInterface {
  name = 'PushInOneStatement1764100000002';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE FUNCTION td_sync_push(
        p_project text, p_user text, p_admitted text[],
        p_device text, p_session text, p_server_timestamp text, p_lowest bigint, p_highest bigint,
        p_ids bigint[], p_action_types text[], p_entity_types text[], p_entity_ids text[], p_payloads text[], p_client_timestamps text[])
      RETURNS TABLE (done boolean, live boolean, role text, first_seq bigint, stored_at integer[], stored_seqs bigint[])
      LANGUAGE plpgsql VOLATILE AS $$
      DECLARE
        v_last bigint;
        v_live boolean;
        v_role text;
        v_stored_at integer[];
        v_stored_seqs bigint[];
        v_added bigint;
      BEGIN
        SELECT p.deleted_at IS NULL, m.role INTO v_live, v_role
          FROM projects p LEFT JOIN memberships m ON m.project_id = p.id AND m.user_id = p_user
          WHERE p.id = p_project;
        IF NOT FOUND OR NOT (CASE WHEN v_live THEN 'live:' ELSE 'deleted:' END || coalesce(v_role, '')) = ANY (p_admitted) THEN
          RETURN QUERY SELECT false, coalesce(v_live, false), v_role, NULL::bigint, NULL::integer[], NULL::bigint[];
          RETURN;
        END IF;
        IF cardinality(p_ids) = 0 THEN
          -- Nothing to store (every event was refused alone): the decision is all there is.
          RETURN QUERY SELECT true, v_live, v_role, NULL::bigint, NULL::integer[], NULL::bigint[];
          RETURN;
        END IF;

        SELECT s.last_seq INTO v_last FROM project_seqs s WHERE s.project_id = p_project FOR UPDATE;
        IF NOT FOUND THEN
          -- The project was purged while this push waited for the lock.
          RETURN QUERY SELECT false, false, NULL::text, NULL::bigint, NULL::integer[], NULL::bigint[];
          RETURN;
        END IF;
        -- The counter row exists, so its project does (the row cascades from it).
        SELECT p.deleted_at IS NULL, m.role INTO v_live, v_role
          FROM projects p LEFT JOIN memberships m ON m.project_id = p.id AND m.user_id = p_user
          WHERE p.id = p_project;
        IF NOT (CASE WHEN v_live THEN 'live:' ELSE 'deleted:' END || coalesce(v_role, '')) = ANY (p_admitted) THEN
          -- Deleted, or its author demoted or removed, while this push waited for the lock.
          RETURN QUERY SELECT false, v_live, v_role, NULL::bigint, NULL::integer[], NULL::bigint[];
          RETURN;
        END IF;

        IF EXISTS (SELECT 1 FROM events e WHERE e.project_id = p_project AND e.device_id = p_device AND e.session_id = p_session
                   AND e.client_action_id BETWEEN p_lowest AND p_highest) THEN
          SELECT array_agg(i.n::integer ORDER BY i.n), array_agg(e.server_seq ORDER BY i.n) INTO v_stored_at, v_stored_seqs
            FROM unnest(p_ids) WITH ORDINALITY AS i(id, n)
            JOIN events e ON e.project_id = p_project AND e.device_id = p_device AND e.session_id = p_session AND e.client_action_id = i.id;
        END IF;

        IF v_stored_at IS NULL THEN
          INSERT INTO events (project_id, server_seq, device_id, session_id, client_action_id, action_type, entity_type,
                              entity_id, payload, client_timestamp, server_timestamp)
            SELECT p_project, v_last + e.n, p_device, p_session, e.client_action_id, e.action_type, e.entity_type,
                   e.entity_id, e.payload, e.client_timestamp, p_server_timestamp
            FROM unnest(p_ids, p_action_types, p_entity_types, p_entity_ids, p_payloads, p_client_timestamps)
                 WITH ORDINALITY AS e(client_action_id, action_type, entity_type, entity_id, payload, client_timestamp, n);
          v_added := cardinality(p_ids);
        ELSE
          INSERT INTO events (project_id, server_seq, device_id, session_id, client_action_id, action_type, entity_type,
                              entity_id, payload, client_timestamp, server_timestamp)
            SELECT p_project, v_last + row_number() OVER (ORDER BY e.n), p_device, p_session, e.client_action_id, e.action_type,
                   e.entity_type, e.entity_id, e.payload, e.client_timestamp, p_server_timestamp
            FROM unnest(p_ids, p_action_types, p_entity_types, p_entity_ids, p_payloads, p_client_timestamps)
                 WITH ORDINALITY AS e(client_action_id, action_type, entity_type, entity_id, payload, client_timestamp, n)
            WHERE e.n::integer NOT IN (SELECT unnest(v_stored_at));
          v_added := cardinality(p_ids) - cardinality(v_stored_at);
        END IF;
        IF v_added > 0 THEN
          UPDATE project_seqs
            SET last_seq = v_last + v_added, event_count = event_count + v_added, last_event_time = p_server_timestamp
            WHERE project_id = p_project;
        END IF;
        RETURN QUERY SELECT true, v_live, v_role, v_last + 1, v_stored_at, v_stored_seqs;
      END
      $$`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(
      'DROP FUNCTION td_sync_push(text, text, text[], text, text, text, bigint, bigint, bigint[], text[], text[], text[], text[], text[])',
    );
  }
}
