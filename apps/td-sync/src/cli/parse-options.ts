import { parseArgs, ParseArgsConfig } from 'node:util';
import { UsageError } from './usage-error';

type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

export interface ParsedOptions {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/**
 * Parses a command's arguments strictly (an unknown option or a missing value
 * is a usage error) and checks the number of positional arguments. `--help`
 * (or `-h`) is always accepted; the caller checks `values.help` first.
 */
export function parseOptions(
  args: string[],
  commandLine: string,
  options: OptionSpecs,
  positionals: { names: string[]; optional?: number } = { names: [] },
): ParsedOptions {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args, options: { help: { type: 'boolean', short: 'h' }, ...options }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\. To specify a positional argument.*$/s, ''), commandLine);
  }
  const values = parsed.values as ParsedOptions['values'];
  if (values.help) return { values, positionals: parsed.positionals };
  const required = positionals.names.length - (positionals.optional ?? 0);
  if (parsed.positionals.length < required) {
    throw new UsageError(`missing ${positionals.names.slice(parsed.positionals.length, required).map((n) => `<${n}>`).join(' ')}`, commandLine);
  }
  if (parsed.positionals.length > positionals.names.length) {
    throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[positionals.names.length])}`, commandLine);
  }
  return { values, positionals: parsed.positionals };
}
