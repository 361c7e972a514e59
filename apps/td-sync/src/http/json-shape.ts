/**
 * Checks the shape of a JSON text that JSON.parse has already accepted: how
 * deeply it nests and whether an object repeats a key. Both are legal JSON,
 * and both are trouble here: Nest's validation walks a body recursively (ten
 * thousand levels overflow the stack: a 500 for a client's mistake), and a
 * repeated key means two readers of one body can disagree about its value
 * (JSON.parse keeps the last, other parsers the first).
 *
 * A scanner, not a parser: it trusts the grammar and only tracks structure.
 * Strings are skipped with indexOf; a key is decoded only when it holds an
 * escape, so `"a"` and `"\u0061"` are the same key.
 */

const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const LBRACE = 123;
const RBRACE = 125;
const LBRACKET = 91;
const RBRACKET = 93;

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
      const end = closingQuote(text, i);
      if (expectKey) {
        const raw = text.slice(i + 1, end);
        const key = raw.includes('\\') ? (JSON.parse(text.slice(i, end + 1)) as string) : raw;
        const keys = open[open.length - 1]!;
        if (keys.has(key)) return `the key ${JSON.stringify(key.slice(0, 60))} appears twice in one object`;
        keys.add(key);
        expectKey = false;
      }
      i = end + 1;
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

/** Index of the quote that closes the string opening at `start`. */
function closingQuote(text: string, start: number): number {
  let from = start + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote === -1) throw new Error('json shape: unterminated string in text JSON.parse accepted');
    // The quote closes the string unless an odd run of backslashes escapes it.
    let k = quote - 1;
    while (text.charCodeAt(k) === BACKSLASH) k--;
    if ((quote - 1 - k) % 2 === 0) return quote;
    from = quote + 1;
  }
}
