/**
 * The database does not answer: it cannot be reached, refuses connections,
 * or dropped the connection mid-request. Nothing about the request is wrong
 * and nothing of it was committed; the app answers 503 unavailable with
 * Retry-After (PROTOCOL.md, Errors), and the client tries again.
 */
export class StorageUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StorageUnavailableError';
  }
}
