import type { PushEvent } from '@td-sync/storage';

/**
 * A validated push event whose payload stays the bytes of the request body,
 * not a copy: both stores write them as they are (SQLite binds them,
 * PostgreSQL copies them into the statement's text array), so a 1000-event
 * push decodes no megabyte of payload text into strings. `payload` decodes
 * on every read and keeps nothing: a kept string waits with its batch for
 * the commit and is promoted to old space (300 MB in 5 s of PostgreSQL
 * pushes when the plan read it; docs/performance.md).
 *
 * The event keeps where its payload lies in the body, and makes the view of
 * those bytes only when a store binds them: a batch waits for its turn at the
 * writer (half a second with 32 clients pushing 1000-event batches), and a
 * view per event held all that time was promoted to V8's old space with its
 * event, a thousand objects per push for a full collection to find.
 */
export class PushEventFromBytes implements PushEvent {
  constructor(
    readonly clientActionId: number | bigint,
    readonly actionType: string,
    readonly entityType: string,
    readonly entityId: string,
    private readonly body: Buffer,
    private readonly payloadStart: number,
    private readonly payloadEnd: number,
    readonly clientTimestamp: string,
  ) {}

  get payloadBytes(): Buffer {
    return this.body.subarray(this.payloadStart, this.checkedEnd());
  }

  get payloadByteLength(): number {
    return this.payloadEnd - this.payloadStart;
  }

  get payload(): string {
    return this.body.toString('utf8', this.payloadStart, this.checkedEnd());
  }

  /**
   * The body's memory is handed back once the push is answered (see
   * releaseBufferMemory), which is after the store has read every payload.
   * Should that order ever break, a read fails the push (a 500, nothing
   * stored) instead of storing an empty payload.
   */
  private checkedEnd(): number {
    if (this.body.length < this.payloadEnd) throw new Error('a push payload was read after its request body was released');
    return this.payloadEnd;
  }
}
