import type { Database, Statement } from 'better-sqlite3';
import { isUtf8 } from 'node:buffer';
import { sortOutBatchCopies } from '../repositories/batch-copies';
import { AppendResult, EventLogStatus, EventPage, PAGE_BYTE_BUDGET, PushBatch, PushEvent, PushOutcome, StoredEvent } from '../repositories/event-store';
import { SqliteTransactionRunner } from './sqlite-transaction-runner';

type Append = (batch: PushBatch, serverTimestamp: string) => AppendResult;
type AppendStored = (events: StoredEvent[]) => void;

/** One batch of a group commit (SqliteEventLog.appendAll), with the access check to run right before it. */
export interface GroupedAppend {
  batch: PushBatch;
  serverTimestamp: string;
  /** Throws to refuse the batch. */
  admit: () => void;
}

/** Each runs in a transaction of its own (append in a savepoint when one is open). */
interface Statements {
  append: Append;
  appendAll: (appends: readonly GroupedAppend[]) => Array<AppendResult | Error>;
  appendStored: AppendStored;
  count: () => Statement;
  newest: () => Statement;
  /** Rows in the table, once counted; kept current by append (see status). */
  eventCount: number | undefined;
}

/**
 * One pull event object of the row `row` (a table name or alias), written by
 * SQLite: the payload column is spliced in as the stored text, the strings are
 * quoted by json_quote and the integers (client_action_id is int64) printed
 * exactly (`%s` renders a value as `||` would). One format() per event
 * instead of seventeen concatenations, each copying the growing text.
 */
const eventJson = (row: string) => `format('{"server_seq":%s,"device_id":%s,"session_id":%s,"client_action_id":%s,"action_type":%s,"entity_type":%s,"entity_id":%s,"payload":%s,"client_timestamp":%s}',
    ${row}.server_seq, json_quote(${row}.device_id), json_quote(${row}.session_id), ${row}.client_action_id, json_quote(${row}.action_type),
    json_quote(${row}.entity_type), json_quote(${row}.entity_id), ${row}.payload, json_quote(${row}.client_timestamp))`;

/** Every device_id of the log, ascending, one index seek each (then a NULL, which ends the walk). */
const DEVICE_WALK = `WITH RECURSIVE device(id) AS (
    SELECT (SELECT min(device_id) FROM events)
    UNION ALL
    SELECT (SELECT min(device_id) FROM events WHERE device_id > device.id) FROM device WHERE device.id IS NOT NULL
  )`;

/** A page in server_seq order: the rowid range after the cursor, nothing else read; `:rows` at most. */
const pageRows = (columns: string) => `SELECT ${columns} FROM events WHERE server_seq > :after ORDER BY server_seq LIMIT :rows`;

/**
 * A page that leaves out one device's events without reading them, on the
 * events_by_device index (device_id, server_seq). `WHERE device_id <> ?` in
 * the plain page would read every excluded row after the cursor; a `td` whose
 * autosync pulls right after its own pushes finds nothing but its own events
 * there and would reread the whole growing tail on every pull (the plain scan
 * takes 55 ms at 100,000 own events, this 0.1 ms).
 *
 * The devices are walked by skipping from one device_id to the next in the
 * index (never through the excluded device's entries); for each other device
 * at most `:rows` entries after the cursor are taken (bounded by its
 * `:rows`-th one), the `:rows` lowest server_seqs of all of them are kept, and
 * only those rows are read (CROSS JOIN keeps SQLite from scanning `events` and
 * probing `page`). The cost is up to twice `:rows` index entries per other
 * device that has events after the cursor, so when the excluded device has
 * none there, the plain page (the same answer) is used instead, and when no
 * other device has any, the page is empty without reading it: see page().
 */
const pageRowsExcluding = (columns: string) => `${DEVICE_WALK},
  page(server_seq) AS (
    SELECT e.server_seq FROM device JOIN events e ON e.device_id = device.id
    WHERE device.id <> :exclude AND e.server_seq > :after
      AND e.server_seq <= coalesce(
        (SELECT s.server_seq FROM events s WHERE s.device_id = device.id AND s.server_seq > :after
         ORDER BY s.server_seq LIMIT 1 OFFSET :rows - 1),
        9223372036854775807)
    ORDER BY e.server_seq LIMIT :rows
  )
  SELECT ${columns} FROM page CROSS JOIN events ON events.server_seq = page.server_seq
  ORDER BY page.server_seq`;

