import { Query, type QueryConfig } from 'pg';

/** A row's fields as PostgreSQL sent them: its text for each column, null for NULL. */
export type RowFields = ReadonlyArray<string | null>;

/** What node-postgres hands a Query for each DataRow message. */
interface DataRowMessage {
  fields: RowFields;
}

/**
 * A statement whose rows go to `onRow` as they arrive, each as its fields'
 * text, and are then dropped: node-postgres's own Query keeps every row
 * until the last one is in. A result of a MB (a 1000-event pull page)
 * arrives over several turns of the event loop, long enough for rows kept
 * that way to outlive their minor collection and be promoted to old space,
 * which only a full collection empties (docs/performance.md, PostgreSQL).
 *
 * An error thrown by `onRow` fails the statement the way a row node-postgres
 * cannot parse does: its other rows are skipped and the error is the
 * statement's once PostgreSQL has finished with it.
 *
 * It overrides a method of node-postgres's Query that its types do not
 * declare (and sets its `_canceledDueToError`): row-visiting-query.spec.ts
 * fails should a release of pg change either.
 */
export class RowVisitingQuery extends Query {
  constructor(
    config: QueryConfig,
    private readonly onRow: (fields: RowFields) => void,
    done: (error: Error | undefined) => void,
  ) {
    super(config, (error) => done(error ?? undefined));
  }

  /** Overrides node-postgres's handler (pg/lib/query.js), which parses the row and keeps it. */
  handleDataRow(message: DataRowMessage): void {
    const self = this as unknown as { _canceledDueToError: unknown };
    if (self._canceledDueToError) return;
    try {
      this.onRow(message.fields);
    } catch (error) {
      self._canceledDueToError = error;
    }
  }
}
