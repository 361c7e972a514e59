/** Something waiting for a statement's answer: the batcher rejects it should sending its batch throw. */
export interface Awaiting {
  reject(error: unknown): void;
}

/**
 * Work sent to PostgreSQL one statement at a time, the work that arrives
 * while a statement is out going together as the next one. An item that
 * finds nothing in flight is sent at the end of the event loop's turn, with
 * whatever else that turn added; under load one round trip serves several
 * requests, and each item's statement still starts after the item arrived
 * (it reads what committed before).
 *
 * `send` answers every item of its batch (resolving or rejecting each); a
 * `send` that throws has each item rejected with the error. `take` picks the
 * next batch off the front of the waiting items (all of them by default);
 * `onIdle` is told when the last batch has been answered and none waits.
 */
export class StatementBatcher<T extends Awaiting> {
  private readonly waiting: T[] = [];
  private sending = false;
  private scheduled = false;

  constructor(
    private readonly send: (batch: T[]) => Promise<void>,
    private readonly take: (waiting: T[]) => T[] = (waiting) => waiting.splice(0, waiting.length),
    private readonly onIdle?: () => void,
  ) {}

  add(item: T): void {
    this.waiting.push(item);
    if (this.sending || this.scheduled) return;
    // Sent at the end of this turn of the event loop (as SQLite's group
    // commit is): requests whose bytes came in together, or that one
    // statement answered together, go as one statement.
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (!this.sending) this.sendNext();
    });
  }

  private sendNext(): void {
    if (this.waiting.length === 0) {
      this.sending = false;
      this.onIdle?.();
      return;
    }
    this.sending = true;
    const batch = this.take(this.waiting);
    let sent: Promise<void>;
    try {
      sent = this.send(batch);
    } catch (error) {
      sent = Promise.reject(error);
    }
    void sent
      .catch((error: unknown) => batch.forEach((item) => item.reject(error)))
      .finally(() => this.sendNext());
  }
}
