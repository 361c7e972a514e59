/**
 * The admin API's listings page by id, with the reference server's opaque
 * cursor: URL-safe base64 of `{"value":"<last id of the page>"}`, so a client
 * written for upstream's admin API pages through ours unchanged.
 */
export function encodeCursor(lastId: string): string {
  return Buffer.from(JSON.stringify({ value: lastId }), 'utf8').toString('base64url') + padding(lastId);
}

/** The id a cursor continues after; undefined for anything that is not one of ours (or upstream's). */
export function decodeCursor(cursor: string): string | undefined {
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(cursor)) return undefined;
  try {
    const data: unknown = JSON.parse(Buffer.from(cursor.replace(/=+$/, ''), 'base64url').toString('utf8'));
    if (typeof data !== 'object' || data === null) return undefined;
    const { value, id } = data as { value?: unknown; id?: unknown };
    const lastId = typeof value === 'string' && value !== '' ? value : id;
    return typeof lastId === 'string' && lastId !== '' ? lastId : undefined;
  } catch {
    return undefined;
  }
}

/** Go's base64.URLEncoding pads; Node's base64url does not. */
function padding(lastId: string): string {
  const length = Buffer.byteLength(JSON.stringify({ value: lastId }), 'utf8');
  return '='.repeat((3 - (length % 3)) % 3);
}
