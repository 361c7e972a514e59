import { Logger } from '@nestjs/common';
import type { ProjectRole } from '../records/membership';
import type { AccessDecision } from '../repositories/access-decision';
import { StorageUnavailableError } from '../storage-unavailable.error';
import {
  AppendResult,
  EventLogStatus,
  EventLogSummary,
  EventPage,
  EventPageRequest,
  EventStore,
  PAGE_BYTE_BUDGET,
  PushBatch,
  StoredEvent,
} from '../repositories/event-store';
import { admittedFacts, factsKey } from './admitted-facts';
import { AppendPlan, planAppend } from './append-plan';
import { BinaryArrayBuilder } from './binary-array-builder';
import { PageFromRows } from './page-from-rows';
import { AccessFactsRow, applyDecision } from './postgres-memberships.repository';
import type { PostgresDatabase } from './postgres-database';
import { lockProjectCounter } from './project-counter-lock';
import { PushGroups, QueuedPush } from './push-groups';

/** See the migration PushInOneStatement1764100000002: the decision, the duplicate lookup and the insert, one statement. */
const PUSH = `SELECT done, live, role, first_seq, stored_at, stored_seqs FROM td_sync_push($1, $2, $3::text[], $4, $5, $6, $7, $8,
  $9::bigint[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[])`;

/** See the migration PushGroupInOneStatement1764100000003: several pushes to one project, one statement, one commit. */
const PUSH_GROUP = `SELECT batch, done, live, role, first_seq, stored_at, stored_seqs FROM td_sync_push_group($1, $2::text[],
  $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[], $9::integer[],
  $10::bigint[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[]) ORDER BY batch`;

/** td_sync_push's row: whether it stored, the facts, and where the events went. */
type PushRow = [done: boolean, live: boolean, role: ProjectRole | null, firstSeq: string | null, storedAt: number[] | null, storedSeqs: string[] | null];

/**
 * See the migrations SyncFunctions1764100000001 (td_sync_page) and
 * ProjectDevices1764100000004 (the same, with no event read when nobody but
 * the excluded device wrote after the cursor): the facts on every row, and
 * for a member of a live project up to $4 events after $3, cut where the page
 * passes the byte budget ($5). Each row's `stop` marks one that would cross
 * it (it comes without its JSON, and nothing comes after it); the first row
 * always comes. Sizes are the UTF-8 bytes of the texts (about the JSON's),
 * from octet_length, which reads a stored length without decompressing a
 * payload, so nothing past the budget is built or sent.
 */
const PAGE = `SELECT live, role, server_seq, stop, event_json FROM td_sync_pull_page($1, $2, $3, $4, $5, $6)`;

const STATUS = `SELECT p.deleted_at IS NULL AS live, m.role, s.last_seq, s.event_count, s.last_event_time
  FROM projects p
  LEFT JOIN memberships m ON m.project_id = p.id AND m.user_id = $2
  LEFT JOIN project_seqs s ON s.project_id = p.id
  WHERE p.id = $1`;

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
 * counter row lock, held to COMMIT (td_sync_push). A push that numbers
 * events N+1… can only have read the counter after the push that numbered
 * …N committed (or failed, which also undid its counter move), so commit
 * order is seq order and every snapshot a pull reads holds a prefix of the
 * project's seqs, never a later seq without an earlier one. A refused,
 * failed or all-duplicate push burns no seq.
 *
 * Access is decided on facts that hold when the work commits. The rule
 * (`admit`, pure, which throws to refuse) is tabulated over the few states
 * the facts can be in (admittedFacts) and sent with the push, so
 * td_sync_push applies it itself: it takes the counter lock, which every
 * change of those facts also takes (lockProjectCounter), reads them in a
 * fresh snapshot and writes only if they are admitted; otherwise it writes
 * nothing and returns them, and `admit` throws the refusal on them: a writer
 * demoted through another node a moment ago is refused. Duplicates are
 * looked up under that lock too, so none can be stored in between. A push is
 * one statement, one round trip; the lock is held for that statement, never
 * across a network round trip, and a push refused on the facts read before
 * the lock never takes it. Pushes to a project that queue on this node while
 * its statement for that project is in flight go together as the next one
 * (PushGroups, td_sync_push_group): one lock hold and one commit for all,
 * each push still decided, looked up and numbered on its own, in order.
 * A pull reads facts and events in one
 * statement (one snapshot); status likewise. Every query is keyed by
 * project_id first.
 */
export class PostgresEventStore extends EventStore {
  constructor(private readonly db: PostgresDatabase) {
    super();
  }

  private readonly logger = new Logger('PostgreSQL');
  private readonly groups = new PushGroups((projectId, group) => this.sendGroup(projectId, group));

  async append(projectId: string, userId: string, batch: PushBatch, serverTimestamp: string, admit: AccessDecision): Promise<AppendResult> {
    const plan = planAppend(batch);
    return new Promise<AppendResult>((resolve, reject) => {
      this.groups.add(projectId, { userId, batch, plan, serverTimestamp, admit, resolve, reject });
    });
  }

