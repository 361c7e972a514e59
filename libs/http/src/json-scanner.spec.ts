import fc from 'fast-check';
import { jsonShapeProblem, keyAt, skipString } from './json-scanner';

describe('jsonShapeProblem', () => {
  it('passes flat and moderately nested bodies', () => {
    for (const text of ['{}', '[]', '"x"', '1', '{"a":[1,{"b":{}}],"c":"}{]["}', '[{"a":1},{"a":2}]', '{"a":{"a":{"a":1}}}']) {
      expect(jsonShapeProblem(text, 64)).toBeUndefined();
    }
  });

  it('refuses nesting beyond the limit, in objects and arrays alike', () => {
    const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
    expect(jsonShapeProblem(deep(64), 64)).toBeUndefined();
    expect(jsonShapeProblem(deep(65), 64)).toMatch(/deeper than 64/);
    expect(jsonShapeProblem('{"a":'.repeat(100) + '1' + '}'.repeat(100), 64)).toMatch(/deeper than 64/);
  });

  it('refuses a key repeated in one object, however it is escaped, and names it', () => {
    expect(jsonShapeProblem('{"name":"a","name":"b"}', 64)).toMatch(/"name" appears twice/);
    expect(jsonShapeProblem('{"name":"a","n\\u0061me":"b"}', 64)).toMatch(/"name" appears twice/);
    expect(jsonShapeProblem('{"x":{"k":1,"k":2}}', 64)).toMatch(/"k" appears twice/);
  });

  it('does not confuse keys of sibling or nested objects, or strings that look like keys', () => {
    expect(jsonShapeProblem('{"a":{"a":1},"b":[{"a":1},{"a":2}],"c":"\\"a\\":1,\\"a\\":2"}', 64)).toBeUndefined();
    expect(jsonShapeProblem('{"a\\\\":1,"a":2}', 64)).toBeUndefined();
  });

  it('agrees with JSON.parse about repeated keys on generated objects', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd'), fc.jsonValue({ maxDepth: 2 })), { maxLength: 5 }), (members) => {
        const text = `{${members.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}`).join(',')}}`;
        const repeated = new Set(members.map(([k]) => k)).size !== members.length;
        expect(jsonShapeProblem(text, 64) !== undefined).toBe(repeated);
      }),
    );
  });
});

describe('scanner primitives', () => {
  it('skips a string to just past its closing quote, escaped quotes and backslashes included', () => {
    expect(skipString('"a\\"b\\\\" , "c"', 0)).toBe(8);
  });

  it('reads a key unescaped, and only parses it when it holds an escape', () => {
    expect(keyAt('{"payload":1}', 1, 10)).toBe('payload');
    expect(keyAt('{"pay\\u006coad":1}', 1, 15)).toBe('payload');
  });

  it('throws on text JSON.parse would not have accepted: a bug, never a client error', () => {
    expect(() => skipString('"open', 0)).toThrow(/JSON scanner/);
  });
});
