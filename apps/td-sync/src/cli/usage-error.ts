/** Arguments a command cannot use: printed with a pointer to --help, exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The command line that --help explains, e.g. `td-sync keys create`. */
    readonly commandLine: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}
