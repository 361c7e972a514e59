import { BadRequestException } from '@nestjs/common';
import { releaseBufferMemory } from '@td-sync/memory';
import fc from 'fast-check';
import type { PushBatch, PushEvent } from '@td-sync/storage';
import { parsePushRequest } from './push-request';

function event(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    client_action_id: 1,
    action_type: 'create',
    entity_type: 'issues',
    entity_id: 'td-1',
    payload: { id: 'td-1' },
    client_timestamp: '2026-01-31T08:15:02.123Z',
    ...overrides,
  };
}

function body(events: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { device_id: 'dev-1', session_id: 'ses-1', events, ...extra };
}

/** Parses the body as the push route gets it: its UTF-8 bytes. */
function parseText(text: string) {
  return parsePushRequest(Buffer.from(text));
}

/** An event as plain values: its payload read as text, as a store that wants text reads it. */
function plainEvent({ clientActionId, actionType, entityType, entityId, payload, clientTimestamp }: PushEvent) {
  return { clientActionId, actionType, entityType, entityId, payload, clientTimestamp };
}

function parse(value: unknown) {
  return parseText(JSON.stringify(value));
}

function refusal(value: unknown): string {
  try {
    parse(value);
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestException);
    return (error as BadRequestException).message;
  }
  throw new Error('expected a 400');
}