/**
 * The page as one row: how many events, the last one's seq, and their pull
 * objects joined by commas as one UTF-8 blob. SQLite appends each event to
 * one growing buffer and hands it over as a single Buffer, instead of a
 * JavaScript string per event to be joined, re-encoded as UTF-8 and (for a
 * 1 MB page) kept in the old generation until a full GC: a 1000-event page
 * takes about 2.6 ms of CPU instead of 6.5. The subquery has a LIMIT, so
 * SQLite cannot flatten it into the aggregate: the events reach group_concat
 * in the subquery's server_seq order.
 */
const pageJsonSql = (rows: string) => `SELECT count(*), max(server_seq), CAST(group_concat(event, ',') AS BLOB) FROM (${rows})`;

export const PAGE_SQL = pageJsonSql(pageRows(`server_seq, ${eventJson('events')} AS event`));
export const PAGE_EXCLUDING_SQL = pageJsonSql(pageRowsExcluding(`events.server_seq, ${eventJson('events')} AS event`));

/**
 * The size each event of a page counts for against PAGE_BYTE_BUDGET: its
 * payload and id bytes plus 160 for the rest, as PostgreSQL counts it
 * (td_sync_page), so both backends end a page at the same event. octet_length
 * reads a value's size without its text. The page's byte budget is checked on
 * their sum before a page is built (see page()).
 */
const eventSize = (row: string) =>
  `octet_length(${row}.payload) + octet_length(${row}.device_id) + octet_length(${row}.session_id) + octet_length(${row}.entity_id) + 160 AS bytes`;
const PAGE_SIZES_SQL = pageRows(eventSize('events'));
const PAGE_SIZES_EXCLUDING_SQL = pageRowsExcluding(eventSize('events'));
const pageSizeSql = (sizes: string) => `SELECT count(*), coalesce(sum(bytes), 0) FROM (${sizes})`;

/**
 * Whether the excluded device has an event after the cursor (one index seek),
 * and whether any other device has (one seek per device, walked as above,
 * until one has). The second is what a `td` pulling right after its own push
 * asks, while nobody else has written: it finds its answer, an empty page, in
 * a few microseconds, where the excluding page costs about 100 (its sort and
 * its recursive walk each open a temporary b-tree).
 */
