import fc from 'fast-check';
import { JsonSyntaxError, scanValue, scanWords, skipWhitespace } from './json-bytes';

/** Whether the scanner takes `b` as one JSON text, and how deep it found it. */
function scanBytes(b: Buffer): { accepted: boolean; depth: number } {
  const note = { depth: 0 };
  try {
    const end = skipWhitespace(b, scanValue(b, skipWhitespace(b, 0), 0, note));
    return { accepted: end === b.length, depth: note.depth };
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    return { accepted: false, depth: note.depth };
  }
}

/**
 * Whether the scanner takes `text` (as UTF-8) as one JSON text, and how deep
 * it found it: byte by byte, and four bytes at a time (scanWords) with the
 * text at each offset from a 4-byte boundary, which must all agree.
 */
function scan(text: string, shifts = [0, 1, 2, 3]): { accepted: boolean; depth: number } {
  const byBytes = scanBytes(Buffer.from(text));
  for (const shift of shifts) {
    const b = Buffer.from(' '.repeat(shift) + text);
    expect(b.byteOffset % 4).toBe(0); // (Buffer.from allocates 8-aligned)
    expect([text, shift, scanWords(b, () => scanBytes(b))]).toEqual([text, shift, byBytes]);
  }
  return byBytes;
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
      '"a long string, so that the scan steps over words: é 😀 \u2028 \u007f \u00ff ÿ ~ !"',
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
        expect(scan(json, [at % 4]).accepted).toBe(true);
        const i = json.length === 0 ? 0 : at % json.length;
        const changed = edit === 'insert' ? json.slice(0, i) + char + json.slice(i) : edit === 'delete' ? json.slice(0, i) + json.slice(i + 1) : json.slice(0, i) + char + json.slice(i + 1);
        expect(scan(changed, [at % 4]).accepted).toBe(parses(changed));
      }),
      { numRuns: 3000 },
    );
  });

  it('agrees with JSON.parse on every byte at every place of a string, four bytes at a time too', () => {
    const chars = [...Array.from({ length: 0x80 }, (_, c) => String.fromCharCode(c)), 'é', '€', '😀', '\u2028', '\uffff'];
    for (const char of chars) {
      for (let at = 0; at < 10; at++) {
        const text = `"${'abcdefghij'.slice(0, at)}${char}${'klmnopqrst'.slice(at)}"`;
        expect([text, scan(text).accepted]).toEqual([text, parses(text)]);
      }
    }
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