describe('parsePushRequest', () => {
  it('turns a valid body into a batch, with the payload text and a UTC timestamp', () => {
    const text =
      '{"device_id":"dev-1","session_id":"ses-1","events":[{"client_action_id":17,"action_type":"update","entity_type":"notes",' +
      '"entity_id":"n-1","payload":{"b":1.0,"a":12345678901234567890},"client_timestamp":"2026-01-31T10:15:02.5+02:00"}]}';
    const batch = parseText(text);
    expect({ deviceId: batch.deviceId, sessionId: batch.sessionId, events: batch.events.map(plainEvent) }).toEqual({
      deviceId: 'dev-1',
      sessionId: 'ses-1',
      events: [
        {
          clientActionId: 17,
          actionType: 'update',
          entityType: 'notes',
          entityId: 'n-1',
          payload: '{"b":1.0,"a":12345678901234567890}',
          clientTimestamp: '2026-01-31T08:15:02.5Z',
        },
      ],
    });
    // The payload stays the body's bytes, for a store that writes them as they are.
    expect(batch.events[0].payloadBytes?.toString('utf8')).toBe('{"b":1.0,"a":12345678901234567890}');
  });

  it('keeps no Buffer per event while the batch waits: a payload is a range of the body, viewed only when a store binds it', () => {
    const bodyText = JSON.stringify(body([event({ client_action_id: 1 }), event({ client_action_id: 2, payload: { title: 'é' } })]));
    const raw = Buffer.from(bodyText);
    const batch = parsePushRequest(raw);
    for (const parsed of batch.events) {
      const buffers = Object.values(parsed).filter((value) => Buffer.isBuffer(value));
      expect(buffers).toHaveLength(1);
      expect(buffers[0]).toBe(raw); // the body itself, shared; nothing of the event's own
      expect(parsed.payloadByteLength).toBe(parsed.payloadBytes?.length);
    }
    expect(batch.events[1].payloadBytes?.toString('utf8')).toBe('{"title":"é"}');
    expect(batch.events[1].payloadByteLength).toBe(Buffer.byteLength('{"title":"é"}'));
  });

  it('fails a read of a payload whose body was released, rather than reading it as empty', () => {
    const raw = Buffer.alloc(64 * 1024, ' ');
    Buffer.from(JSON.stringify(body([event()]))).copy(raw);
    const [parsed] = parsePushRequest(raw).events;
    releaseBufferMemory(raw);
    expect(() => parsed.payload).toThrow(/after its request body was released/);
    expect(() => parsed.payloadBytes).toThrow(/after its request body was released/);
  });

  it('keeps client_action_ids exact across the int64 range and refuses what lies beyond', () => {
    const ids = (spelled: string) =>
      parseText(JSON.stringify(body([event()])).replace('"client_action_id":1', `"client_action_id":${spelled}`)).events[0].clientActionId;
    expect(ids('9007199254740991')).toBe(9007199254740991);
    expect(ids('9007199254740993')).toBe(9007199254740993n);
    expect(ids('9223372036854775807')).toBe(9223372036854775807n);
    expect(ids('-9223372036854775808')).toBe(-9223372036854775808n);
    expect(ids('-3')).toBe(-3);
    expect(Object.is(ids('-0'), 0)).toBe(true);
    expect(() => ids('9223372036854775808')).toThrow('outside the 64-bit integer range');
    expect(() => ids('1.0')).toThrow('events[0].client_action_id must be an integer');
    expect(() => ids('1e2')).toThrow('must be an integer');
    expect(() => ids('1E2')).toThrow('must be an integer');
  });

  it('counts a missing, null or empty entity_id as empty, for the log to reject that event alone', () => {
    const { entity_id: _omitted, ...withoutEntityId } = event();
    expect(parse(body([withoutEntityId, event({ entity_id: null }), event({ entity_id: '' })])).events.map((e) => e.entityId)).toEqual([
      '',
      '',
      '',
    ]);
  });

  it('accepts every entity and action type of PROTOCOL.md and ignores unknown fields', () => {
    const entityTypes = 'issues logs handoffs comments sessions boards board_issue_positions work_sessions work_session_issues issue_files issue_dependencies git_snapshots issue_session_history issue_reviews notes'.split(' ');
    const actionTypes = ['create', 'update', 'delete', 'soft_delete', 'restore'];
    const events = entityTypes.flatMap((entity_type) => actionTypes.map((action_type) => event({ entity_type, action_type, extra: [1] })));
    expect(parse(body(events, { schema: 2 })).events).toHaveLength(75);
  });

  it('accepts exactly 1000 events', () => {
    expect(parse(body(Array.from({ length: 1000 }, (_, i) => event({ client_action_id: i })))).events).toHaveLength(1000);
  });

  it.each<[string, unknown, string]>([
    ['an array body', [], 'request body must be a JSON object'],
    ['a missing device_id', { session_id: 's', events: [event()] }, 'device_id is required'],
    ['an empty device_id', body([event()], { device_id: '' }), 'device_id is required'],
    ['a numeric device_id', body([event()], { device_id: 5 }), 'device_id is required'],
    ['an empty session_id', body([event()], { session_id: '' }), 'session_id is required'],
    ['no events', body([]), 'events must be a non-empty array'],
    ['missing events', { device_id: 'd', session_id: 's' }, 'events must be a non-empty array'],
    ['events that are not an array', body({ 0: event() }), 'events must be a non-empty array'],
    ['1001 events', body(Array.from({ length: 1001 }, () => event())), 'too many events: 1001 (at most 1000 per push)'],
    ['an event that is not an object', body([event(), 'x']), 'events[1] must be an object'],
    ['an unknown entity_type', body([event({ entity_type: 'issue' })]), 'events[0].entity_type must be one of the entity types of the sync protocol, such as issues (got "issue")'],
    ['a missing entity_type', body([event({ entity_type: undefined })]), 'events[0].entity_type must be one of the entity types of the sync protocol, such as issues (got nothing)'],
    ['an unknown action_type', body([event({ action_type: 'upsert' })]), 'events[0].action_type must be one of create, update, delete, soft_delete, restore (got "upsert")'],
    ['a timestamp without a zone', body([event({ client_timestamp: '2026-01-31T08:15:02' })]), 'events[0].client_timestamp must be an RFC 3339 timestamp'],
    ['a date-only timestamp', body([event({ client_timestamp: '2026-01-31' })]), 'client_timestamp must be an RFC 3339 timestamp'],
    ['a numeric timestamp', body([event({ client_timestamp: 1769847302 })]), 'client_timestamp must be an RFC 3339 timestamp'],
    ['a missing timestamp', body([event({ client_timestamp: undefined })]), 'client_timestamp must be an RFC 3339 timestamp'],
    ['a missing payload', body([event({ payload: undefined })]), 'events[0].payload must be a JSON object'],
    ['a null payload', body([event({ payload: null })]), 'events[0].payload must be a JSON object'],
    ['an array payload', body([event({ payload: [1] })]), 'events[0].payload must be a JSON object'],
    ['a string payload', body([event({ payload: '{"a":1}' })]), 'events[0].payload must be a JSON object'],
    ['a fractional client_action_id', body([event({ client_action_id: 1.5 })]), 'events[0].client_action_id must be an integer'],
    ['a string client_action_id', body([event({ client_action_id: '1' })]), 'events[0].client_action_id must be an integer'],
    ['a missing client_action_id', body([event({ client_action_id: undefined })]), 'events[0].client_action_id must be an integer'],
    ['a numeric entity_id', body([event({ entity_id: 7 })]), 'events[0].entity_id must be a string'],
  ])('refuses %s', (_case, value, message) => {
    expect(refusal(value)).toContain(message);
  });

  it('names the first bad event even when an earlier one is fine', () => {
    expect(refusal(body([event(), event(), event({ action_type: 'x' })]))).toMatch(/^events\[2\]\.action_type/);
  });

  it('keeps error messages short whatever the client sent', () => {
    expect(refusal(body([event({ entity_type: 'x'.repeat(100_000) })])).length).toBeLessThan(200);
  });

  it('refuses a request without a body, and a blank one, as having no JSON object', () => {
    expect(() => parsePushRequest(undefined)).toThrow('request body must be a JSON object');
    for (const blank of ['', ' \n\t', '\u00a0']) expect(() => parseText(blank)).toThrow('request body must be a JSON object');
  });

  it('refuses bytes that are not UTF-8 before anything else, then text that is not JSON', () => {
    const valid = Buffer.from(JSON.stringify(body([event()])));
    for (const bad of [[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82]]) {
      const broken = Buffer.concat([valid.subarray(0, 10), Buffer.from(bad), valid.subarray(10)]);
      expect(() => parsePushRequest(broken)).toThrow('request body is not valid UTF-8');
    }
    expect(() => parseText(JSON.stringify(body([event()])).slice(0, -1))).toThrow('request body is not valid JSON');
    expect(() => parseText('{"device_id":"d","session_id":"s","events":[],}')).toThrow('request body is not valid JSON');
  });

  it('skips a UTF-8 byte order mark, as the decoder of every other route does', () => {
    const text = JSON.stringify(body([event()]));
    const plain = (batch: PushBatch) => ({ deviceId: batch.deviceId, sessionId: batch.sessionId, events: batch.events.map(plainEvent) });
    expect(plain(parsePushRequest(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])))).toEqual(plain(parseText(text)));
  });

  it('reads escaped spellings of the values it checks, as JSON.parse would', () => {
    const text = JSON.stringify(body([event()]))
      .replace('"create"', '"\\u0063reate"')
      .replace('"issues"', '"issue\\u0073"')
      .replace('"dev-1"', '"dev\\u002d1"')
      .replace('"td-1"', '"td\\/1"')
      .replace('"2026-01-31T08:15:02.123Z"', '"2026-01-31T08:15:02.123\\u005a"');
    expect(parseText(text)).toMatchObject({
      deviceId: 'dev-1',
      events: [{ actionType: 'create', entityType: 'issues', entityId: 'td/1', clientTimestamp: '2026-01-31T08:15:02.123Z' }],
    });
  });

  it('agrees with JSON.parse and a check of the parsed value on generated bodies, good and bad', () => {
    fc.assert(
      fc.property(pushBodyArbitrary, (value) => {
        const text = JSON.stringify(value);
        let expected: unknown;
        try {
          expected = modelParse(JSON.parse(text));
        } catch (error) {
          expected = (error as Error).message;
        }
        let actual: unknown;
        try {
          const batch = parseText(text);
          actual = { deviceId: batch.deviceId, sessionId: batch.sessionId, events: batch.events.map((e) => ({ ...plainEvent(e), payload: JSON.parse(e.payload) as unknown })) };
        } catch (error) {
          expect(error).toBeInstanceOf(BadRequestException);
          actual = (error as Error).message;
        }
        expect(actual).toEqual(expected);
      }),
      { numRuns: 1000 },
    );
  });

  it.each<[string, unknown, string]>([
    ['a device_id longer than 1024 characters', body([event()], { device_id: 'd'.repeat(1025) }), 'device_id is longer than 1024'],
    ['a session_id longer than 1024 characters', body([event()], { session_id: 's'.repeat(1025) }), 'session_id is longer than 1024'],
    ['an entity_id longer than 1024 characters', body([event({ entity_id: 'e'.repeat(1025) })]), 'events[0].entity_id is longer than 1024'],
    ['a NUL in device_id', body([event()], { device_id: 'a\u0000' }), 'device_id contains a NUL'],
    ['an unpaired surrogate in session_id', body([event()], { session_id: '\ud800' }), 'session_id contains a NUL character or an unpaired surrogate'],
    ['a NUL in entity_id', body([event({ entity_id: '\u0000' })]), 'events[0].entity_id contains'],
    ['a client_timestamp of 65 characters', body([event({ client_timestamp: `2026-01-31T08:15:02.${'1'.repeat(44)}Z` })]), 'client_timestamp must be an RFC 3339'],
  ])('refuses %s', (_case, value, message) => {
    expect(refusal(value)).toContain(message);
  });

  it('accepts ids of 1024 characters, paired surrogates and a 64-character timestamp', () => {
    const batch = parse(body([event({ entity_id: 'e'.repeat(1024), client_timestamp: `2026-01-31T08:15:02.${'1'.repeat(43)}Z` })], { device_id: '😀'.repeat(512) }));
    expect(batch.deviceId).toBe('😀'.repeat(512));
    expect(batch.events[0].entityId).toHaveLength(1024);
  });

  it('refuses a member it reads given twice, and leaves repeated keys inside a payload alone', () => {
    const one = JSON.stringify(event());
    const refused = (text: string) => {
      try {
        parseText(text);
      } catch (error) {
        return (error as Error).message;
      }
      return 'accepted';
    };
    expect(refused(`{"device_id":"a","device_id":"b","session_id":"s","events":[${one}]}`)).toBe('device_id appears twice in one object');
    expect(refused(`{"device_id":"a","session_id":"s","events":[${one.slice(0, -1)},"entity_type":"notes"}]}`)).toBe('entity_type appears twice in one object');
    expect(refused(`{"device_id":"a","session_id":"s","x":1,"x":2,"events":[${one.replace('"payload":{', '"payload":{"k":1,"k":2,')}]}`)).toBe('accepted');
  });

  it('accepts a body nested 10,000 levels deep and refuses 10,001, as a Go client decodes', () => {
    const nested = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
    const withPayload = (levels: number) => `{"device_id":"d","session_id":"s","events":[${JSON.stringify(event()).replace('{"id":"td-1"}', nested(levels))}]}`;
    expect(parseText(withPayload(9_997)).events[0].payload).toBe(nested(9_997));
    expect(() => parseText(withPayload(9_998))).toThrow('nests deeper than 10000 levels');
  });
});