export const EXCLUSION_FACTS_SQL = `${DEVICE_WALK}
  SELECT EXISTS (SELECT 1 FROM events WHERE device_id = :exclude AND server_seq > :after),
    EXISTS (SELECT 1 FROM device WHERE device.id <> :exclude AND EXISTS (SELECT 1 FROM events e WHERE e.device_id = device.id AND e.server_seq > :after))`;

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
  private readonly pageStatements = new WeakMap<Database, PageStatements>();
  private readonly transactions = new WeakMap<Database, SqliteTransactionRunner>();

  /** Appends a validated batch in one transaction; outcomes come in request order. */
  append(db: Database, batch: PushBatch, serverTimestamp: string): AppendResult {
    const statements = this.statementsFor(db);
    const result = statements.append(batch, serverTimestamp);
    // Only after the commit: a batch that threw was rolled back whole.
    if (statements.eventCount !== undefined) statements.eventCount += result.accepted;
    return result;
  }

  /**
   * Appends several batches in one IMMEDIATE transaction, so they share one
   * commit (one WAL write and sync point instead of one each). Each runs in
   * its own savepoint after its `admit` check, in that same synchronous step:
   * a batch that is refused or fails is rolled back alone and answered with
   * its error; the others are stored. Should SQLite abandon the whole
   * transaction (a full disk, say), nothing of the group is stored and this
   * throws. Results come in the order given.
   */
  appendAll(db: Database, appends: readonly GroupedAppend[]): Array<AppendResult | Error> {
    const statements = this.statementsFor(db);
    const results = statements.appendAll(appends);
    // Only after the commit: nothing of the group is stored if it threw.
    for (const result of results) if (!(result instanceof Error) && statements.eventCount !== undefined) statements.eventCount += result.accepted;
    return results;
  }

  /**
   * Appends events that keep the seqs another server gave them, in one
   * transaction. AUTOINCREMENT then continues after the highest, so the next
   * push gets a seq no client has seen.
   */
  appendStored(db: Database, events: StoredEvent[]): void {
    const statements = this.statementsFor(db);
    statements.appendStored(events);
    if (statements.eventCount !== undefined) statements.eventCount += events.length;
  }

  /**
   * Up to `limit` events after `afterServerSeq`, ascending, leaving out those of
   * `excludeDevice`, as UTF-8 JSON. One row beyond the limit is counted to know
   * exactly whether more remain; everything is read in one read transaction,
   * so in one snapshot.
   *
   * A page also stops before the event that would take it past
   * PAGE_BYTE_BUDGET bytes (counted as in eventSize; it always holds at least one): a writer may store a
   * thousand 10 MiB payloads, and a page of them built in memory at once would
   * take the server down for everyone. has_more is then true, as PROTOCOL.md
   * allows, and the client asks again. The events' sizes are summed first
   * (without reading the payloads' text); only a page over the budget has them
   * stepped one by one to find where it ends.
   */
  page(db: Database, afterServerSeq: number | bigint, limit: number, excludeDevice: string | undefined): EventPage {
    let statements = this.pageStatements.get(db);
    if (!statements) {
      statements = preparePage(db, this.transactionsOf(db));
      this.pageStatements.set(db, statements);
    }
    return statements.read(afterServerSeq, limit, excludeDevice);
  }

  /**
   * COUNT(*) reads the whole table (tens of ms at a million events), so it runs
   * once per opened handle and append keeps the number current from then on:
   * this log is the only writer of the table while the server runs.
   */
  status(db: Database): EventLogStatus {
    const statements = this.statementsFor(db);
    statements.eventCount ??= statements.count().get() as number;
    const newest = statements.newest().get() as [number, string] | undefined;
    return { eventCount: statements.eventCount, lastServerSeq: newest?.[0] ?? 0, lastEventTime: newest?.[1] };
  }

  private statementsFor(db: Database): Statements {
    let statements = this.statements.get(db);
    if (!statements) {
      statements = prepare(db, this.transactionsOf(db));
      this.statements.set(db, statements);
    }
    return statements;
  }

  private transactionsOf(db: Database): SqliteTransactionRunner {
    let transactions = this.transactions.get(db);
    if (!transactions) {
      transactions = new SqliteTransactionRunner(db);
      this.transactions.set(db, transactions);
    }
    return transactions;
  }
}

type ReadPage = (afterServerSeq: number | bigint, limit: number, excludeDevice: string | undefined) => EventPage;

interface PageStatements {
  /** The whole page read, in one read transaction. */
  read: ReadPage;
}

/** One variant of the page statements: the plain page, or the one excluding a device. */
interface PageVariant {
  /** [events (up to :rows), sum of their payload bytes] */
  size: Statement;
  /** each event's payload bytes, in page order */
  sizes: Statement;
  /** [count, last server_seq, events JSON blob] */
  json: Statement;
}

const emptyPage = (): EventPage => ({ eventsJson: Buffer.alloc(0), count: 0, lastServerSeq: undefined, hasMore: false });

