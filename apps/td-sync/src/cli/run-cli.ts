import { BadRequestException } from '@nestjs/common';
import { ConfigValidationError } from '../config/config-validation-error';
import type { CliIo, Command } from './command';
import { importGoCommand } from './import-go.command';
import { keysCommand } from './keys.command';
import { membersCommand } from './members.command';
import { migrateToPostgresCommand } from './migrate-to-postgres.command';
import { projectsCommand } from './projects.command';
import { serveCommand } from './serve.command';
import { usersCommand } from './users.command';
import { UsageError } from './usage-error';

export const COMMANDS: readonly Command[] = [serveCommand, usersCommand, keysCommand, projectsCommand, membersCommand, importGoCommand, migrateToPostgresCommand];

const width = Math.max(...COMMANDS.map((command) => command.name.length));

export const USAGE = `Usage: td-sync [command] [options]

The sync server of td, the local-first task tracker, and its operator's tools.
With no command it serves, as \`td-sync serve\` does.

Commands:
${COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`).join('\n')}

Every command reads the server's SYNC_* settings, so it works on the same database,
and (migrate-to-postgres aside) may run while the server does. Tables are for people; --json
prints JSON for scripts.
Exit status: 0 done, 1 failed, 2 bad arguments or settings.
Run \`td-sync <command> --help\` for a command's arguments and options.
`;

/** Writes each text as whole lines. */
export const processIo: CliIo = {
  out: (text) => void process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => void process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
};

/**
 * `td-sync [command] [args]`: runs the command and resolves with the exit
 * code (for `serve`, once the server has stopped). Errors become one line on
 * stderr: 2 for bad arguments or settings, 1 for everything else.
 */
export async function runCli(args: string[], io: CliIo = processIo): Promise<number> {
  try {
    const [first, ...rest] = args;
    if (first === undefined) return await serveCommand.run([], io);
    if (first === '--help' || first === '-h' || first === 'help') {
      const topic = rest[0] === undefined ? undefined : COMMANDS.find((command) => command.name === rest[0]);
      if (rest[0] !== undefined && !topic) throw new UsageError(`unknown command ${JSON.stringify(rest[0])}`, 'td-sync');
      io.out(topic?.usage ?? USAGE);
      return 0;
    }
    const command = COMMANDS.find((candidate) => candidate.name === first);
    if (!command) throw new UsageError(`unknown command ${JSON.stringify(first)}`, 'td-sync');
    return await command.run(rest, io);
  } catch (error) {
    return reportFailure(error, io);
  }
}

function reportFailure(error: unknown, io: CliIo): number {
  if (error instanceof UsageError) {
    io.err(`td-sync: ${oneLine(error.message)} (see \`${error.commandLine} --help\`)`);
    return 2;
  }
  // Bad settings, and arguments a service refused as malformed (an invalid email, an unknown role).
  if (error instanceof ConfigValidationError || error instanceof BadRequestException) {
    io.err(`td-sync: ${oneLine(error.message)}`);
    return 2;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.err(`td-sync: ${oneLine(message)}`);
  return 1;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}
