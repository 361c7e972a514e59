import { JsonSyntaxError } from './json-bytes';
import fc from 'fast-check';
import { CLIENT_ACTION_ID, PAYLOAD, PushBodyLayout, scanPushBody } from './push-body-layout';

/** The layout of a body given as text (sent as its UTF-8 bytes). */
function layoutOf(text: string): PushBodyLayout {
  const layout = scanPushBody(Buffer.from(text));
  if (!layout) throw new Error('top-level value is not an object');
  return layout;
}

/** The raw text of event i's payload and client_action_id, as the scanner found them. */
function spellings(text: string): { payload: string | undefined; id: string | undefined }[] {
  const bytes = Buffer.from(text);
  const layout = layoutOf(text);
  const result = [];
  for (let i = 0; i < layout.eventCount; i++) {
    const spelled = (member: number) =>
      layout.memberStart(i, member) < 0 ? undefined : bytes.toString('utf8', layout.memberStart(i, member), layout.memberEnd(i, member));
    result.push({ payload: spelled(PAYLOAD), id: spelled(CLIENT_ACTION_ID) });
  }
  return result;
}

describe('scanPushBody', () => {
  it('finds payloads exactly as spelled, whatever JSON.parse would make of them', () => {
    const payload = '{"b":1.0,"a":12345678901234567890,"z":-0,"big":1e400,"s":"\\u00e9\\n\\"\\\\","n":{"x":[1,{"y":null}]}}';
    const text = `{"device_id":"d","events":[{"client_action_id":17,"payload":${payload},"entity_id":"x"}],"session_id":"s"}`;
    expect(spellings(text)).toEqual([{ payload, id: '17' }]);
  });

  it('keeps inner whitespace and drops what surrounds the value', () => {
    const payload = '{ "a" : [ 1 ,\n 2 ] ,\t"b":{} }';
    const text = ` {\n "events" : [ { "payload" :  ${payload}  , "client_action_id" : 9007199254740993 } ] } `;
    expect(spellings(text)).toEqual([{ payload, id: '9007199254740993' }]);
  });

  it('takes the last of duplicate keys, at the top level and inside an event, as JSON.parse does', () => {
    const text = '{"events":[{"payload":{"x":1},"client_action_id":1},{}],"events":[{"payload":{"first":1},"payload":{"last":2},"client_action_id":3,"client_action_id":4}]}';
    expect(JSON.parse(text).events[0]).toEqual({ payload: { last: 2 }, client_action_id: 4 });
    expect(spellings(text)).toEqual([{ payload: '{"last":2}', id: '4' }]);
  });

  it('recognises escaped spellings of the keys it looks for', () => {
    const text = '{"ev\\u0065nts":[{"pay\\u006coad":{"a":1},"client\\u005faction_id":5}]}';
    expect(spellings(text)).toEqual([{ payload: '{"a":1}', id: '5' }]);
  });

  it('is not fooled by look-alike keys and quotes inside strings or nested values', () => {
    const text =
      '{"meta":{"events":[{"payload":{"wrong":1}}]},"note":"\\"events\\":[{\\"payload\\":{}}] \\\\","events":[' +
      '{"entity_id":"a\\\\","payload":{"payload":{"payload":"}"},"s":"\\\\\\"]"},"client_action_id":-0,"x":["payload",{"client_action_id":9}]},' +
      '{"payloads":{},"payload ":{}, "client_action_id":0}]}';
    expect(spellings(text)).toEqual([
      { payload: '{"payload":{"payload":"}"},"s":"\\\\\\"]"}', id: '-0' },
      { payload: undefined, id: '0' },
    ]);
  });

  it('reports elements that are not objects and members that are absent', () => {
    expect(spellings('{"events":[1,"x",null,[],{}]}')).toEqual([
      { payload: undefined, id: undefined },
      { payload: undefined, id: undefined },
      { payload: undefined, id: undefined },
      { payload: undefined, id: undefined },
      { payload: undefined, id: undefined },
    ]);
    expect(layoutOf('{"events":[]}').eventCount).toBe(0);
    expect(layoutOf('{}').eventCount).toBe(0);
    expect(layoutOf('{"events":{"payload":{}}}').eventCount).toBe(0);
    expect(layoutOf('{"events":[{}],"events":5}').eventCount).toBe(0);
  });

  it('notes the first member it reads that repeats in its object, escaped or not, and only those', () => {
    expect(layoutOf('{"device_id":"a","events":[],"device_id":"b"}').repeatedKey).toBe('device_id');
    expect(layoutOf('{"session_id":"a","session\\u005fid":"b"}').repeatedKey).toBe('session_id');
    expect(layoutOf('{"events":[{"entity_id":"a","payload":{},"entity_id":"b"}]}').repeatedKey).toBe('entity_id');
    expect(layoutOf('{"events":[{"client_timestamp":"a"},{"client_timestamp":"b"}]}').repeatedKey).toBeUndefined();
    expect(layoutOf('{"other":1,"other":2,"events":[{"payload":{"a":1,"a":2},"x":1,"x":2}]}').repeatedKey).toBeUndefined();
  });

  it('measures how deeply the text nests, wherever that is', () => {
    expect(layoutOf('{}').depth).toBe(1);
    expect(layoutOf('{"events":[]}').depth).toBe(2);
    expect(layoutOf('{"events":[{}]}').depth).toBe(3);
    expect(layoutOf('{"events":[{"payload":{"a":[[]]}}]}').depth).toBe(6);
    expect(layoutOf('{"x":[[[[]]]],"events":[{}]}').depth).toBe(5);
    expect(layoutOf('{"events":[[[1]]]}').depth).toBe(4);
    expect(layoutOf(`{"events":[{"payload":${'['.repeat(20_000)}${']'.repeat(20_000)}}]}`).depth).toBe(20_003);
  });

  it('refuses what JSON.parse refuses, anywhere in the body', () => {
    for (const text of [
      '',
      '{',
      '{"events":[{"payload":{"a":1,}}]}',
      '{"events":[{"payload":{"a":01}}]}',
      '{"events":[{"payload":{"a":"\u0001"}}]}', // a raw control character in a string
      '{"events":[{"payload":{"a":"\\x"}}]}',
      '{"events":[{"client_action_id":1.}]}',
      '{"events":[1,]}',
      '{"device_id":"d",}',
      '{"device_id":tru}',
      '{"a":1} {}',
      '{"a":1}]',
      "{'a':1}",
      '{"a":1}\u00a0',
    ]) {
      expect(() => JSON.parse(text)).toThrow(SyntaxError);
      expect(() => scanPushBody(Buffer.from(text))).toThrow(JsonSyntaxError);
    }
  });

  it('answers undefined for a body whose top level is valid JSON but not an object', () => {
    for (const text of ['[]', ' [{"events":[]}] ', '"x"', '1', 'null']) expect(scanPushBody(Buffer.from(text))).toBeUndefined();
    expect(() => scanPushBody(Buffer.from('[1,'))).toThrow(JsonSyntaxError);
  });

  it('finds every payload of generated bodies exactly as they were spelled', () => {
    fc.assert(
      fc.property(bodyArbitrary(), ({ text, events }) => {
        const parsed = JSON.parse(text) as { events: { payload?: unknown; client_action_id?: unknown }[] };
        const found = spellings(text);
        expect(found).toEqual(events);
        found.forEach((event, i) => {
          if (event.payload !== undefined) expect(JSON.parse(event.payload)).toEqual(parsed.events[i].payload);
          if (event.id !== undefined) expect(JSON.parse(event.id)).toEqual(parsed.events[i].client_action_id);
        });
      }),
      { numRuns: 500 },
    );
  });
});

