import type { ProjectRole } from '../records/membership';
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
import { BinaryArrayBuilder } from './binary-array-builder';
import { AccessFactsRow, applyDecision } from './postgres-memberships.repository';
import type { PostgresDatabase } from './postgres-database';
import { lockProjectCounter } from './project-counter-lock';

/**
 * The access facts a push is decided on, and whether any of the batch's
 * (device, session, id) range is stored already: a client's ids mostly only
 * grow, so one index probe usually spares looking each event up.
 */
const PUSH_FACTS = `SELECT p.deleted_at IS NULL AS live, m.role,
    EXISTS (SELECT 1 FROM events e WHERE e.project_id = $1 AND e.device_id = $3 AND e.session_id = $4
            AND e.client_action_id BETWEEN $5 AND $6) AS may_be_stored
  FROM projects p LEFT JOIN memberships m ON m.project_id = p.id AND m.user_id = $2
  WHERE p.id = $1`;

const STORED_SEQS = `SELECT client_action_id::text, server_seq FROM events
  WHERE project_id = $1 AND device_id = $2 AND session_id = $3 AND client_action_id = ANY($4::bigint[])`;

/** See the migration SyncFunctions1764100000001: lock, re-read the facts, and only if unchanged number and insert. */
const APPEND = `SELECT live, role, first_seq FROM td_sync_append($1, $2, $3, $4, $5, $6, $7,
  $8::bigint[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[])`;

/**
 * See the migration SyncFunctions1764100000001: the facts on every row, and
 * for a member of a live project up to $4 events after $3, cut where the page
 * passes the byte budget ($5). Each row's `stop` marks one that would cross
 * it (it comes without its JSON, and nothing comes after it); the first row
 * always comes. Sizes are the UTF-8 bytes of the texts (about the JSON's),
 * from octet_length, which reads a stored length without decompressing a
 * payload, so nothing past the budget is built or sent.
 */
const PAGE = `SELECT live, role, server_seq, stop, event_json FROM td_sync_page($1, $2, $3, $4, $5, $6)`;

const STATUS = `SELECT p.deleted_at IS NULL AS live, m.role, s.last_seq, s.event_count, s.last_event_time
  FROM projects p
  LEFT JOIN memberships m ON m.project_id = p.id AND m.user_id = $2
  LEFT JOIN project_seqs s ON s.project_id = p.id
  WHERE p.id = $1`;

/** A push whose facts keep changing under it (a role flipping back and forth) gives up after this many decisions. */
const MAX_DECISIONS = 5;

const UNIQUE_VIOLATION = '23505';

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
 * counter row lock, held to COMMIT (td_sync_append). A push that numbers
 * events N+1… can only have read the counter after the push that numbered
 * …N committed (or failed, which also undid its counter move), so commit
 * order is seq order and every snapshot a pull reads holds a prefix of the
 * project's seqs, never a later seq without an earlier one. A refused,
 * failed or all-duplicate push burns no seq.
 *
 * Access is decided on facts that hold when the work commits. A push reads
 * the facts and decides (`admit`, which throws to refuse); td_sync_append
 * then takes the counter lock, which every change of those facts also takes
 * (lockProjectCounter), re-reads them in a fresh snapshot and writes only if
 * they are unchanged. Otherwise it writes nothing and returns the new facts,
 * and the push is decided again on them: a writer demoted through another
 * node a moment ago is refused. The lock is held for the one statement, never
 * across a network round trip. A pull reads facts and events in one
 * statement (one snapshot); status likewise. Every query is keyed by
 * project_id first.
 */
export class PostgresEventStore extends EventStore {
  constructor(private readonly db: PostgresDatabase) {
    super();
  }

