const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;

/**
 * The shape check of JSON text that JSON.parse has already accepted, for every
 * body the app parses: how deeply it nests and whether an object repeats a
 * key. Both are legal JSON, and both are trouble: Nest's validation walks a
 * body recursively (ten thousand levels overflow the stack: a 500 for a
 * client's mistake), and a repeated key means two readers of one body can
 * disagree about its value (JSON.parse keeps the last, other parsers the
 * first). It trusts the grammar and only tracks structure; strings are
 * skipped with indexOf, and a key is decoded only when it holds an escape, so
 * `"a"` and `"\u0061"` are the same key, as they are to JSON.parse.
 *
 * Push reads its body without JSON.parse, from the bytes (the sync lib's
 * json-bytes.ts), and checks the same things on the way.
 */


/** What is wrong with the text's shape, as a sentence for a 400; undefined when nothing is. */
export function jsonShapeProblem(text: string, maxDepth: number): string | undefined {
  // One entry per open container: the keys seen so far for an object, null for an array.
  const open: Array<Set<string> | null> = [];
  let expectKey = false;
  const length = text.length;
  let i = 0;
  while (i < length) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = skipString(text, i);
      if (expectKey) {
        const key = keyAt(text, i, end);
        const keys = open[open.length - 1]!;
        if (keys.has(key)) return `the key ${JSON.stringify(key.slice(0, 60))} appears twice in one object`;
        keys.add(key);
        expectKey = false;
      }
      i = end;
      continue;
    }
    if (c === LBRACE || c === LBRACKET) {
      if (open.length >= maxDepth) return `JSON nested deeper than ${maxDepth} levels`;
      open.push(c === LBRACE ? new Set<string>() : null);
      expectKey = c === LBRACE;
    } else if (c === RBRACE || c === RBRACKET) {
      open.pop();
      expectKey = false;
    } else if (c === COMMA) {
      expectKey = open[open.length - 1] !== null;
    }
    i++;
  }
  return undefined;
}

/** `text[i]` is `"`; returns the index after the closing quote. */
export function skipString(text: string, i: number): number {
  if (text.charCodeAt(i) !== QUOTE) throw malformed(i);
  let from = i + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote === -1) throw malformed(i);
    // The quote closes the string unless an odd run of backslashes escapes it.
    let k = quote - 1;
    while (text.charCodeAt(k) === BACKSLASH) k--;
    if ((quote - 1 - k) % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

/** The key that the string token text[start, end) (quotes included) spells, unescaped. */
export function keyAt(text: string, start: number, end: number): string {
  const raw = text.slice(start + 1, end - 1);
  // An escaped key is rare; let JSON.parse decode it rather than reimplement \u handling.
  return raw.includes('\\') ? (JSON.parse(text.slice(start, end)) as string) : raw;
}

/** Only reachable if the text was not one JSON.parse accepted: a bug, not a client error. */
function malformed(at: number): Error {
  return new Error(`JSON scanner: unexpected JSON structure at offset ${at}`);
}
