import { stdSerializers } from 'pino';

/**
 * Fields of database errors that hold the values of a query: TypeORM's
 * QueryFailedError keeps the query's `parameters` (emails, code hashes, key
 * hashes), PostgreSQL's errors spell the offending row in `detail` ("Key
 * (email)=(a@example.com) already exists"). The SQL text, the code and the
 * message stay: they say what failed without saying about whom.
 */
const VALUE_FIELDS = ['parameters', 'params', 'detail'];

/**
 * pino's `err` serializer (type, message, stack, and the error's own fields,
 * causes included), minus the values of queries, wherever in the error they
 * sit. Every logged error goes through it (see logging.ts), so no log line
 * carries query parameters.
 */
export function serializeError(error: unknown): unknown {
  if (!(error instanceof Error) && (typeof error !== 'object' || error === null)) return error;
  return withoutValues(stdSerializers.err(error as Error), 0);
}

function withoutValues(value: unknown, depth: number): unknown {
  if (typeof value !== 'object' || value === null || depth > 4) return value;
  const record = value as Record<string, unknown>;
  for (const field of VALUE_FIELDS) delete record[field];
  for (const key of Object.keys(record)) {
    if (typeof record[key] === 'object') withoutValues(record[key], depth + 1);
  }
  return record;
}