// ---- a model of the rules, on the value JSON.parse makes of the body ---------------------------

const ACTIONS = ['create', 'update', 'delete', 'soft_delete', 'restore'];

/** PROTOCOL.md's push rules checked on a parsed body, the way the server did before it read bytes. */
function modelParse(parsed: unknown) {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(parsed)) throw new Error('request body must be a JSON object');
  const { device_id: deviceId, session_id: sessionId, events } = parsed;
  if (typeof deviceId !== 'string' || deviceId === '') throw new Error('device_id is required');
  if (typeof sessionId !== 'string' || sessionId === '') throw new Error('session_id is required');
  if (!Array.isArray(events) || events.length === 0) throw new Error('events must be a non-empty array');
  return {
    deviceId,
    sessionId,
    events: events.map((e: unknown, i) => {
      if (!isObject(e)) throw new Error(`events[${i}] must be an object`);
      if (typeof e.client_action_id !== 'number' || !Number.isInteger(e.client_action_id)) throw new Error(`events[${i}].client_action_id must be an integer`);
      if (typeof e.action_type !== 'string' || !ACTIONS.includes(e.action_type)) {
        throw new Error(`events[${i}].action_type must be one of ${ACTIONS.join(', ')} (got ${e.action_type === undefined ? 'nothing' : JSON.stringify(e.action_type)})`);
      }
      if (e.entity_type !== 'issues' && e.entity_type !== 'notes') {
        throw new Error(`events[${i}].entity_type must be one of the entity types of the sync protocol, such as issues (got ${e.entity_type === undefined ? 'nothing' : JSON.stringify(e.entity_type)})`);
      }
      if (e.entity_id !== undefined && e.entity_id !== null && typeof e.entity_id !== 'string') throw new Error(`events[${i}].entity_id must be a string`);
      if (!isObject(e.payload)) throw new Error(`events[${i}].payload must be a JSON object`);
      if (e.client_timestamp !== '2026-01-31T08:15:02.123Z') {
        throw new Error(`events[${i}].client_timestamp must be an RFC 3339 timestamp such as 2026-01-31T08:15:02.123Z (got ${e.client_timestamp === undefined ? 'nothing' : JSON.stringify(e.client_timestamp)})`);
      }
      return {
        clientActionId: e.client_action_id === 0 ? 0 : e.client_action_id,
        actionType: e.action_type,
        entityType: e.entity_type,
        entityId: e.entity_id ?? '',
        payload: e.payload,
        clientTimestamp: e.client_timestamp,
      };
    }),
  };
}

