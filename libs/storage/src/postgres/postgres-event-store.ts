import type { PoolClient } from 'pg';
import type { AccessDecision } from '../repositories/access-decision';
import {
  AppendResult,
  EventLogStatus,
  EventLogSummary,
  EventPage,
  EventPageRequest,
  EventStore,
  PAGE_BYTE_BUDGET,
  PushBatch,
  PushOutcome,
  StoredEvent,
} from '../repositories/event-store';
import { ACCESS_FACTS, AccessFactsRow, applyDecision } from './postgres-memberships.repository';
import type { PostgresDatabase } from './postgres-database';

/** The counter row, locked until COMMIT (see lockProjectCounter, which takes the same lock for membership changes). */
const LOCK_COUNTER = 'SELECT last_seq FROM project_seqs WHERE project_id = $1 FOR UPDATE';

/**
 * Read after the counter lock is granted, in a statement of its own so that
 * its snapshot is taken then (a single statement joining the locked row would
 * re-read only that row after waiting, and judge by a stale membership).
 * With it, whether any of the batch's (device, session, id) range is stored
 * already: a client's ids mostly only grow, so one index probe usually spares
 * looking each event up.
 */
const PUSH_FACTS = `SELECT p.deleted_at IS NULL AS live, m.role,
    EXISTS (SELECT 1 FROM events e WHERE e.project_id = $1 AND e.device_id = $3 AND e.session_id = $4
            AND e.client_action_id BETWEEN $5 AND $6) AS may_be_stored
  FROM projects p LEFT JOIN memberships m ON m.project_id = p.id AND m.user_id = $2
  WHERE p.id = $1`;

const STORED_SEQS = `SELECT client_action_id::text, server_seq FROM events
  WHERE project_id = $1 AND device_id = $2 AND session_id = $3 AND client_action_id = ANY($4::bigint[])`;

/**
 * The batch's new events, numbered from the counter, and the counter moved
 * past them, in one statement. The counter row is locked by this transaction,
 * so no other push can number events of this project until it commits.
 */
const APPEND = `WITH appended AS (
    INSERT INTO events (project_id, server_seq, device_id, session_id, client_action_id, action_type, entity_type,
                        entity_id, payload, client_timestamp, server_timestamp)
    SELECT $1, $2::bigint + e.n, $3, $4, e.client_action_id, e.action_type, e.entity_type, e.entity_id, e.payload, e.client_timestamp, $5
    FROM unnest($6::bigint[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
         WITH ORDINALITY AS e(client_action_id, action_type, entity_type, entity_id, payload, client_timestamp, n)
  )
  UPDATE project_seqs SET last_seq = last_seq + $12, event_count = event_count + $12, last_event_time = $5
  WHERE project_id = $1`;

/**
 * One pull event object, written by PostgreSQL: the stored payload spliced in
 * as it is, strings quoted by to_json, int64s printed exactly. V8 then gets
 * one string per event instead of nine values.
 */
const EVENT_JSON = `'{"server_seq":' || server_seq
  || ',"device_id":' || to_json(device_id)::text
  || ',"session_id":' || to_json(session_id)::text
  || ',"client_action_id":' || client_action_id
  || ',"action_type":' || to_json(action_type)::text
  || ',"entity_type":' || to_json(entity_type)::text
  || ',"entity_id":' || to_json(entity_id)::text
  || ',"payload":' || payload
  || ',"client_timestamp":' || to_json(client_timestamp)::text || '}'`;

/**
 * Up to $3 events after $2, cut where the page passes the byte budget ($4)
 * without building what lies past it. Each row carries the running size of
 * the page up to it (UTF-8 bytes of its texts, about its JSON's size, from
 * octet_length, which reads a stored length without decompressing a
 * payload). The first row always comes; a later one whose running size
 * crosses the budget comes only as a `stop` marker, without its JSON, and
 * nothing comes after it. The page itself ends at `limit` (one row more is
 * read to know whether more remain) or at a stop, so has_more is exact.
 */
