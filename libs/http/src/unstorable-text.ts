/**
 * NUL (C strings and some SQLite functions stop at it) and lone UTF-16
 * surrogates (not Unicode: they cannot be stored as UTF-8, and come back as
 * U+FFFD). JSON can spell both (`\u0000`, `\ud800`), so a body that parses
 * can still carry them.
 */
// eslint-disable-next-line no-control-regex -- matching NUL is the point
const UNSTORABLE = /[\u0000\p{Cs}]/u;

export function isUnstorableText(text: string): boolean {
  return UNSTORABLE.test(text);
}

/**
 * Where in a parsed body the first string (value or key) with NUL or a lone
 * surrogate is, as a path such as `name`, `tags[2]` or `a.b`; undefined when
 * there is none. PROTOCOL.md: such text fields are 400, every one of them, so
 * the app checks whole bodies rather than field by field.
 */
export function findUnstorableText(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return isUnstorableText(value) ? path || 'the body' : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnstorableText(value[i], `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    const at = path ? `${path}.${key}` : key;
    if (isUnstorableText(key)) return `a key of ${path || 'the body'}`;
    const found = findUnstorableText(item, at);
    if (found) return found;
  }
  return undefined;
}