function preparePage(db: Database, transactions: SqliteTransactionRunner): PageStatements {
  const variant = (sizes: string, json: string): PageVariant => ({
    size: db.prepare(pageSizeSql(sizes)).raw(),
    sizes: db.prepare(sizes).pluck(),
    json: db.prepare(json).raw(),
  });
  const plain = variant(PAGE_SIZES_SQL, PAGE_SQL);
  const excluding = variant(PAGE_SIZES_EXCLUDING_SQL, PAGE_EXCLUDING_SQL);
  const exclusionFacts = db.prepare(EXCLUSION_FACTS_SQL).raw();

  const readInSnapshot: ReadPage = (after, limit, exclude) => {
    let excludes = false;
    if (exclude !== undefined) {
      const [excludedAfter, othersAfter] = exclusionFacts.get({ exclude, after }) as [number, number];
      if (othersAfter === 0) return emptyPage();
      // Excluding a device that has nothing after the cursor is the plain page, which costs less.
      excludes = excludedAfter === 1;
    }
    const { size, sizes, json } = excludes ? excluding : plain;
    const params: Record<string, unknown> = excludes ? { after, exclude, rows: limit + 1 } : { after, rows: limit + 1 };
    const [found, bytes] = size.get(params) as [number, number];
    const rows = bytes > PAGE_BYTE_BUDGET ? rowsWithinBudget(sizes.iterate(params) as IterableIterator<number>, limit) : Math.min(found, limit);
    if (rows === 0) return emptyPage();
    params.rows = rows;
    const [count, lastServerSeq, events] = json.get(params) as [number, number, Buffer];
    // The same snapshot, the same rows: a mismatch would be a bug here, never a page with a hole.
    if (count !== rows) throw new Error(`a pull page read ${count} events where it counted ${rows}`);
    return { eventsJson: validUtf8(events), count, lastServerSeq, hasMore: found > rows };
  };
  return { read: (after, limit, exclude) => transactions.run('DEFERRED', () => readInSnapshot(after, limit, exclude)) };
}

/**
 * The page's bytes as valid UTF-8. Text that came through the API always is,
 * but a log taken over from elsewhere (`td-sync import-go`: Go strings may
 * hold any bytes) may not be; such a page is decoded and encoded again, which
 * replaces each invalid sequence with U+FFFD exactly as reading the text into
 * JavaScript strings did before pages were built as bytes. Checking costs
 * about 0.05 ms for a 1 MB page.
 */
function validUtf8(bytes: Buffer): Buffer {
  return isUtf8(bytes) ? bytes : Buffer.from(bytes.toString('utf8'));
}

/** How many of a page's leading events (at most `limit`, at least one) keep it within PAGE_BYTE_BUDGET. */
function rowsWithinBudget(sizes: IterableIterator<number>, limit: number): number {
  let rows = 0;
  let total = 0;
  for (const bytes of sizes) {
    if (rows === limit || (rows > 0 && total + bytes > PAGE_BYTE_BUDGET)) break; // ends the iteration, which resets the statement
    total += bytes;
    rows++;
  }
  return rows;
}

const EVENT_COLUMNS = '(device_id, session_id, client_action_id, action_type, entity_type, entity_id, payload, client_timestamp, server_timestamp)';

/**
 * The values every row of a batch shares, bound by name once per INSERT
 * instead of once per row: each string bound is converted to UTF-8 and copied
 * twice (by better-sqlite3, then by SQLite), so three fewer per row take about
 * 0.5 ms off a 1000-event push.
 */
interface BatchValues {
  device: string;
  session: string;
  serverTime: string;
}

/** The anonymous parameters of one row (see bindRow). */
const VALUES_PER_ROW = 6;

/**
 * Rows per multi-row INSERT. Stepping one statement per 32 rows instead of
 * one per row takes about a tenth off a 1000-event push's SQLite time. Within
 * one statement the rows get consecutive server_seqs (AUTOINCREMENT, inserted
 * in order, nothing else writing), so the last rowid gives them all.
 */
export const ROWS_PER_INSERT = 32;

/**
 * A payload is bound as the request's bytes when the parser kept them (see
 * PushEvent.payloadBytes). better-sqlite3 binds a Buffer as a BLOB, which the
 * TEXT column would keep as a BLOB (its affinity converts numbers only), so
 * the CAST makes it TEXT: the very bytes, valid UTF-8 (the parser checked),
 * typeof 'text' as a string would be, for the pull's JSON and for any other
 * reader of events.db. Casting a string is a no-op.
 */
const ROW_PLACEHOLDERS = '(@device, @session, ?, ?, ?, ?, CAST(? AS TEXT), ?, @serverTime)';

