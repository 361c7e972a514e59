import { sortOutBatchCopies } from './batch-copies';
import { PushEvent, PushOutcome } from './event-store';

const { Acked, Duplicate, EmptyEntityId } = PushOutcome;

/** Events with these ids; an id written as `[id]` has an empty entity_id. */
function batch(...ids: Array<number | bigint | [number | bigint]>): PushEvent[] {
  return ids.map((spec) => {
    const [clientActionId, entityId] = Array.isArray(spec) ? [spec[0], ''] : [spec, `td-${String(spec)}`];
    return { clientActionId, actionType: 'create', entityType: 'issues', entityId, payload: '{}', clientTimestamp: '2026-01-31T08:15:02Z' };
  });
}

describe('sortOutBatchCopies', () => {
  it('takes every event of ascending ids as a first copy', () => {
    const copies = sortOutBatchCopies(batch(3, 4, 9, 10));
    expect([...copies.outcomes]).toEqual([Acked, Acked, Acked, Acked]);
    expect([...copies.firstCopyOf]).toEqual([-1, -1, -1, -1]);
    expect(copies).toMatchObject({ firstCopies: 4, lowest: 3, highest: 10 });
  });

  it('answers a later copy of an id with its first copy, however far back that is', () => {
    const copies = sortOutBatchCopies(batch(5, 6, 7, 5, 8, 7, 5));
    expect([...copies.outcomes]).toEqual([Acked, Acked, Acked, Duplicate, Acked, Duplicate, Duplicate]);
    // Every copy points at the first one, never at another later copy.
    expect([...copies.firstCopyOf]).toEqual([-1, -1, -1, 0, -1, 2, 0]);
    expect(copies).toMatchObject({ firstCopies: 4, lowest: 5, highest: 8 });
  });

  it('takes descending distinct ids as first copies, with their true lowest and highest', () => {
    const copies = sortOutBatchCopies(batch(9, 2, 7, -4));
    expect([...copies.outcomes]).toEqual([Acked, Acked, Acked, Acked]);
    expect([...copies.firstCopyOf]).toEqual([-1, -1, -1, -1]);
    expect(copies).toMatchObject({ firstCopies: 4, lowest: -4, highest: 9 });
  });

  it('refuses an event without entity_id alone, and it is no first copy of its id', () => {
    const copies = sortOutBatchCopies(batch(1, [2], 2, [2], 3, [1]));
    expect([...copies.outcomes]).toEqual([Acked, EmptyEntityId, Acked, EmptyEntityId, Acked, EmptyEntityId]);
    expect([...copies.firstCopyOf]).toEqual([-1, -1, -1, -1, -1, -1]);
    expect(copies).toMatchObject({ firstCopies: 3, lowest: 1, highest: 3 });
  });

  it('leaves lowest and highest out of events refused alone', () => {
    const copies = sortOutBatchCopies(batch([100], 5, [-100], 4, 5));
    expect([...copies.outcomes]).toEqual([EmptyEntityId, Acked, EmptyEntityId, Acked, Duplicate]);
    expect([...copies.firstCopyOf]).toEqual([-1, -1, -1, -1, 1]);
    expect(copies).toMatchObject({ firstCopies: 2, lowest: 4, highest: 5 });
  });

  it('has no first copy and no range when every event lacks entity_id', () => {
    const copies = sortOutBatchCopies(batch([1], [1], [2]));
    expect([...copies.outcomes]).toEqual([EmptyEntityId, EmptyEntityId, EmptyEntityId]);
    expect(copies).toMatchObject({ firstCopies: 0, lowest: null, highest: null });
  });

  it('tells ids beyond 2^53 apart exactly (bigints), and matches equal ones', () => {
    const big = 2n ** 62n;
    const copies = sortOutBatchCopies(batch(big + 1n, big, big + 1n, 2n ** 53n + 1n, -(2n ** 63n)));
    expect([...copies.outcomes]).toEqual([Acked, Acked, Duplicate, Acked, Acked]);
    expect([...copies.firstCopyOf]).toEqual([-1, -1, 0, -1, -1]);
    expect(copies).toMatchObject({ firstCopies: 4, lowest: -(2n ** 63n), highest: big + 1n });
  });

  it('orders safe numbers and bigints together', () => {
    const copies = sortOutBatchCopies(batch(7, 2n ** 60n, 8, 7));
    expect([...copies.outcomes]).toEqual([Acked, Acked, Acked, Duplicate]);
    expect([...copies.firstCopyOf]).toEqual([-1, -1, -1, 0]);
    expect(copies).toMatchObject({ firstCopies: 3, lowest: 7, highest: 2n ** 60n });
  });

  it('gives the same answer whether the repeat comes early or after a long ascending run', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => i + 1);
    const copies = sortOutBatchCopies(batch(...ids, 1000, 1));
    expect(copies.outcomes[1000]).toBe(Duplicate);
    expect(copies.firstCopyOf[1000]).toBe(999);
    expect(copies.outcomes[1001]).toBe(Duplicate);
    expect(copies.firstCopyOf[1001]).toBe(0);
    expect([...copies.outcomes.subarray(0, 1000)].every((outcome) => outcome === Acked)).toBe(true);
    expect(copies).toMatchObject({ firstCopies: 1000, lowest: 1, highest: 1000 });
  });
});
