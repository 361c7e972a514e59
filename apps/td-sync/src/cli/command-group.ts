import type { CliIo, Command } from './command';
import { UsageError } from './usage-error';

/** `td-sync users list`, `td-sync users create`, ...: a command made of sub-commands. */
export class CommandGroup implements Command {
  readonly usage: string;

  constructor(
    readonly name: string,
    readonly summary: string,
    description: string,
    readonly commands: readonly Command[],
  ) {
    const width = Math.max(...commands.map((command) => command.name.length));
    this.usage = [
      `Usage: td-sync ${name} <command> [options]`,
      '',
      description.trim(),
      '',
      'Commands:',
      ...commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
      '',
      `Run \`td-sync ${name} <command> --help\` for a command's arguments and options.`,
      '',
    ].join('\n');
  }

  async run(args: string[], io: CliIo): Promise<number> {
    const [first, ...rest] = args;
    if (first === '--help' || first === '-h' || first === 'help') {
      io.out(this.usage);
      return 0;
    }
    const names = this.commands.map((command) => command.name).join(', ');
    if (first === undefined) throw new UsageError(`missing command: one of ${names}`, `td-sync ${this.name}`);
    const command = this.commands.find((candidate) => candidate.name === first);
    if (!command) throw new UsageError(`unknown command "${this.name} ${first}": one of ${names}`, `td-sync ${this.name}`);
    return command.run(rest, io);
  }
}
