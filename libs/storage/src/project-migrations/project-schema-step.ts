/**
 * One step of a project event database's schema. Steps are applied in order,
 * each in the transaction that also sets `PRAGMA user_version` to its
 * version, so a database is always exactly at one version.
 */
export interface ProjectSchemaStep {
  version: number;
  /** What the step does, for the log line of an upgrade. */
  description: string;
  sql: string;
}
