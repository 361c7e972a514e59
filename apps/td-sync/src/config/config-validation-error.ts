/**
 * A `SYNC_*` variable holds a value the server cannot use. main.ts prints the
 * message as one line and exits non-zero, so the message must say everything:
 * the variable, the value and what it accepts.
 */
export class ConfigValidationError extends Error {
  constructor(variable: string, value: string, accepts: string) {
    super(`invalid ${variable}=${JSON.stringify(value)}: expected ${accepts}`);
    this.name = 'ConfigValidationError';
  }
}