  /** Sends pushes that waited together (see PushGroups), and settles each; never rejects. */
  private async sendGroup(projectId: string, group: QueuedPush[]): Promise<void> {
    if (group.length === 1) return this.sendAlone(projectId, group[0]);
    let rows: Array<[batch: number, ...PushRow]>;
    try {
      rows = (
        await this.db.query<[number, ...PushRow]>({ name: 'events_push_group', text: PUSH_GROUP, values: groupValues(projectId, group), rowMode: 'array' })
      ).rows;
      if (rows.length !== group.length) throw new Error(`td_sync_push_group answered ${rows.length} rows for ${group.length} pushes`);
    } catch (error) {
      if (error instanceof StorageUnavailableError) {
        for (const push of group) push.reject(error);
        return;
      }
      // The statement failed as a whole and stored nothing: each push is sent
      // again alone, in order, so that one push's failure is its own. (Had it
      // stored, each would find its events stored and get their seqs.) Said
      // in the log: a group that keeps failing would otherwise only show as
      // pushes gone slow.
      this.logger.warn(`a group of ${group.length} pushes to ${projectId} failed (${(error as Error).message}); sending each alone`);
      for (const push of group) await this.sendAlone(projectId, push);
      return;
    }
    for (const [batch, ...row] of rows) settle(group[batch - 1], row);
  }

  private async sendAlone(projectId: string, push: QueuedPush): Promise<void> {
    const { plan, batch, admit } = push;
    let rows: PushRow[];
    try {
      rows = (
        await this.db.query<PushRow>({
          name: 'events_push',
          text: PUSH,
          values: [
            projectId,
            push.userId,
            admittedFacts(admit),
            batch.deviceId,
            batch.sessionId,
            push.serverTimestamp,
            plan.lowest,
            plan.highest,
            plan.columns.ids,
            plan.columns.actionTypes,
            plan.columns.entityTypes,
            plan.columns.entityIds,
            plan.columns.payloads,
            plan.columns.clientTimestamps,
          ],
          rowMode: 'array',
        })
      ).rows;
    } catch (error) {
      push.reject(error);
      return;
    }
    settle(push, rows[0]);
  }

  async page(projectId: string, userId: string, request: EventPageRequest, admit: AccessDecision): Promise<EventPage> {
    const page = new PageFromRows(request.limit);
    await this.db.queryEachRow(
      { name: 'events_page', text: PAGE, values: [projectId, userId, request.afterServerSeq, request.limit + 1, PAGE_BYTE_BUDGET, request.excludeDevice ?? null] },
      (fields) => page.add(fields),
    );
    applyDecision(page.accessFacts(), admit);
    return page.finish();
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
    await this.db.transaction(async (client) => {
      await client.query({ name: 'events_remove_log', text: 'DELETE FROM events WHERE project_id = $1', values: [projectId] });
      await client.query({ name: 'events_remove_devices', text: 'DELETE FROM project_devices WHERE project_id = $1', values: [projectId] });
    });
  }
}

/** Resolves a push with its outcome, or rejects it with the refusal its facts call for. */
function settle(push: QueuedPush, [done, live, role, firstSeq, storedAt, storedSeqs]: PushRow): void {
  if (done) {
    push.resolve(push.plan.outcome(firstSeq === null ? 0 : Number(firstSeq), storedAt, storedSeqs));
    return;
  }
  // Refused on the facts read (under the lock, if it got that far): the rule says how.
  try {
    push.admit(live, role);
  } catch (refusal) {
    push.reject(refusal);
    return;
  }
  push.reject(new Error(`the push statement refused facts (${factsKey(live, role)}) that the access rule admits`));
}

/** td_sync_push_group's parameters for `group` (one access rule: see PushGroups). */
function groupValues(projectId: string, group: QueuedPush[]): unknown[] {
  const users = BinaryArrayBuilder.text(group.length * 40);
  const devices = BinaryArrayBuilder.text(group.length * 40);
  const sessions = BinaryArrayBuilder.text(group.length * 40);
  const timestamps = BinaryArrayBuilder.text(group.length * 32);
  const lowest = BinaryArrayBuilder.int8(group.length);
  const highest = BinaryArrayBuilder.int8(group.length);
  const counts: number[] = [];
  const plans: AppendPlan[] = [];
  for (const { userId, batch, serverTimestamp, plan } of group) {
    users.addText(userId);
    devices.addText(batch.deviceId);
    sessions.addText(batch.sessionId);
    timestamps.addText(serverTimestamp);
    // A push with nothing to store has no range; the function never reads it.
    lowest.addInt8(plan.lowest ?? 0);
    highest.addInt8(plan.highest ?? 0);
    counts.push(plan.sentCount);
    plans.push(plan);
  }
  const column = (pick: (plan: AppendPlan) => Buffer) => BinaryArrayBuilder.concat(plans.map(pick));
  return [
    projectId,
    admittedFacts(group[0].admit),
    users.finish(),
    devices.finish(),
    sessions.finish(),
    timestamps.finish(),
    lowest.finish(),
    highest.finish(),
    counts,
    column((plan) => plan.columns.ids),
    column((plan) => plan.columns.actionTypes),
    column((plan) => plan.columns.entityTypes),
    column((plan) => plan.columns.entityIds),
    column((plan) => plan.columns.payloads),
    column((plan) => plan.columns.clientTimestamps),
  ];
}