  async append(projectId: string, userId: string, batch: PushBatch, serverTimestamp: string, admit: AccessDecision): Promise<AppendResult> {
    const [lowest, highest] = idRange(batch);
    for (let decisions = 1; ; decisions++) {
      const { rows } = await this.db.query<AccessFactsRow & { may_be_stored: boolean }>({
        name: 'events_push_facts',
        text: PUSH_FACTS,
        values: [projectId, userId, batch.deviceId, batch.sessionId, lowest, highest],
      });
      applyDecision(rows, admit);
      let facts: AccessFactsRow = rows[0];
      const stored = facts.live && rows[0].may_be_stored ? await this.storedSeqs(projectId, batch) : undefined;
      const plan = planAppend(batch, stored);
      if (plan.newCount === 0) return plan.result;
      let firstSeq: number | undefined;
      try {
        ({ facts, firstSeq } = await this.appendIfUnchanged(projectId, userId, facts, batch, serverTimestamp, plan));
      } catch (error) {
        // The same events, committed by a concurrent push (a client retrying
        // through another node) since they were looked up: look again.
        if ((error as { code?: unknown }).code === UNIQUE_VIOLATION && decisions < MAX_DECISIONS) continue;
        throw error;
      }
      if (firstSeq !== undefined) return plan.numberedFrom(firstSeq);
      // The facts changed before the lock was granted: decide again on the new ones.
      applyDecision([facts], admit);
      if (decisions >= MAX_DECISIONS) throw new Error(`the access facts of project ${projectId} kept changing during a push`);
    }
  }

