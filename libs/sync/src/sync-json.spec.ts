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
    expect(text).toBe(
      '{"accepted":2,"acks":[{"client_action_id":17,"server_seq":42},{"client_action_id":9007199254740993,"server_seq":43}],' +
        '"rejected":[{"client_action_id":18,"reason":"duplicate","server_seq":40},{"client_action_id":20,"reason":"empty entity_id"}]}',
    );
  });

  it('omits rejected when nothing was, and keeps acks an array when nothing was accepted', () => {
    expect(JSON.parse(pushResponseJson(batch([1]), { accepted: 1, outcomes: Uint8Array.from([0]), serverSeqs: Float64Array.from([1]) }))).toEqual({
      accepted: 1,
      acks: [{ client_action_id: 1, server_seq: 1 }],
    });
    expect(JSON.parse(pushResponseJson(batch([1]), { accepted: 0, outcomes: Uint8Array.from([1]), serverSeqs: Float64Array.from([5]) }))).toEqual({
      accepted: 0,
      acks: [],
      rejected: [{ client_action_id: 1, reason: 'duplicate', server_seq: 5 }],
    });
  });
});

describe('pullResponseJson', () => {
  it('wraps the page with last_server_seq and has_more', () => {
    const eventsJson = '{"server_seq":41,"payload":{"a":1.0}},{"server_seq":42,"payload":{}}';
    expect(pullResponseJson({ eventsJson, count: 2, lastServerSeq: 42, hasMore: true }, 40)).toBe(
      `{"events":[${eventsJson}],"last_server_seq":42,"has_more":true}`,
    );
  });

  it('answers an empty page with the requested seq as last_server_seq', () => {
    const empty = { eventsJson: '', count: 0, lastServerSeq: undefined, hasMore: false };
    expect(pullResponseJson(empty, 42)).toBe('{"events":[],"last_server_seq":42,"has_more":false}');
    expect(pullResponseJson(empty, 9007199254740993n)).toBe('{"events":[],"last_server_seq":9007199254740993,"has_more":false}');
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
