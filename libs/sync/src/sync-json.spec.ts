import { PushOutcome } from '@td-sync/storage';
import type { PushBatch, PushEvent } from '@td-sync/storage';
import { pullResponseJson, pushResponseJson } from './sync-json';

function pushEvent(clientActionId: number | bigint): PushEvent {
  return { clientActionId, actionType: 'create', entityType: 'issues', entityId: 'x', payload: '{}', clientTimestamp: '2026-01-31T08:15:02Z' };
}

describe('pushResponseJson', () => {
  const batch = (ids: (number | bigint)[]): PushBatch => ({ deviceId: 'd', sessionId: 's', events: ids.map(pushEvent) });

  it('lists acks and rejections in request order, exact ids included', () => {
    const text = pushResponseJson(batch([17, 18, 9007199254740993n, 20]), {
      accepted: 2,
      outcomes: Uint8Array.from([PushOutcome.Acked, PushOutcome.Duplicate, PushOutcome.Acked, PushOutcome.EmptyEntityId]),
      serverSeqs: Float64Array.from([42, 40, 43, 0]),
    });
    expect(text.toString()).toBe(
      '{"accepted":2,"acks":[{"client_action_id":17,"server_seq":42},{"client_action_id":9007199254740993,"server_seq":43}],' +
        '"rejected":[{"client_action_id":18,"reason":"duplicate","server_seq":40},{"client_action_id":20,"reason":"empty entity_id"}]}',
    );
  });

  it('omits rejected when nothing was, and keeps acks an array when nothing was accepted', () => {
    expect(JSON.parse(String(pushResponseJson(batch([1]), { accepted: 1, outcomes: Uint8Array.from([0]), serverSeqs: Float64Array.from([1]) })))).toEqual({
      accepted: 1,
      acks: [{ client_action_id: 1, server_seq: 1 }],
    });
    expect(JSON.parse(String(pushResponseJson(batch([1]), { accepted: 0, outcomes: Uint8Array.from([1]), serverSeqs: Float64Array.from([5]) })))).toEqual({
      accepted: 0,
      acks: [],
      rejected: [{ client_action_id: 1, reason: 'duplicate', server_seq: 5 }],
    });
  });

  it('writes every id and seq as JSON would: signs, zero, powers of ten, the int64 range and seqs up to 2^53', () => {
    const ids: (number | bigint)[] = [0, -0, 1, -1, 9, 10, 99, 100, -100, 123456789, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2n ** 63n - 1n, -(2n ** 63n)];
    const seqs = [1, 10, 99, 100, 1000, 999999, 1e15, 2 ** 53, 7, 8, 9, 2 ** 53 - 1, 12, 13];
    const outcomes = ids.map((_, i) => [PushOutcome.Acked, PushOutcome.Duplicate, PushOutcome.EmptyEntityId][i % 3]);
    const answer = pushResponseJson(batch(ids), { accepted: 5, outcomes: Uint8Array.from(outcomes), serverSeqs: Float64Array.from(seqs) });
    const element = (i: number): string => {
      const id = typeof ids[i] === 'bigint' ? ids[i].toString() : JSON.stringify(ids[i]);
      if (outcomes[i] === PushOutcome.Acked) return `{"client_action_id":${id},"server_seq":${JSON.stringify(seqs[i])}}`;
      if (outcomes[i] === PushOutcome.Duplicate) return `{"client_action_id":${id},"reason":"duplicate","server_seq":${JSON.stringify(seqs[i])}}`;
      return `{"client_action_id":${id},"reason":"empty entity_id"}`;
    };
    const all = ids.map((_, i) => i);
    const acks = all.filter((i) => outcomes[i] === PushOutcome.Acked).map(element);
    const rejected = all.filter((i) => outcomes[i] !== PushOutcome.Acked).map(element);
    expect(answer.toString()).toBe(`{"accepted":5,"acks":[${acks.join(',')}],"rejected":[${rejected.join(',')}]}`);
  });

  it('fits a full batch of the longest elements (duplicates with int64 ids and seqs near 2^53)', () => {
    const ids = Array.from({ length: 1000 }, () => -(2n ** 63n));
    const answer = pushResponseJson(batch(ids), {
      accepted: 0,
      outcomes: new Uint8Array(1000).fill(PushOutcome.Duplicate),
      serverSeqs: new Float64Array(1000).fill(2 ** 53),
    });
    const parsed = JSON.parse(answer.toString().replace(/-9223372036854775808/g, '"min"')) as { rejected: unknown[] };
    expect(parsed.rejected).toHaveLength(1000);
    expect(parsed.rejected[999]).toEqual({ client_action_id: 'min', reason: 'duplicate', server_seq: 2 ** 53 });
  });

  it('answers in a Buffer that is the whole of its memory, so that it can be handed back once compressed, and each answer in its own', () => {
    const acked = (n: number, firstSeq: number) => ({ accepted: n, outcomes: new Uint8Array(n), serverSeqs: Float64Array.from({ length: n }, (_, i) => firstSeq + i) });
    const ids = Array.from({ length: 1000 }, (_, i) => i + 1);
    const first = pushResponseJson(batch(ids), acked(1000, 1));
    const second = pushResponseJson(batch(ids.slice(0, 600)), acked(600, 1001));
    for (const answer of [first, second]) {
      expect(answer.byteOffset).toBe(0);
      expect(answer.buffer.byteLength).toBe(answer.length);
    }
    expect(second.buffer).not.toBe(first.buffer);
    expect((JSON.parse(first.toString()) as { acks: unknown[] }).acks[999]).toEqual({ client_action_id: 1000, server_seq: 1000 });
    expect((JSON.parse(second.toString()) as { acks: unknown[] }).acks[599]).toEqual({ client_action_id: 600, server_seq: 1600 });
  });
});

describe('pullResponseJson', () => {
  it('wraps the page with last_server_seq and has_more', () => {
    const eventsJson = '{"server_seq":41,"payload":{"a":1.0}},{"server_seq":42,"payload":{}}';
    expect(pullResponseJson({ eventsJson: Buffer.from(eventsJson), count: 2, lastServerSeq: 42, hasMore: true }, 40).toString()).toBe(
      `{"events":[${eventsJson}],"last_server_seq":42,"has_more":true}`,
    );
  });

  it('answers an empty page with the requested seq as last_server_seq', () => {
    const empty = { eventsJson: Buffer.alloc(0), count: 0, lastServerSeq: undefined, hasMore: false };
    expect(pullResponseJson(empty, 42).toString()).toBe('{"events":[],"last_server_seq":42,"has_more":false}');
    expect(pullResponseJson(empty, 9007199254740993n).toString()).toBe('{"events":[],"last_server_seq":9007199254740993,"has_more":false}');
  });

  it('answers a page of UTF-8 bytes with the same JSON, as bytes', () => {
    const eventsJson = '{"server_seq":41,"payload":{"é":"😀"}},{"server_seq":42,"payload":{}}';
    const answer = pullResponseJson({ eventsJson: Buffer.from(eventsJson), count: 2, lastServerSeq: 42, hasMore: true }, 40);
    expect(Buffer.isBuffer(answer)).toBe(true);
    expect(answer.toString()).toBe(`{"events":[${eventsJson}],"last_server_seq":42,"has_more":true}`);
    const empty = pullResponseJson({ eventsJson: Buffer.alloc(0), count: 0, lastServerSeq: undefined, hasMore: false }, 9007199254740993n);
    expect(empty.toString()).toBe('{"events":[],"last_server_seq":9007199254740993,"has_more":false}');
  });
});
