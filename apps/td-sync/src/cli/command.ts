/** Where a command writes: stdout for its answer, stderr for errors and progress. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

/**
 * One command (or group of sub-commands) of `td-sync`. `run` gets the
 * arguments after the command's name and returns the exit code; it throws a
 * UsageError for arguments it cannot use (exit 2) and any other error for a
 * failure (exit 1), which the dispatcher prints as one line on stderr.
 */
export interface Command {
  readonly name: string;
  /** One line, for the list of commands. */
  readonly summary: string;
  /** The whole `--help` text. */
  readonly usage: string;
  run(args: string[], io: CliIo): Promise<number>;
}