const pageQuery = (excluding: boolean) => `SELECT server_seq, n > 1 AND running > $4 AS stop,
    CASE WHEN n = 1 OR running <= $4 THEN ${EVENT_JSON} END AS json
  FROM (
    SELECT page.*, sum(size) OVER w AS running, row_number() OVER w AS n
    FROM (
      SELECT server_seq, device_id, session_id, client_action_id, action_type, entity_type, entity_id, payload, client_timestamp,
             octet_length(payload) + octet_length(device_id) + octet_length(session_id) + octet_length(entity_id) + 160 AS size
      FROM events
      WHERE project_id = $1 AND server_seq > $2${excluding ? ' AND device_id <> $5' : ''}
      ORDER BY server_seq
      LIMIT $3
    ) page
    WINDOW w AS (ORDER BY server_seq ROWS UNBOUNDED PRECEDING)
  ) sized
  WHERE n <= 2 OR running - size <= $4
  ORDER BY server_seq`;

const STATUS = `SELECT p.deleted_at IS NULL AS live, m.role, s.last_seq, s.event_count, s.last_event_time
  FROM projects p
  LEFT JOIN memberships m ON m.project_id = p.id AND m.user_id = $2
  LEFT JOIN project_seqs s ON s.project_id = p.id
  WHERE p.id = $1`;

/**
 * A pull reads its access facts and its page in one snapshot: a member
 * removed before it began is not served events written after.
 *
 * The page's only good plan is a range scan of the primary key in seq order,
 * stopping after `limit` rows. Without fresh statistics (a table just loaded,
 * or a generic plan that sees the average project rather than this big one)
 * PostgreSQL may instead collect every later event of the project and sort
 * them, which costs a whole project per page. Turning the other scans off for
 * this read-only transaction leaves it that one plan; it is sent with BEGIN,
 * in the same round trip.
 */
const READ_SNAPSHOT = 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off; SET LOCAL enable_sort = off';

/** The operator's view of a log: its counter, and the bytes its rows take (a scan of the project's events: not for a hot path). */
const SUMMARY = `SELECT s.last_seq, s.event_count, s.last_event_time,
    (SELECT coalesce(sum(pg_column_size(e.*)), 0) FROM events e WHERE e.project_id = $1) AS bytes
  FROM project_seqs s WHERE s.project_id = $1`;

/** Events taken over from another server, with their seqs. */
const INSERT_STORED = `INSERT INTO events (project_id, server_seq, device_id, session_id, client_action_id, action_type, entity_type,
                      entity_id, payload, client_timestamp, server_timestamp)
  SELECT $1, e.* FROM unnest($2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[]) AS e`;

/**
 * Every project's event log in one PostgreSQL table, shared by every node.
 *
 * Why pulls never skip an event: seqs are allocated under the project's
 * counter row lock, held to COMMIT. A push that numbers events N+1… can only
 * have read the counter after the push that numbered …N committed (or rolled
 * back, which also rolled the counter back), so commit order is seq order and
 * every snapshot a pull reads holds a prefix of the project's seqs, never a
 * later seq without an earlier one. Failed or refused pushes burn no seq.
 *
 * Access is decided inside the same transaction as the work: a push reads
 * the project's state and the caller's role after taking the counter lock,
 * which every change of those facts takes too (lockProjectCounter); a pull
 * reads them in the snapshot it reads events from; status in the same
 * statement. Every query is keyed by project_id first.
 */
export class PostgresEventStore extends EventStore {
  constructor(private readonly db: PostgresDatabase) {
    super();
  }

  append(projectId: string, userId: string, batch: PushBatch, serverTimestamp: string, admit: AccessDecision): Promise<AppendResult> {
    return this.db.transaction(async (client) => {
      const counter = await client.query<[string]>({ name: 'events_lock_counter', text: LOCK_COUNTER, values: [projectId], rowMode: 'array' });
      if (counter.rows.length === 0) {
        admit(false, null);
        throw new Error(`project ${projectId} has no counter row`);
      }
      const { deviceId, sessionId, events } = batch;
      const [lowest, highest] = idRange(batch);
      const facts = await client.query<AccessFactsRow & { may_be_stored: boolean }>({
        name: 'events_push_facts',
        text: PUSH_FACTS,
        values: [projectId, userId, deviceId, sessionId, lowest, highest],
      });
      applyDecision(facts.rows, admit);
      const stored = facts.rows[0].may_be_stored ? await storedSeqs(client, projectId, batch) : undefined;
      return appendNew(client, projectId, batch, serverTimestamp, Number(counter.rows[0][0]), stored, events.length);
    });
  }

