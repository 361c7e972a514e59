/**
 * `fetch`, retrying a GET or HEAD once when the connection it was sent on
 * turns out to have been closed by the server, as Go's HTTP client (and so
 * every `td` release) does for idempotent requests.
 *
 * The server closes a keep-alive connection after SYNC_KEEP_ALIVE_TIMEOUT
 * (5 s) of idleness. undici stops reusing one a second before the server's
 * advertised timeout, but on a busy test machine its timer can fire late and a
 * request can go out on a connection the server is closing: "other side
 * closed" or ECONNRESET, with nothing answered and nothing applied. A client
 * that gives up there would make a spec fail on machine load, not on what the
 * server does.
 */
export async function fetchAsTd(url: string, init: RequestInit = {}): Promise<Response> {
  const method = (init.method ?? 'GET').toUpperCase();
  try {
    return await fetch(url, init);
  } catch (error) {
    if ((method !== 'GET' && method !== 'HEAD') || !closedBeforeAnswer(error)) throw error;
    return fetch(url, init);
  }
}

/** undici's "fetch failed" with a socket closed under it as the cause (by name: jest's sandbox has a TypeError of its own). */
function closedBeforeAnswer(error: unknown): boolean {
  const { name, cause } = (error ?? {}) as { name?: unknown; cause?: { code?: unknown } };
  return name === 'TypeError' && (cause?.code === 'UND_ERR_SOCKET' || cause?.code === 'ECONNRESET');
}
