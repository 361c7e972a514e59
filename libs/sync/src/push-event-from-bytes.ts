import type { PushEvent } from '@td-sync/storage';

/**
 * A validated push event whose payload stays the bytes of the request body
 * (a view, not a copy): the SQLite log writes them as they are, so a
 * 1000-event push decodes no megabyte of payload text into strings that are
 * garbage once the rows are stored. A store that wants text (PostgreSQL)
 * reads `payload`, decoded on the first read and kept.
 */
export class PushEventFromBytes implements PushEvent {
  constructor(
    readonly clientActionId: number | bigint,
    readonly actionType: string,
    readonly entityType: string,
    readonly entityId: string,
    readonly payloadBytes: Buffer,
    readonly clientTimestamp: string,
  ) {}

  private text: string | undefined;

  get payload(): string {
    return (this.text ??= this.payloadBytes.toString('utf8'));
  }
}
