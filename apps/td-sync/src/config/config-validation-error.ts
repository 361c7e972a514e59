/**
 * A `SYNC_*` variable holds a value the server cannot use, or names a path it
 * cannot use. main.ts prints the message as one line, in the log format the
 * configuration asks for, and exits with code 2, so the message must say
 * everything: the variable, the value and what it accepts.
 */
export class ConfigValidationError extends Error {
  /** The log format to report this error in (SYNC_LOG_FORMAT, when it could be read). */
  logFormat: 'json' | 'text' = 'json';

  constructor(variable: string, value: string, accepts: string) {
    super(`invalid ${variable}=${JSON.stringify(value)}: expected ${accepts}`);
    this.name = 'ConfigValidationError';
  }
}