  page(projectId: string, userId: string, request: EventPageRequest, admit: AccessDecision): Promise<EventPage> {
    return this.db.transaction(async (client) => {
      const facts = await client.query<AccessFactsRow>({ name: 'events_access', text: ACCESS_FACTS, values: [projectId, userId] });
      applyDecision(facts.rows, admit);
      const excluding = request.excludeDevice !== undefined;
      const values: unknown[] = [projectId, request.afterServerSeq, request.limit + 1, PAGE_BYTE_BUDGET];
      if (excluding) values.push(request.excludeDevice);
      const { rows } = await client.query<[string, boolean, string | null]>({
        name: excluding ? 'events_page_excluding' : 'events_page',
        text: pageQuery(excluding),
        values,
        rowMode: 'array',
      });
      return toPage(rows, request.limit);
    }, READ_SNAPSHOT);
  }

  async status(projectId: string, userId: string, admit: AccessDecision): Promise<EventLogStatus> {
    const { rows } = await this.db.query<AccessFactsRow & { last_seq: string | null; event_count: string | null; last_event_time: string | null }>({
      name: 'events_status',
      text: STATUS,
      values: [projectId, userId],
    });
    applyDecision(rows, admit);
    const row = rows[0];
    return {
      eventCount: Number(row.event_count ?? 0),
      lastServerSeq: Number(row.last_seq ?? 0),
      lastEventTime: row.last_event_time ?? undefined,
    };
  }
  async summary(projectId: string): Promise<EventLogSummary | undefined> {
    const { rows } = await this.db.query<{ last_seq: string; event_count: string; last_event_time: string | null; bytes: string }>({
      name: 'events_summary',
      text: SUMMARY,
      values: [projectId],
    });
    const row = rows[0];
    if (!row) return undefined;
    return { eventCount: Number(row.event_count), lastServerSeq: Number(row.last_seq), lastEventTime: row.last_event_time ?? undefined, bytesOnDisk: Number(row.bytes) };
  }

  /**
   * Inserts the events as given, after checking that their seqs ascend past
   * every stored one; a project that already has its counter row (it exists)
   * has it locked and moved past them, as a push would. One that does not yet
   * gets its counter from its events when its row is inserted
   * (PostgresProjectsRepository.insertWithMembers).
   */
  importEvents(projectId: string, events: StoredEvent[]): Promise<void> {
    return this.db.transaction(async (client) => {
      const counter = await client.query({ name: 'events_lock_counter', text: LOCK_COUNTER, values: [projectId], rowMode: 'array' });
      const { rows } = await client.query<{ highest: string }>({
        name: 'events_highest_seq',
        text: 'SELECT coalesce(max(server_seq), 0)::text AS highest FROM events WHERE project_id = $1',
        values: [projectId],
      });
      let previous = BigInt(rows[0].highest);
      for (const event of events) {
        const seq = BigInt(event.serverSeq);
        if (seq <= previous) throw new Error(`server_seq ${seq} does not ascend past ${previous}`);
        previous = seq;
      }
      if (events.length === 0) return;
      const column = <T>(pick: (event: StoredEvent) => T) => events.map(pick);
      await client.query({
        name: 'events_insert_stored',
        text: INSERT_STORED,
        values: [
          projectId,
          column((e) => String(e.serverSeq)),
          column((e) => e.deviceId),
          column((e) => e.sessionId),
          column((e) => String(e.clientActionId)),
          column((e) => e.actionType),
          column((e) => e.entityType),
          column((e) => e.entityId),
          column((e) => e.payload),
          column((e) => e.clientTimestamp),
          column((e) => e.serverTimestamp),
        ],
      });
      if (counter.rows.length > 0) {
        await client.query({
          name: 'events_counter_after_import',
          text: 'UPDATE project_seqs SET last_seq = $2, event_count = event_count + $3, last_event_time = $4 WHERE project_id = $1',
          values: [projectId, String(previous), events.length, events[events.length - 1].serverTimestamp],
        });
      }
    });
  }