/**
 * OR FAIL: a constraint that fails stops the statement and keeps its earlier
 * rows, where the default (ABORT) undoes them. Nothing is kept either way,
 * since the error ends the batch's transaction (or savepoint) and that rolls
 * back all of it; but a multi-row statement that may ABORT makes SQLite copy
 * every page it touches into a statement journal first (spilled to a temp
 * file past 64 KiB), about 0.5 ms of a 1000-event push.
 */
const insertSql = (rows: number) => `INSERT OR FAIL INTO events ${EVENT_COLUMNS} VALUES ${Array<string>(rows).fill(ROW_PLACEHOLDERS).join(', ')}`;

/**
 * The anonymous parameters of one multi-row INSERT, filled row by row and
 * bound at once. One array for every connection: an append runs from start
 * to end in one synchronous step, so no two ever fill it at the same time,
 * and an array per open database (1.5 KB, kept as long as the database
 * stays open) was a fifth of what opening one left in V8's old space when
 * projects churn through the open-database cache (docs/performance.md,
 * Many projects).
 */
const INSERT_VALUES = new Array<unknown>(ROWS_PER_INSERT * VALUES_PER_ROW);

/** An event that keeps the seq another server gave it (appendStored). */
const INSERT_STORED_SQL = `INSERT INTO events (server_seq, device_id, session_id, client_action_id, action_type, entity_type, entity_id, payload, client_timestamp, server_timestamp)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

function prepare(db: Database, transactions: SqliteTransactionRunner): Statements {
  const insertOne = db.prepare(insertSql(1));
  // Statements most opens never need (a database opened for a few small
  // pushes never runs the 32-row INSERT, about 20 KB compiled, the Go
  // import's or the status queries): compiled the first time they are, and
  // kept in one object rather than a closure each.
  const later: { insertMany?: Statement; insertStored?: Statement; highestSeq?: Statement; count?: Statement; newest?: Statement } = {};
  const storedSeq = db.prepare(`SELECT server_seq FROM events WHERE device_id = ? AND session_id = ? AND client_action_id = ?`).pluck();
  const anyStoredIn = db
    .prepare(`SELECT EXISTS (SELECT 1 FROM events WHERE device_id = ? AND session_id = ? AND client_action_id BETWEEN ? AND ?)`)
    .pluck();

  // Duplicates are found before inserting, never by hitting the unique
  // constraint: an INSERT that does (OR IGNORE, ON CONFLICT DO NOTHING) still
  // advances AUTOINCREMENT and would leave a gap in server_seq. A client's ids
  // mostly only grow, so one range probe usually shows that none of the batch
  // is stored yet and spares a look-up per event (~20% of a 1000-event push);
  // otherwise (a retried batch) each first copy is looked up. A repeat within
  // the batch is answered with the seq its first copy gets (sortOutBatchCopies
  // says which those are, for PostgreSQL too). Inside the
  // IMMEDIATE transaction nothing else can insert in between, and the unique
  // constraint still stands guard: a bug here would fail the batch, never
  // store an event twice.
  const appendRows: Append = (batch, serverTimestamp) => {
    const { deviceId, sessionId, events } = batch;
    const count = events.length;
    const { outcomes, firstCopyOf, firstCopies, lowest, highest } = sortOutBatchCopies(events);
    const serverSeqs = new Float64Array(count);
    const mayBeStored = lowest !== null && anyStoredIn.get(deviceId, sessionId, lowest, highest) === 1;

    // The first copies to insert, in request order; a first copy stored by an earlier push is a duplicate.
    const fresh = new Int32Array(firstCopies);
    let freshCount = 0;
    for (let i = 0; i < count; i++) {
      if (outcomes[i] !== PushOutcome.Acked) continue;
      const stored = mayBeStored ? (storedSeq.get(deviceId, sessionId, events[i].clientActionId) as number | undefined) : undefined;
      if (stored === undefined) {
        fresh[freshCount++] = i;
      } else {
        outcomes[i] = PushOutcome.Duplicate;
        serverSeqs[i] = stored;
      }
    }

    const batchValues: BatchValues = { device: deviceId, session: sessionId, serverTime: serverTimestamp };
    let next = 0;
    for (; next + ROWS_PER_INSERT <= freshCount; next += ROWS_PER_INSERT) {
      for (let row = 0; row < ROWS_PER_INSERT; row++) bindRow(INSERT_VALUES, row, events[fresh[next + row]]);
      const last = Number((later.insertMany ??= db.prepare(insertSql(ROWS_PER_INSERT))).run(INSERT_VALUES, batchValues).lastInsertRowid);
      for (let row = 0; row < ROWS_PER_INSERT; row++) serverSeqs[fresh[next + row]] = last - ROWS_PER_INSERT + 1 + row;
    }
    // Holds nothing of this batch past it (its payloads are views of the request's body; after a
    // failed INSERT they stay until the next batch, views of a body released with its answer).
    if (next > 0) INSERT_VALUES.fill(undefined);
    for (; next < freshCount; next++) {
      const e = events[fresh[next]];
      const seq = insertOne.run(e.clientActionId, e.actionType, e.entityType, e.entityId, e.payloadBytes ?? e.payload, e.clientTimestamp, batchValues);
      serverSeqs[fresh[next]] = Number(seq.lastInsertRowid);
    }
    // A later copy of an id is answered with its first copy's seq, new or stored.
    for (let i = 0; i < count; i++) if (firstCopyOf[i] >= 0) serverSeqs[i] = serverSeqs[firstCopyOf[i]];
    return { accepted: freshCount, outcomes, serverSeqs };
  };
  // Alone, a transaction; inside appendAll's, a savepoint.
  const append: Append = (batch, serverTimestamp) => transactions.run('IMMEDIATE', () => appendRows(batch, serverTimestamp));

  const appendGroup = (appends: readonly GroupedAppend[]): Array<AppendResult | Error> => {
    const results: Array<AppendResult | Error> = [];
    for (const { batch, serverTimestamp, admit } of appends) {
      if (!db.inTransaction) {
        // SQLite rolled the whole transaction back (SQLITE_FULL, IOERR...): what follows would commit on its own.
        results.push(results.findLast((result) => result instanceof Error) ?? new Error('the transaction was rolled back'));
        continue;
      }
      try {
        admit();
        results.push(append(batch, serverTimestamp));
      } catch (error) {
        results.push(error instanceof Error ? error : new Error(String(error)));
      }
    }
    if (!db.inTransaction) throw results.findLast((result) => result instanceof Error) ?? new Error('the transaction was rolled back');
    return results;
  };

  const appendStoredRows: AppendStored = (events) => {
    later.highestSeq ??= db.prepare('SELECT coalesce(max(server_seq), 0) FROM events').pluck().safeIntegers(true);
    later.insertStored ??= db.prepare(INSERT_STORED_SQL);
    let previous = later.highestSeq.get() as bigint;
    for (const event of events) {
      const seq = BigInt(event.serverSeq);
      if (seq <= previous) throw new Error(`server_seq ${seq} does not ascend past ${previous}`);
      previous = seq;
      later.insertStored.run(
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
  };

  return {
    append,
    appendAll: (appends) => transactions.run('IMMEDIATE', () => appendGroup(appends)),
    appendStored: (events) => transactions.run('IMMEDIATE', () => appendStoredRows(events)),
    count: () => (later.count ??= db.prepare(`SELECT COUNT(*) FROM events`).pluck()),
    newest: () => (later.newest ??= db.prepare(`SELECT server_seq, server_timestamp FROM events ORDER BY server_seq DESC LIMIT 1`).raw()),
    eventCount: undefined,
  };
}

/** Puts one event's values at row `row` of a multi-row INSERT's anonymous parameters. */
function bindRow(values: unknown[], row: number, event: PushEvent): void {
  const at = row * VALUES_PER_ROW;
  values[at] = event.clientActionId;
  values[at + 1] = event.actionType;
  values[at + 2] = event.entityType;
  values[at + 3] = event.entityId;
  values[at + 4] = event.payloadBytes ?? event.payload;
  values[at + 5] = event.clientTimestamp;
}