// ---- generators of JSON text with arbitrary (valid) spelling -------------------------------

const ws = fc.stringMatching(/^[ \t\n\r]{0,2}$/);

/** One character of a JSON string, spelled raw or escaped. */
const stringChar = fc.oneof(
  fc.constantFrom('\\"', '\\\\', '\\/', '\\b', '\\f', '\\n', '\\r', '\\t', '\\u0000', '\\u00e9', '\\ud83d\\ude00', '"'.replace('"', '\\"')),
  fc.constantFrom('a', 'é', '😀', '\u2028', '{', '}', '[', ']', ',', ':', '/', ' '),
  fc.string({ minLength: 1, maxLength: 1 }).filter((c) => c >= ' ' && c !== '"' && c !== '\\'),
);
const stringToken = fc.array(stringChar, { maxLength: 6 }).map((chars) => `"${chars.join('')}"`);
const keyToken = fc.oneof(stringToken, fc.constantFrom('"payload"', '"client_action_id"', '"events"', '"pay\\u006coad"'));
const numberToken = fc.oneof(
  fc.constantFrom('0', '-0', '1.0', '12345678901234567890', '1e400', '-1.5E-3', '2E+2', '9007199254740993'),
  fc.stringMatching(/^-?(0|[1-9][0-9]{0,5})(\.[0-9]{1,3})?([eE][+-]?[0-9]{1,3})?$/),
);
const integerToken = fc.oneof(fc.constantFrom('0', '-0', '17', '9007199254740993', '-9223372036854775808'), fc.stringMatching(/^-?[1-9][0-9]{0,18}$/));

