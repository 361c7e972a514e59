/**
 * A validating JSON scanner over UTF-8 bytes, for a route that reads its body
 * without JSON.parse (push: a 1000-event body parsed by JSON.parse is an
 * object tree of about 30,000 values that is thrown away at once, the bulk of
 * the request's garbage, and its text a 1 MB string in V8's old generation).
 *
 * It accepts exactly what JSON.parse accepts (RFC 8259: the six structural
 * characters, strings without raw control characters and with only the
 * defined escapes, numbers in JSON's grammar, true/false/null, whitespace
 * among space, tab, CR and LF), given bytes that are valid UTF-8, which the
 * caller checks first (buffer.isUtf8). It builds nothing: it reports where
 * values start and end, and how deeply they nest, and throws JsonSyntaxError
 * at the first byte JSON.parse would refuse. Containers are walked with an
 * explicit stack, so nesting costs no call stack.
 */

// Declared, then exported apart: a module's own uses of an `export const`
// compile to loads of `exports.QUOTE`, which the scan loops would repeat for
// every byte; a plain const is a constant to V8 (about a tenth of a scan).
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
export { BACKSLASH, COLON, COMMA, LBRACE, LBRACKET, QUOTE, RBRACE, RBRACKET };
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

/** The bytes are not JSON text that JSON.parse would accept. */
export class JsonSyntaxError extends Error {
  constructor(readonly offset: number) {
    super(`not valid JSON at byte ${offset}`);
    this.name = 'JsonSyntaxError';
  }
}

/** The deepest nesting a scan has seen so far: 1 for `{}`, 2 for `{"a":[]}`, and so on. */
export interface DepthNote {
  depth: number;
}

/** 1 for a byte that stands for itself inside a string: not `"`, `\` or a control character. */
const PLAIN_IN_STRING = new Uint8Array(256).fill(1, 0x20);
PLAIN_IN_STRING[QUOTE] = 0;
PLAIN_IN_STRING[BACKSLASH] = 0;
/** 1 for the byte after `\` of a two-character escape. */
const SHORT_ESCAPE = new Uint8Array(256);
for (const c of '"\\/bfnrt') SHORT_ESCAPE[c.charCodeAt(0)] = 1;
const HEX = new Uint8Array(256);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;
const TRUE = [0x74, 0x72, 0x75, 0x65];
const FALSE = [0x66, 0x61, 0x6c, 0x73, 0x65];
const NULL = [0x6e, 0x75, 0x6c, 0x6c];

export function skipWhitespace(b: Uint8Array, i: number): number {
  const n = b.length;
  while (i < n) {
    const c = b[i];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    i++;
  }
  return i;
}

/** Throws unless b[i] is the byte `code`. */
export function expectByte(b: Uint8Array, i: number, code: number): void {
  if (i >= b.length || b[i] !== code) throw new JsonSyntaxError(i);
}

/** Validates the string token at b[i] (which must be `"`); returns the index after its closing quote. */
export function scanString(b: Uint8Array, i: number): number {
  expectByte(b, i, QUOTE);
  const n = b.length;
  i++;
  for (;;) {
    if (wordsOf === b) {
      while ((i & 3) !== 0 && i < n && PLAIN_IN_STRING[b[i]] === 1) i++;
      if ((i & 3) === 0) i = skipPlainWords(i);
    }
    while (i < n && PLAIN_IN_STRING[b[i]] === 1) i++;
    if (i >= n) throw new JsonSyntaxError(i);
    const c = b[i];
    if (c === QUOTE) return i + 1;
    if (c !== BACKSLASH || i + 1 >= n) throw new JsonSyntaxError(i); // a raw control character, or a cut escape
    const escaped = b[i + 1];
    if (SHORT_ESCAPE[escaped] === 1) {
      i += 2;
    } else if (escaped === 0x75 && i + 5 < n && HEX[b[i + 2]] & HEX[b[i + 3]] & HEX[b[i + 4]] & HEX[b[i + 5]]) {
      i += 6; // \uXXXX: any code unit, lone surrogates included, as JSON.parse allows
    } else {
      throw new JsonSyntaxError(i);
    }
  }
}

/**
 * The bytes being scanned by scanWords, and the same memory as 32-bit words.
 * Most of a push body is string content; the string loop steps over it four
 * bytes at a time where it can (about twice as fast as byte by byte).
 */
let wordsOf: Uint8Array | undefined;
let words: Int32Array<ArrayBufferLike> = new Int32Array(0);

/**
 * Runs `scan` over `b` with its four-bytes-at-a-time string loop (when `b`
 * starts 4-aligned in its memory; a large Buffer does). Scanning gives the
 * same answers either way.
 */
export function scanWords<T>(b: Uint8Array, scan: () => T): T {
  if (b.byteOffset % 4 !== 0) return scan();
  wordsOf = b;
  words = new Int32Array(b.buffer, b.byteOffset, b.length >>> 2);
  try {
    return scan();
  } finally {
    // Holds no body after its scan.
    wordsOf = undefined;
    words = new Int32Array(0);
  }
}

