import { StatementBatcher } from './statement-batcher';

interface Item {
  n: number;
  resolve(value: number): void;
  reject(error: unknown): void;
}

/** A send whose statements the spec answers by hand: each call's batch, and a way to finish it. */
function manualSend() {
  const calls: { batch: number[]; finish(): void; fail(error: Error): void }[] = [];
  const send = (batch: Item[]) =>
    new Promise<void>((resolve, reject) => {
      calls.push({
        batch: batch.map((item) => item.n),
        finish: () => {
          batch.forEach((item) => item.resolve(item.n * 10));
          resolve();
        },
        fail: reject,
      });
    });
  return { calls, send };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('StatementBatcher', () => {
  function add(batcher: StatementBatcher<Item>, n: number): Promise<number> {
    return new Promise<number>((resolve, reject) => batcher.add({ n, resolve, reject }));
  }

  it('sends an item in its turn when nothing is in flight, and the items that arrive meanwhile together next', async () => {
    const { calls, send } = manualSend();
    const batcher = new StatementBatcher<Item>(send);
    const first = add(batcher, 1);
    await flush();
    expect(calls.map((call) => call.batch)).toEqual([[1]]);
    const later = [2, 3, 4].map((n) => add(batcher, n));
    expect(calls).toHaveLength(1);
    calls[0].finish();
    expect(await first).toBe(10);
    await flush();
    expect(calls.map((call) => call.batch)).toEqual([[1], [2, 3, 4]]);
    calls[1].finish();
    expect(await Promise.all(later)).toEqual([20, 30, 40]);
  });

  it('sends the items added in one turn of the event loop as one statement', async () => {
    const { calls, send } = manualSend();
    const batcher = new StatementBatcher<Item>(send);
    // As requests that one statement answered come back, each after a few awaits of its own.
    const together = [1, 2].map((n) => add(batcher, n));
    await Promise.resolve();
    await Promise.resolve();
    together.push(add(batcher, 3));
    await flush();
    expect(calls.map((call) => call.batch)).toEqual([[1, 2, 3]]);
    calls[0].finish();
    expect(await Promise.all(together)).toEqual([10, 20, 30]);
  });

  it('takes each batch as `take` says, and tells when it is idle', async () => {
    const { calls, send } = manualSend();
    const idle = jest.fn();
    const batcher = new StatementBatcher<Item>(send, (waiting) => waiting.splice(0, 2), idle);
    const all = [1, 2, 3, 4, 5, 6].map((n) => add(batcher, n));
    await flush();
    for (let i = 0; i < 3; i++) {
      expect(idle).not.toHaveBeenCalled();
      calls[i].finish();
      await flush();
    }
    expect(calls.map((call) => call.batch)).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(await Promise.all(all)).toEqual([10, 20, 30, 40, 50, 60]);
    expect(idle).toHaveBeenCalledTimes(1);
    // Idle again: the next item goes at once.
    void add(batcher, 7);
    await flush();
    expect(calls[3].batch).toEqual([7]);
  });

  it('rejects every item of a batch whose send fails, and goes on with the next batch', async () => {
    const { calls, send } = manualSend();
    const batcher = new StatementBatcher<Item>(send);
    const first = add(batcher, 1);
    await flush();
    const failing = [2, 3].map((n) => add(batcher, n));
    const next = add(batcher, 4);
    calls[0].finish();
    await first;
    await flush();
    expect(calls[1].batch).toEqual([2, 3, 4]);
    calls[1].fail(new Error('statement failed'));
    for (const item of [...failing, next]) await expect(item).rejects.toThrow('statement failed');
    const after = add(batcher, 5);
    await flush();
    calls[2].finish();
    expect(await after).toBe(50);
  });

  it('rejects the batch when send throws before returning its promise', async () => {
    const batcher = new StatementBatcher<Item>(() => {
      throw new Error('could not build the statement');
    });
    await expect(add(batcher, 1)).rejects.toThrow('could not build the statement');
  });
});