const { value: valueToken, object: objectToken } = fc.letrec<{ value: string; object: string; array: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    stringToken,
    numberToken,
    fc.constantFrom('true', 'false', 'null'),
    tie('object'),
    tie('array'),
  ),
  object: fc
    .array(fc.tuple(ws, keyToken, ws, ws, tie('value'), ws), { maxLength: 4 })
    .chain((members) => ws.map((inner) => (members.length === 0 ? `{${inner}}` : `{${members.map(([a, k, b, c, v, d]) => `${a}${k}${b}:${c}${v}${d}`).join(',')}}`))),
  array: fc
    .array(fc.tuple(ws, tie('value'), ws), { maxLength: 4 })
    .chain((items) => ws.map((inner) => (items.length === 0 ? `[${inner}]` : `[${items.map(([a, v, b]) => `${a}${v}${b}`).join(',')}]`))),
}));

interface GeneratedEvent {
  text: string;
  payload: string | undefined;
  id: string | undefined;
}

/** An event object whose members come in any order, some repeated, plus decoy members. */
const eventArbitrary: fc.Arbitrary<GeneratedEvent> = fc
  .tuple(
    fc.array(objectToken, { maxLength: 2 }),
    fc.array(integerToken, { maxLength: 2 }),
    fc.array(fc.tuple(stringToken.filter((k) => !['"payload"', '"client_action_id"'].includes(k)), valueToken), { maxLength: 3 }),
    fc.boolean(),
    ws,
  )
  .chain(([payloads, ids, others, escapedKey, pad]) => {
    const members = [
      ...payloads.map((v) => ({ key: escapedKey ? '"pay\\u006coad"' : '"payload"', value: v, kind: 'payload' as const })),
      ...ids.map((v) => ({ key: '"client_action_id"', value: v, kind: 'id' as const })),
      ...others.map(([key, value]) => ({ key, value, kind: 'other' as const })),
    ];
    return fc.shuffledSubarray(members, { minLength: members.length, maxLength: members.length }).map((ordered) => {
      const last = (kind: 'payload' | 'id') => ordered.filter((m) => m.kind === kind).at(-1)?.value;
      return {
        text: `{${pad}${ordered.map((m) => `${m.key}${pad}:${pad}${m.value}`).join(`${pad},`)}${pad}}`,
        payload: last('payload'),
        id: last('id'),
      };
    });
  });

const bodyArbitrary = () =>
  fc
    .tuple(fc.array(eventArbitrary, { maxLength: 5 }), fc.option(valueToken), ws, fc.option(fc.array(eventArbitrary, { maxLength: 2 })))
    .map(([events, other, pad, earlier]) => {
      const members: string[] = [];
      if (earlier) members.push(`"events":[${earlier.map((e) => e.text).join(',')}]`);
      if (other !== null) members.push(`${pad}"other"${pad}:${pad}${other}`);
      members.push(`"events"${pad}:${pad}[${pad}${events.map((e) => e.text).join(`${pad},${pad}`)}${pad}]`);
      return {
        text: `${pad}{${members.join(',')}}${pad}`,
        events: events.map(({ payload, id }) => ({ payload, id })),
      };
    });
