import type { Database, Statement, Transaction } from 'better-sqlite3';
import { AppendResult, EventLogStatus, EventPage, PAGE_BYTE_BUDGET, PushBatch, PushOutcome, StoredEvent } from '../repositories/event-store';

type Append = (batch: PushBatch, serverTimestamp: string) => AppendResult;
type AppendStored = (events: StoredEvent[]) => void;

interface Statements {
  append: Transaction<Append>;
  appendStored: Transaction<AppendStored>;
  page: Statement;
  pageExcluding: Statement;
  count: Statement;
  newest: Statement;
  /** Rows in the table, once counted; kept current by append (see status). */
  eventCount: number | undefined;
}

/**
 * One pull event object, written by SQLite: the payload column is spliced in
 * as the stored text, the strings are quoted by json_quote and the integers
 * (client_action_id is int64) printed exactly. Building it here rather than
 * in JavaScript hands V8 one string per event instead of nine values, which
 * makes a 10000-event page about three times cheaper on the event loop.
 */
const EVENT_JSON = `'{"server_seq":' || server_seq
  || ',"device_id":' || json_quote(device_id)
  || ',"session_id":' || json_quote(session_id)
  || ',"client_action_id":' || client_action_id
  || ',"action_type":' || json_quote(action_type)
  || ',"entity_type":' || json_quote(entity_type)
  || ',"entity_id":' || json_quote(entity_id)
  || ',"payload":' || payload
  || ',"client_timestamp":' || json_quote(client_timestamp) || '}'`;

/**
 * The append-only event log of one project, on the better-sqlite3 handle that
 * ProjectDatabases hands out; SqliteEventStore decides who may use it.
 * Statements are prepared once per handle and dropped with it (a handle
 * closed by the LRU is garbage, and so is its entry).
 *
 * Everything here is synchronous: a push is one IMMEDIATE transaction that
 * takes the write lock up front, so concurrent pushes to a project are applied
 * one after the other, each with a contiguous run of server_seq values, and
 * never deadlock; a reader sees a batch entirely or not at all (WAL snapshot).
 * server_seq is AUTOINCREMENT: never reused, and (see append) without gaps.
 */
export class SqliteEventLog {
  private readonly statements = new WeakMap<Database, Statements>();

  /** Appends a validated batch in one transaction; outcomes come in request order. */
  append(db: Database, batch: PushBatch, serverTimestamp: string): AppendResult {
    const statements = this.statementsFor(db);
    const result = statements.append.immediate(batch, serverTimestamp);
    // Only after the commit: a batch that threw was rolled back whole.
    if (statements.eventCount !== undefined) statements.eventCount += result.accepted;
    return result;
  }

  /**
   * Appends events that keep the seqs another server gave them, in one
   * transaction. AUTOINCREMENT then continues after the highest, so the next
   * push gets a seq no client has seen.
   */
  appendStored(db: Database, events: StoredEvent[]): void {
    const statements = this.statementsFor(db);
    statements.appendStored.immediate(events);
    if (statements.eventCount !== undefined) statements.eventCount += events.length;
  }

  /**
   * Up to `limit` events after `afterServerSeq`, ascending, leaving out those of
   * `excludeDevice`. One row beyond the limit is read to know, exactly and in
   * the same statement (so the same snapshot), whether more remain.
   *
   * A page also stops once its events pass PAGE_BYTE_BUDGET (it always holds
   * at least one): a writer may store a thousand 10 MiB payloads, and a page of
   * them read into memory at once would take the server down for everyone.
   * has_more is then true, as PROTOCOL.md allows, and the client asks again.
   * Rows are stepped one at a time so nothing past the budget is ever built.
   */
  page(db: Database, afterServerSeq: number | bigint, limit: number, excludeDevice: string | undefined): EventPage {
    const statements = this.statementsFor(db);
    const rows = (
      excludeDevice === undefined
        ? statements.page.iterate(afterServerSeq, limit + 1)
        : statements.pageExcluding.iterate(afterServerSeq, excludeDevice, limit + 1)
    ) as IterableIterator<[number, string]>;
    const events: string[] = [];
    let size = 0;
    let lastServerSeq: number | undefined;
    let hasMore = false;
    for (const [serverSeq, json] of rows) {
      if (events.length === limit || (events.length > 0 && size + json.length > PAGE_BYTE_BUDGET)) {
        hasMore = true;
        break; // ends the iteration, which resets the statement
      }
      events.push(json);
      size += json.length;
      lastServerSeq = serverSeq;
    }
    return { eventsJson: events.join(','), count: events.length, lastServerSeq, hasMore };
  }

  /**
   * COUNT(*) reads the whole table (tens of ms at a million events), so it runs
   * once per opened handle and append keeps the number current from then on:
   * this log is the only writer of the table while the server runs.
   */
  status(db: Database): EventLogStatus {
    const statements = this.statementsFor(db);
    statements.eventCount ??= statements.count.get() as number;
    const newest = statements.newest.get() as [number, string] | undefined;
    return { eventCount: statements.eventCount, lastServerSeq: newest?.[0] ?? 0, lastEventTime: newest?.[1] };
  }

