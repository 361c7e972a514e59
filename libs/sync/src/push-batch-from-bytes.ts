import type { PushBatch, PushEvent } from '@td-sync/storage';

/**
 * A validated push whose events are made only when a store first reads them.
 *
 * Under load a push waits between its parse and its store's commit: bodies
 * that complete in the same turn of the event loop are all parsed before the
 * first is committed (the group commit runs at the end of the turn), and each
 * parse allocates a few hundred KB. A thousand event objects made at parse
 * time outlived the minor collections those parses set off and were promoted
 * to V8's old space, to wait there for a full collection: with 32 clients
 * pushing 1000-event batches that was half of the server's old-space garbage.
 * Made when the store binds them, they live through one commit and its
 * answer, and most die young. The parse has already checked every event
 * (making each once and dropping it), so making them again cannot fail.
 */
export class PushBatchFromBytes implements PushBatch {
  private made: PushEvent[] | undefined;

  constructor(
    readonly deviceId: string,
    readonly sessionId: string,
    readonly eventCount: number,
    private readonly eventAt: (i: number) => PushEvent,
  ) {}

  get events(): PushEvent[] {
    if (this.made === undefined) {
      const events = new Array<PushEvent>(this.eventCount);
      for (let i = 0; i < this.eventCount; i++) events[i] = this.eventAt(i);
      this.made = events;
    }
    return this.made;
  }
}
