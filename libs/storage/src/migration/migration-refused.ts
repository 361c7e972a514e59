/**
 * migrate-to-postgres will not go on, and nothing it has not committed is
 * in the target: a target that holds other data, a source it does not fully
 * understand (a table or column it would drop), a project that differs from
 * its copy. The message says what to do; the command prints it as it is.
 */
export class MigrationRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationRefused';
  }
}