  private statementsFor(db: Database): Statements {
    let statements = this.statements.get(db);
    if (!statements) {
      statements = prepare(db);
      this.statements.set(db, statements);
    }
    return statements;
  }
}

function prepare(db: Database): Statements {
  const insert = db.prepare(
    `INSERT INTO events (device_id, session_id, client_action_id, action_type, entity_type, entity_id, payload, client_timestamp, server_timestamp)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const storedSeq = db.prepare(`SELECT server_seq FROM events WHERE device_id = ? AND session_id = ? AND client_action_id = ?`).pluck();
  const anyStoredIn = db
    .prepare(`SELECT EXISTS (SELECT 1 FROM events WHERE device_id = ? AND session_id = ? AND client_action_id BETWEEN ? AND ?)`)
    .pluck();

  // Duplicates are found before inserting, never by hitting the unique
  // constraint: an INSERT that does (OR IGNORE, ON CONFLICT DO NOTHING) still
  // advances AUTOINCREMENT and would leave a gap in server_seq. A client's ids
  // mostly only grow, so one range probe usually shows that none of the batch
  // is stored yet and spares a look-up per event (~20% of a 1000-event push);
  // otherwise (a retried batch) each event is looked up. A duplicate within
  // the batch is answered from `inserted`. Inside the IMMEDIATE transaction
  // nothing else can insert in between, and the unique constraint still stands
  // guard: a bug here would fail the batch, never store an event twice.
  const append = db.transaction<Append>((batch, serverTimestamp) => {
    const { deviceId, sessionId, events } = batch;
    const count = events.length;
    const outcomes = new Uint8Array(count);
    const serverSeqs = new Float64Array(count);
    let accepted = 0;

    let lowest = events[0].clientActionId;
    let highest = lowest;
    for (let i = 1; i < count; i++) {
      const id = events[i].clientActionId;
      if (id < lowest) lowest = id;
      else if (id > highest) highest = id;
    }
    const mayBeStored = anyStoredIn.get(deviceId, sessionId, lowest, highest) === 1;
    const inserted = new Map<number | bigint, number>();

    for (let i = 0; i < count; i++) {
      const event = events[i];
      if (event.entityId === '') {
        outcomes[i] = PushOutcome.EmptyEntityId;
        continue;
      }
      const id = event.clientActionId;
      const existing = inserted.get(id) ?? (mayBeStored ? (storedSeq.get(deviceId, sessionId, id) as number | undefined) : undefined);
      if (existing !== undefined) {
        outcomes[i] = PushOutcome.Duplicate;
        serverSeqs[i] = existing;
        continue;
      }
      const seq = Number(
        insert.run(deviceId, sessionId, id, event.actionType, event.entityType, event.entityId, event.payload, event.clientTimestamp, serverTimestamp)
          .lastInsertRowid,
      );
      inserted.set(id, seq);
      outcomes[i] = PushOutcome.Acked;
      serverSeqs[i] = seq;
      accepted++;
    }
    return { accepted, outcomes, serverSeqs };
  });

  const insertStored = db.prepare(
    `INSERT INTO events (server_seq, device_id, session_id, client_action_id, action_type, entity_type, entity_id, payload, client_timestamp, server_timestamp)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const highestSeq = db.prepare('SELECT coalesce(max(server_seq), 0) FROM events').pluck().safeIntegers(true);
  const appendStored = db.transaction<AppendStored>((events) => {
    let previous = highestSeq.get() as bigint;
    for (const event of events) {
      const seq = BigInt(event.serverSeq);
      if (seq <= previous) throw new Error(`server_seq ${seq} does not ascend past ${previous}`);
      previous = seq;
      insertStored.run(
        seq,
        event.deviceId,
        event.sessionId,
        event.clientActionId,
        event.actionType,
        event.entityType,
        event.entityId,
        event.payload,
        event.clientTimestamp,
        event.serverTimestamp,
      );
    }
  });

  return {
    append,
    appendStored,
    page: db.prepare(`SELECT server_seq, ${EVENT_JSON} FROM events WHERE server_seq > ? ORDER BY server_seq LIMIT ?`).raw(),
    pageExcluding: db
      .prepare(`SELECT server_seq, ${EVENT_JSON} FROM events WHERE server_seq > ? AND device_id <> ? ORDER BY server_seq LIMIT ?`)
      .raw(),
    count: db.prepare(`SELECT COUNT(*) FROM events`).pluck(),
    newest: db.prepare(`SELECT server_seq, server_timestamp FROM events ORDER BY server_seq DESC LIMIT 1`).raw(),
    eventCount: undefined,
  };
}
