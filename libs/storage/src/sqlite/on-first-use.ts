/**
 * A statement (or anything else costly to make) made the first time it is
 * needed, then kept. Every open project database keeps its compiled
 * statements (a few KB each; the 32-row INSERT about 20 KB), and most of its
 * opens serve a few small pushes: those never need the 32-row INSERT, the Go
 * import's statements, the status queries or a savepoint.
 */
export function onFirstUse<T>(make: () => T): () => T {
  let made: T | undefined;
  return () => (made ??= make());
}