/**
 * From b[i] (i a multiple of 4), past the words whose four bytes are all
 * plain string bytes: none below 0x20, none `"` or `\` (bytes from 0x80 up
 * are plain). The classic SWAR tests: (x - 0x20202020) & ~x & 0x80808080 is
 * non-zero exactly when some byte of x is below 0x20, and so is the same for
 * 0x01010101 when some byte is zero (here, of x XOR the byte looked for).
 * Returns where the first word with another byte starts, or where the words end.
 */
function skipPlainWords(i: number): number {
  const w = words;
  const count = w.length;
  let k = i >>> 2;
  while (k < count) {
    const x = w[k];
    const quote = x ^ 0x22222222;
    const backslash = x ^ 0x5c5c5c5c;
    if ((((x - 0x20202020) & ~x) | ((quote - 0x01010101) & ~quote) | ((backslash - 0x01010101) & ~backslash)) & 0x80808080) break;
    k++;
  }
  return k << 2;
}

/** Whether the string token b[start, end) (quotes included) holds an escape. */
export function hasEscape(b: Uint8Array, start: number, end: number): boolean {
  for (let i = start + 1; i < end - 1; i++) if (b[i] === BACKSLASH) return true;
  return false;
}

/** Validates the number token at b[i]; returns the index after it. */
export function scanNumber(b: Uint8Array, i: number): number {
  const n = b.length;
  if (i < n && b[i] === MINUS) i++;
  if (i < n && b[i] === ZERO) {
    i++;
  } else {
    if (!(i < n && b[i] > ZERO && b[i] <= NINE)) throw new JsonSyntaxError(i);
    i = skipDigits(b, i + 1);
  }
  if (i < n && b[i] === DOT) {
    if (!isDigit(b, i + 1)) throw new JsonSyntaxError(i + 1);
    i = skipDigits(b, i + 2);
  }
  if (i < n && (b[i] === 0x65 || b[i] === 0x45)) {
    i++;
    if (i < n && (b[i] === PLUS || b[i] === MINUS)) i++;
    if (!isDigit(b, i)) throw new JsonSyntaxError(i);
    i = skipDigits(b, i + 1);
  }
  return i;
}

function isDigit(b: Uint8Array, i: number): boolean {
  return i < b.length && b[i] >= ZERO && b[i] <= NINE;
}

function skipDigits(b: Uint8Array, i: number): number {
  while (isDigit(b, i)) i++;
  return i;
}

function scanLiteral(b: Uint8Array, i: number, literal: readonly number[]): number {
  for (let k = 0; k < literal.length; k++) if (b[i + k] !== literal[k]) throw new JsonSyntaxError(i + k);
  return i + literal.length;
}

/** A string, number or literal at b[i]; returns the index after it. */
function scanScalar(b: Uint8Array, i: number): number {
  const c = b[i];
  if (c === QUOTE) return scanString(b, i);
  if (c === MINUS || (c >= ZERO && c <= NINE)) return scanNumber(b, i);
  if (c === 0x74) return scanLiteral(b, i, TRUE);
  if (c === 0x66) return scanLiteral(b, i, FALSE);
  if (c === 0x6e) return scanLiteral(b, i, NULL);
  throw new JsonSyntaxError(i);
}

/**
 * Validates the value at b[i] (its first byte; no whitespace before it),
 * which `outer` containers enclose, noting the deepest level it reaches;
 * returns the index after it.
 */
export function scanValue(b: Uint8Array, i: number, outer: number, note: DepthNote): number {
  const c = b[i];
  return c === LBRACE || c === LBRACKET ? scanContainer(b, i, outer, note) : scanScalar(b, i);
}

/** What each open container of scanContainer is (its opening byte); grown as needed and reused. */
let openContainers = new Uint8Array(256);

function scanContainer(b: Uint8Array, i: number, outer: number, note: DepthNote): number {
  let open = openContainers;
  let depth = 0;
  // At the top of the loop b[i] starts a value.
  for (;;) {
    let c = b[i];
    if (c === LBRACE || c === LBRACKET) {
      if (depth === open.length) {
        const grown = new Uint8Array(open.length * 2);
        grown.set(open);
        open = openContainers = grown;
      }
      open[depth++] = c;
      if (outer + depth > note.depth) note.depth = outer + depth;
      i = skipWhitespace(b, i + 1);
      if (b[i] !== c + 2) {
        // Not empty (`}` and `]` are 2 past `{` and `[`): a member's key and colon, or an element, come first.
        i = c === LBRACE ? scanKey(b, i) : i;
        continue;
      }
      i++; // an empty container: closed as soon as opened
      depth--;
    } else {
      i = scanScalar(b, i);
    }
    // A value ended at i: close every container that ends here too, or go on after a comma.
    for (;;) {
      if (depth === 0) return i;
      i = skipWhitespace(b, i);
      c = b[i];
      const opener = open[depth - 1];
      if (c === COMMA) {
        i = skipWhitespace(b, i + 1);
        if (opener === LBRACE) i = scanKey(b, i);
        break;
      }
      if (c !== opener + 2 || i >= b.length) throw new JsonSyntaxError(i);
      i++;
      depth--;
    }
  }
}

/** A member's key at b[i], the colon and the whitespace around it; returns where its value starts. */
export function scanKey(b: Uint8Array, i: number): number {
  i = skipWhitespace(b, scanString(b, i));
  expectByte(b, i, COLON);
  return skipWhitespace(b, i + 1);
}
