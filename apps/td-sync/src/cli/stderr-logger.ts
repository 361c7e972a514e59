import type { LoggerService } from '@nestjs/common';

/**
 * The command line's logger: warnings and errors only, on stderr, one line
 * each, so that stdout holds nothing but the command's answer (a table, or
 * JSON a script parses). Nest's start-up lines are not shown at all.
 */
export class StderrLogger implements LoggerService {
  log(): void {}

  debug(): void {}

  verbose(): void {}

  warn(message: unknown, ...context: unknown[]): void {
    this.write('warning', message, context);
  }

  error(message: unknown, ...context: unknown[]): void {
    this.write('error', message, context);
  }

  fatal(message: unknown, ...context: unknown[]): void {
    this.write('error', message, context);
  }

  private write(level: string, message: unknown, context: unknown[]): void {
    const where = context.filter((part) => typeof part === 'string' && !part.includes('\n')).at(-1);
    const text = message instanceof Error ? message.message : typeof message === 'string' ? message : JSON.stringify(message);
    process.stderr.write(`td-sync: ${level}${where ? ` (${where})` : ''}: ${text.replace(/\s*\n\s*/g, ' ')}\n`);
  }
}
