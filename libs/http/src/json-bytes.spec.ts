import fc from 'fast-check';
import { JsonSyntaxError, scanValue, skipWhitespace } from './json-bytes';

/** Whether the scanner takes `text` (as UTF-8) as one JSON text, and how deep it found it. */
function scan(text: string): { accepted: boolean; depth: number } {
  const b = Buffer.from(text);
  const note = { depth: 0 };
  try {
    const end = skipWhitespace(b, scanValue(b, skipWhitespace(b, 0), 0, note));
    return { accepted: end === b.length, depth: note.depth };
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    return { accepted: false, depth: note.depth };
  }
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe('the validating byte scanner', () => {
  it('accepts what JSON.parse accepts', () => {
    for (const text of [
      '0',
      '-0',
      '-0.0e-0',
      '1E+2',
      '123.456e789',
      ' \t\r\n"x" ',
      '""',
      '"\\"\\\\\\/\\b\\f\\n\\r\\t\\u0000\\uD800\\udfff\\uABCD"',
      '"é 😀 \u2028 \u007f"',
      'true',
      'false',
      'null',
      '[]',
      '{}',
      '[ ]',
      '{ }',
      '[1,"a",{"b":[null,true,false]},[[]]]',
      '{"a":{"a":{"a":{}}},"a":1}',
    ]) {
      expect([text, parses(text)]).toEqual([text, true]);
      expect([text, scan(text).accepted]).toEqual([text, true]);
    }
  });

  it('refuses what JSON.parse refuses', () => {
    for (const text of [
      '',
      ' ',
      '01',
      '-',
      '-a',
      '1.',
      '.5',
      '1e',
      '1e+',
      '+1',
      '0x10',
      'NaN',
      'Infinity',
      'tru',
      'True',
      'nul',
      '"',
      '"\\"',
      '"\\x"',
      '"\\u12"',
      '"\\u12G4"',
      '"a\u0000"',
      '"a\nb"',
      '"\u001f"',
      "'a'",
      '[1,]',
      '[,1]',
      '[1 2]',
      '{"a":1,}',
      '{"a" 1}',
      '{a:1}',
      '{"a":1',
      '{"a":1}}',
      '[1]]',
      '[}',
      '{]',
      '1 2',
      '\u00a0 1',
      '\ufeff1',
    ]) {
      expect([text, parses(text)]).toEqual([text, false]);
      expect([text, scan(text).accepted]).toEqual([text, false]);
    }
  });

  it('agrees with JSON.parse on generated JSON and on every one-character change of it', () => {
    const alphabet = fc.constantFrom(...' \t\n"\\{}[],:-+.0123456789eEtrufalsn/bux\u0000\u001fé'.split(''));
    fc.assert(
      fc.property(fc.json({ maxDepth: 4 }), fc.nat(), alphabet, fc.constantFrom('insert', 'delete', 'replace'), (json, at, char, edit) => {
        expect(scan(json).accepted).toBe(true);
        const i = json.length === 0 ? 0 : at % json.length;
        const changed = edit === 'insert' ? json.slice(0, i) + char + json.slice(i) : edit === 'delete' ? json.slice(0, i) + json.slice(i + 1) : json.slice(0, i) + char + json.slice(i + 1);
        expect(scan(changed).accepted).toBe(parses(changed));
      }),
      { numRuns: 3000 },
    );
  });

  it('notes the deepest nesting, however deep, without using the call stack', () => {
    expect(scan('1').depth).toBe(0);
    expect(scan('[]').depth).toBe(1);
    expect(scan('{"a":[{"b":[]}],"c":{}}').depth).toBe(4);
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    expect(scan(deep)).toEqual({ accepted: true, depth: 100_000 });
    expect(scan('['.repeat(100_000) + ']'.repeat(99_999)).accepted).toBe(false);
  });
});
