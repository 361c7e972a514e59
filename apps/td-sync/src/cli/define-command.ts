import type { ParseArgsConfig } from 'node:util';
import type { CliIo, Command } from './command';
import { parseOptions, ParsedOptions } from './parse-options';

export interface LeafCommandSpec {
  name: string;
  /** How the command is typed, for usage lines and errors: `td-sync keys create`. */
  commandLine: string;
  summary: string;
  /** Positional arguments in order; the last `optional` of them may be left out. */
  positionals?: { names: string[]; optional?: number };
  options?: NonNullable<ParseArgsConfig['options']>;
  /** The help text after the usage line: what it does, then its options. */
  help: string;
  run(parsed: ParsedOptions, io: CliIo): Promise<number>;
}

/** A command with no sub-commands: `--help` prints its usage, anything else is parsed strictly and run. */
export function defineCommand(spec: LeafCommandSpec): Command {
  const synopsis = [spec.commandLine, ...(spec.positionals?.names ?? []).map((name) => `<${name}>`), ...(spec.options ? ['[options]'] : [])].join(' ');
  const usage = `Usage: ${synopsis}\n\n${spec.help.trim()}\n`;
  return {
    name: spec.name,
    summary: spec.summary,
    usage,
    async run(args: string[], io: CliIo): Promise<number> {
      const parsed = parseOptions(args, spec.commandLine, spec.options ?? {}, spec.positionals);
      if (parsed.values.help) {
        io.out(usage);
        return 0;
      }
      return spec.run(parsed, io);
    },
  };
}