/** A value that is right or wrong in one of the ways the rules name (timestamps valid as given, or not strings). */
const maybe = <T>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<unknown>) =>
  fc.oneof({ weight: 6, arbitrary: good }, { weight: 1, arbitrary: bad }, { weight: 1, arbitrary: fc.constant(undefined) });
const oddValue = fc.oneof(fc.integer(), fc.constant(null), fc.boolean(), fc.constant([]), fc.constant({ a: [1] }), fc.constant(1.5), fc.constant('x'));
const eventArbitrary = fc.oneof(
  { weight: 12, arbitrary: fc.record(
    {
      client_action_id: maybe(fc.integer({ min: -1e6, max: 1e6 }), oddValue),
      action_type: maybe(fc.constantFrom(...ACTIONS), oddValue),
      entity_type: maybe(fc.constantFrom('issues', 'notes'), oddValue),
      entity_id: maybe(fc.string({ maxLength: 6 }), oddValue),
      payload: maybe(fc.dictionary(fc.string({ maxLength: 3 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }), oddValue),
      client_timestamp: maybe(fc.constant('2026-01-31T08:15:02.123Z'), fc.oneof(oddValue, fc.constant(42))),
      other: fc.option(fc.jsonValue({ maxDepth: 1 }), { nil: undefined }),
    },
    { requiredKeys: [] },
  ) },
  { weight: 1, arbitrary: oddValue },
);
const pushBodyArbitrary = fc.oneof(
  { weight: 12, arbitrary: fc.record(
    {
      device_id: maybe(fc.string({ minLength: 0, maxLength: 5 }), oddValue),
      session_id: maybe(fc.string({ minLength: 0, maxLength: 5 }), oddValue),
      events: maybe(fc.array(eventArbitrary, { maxLength: 4 }), oddValue),
      extra: fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }),
    },
    { requiredKeys: [] },
  ) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);
