import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The two hot paths of sync as one statement each, so that a push holds its
 * project's counter lock for no network round trip, and a pull is one round
 * trip (see PostgresEventStore for how they are used).
 *
 * `td_sync_append` locks the project's counter row, then reads the project's
 * state and the caller's role. It is VOLATILE, so that read takes a fresh
 * snapshot after the lock is granted and sees any change committed while it
 * waited (every such change takes the same lock). Only if those facts are
 * still the ones the caller decided on does it number the new events from the
 * counter, insert them and move the counter; otherwise it returns the facts
 * it found, writes nothing, and the caller decides again. The statement
 * commits as a whole, lock released at COMMIT: commit order is seq order.
 *
 * `td_sync_page` reads the facts and, only for a member of a live project,
 * the page (see PostgresEventStore.pageQuery for the byte budget). It is
 * STABLE, so both reads share the calling statement's snapshot. The SET
 * clauses leave the planner one plan for the page, the primary-key range scan
 * that stops at the limit, whatever the statistics say (a table just loaded,
 * or a big project among many small ones); they apply inside the function only.
 */
export class SyncFunctions1764100000001 implements MigrationInterface {
  name = 'SyncFunctions1764100000001';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE FUNCTION td_sync_append(
        p_project text, p_user text, p_live boolean, p_role text,
        p_device text, p_session text, p_server_timestamp text,
        p_ids bigint[], p_action_types text[], p_entity_types text[], p_entity_ids text[], p_payloads text[], p_client_timestamps text[])
      RETURNS TABLE (live boolean, role text, first_seq bigint)
      LANGUAGE plpgsql VOLATILE AS $$
      DECLARE
        v_last bigint;
        v_live boolean;
        v_role text;
      BEGIN
        SELECT s.last_seq INTO v_last FROM project_seqs s WHERE s.project_id = p_project FOR UPDATE;
        IF NOT FOUND THEN
          RETURN QUERY SELECT false, NULL::text, NULL::bigint;
          RETURN;
        END IF;
        SELECT p.deleted_at IS NULL, m.role INTO v_live, v_role
          FROM projects p LEFT JOIN memberships m ON m.project_id = p.id AND m.user_id = p_user
          WHERE p.id = p_project;
        IF v_live IS DISTINCT FROM p_live OR v_role IS DISTINCT FROM p_role THEN
          RETURN QUERY SELECT v_live, v_role, NULL::bigint;
          RETURN;
        END IF;
        INSERT INTO events (project_id, server_seq, device_id, session_id, client_action_id, action_type, entity_type,
                            entity_id, payload, client_timestamp, server_timestamp)
          SELECT p_project, v_last + e.n, p_device, p_session, e.client_action_id, e.action_type, e.entity_type,
                 e.entity_id, e.payload, e.client_timestamp, p_server_timestamp
          FROM unnest(p_ids, p_action_types, p_entity_types, p_entity_ids, p_payloads, p_client_timestamps)
               WITH ORDINALITY AS e(client_action_id, action_type, entity_type, entity_id, payload, client_timestamp, n);
        UPDATE project_seqs
          SET last_seq = v_last + cardinality(p_ids), event_count = event_count + cardinality(p_ids), last_event_time = p_server_timestamp
          WHERE project_id = p_project;
        RETURN QUERY SELECT v_live, v_role, v_last + 1;
      END
      $$`);

    await db.query(`CREATE FUNCTION td_sync_page(
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
        IF v_live AND v_role IS NOT NULL THEN
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
    await db.query('DROP FUNCTION td_sync_page(text, text, bigint, integer, bigint, text)');
    await db.query('DROP FUNCTION td_sync_append(text, text, boolean, text, text, text, text, bigint[], text[], text[], text[], text[], text[])');
  }
}
