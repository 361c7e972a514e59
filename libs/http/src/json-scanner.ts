/**
 * The one JSON scanner of td-sync: it reads text that JSON.parse has already
 * accepted, so it trusts the grammar and only tracks structure. Strings are
 * skipped with indexOf, which keeps a 10 MiB body to a fraction of a
 * millisecond per 100 kB; a key is decoded only when it holds an escape, so
 * `"a"` and `"\u0061"` are the same key, as they are to JSON.parse.
 *
 * Two readers are built on it. `jsonShapeProblem` (here) checks any body the
 * app parses: how deeply it nests and whether an object repeats a key. Both
 * are legal JSON, and both are trouble: Nest's validation walks a body
 * recursively (ten thousand levels overflow the stack: a 500 for a client's
 * mistake), and a repeated key means two readers of one body can disagree
 * about its value (JSON.parse keeps the last, other parsers the first). The
 * push route's own reader (libs/sync, findRawEventSpans) walks its body with
 * the primitives exported here to find where each payload is spelled.
 */

export const QUOTE = 34;
export const BACKSLASH = 92;
export const COMMA = 44;
export const COLON = 58;
export const LBRACE = 123;
export const RBRACE = 125;
export const LBRACKET = 91;
export const RBRACKET = 93;

/** The deepest nesting a scan has seen so far: 1 for `{}`, 2 for `{"a":[]}`, and so on. */
export interface DepthNote {
  depth: number;
}

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

/** Index just after the value that starts at i, whose enclosing containers number `depth`. */
export function skipValue(text: string, i: number, depth: number, note: DepthNote): number {
  const code = text.charCodeAt(i);
  if (code === QUOTE) return skipString(text, i);
  if (code === LBRACE || code === LBRACKET) return skipContainer(text, i, depth, note);
  // A number, true, false or null: runs until a delimiter.
  const length = text.length;
  let j = i + 1;
  while (j < length) {
    const c = text.charCodeAt(j);
    if (c === COMMA || c === RBRACE || c === RBRACKET || c === 32 || c === 10 || c === 13 || c === 9) break;
    j++;
  }
  return j;
}

/**
 * `text[i]` is `{` or `[` inside `outer` enclosing containers; returns the
 * index after the matching close, noting the deepest level it reached.
 */
export function skipContainer(text: string, i: number, outer: number, note: DepthNote): number {
  const length = text.length;
  let depth = 0;
  while (i < length) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = skipString(text, i);
      continue;
    }
    if (c === LBRACE || c === LBRACKET) {
      depth++;
      if (outer + depth > note.depth) note.depth = outer + depth;
    } else if (c === RBRACE || c === RBRACKET) {
      depth--;
      if (depth === 0) return i + 1;
    }
    i++;
  }
  throw malformed(i);
}

export function skipWhitespace(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 10 && c !== 13 && c !== 9) return i;
    i++;
  }
}

/** Throws unless text[i] is the character `code`. */
export function expectChar(text: string, i: number, code: number): void {
  if (text.charCodeAt(i) !== code) throw malformed(i);
}

/** Only reachable if the text was not one JSON.parse accepted: a bug, not a client error. */
function malformed(at: number): Error {
  return new Error(`JSON scanner: unexpected JSON structure at offset ${at}`);
}