  /** The events of a project that has no row (an import that failed half-way); a project's own removal is purgeDeleted. */
  async removeLog(projectId: string): Promise<void> {
    await this.db.query({ name: 'events_remove_log', text: 'DELETE FROM events WHERE project_id = $1', values: [projectId] });
  }
}

/** The smallest and largest client_action_id of the batch. */
function idRange(batch: PushBatch): [number | bigint, number | bigint] {
  const { events } = batch;
  let lowest = events[0].clientActionId;
  let highest = lowest;
  for (let i = 1; i < events.length; i++) {
    const id = events[i].clientActionId;
    if (id < lowest) lowest = id;
    else if (id > highest) highest = id;
  }
  return [lowest, highest];
}

/** The seqs already stored under the batch's ids, by id in decimal. */
async function storedSeqs(client: PoolClient, projectId: string, batch: PushBatch): Promise<Map<string, number>> {
  const ids = batch.events.map((event) => String(event.clientActionId));
  const { rows } = await client.query<[string, string]>({
    name: 'events_stored_seqs',
    text: STORED_SEQS,
    values: [projectId, batch.deviceId, batch.sessionId, ids],
    rowMode: 'array',
  });
  return new Map(rows.map(([id, seq]) => [id, Number(seq)]));
}

/**
 * Numbers the batch's new events from `lastSeq` in request order and stores
 * them; duplicates (stored before, or earlier in the batch) get the seq they
 * have, events without entity_id are refused alone.
 */
async function appendNew(
  client: PoolClient,
  projectId: string,
  batch: PushBatch,
  serverTimestamp: string,
  lastSeq: number,
  stored: Map<string, number> | undefined,
  count: number,
): Promise<AppendResult> {
  const outcomes = new Uint8Array(count);
  const serverSeqs = new Float64Array(count);
  const inserted = new Map<string, number>();
  const ids: string[] = [];
  const actionTypes: string[] = [];
  const entityTypes: string[] = [];
  const entityIds: string[] = [];
  const payloads: string[] = [];
  const clientTimestamps: string[] = [];
  for (let i = 0; i < count; i++) {
    const event = batch.events[i];
    if (event.entityId === '') {
      outcomes[i] = PushOutcome.EmptyEntityId;
      continue;
    }
    const id = String(event.clientActionId);
    const existing = inserted.get(id) ?? stored?.get(id);
    if (existing !== undefined) {
      outcomes[i] = PushOutcome.Duplicate;
      serverSeqs[i] = existing;
      continue;
    }
    const seq = lastSeq + ids.length + 1;
    inserted.set(id, seq);
    outcomes[i] = PushOutcome.Acked;
    serverSeqs[i] = seq;
    ids.push(id);
    actionTypes.push(event.actionType);
    entityTypes.push(event.entityType);
    entityIds.push(event.entityId);
    payloads.push(event.payload);
    clientTimestamps.push(event.clientTimestamp);
  }
  if (ids.length > 0) {
    await client.query({
      name: 'events_append',
      text: APPEND,
      values: [projectId, lastSeq, batch.deviceId, batch.sessionId, serverTimestamp, ids, actionTypes, entityTypes, entityIds, payloads, clientTimestamps, ids.length],
    });
  }
  return { accepted: ids.length, outcomes, serverSeqs };
}

/** The page's events, ended at `limit` or at a stop marker (see pageQuery), with an exact has_more. */
function toPage(rows: [string, boolean, string | null][], limit: number): EventPage {
  const events: string[] = [];
  let lastServerSeq: string | undefined;
  let hasMore = false;
  for (const [serverSeq, stop, json] of rows) {
    if (events.length === limit || stop || json === null) {
      hasMore = true;
      break;
    }
    events.push(json);
    lastServerSeq = serverSeq;
  }
  return { eventsJson: events.join(','), count: events.length, lastServerSeq: lastServerSeq === undefined ? undefined : Number(lastServerSeq), hasMore };
}