  async page(projectId: string, userId: string, request: EventPageRequest, admit: AccessDecision): Promise<EventPage> {
    const { rows } = await this.db.query<[boolean, ProjectRole | null, string | null, boolean | null, string | null]>({
      name: 'events_page',
      text: PAGE,
      values: [projectId, userId, request.afterServerSeq, request.limit + 1, PAGE_BYTE_BUDGET, request.excludeDevice ?? null],
      rowMode: 'array',
    });
    applyDecision(rows.length === 0 ? [] : [{ live: rows[0][0], role: rows[0][1] }], admit);
    return toPage(rows, request.limit);
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
      const counted = await lockProjectCounter(client, projectId);
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
      if (counted) {
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

  /** The seqs already stored under the batch's ids, by id in decimal. */
  private async storedSeqs(projectId: string, batch: PushBatch): Promise<Map<string, number>> {
    const ids = batch.events.map((event) => String(event.clientActionId));
    const { rows } = await this.db.query<[string, string]>({
      name: 'events_stored_seqs',
      text: STORED_SEQS,
      values: [projectId, batch.deviceId, batch.sessionId, ids],
      rowMode: 'array',
    });
    return new Map(rows.map(([id, seq]) => [id, Number(seq)]));
  }

  /** One statement: the new events stored and numbered if `facts` still hold under the lock (firstSeq), else the facts found instead. */
  private async appendIfUnchanged(
    projectId: string,
    userId: string,
    facts: AccessFactsRow,
    batch: PushBatch,
    serverTimestamp: string,
    plan: AppendPlan,
  ): Promise<{ facts: AccessFactsRow; firstSeq: number | undefined }> {
    const { rows } = await this.db.query<[boolean, ProjectRole | null, string | null]>({
      name: 'events_append',
      text: APPEND,
      values: [
        projectId,
        userId,
        facts.live,
        facts.role,
        batch.deviceId,
        batch.sessionId,
        serverTimestamp,
        plan.columns.ids,
        plan.columns.actionTypes,
        plan.columns.entityTypes,
        plan.columns.entityIds,
        plan.columns.payloads,
        plan.columns.clientTimestamps,
      ],
      rowMode: 'array',
    });
    const [live, role, firstSeq] = rows[0];
    return { facts: { live, role }, firstSeq: firstSeq === null ? undefined : Number(firstSeq) };
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

interface AppendPlan {
  /** How many events are new (stored by this push, if it is admitted). */
  newCount: number;
  /** The events to store, in request order, as binary array parameters (see BinaryArrayBuilder). */
  columns: AppendColumns;
  /** The outcome when nothing is new; otherwise, with the new events' seqs still 0. */
  result: AppendResult;
  /** The outcome once the new events were numbered from `firstSeq`. */
  numberedFrom(firstSeq: number): AppendResult;
}

interface AppendColumns {
  ids: Buffer;
  actionTypes: Buffer;
  entityTypes: Buffer;
  entityIds: Buffer;
  payloads: Buffer;
  clientTimestamps: Buffer;
}

/**
 * Which events of the batch are new, in request order: duplicates (stored
 * before, or earlier in the batch) get the seq they have, events without
 * entity_id are refused alone.
 */
function planAppend(batch: PushBatch, stored: Map<string, number> | undefined): AppendPlan {
  const count = batch.events.length;
  const outcomes = new Uint8Array(count);
  const serverSeqs = new Float64Array(count);
  /** Per event: the index among the new events it was stored as, or -1. */
  const newIndex = new Int32Array(count).fill(-1);
  const firstOf = new Map<string, number>();
  let payloadChars = 0;
  for (let i = 0; i < count; i++) payloadChars += batch.events[i].payload.length;
  const ids = BinaryArrayBuilder.int8(count);
  const actionTypes = BinaryArrayBuilder.text(count * 8);
  const entityTypes = BinaryArrayBuilder.text(count * 16);
  const entityIds = BinaryArrayBuilder.text(count * 24);
  const payloads = BinaryArrayBuilder.text(payloadChars + count * 4);
  const clientTimestamps = BinaryArrayBuilder.text(count * 28);
  for (let i = 0; i < count; i++) {
    const event = batch.events[i];
    if (event.entityId === '') {
      outcomes[i] = PushOutcome.EmptyEntityId;
      continue;
    }
    const id = String(event.clientActionId);
    const storedSeq = stored?.get(id);
    if (storedSeq !== undefined) {
      outcomes[i] = PushOutcome.Duplicate;
      serverSeqs[i] = storedSeq;
      continue;
    }
    const first = firstOf.get(id);
    if (first !== undefined) {
      // A repeat within the batch: answered with the seq its first copy gets.
      outcomes[i] = PushOutcome.Duplicate;
      newIndex[i] = newIndex[first];
      continue;
    }
    firstOf.set(id, i);
    outcomes[i] = PushOutcome.Acked;
    newIndex[i] = ids.length;
    ids.addInt8(event.clientActionId);
    actionTypes.addText(event.actionType);
    entityTypes.addText(event.entityType);
    entityIds.addText(event.entityId);
    payloads.addText(event.payload);
    clientTimestamps.addText(event.clientTimestamp);
  }
  const newCount = ids.length;
  return {
    newCount,
    columns: {
      ids: ids.finish(),
      actionTypes: actionTypes.finish(),
      entityTypes: entityTypes.finish(),
      entityIds: entityIds.finish(),
      payloads: payloads.finish(),
      clientTimestamps: clientTimestamps.finish(),
    },
    result: { accepted: 0, outcomes, serverSeqs },
    numberedFrom(firstSeq) {
      for (let i = 0; i < count; i++) if (newIndex[i] >= 0) serverSeqs[i] = firstSeq + newIndex[i];
      return { accepted: newCount, outcomes, serverSeqs };
    },
  };
}

/** The page's events, ended at `limit` or at a stop marker (see PAGE), with an exact has_more. */
function toPage(rows: [boolean, ProjectRole | null, string | null, boolean | null, string | null][], limit: number): EventPage {
  const events: string[] = [];
  let lastServerSeq: string | undefined;
  let hasMore = false;
  for (const [, , serverSeq, stop, json] of rows) {
    if (serverSeq === null) break; // the facts alone: no events
    if (events.length === limit || stop || json === null) {
      hasMore = true;
      break;
    }
    events.push(json);
    lastServerSeq = serverSeq;
  }
  return { eventsJson: events.join(','), count: events.length, lastServerSeq: lastServerSeq === undefined ? undefined : Number(lastServerSeq), hasMore };
}
