import type { AccessDecision } from './access-decision';

/** One event of a push that passed validation (libs/sync parses it at the edge), ready to store. */
export interface PushEvent {
  /**
   * The client's id, exact: a number while it is a safe integer, a bigint
   * beyond ±(2^53 − 1) (the Go client's ids are int64; storage keeps int64).
   */
  clientActionId: number | bigint;
  actionType: string;
  entityType: string;
  /** Empty when the client sent none: PROTOCOL.md rejects that event alone. */
  entityId: string;
  /** The payload object exactly as the client spelled it. */
  payload: string;
  /**
   * The same payload as UTF-8 bytes, when the parser kept them (a push body
   * is read as bytes): both stores write these as they are (SQLite binds
   * them, PostgreSQL copies them into its text array), and `payload` is
   * never decoded.
   */
  payloadBytes?: Buffer;
  /** payloadBytes' length, where reading it costs less than making them. */
  payloadByteLength?: number;
  /** The client's timestamp in UTC with the client's precision. */
  clientTimestamp: string;
}

export interface PushBatch {
  deviceId: string;
  sessionId: string;
  events: PushEvent[];
}

/** What happened to one pushed event (PROTOCOL.md, Push: per-event outcome). */
export enum PushOutcome {
  Acked = 0,
  Duplicate = 1,
  EmptyEntityId = 2,
}

export interface AppendResult {
  accepted: number;
  /** Per event, in request order. */
  outcomes: Uint8Array;
  /** Per event: the new server_seq (Acked), the stored original's (Duplicate), 0 (EmptyEntityId). */
  serverSeqs: Float64Array;
}

/** One pull page asked for (PROTOCOL.md, Pull). */
export interface EventPageRequest {
  /** A number while it is a safe integer, else a bigint (still within int64). */
  afterServerSeq: number | bigint;
  limit: number;
  /** The device whose events are left out; undefined when none is. */
  excludeDevice: string | undefined;
}

export interface EventPage {
  /** The page's events as PROTOCOL.md pull event objects, comma-separated JSON, ascending, as UTF-8 bytes. */
  eventsJson: Buffer;
  count: number;
  /** server_seq of the last event of the page; undefined when the page is empty. */
  lastServerSeq: number | undefined;
  /** Whether more matching events exist after the last one. */
  hasMore: boolean;
}

export interface EventLogStatus {
  eventCount: number;
  lastServerSeq: number;
  /** server_timestamp of the newest event; undefined when there is none. */
  lastEventTime: string | undefined;
}

/** What the operator sees of a project's event log, whoever may read it. */
export interface EventLogSummary extends EventLogStatus {
  /** Bytes the log takes in storage (SQLite: the database file with its WAL). */
  bytesOnDisk: number;
}

/** An event as another server stored it, seq and times included (a take-over: `td-sync import-go`). */
export interface StoredEvent {
  serverSeq: number | bigint;
  deviceId: string;
  sessionId: string;
  clientActionId: number | bigint;
  actionType: string;
  entityType: string;
  entityId: string;
  /** The payload JSON text, byte for byte as it is to be served. */
  payload: string;
  /** RFC 3339, UTC. */
  clientTimestamp: string;
  /** RFC 3339, UTC. */
  serverTimestamp: string;
}

/**
 * About 8 MiB of event JSON (counted in UTF-16 code units) ends a pull page
 * early (it always holds at least one event): a writer may store a thousand
 * 10 MiB payloads, and a page of them read into memory at once would take the
 * server down for everyone. has_more is then true, as PROTOCOL.md allows.
 */
export const PAGE_BYTE_BUDGET = 8 * 1024 * 1024;

/**
 * Every project's append-only event log (PROTOCOL.md, Sync).
 *
 * Each call is authorized and done in one atomic step: the store reads the
 * access facts (is the project live, what is `userId`'s role) and applies
 * `admit` to them in the same synchronous step (SQLite) or the same
 * transaction (PostgreSQL) as the work, so a push never lands after its
 * author lost the role or the project was deleted, and a pull never serves a
 * project its caller was just removed from. `admit` throws to refuse, and
 * nothing is done then.
 *
 * Within a project, server_seq values are consecutive in commit order and
 * never reused; a batch is one transaction; a duplicate
 * (device_id, session_id, client_action_id) is answered with the seq it was
 * stored under; payload text is stored and served byte for byte.
 */
export abstract class EventStore {
  /** Appends a validated batch; outcomes come in request order. `serverTimestamp` is stamped on every event of it. */
  abstract append(projectId: string, userId: string, batch: PushBatch, serverTimestamp: string, admit: AccessDecision): Promise<AppendResult>;

  /** Up to `request.limit` events after `request.afterServerSeq`, ascending, with an exact `hasMore`. */
  abstract page(projectId: string, userId: string, request: EventPageRequest, admit: AccessDecision): Promise<EventPage>;

  abstract status(projectId: string, userId: string, admit: AccessDecision): Promise<EventLogStatus>;

  /** Counts, newest event and size of a project's log, live or deleted, for the operator; undefined when it has none. */
  abstract summary(projectId: string): Promise<EventLogSummary | undefined>;

  /**
   * Appends events that already have their seqs, in one transaction, creating
   * the project's log if need be. Seqs must ascend, each above every seq
   * stored, or nothing is written; later pushes continue after the highest.
   * No access decision: only the operator's command line calls it, for a
   * project no client can reach yet.
   */
  abstract importEvents(projectId: string, events: StoredEvent[]): Promise<void>;

  /** Deletes a project's whole log (an import that failed half-way). */
  abstract removeLog(projectId: string): Promise<void>;
}
