/**
 * Just enough of a Dockerfile and .dockerignore reader for the deploy specs:
 * instructions with continuation lines joined, grouped by build stage, and
 * Docker's .dockerignore matching (last matching pattern wins; a pattern that
 * matches a directory matches everything under it; `!` re-includes).
 */

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

export interface Stage {
  name: string | undefined;
  image: string;
  instructions: Instruction[];
}

export interface DockerfileModel {
  /** ARG defaults declared before the first FROM. */
  globalArgs: Map<string, string>;
  stages: Stage[];
}

export function parseDockerfile(text: string): DockerfileModel {
  const instructions: Instruction[] = [];
  let pending: { text: string; line: number } | undefined;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trimEnd();
    const trimmed = line.trim();
    if (trimmed.startsWith('#') || (trimmed === '' && pending === undefined)) return;
    if (trimmed === '') return;
    const continued = line.endsWith('\\');
    const content = continued ? line.slice(0, -1) : line;
    pending = pending ? { text: `${pending.text} ${content.trim()}`, line: pending.line } : { text: content.trim(), line: index + 1 };
    if (!continued) {
      const [, keyword, args] = /^(\S+)\s*(.*)$/.exec(pending.text) ?? [];
      instructions.push({ keyword: keyword.toUpperCase(), args: args.replace(/\s+/g, ' ').trim(), line: pending.line });
      pending = undefined;
    }
  });

  const globalArgs = new Map<string, string>();
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [image, as, name] = instruction.args.split(' ');
      stages.push({ image, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.keyword === 'ARG') {
        const [name, value] = instruction.args.split('=');
        globalArgs.set(name, value ?? '');
      }
    } else {
      stages[stages.length - 1].instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}

/** `${NAME}` / `$NAME` replaced from `values`. */
export function expand(text: string, values: Map<string, string>): string {
  return text.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, braced: string | undefined, bare: string | undefined) => values.get((braced ?? bare) as string) ?? whole);
}

/** The value of `ARG name=value` in a stage. */
export function stageArg(stage: Stage, name: string): string | undefined {
  for (const instruction of stage.instructions) {
    if (instruction.keyword !== 'ARG') continue;
    const [argName, value] = instruction.args.split('=');
    if (argName === name) return value;
  }
  return undefined;
}

/** Sources and destination of a COPY, without flags; `from` is the --from stage. */
export function copyParts(instruction: Instruction): { from: string | undefined; sources: string[]; destination: string } {
  const words = instruction.args.split(' ');
  const flags = words.filter((w) => w.startsWith('--'));
  const paths = words.filter((w) => !w.startsWith('--'));
  const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
  return { from, sources: paths.slice(0, -1), destination: paths[paths.length - 1] };
}

/** Parses the exec (JSON) form of CMD, ENTRYPOINT, HEALTHCHECK CMD. */
export function execForm(args: string): string[] {
  const parsed = JSON.parse(args) as unknown;
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) throw new Error(`not an exec form: ${args}`);
  return parsed as string[];
}

interface IgnorePattern {
  regex: RegExp;
  include: boolean;
}

export class DockerIgnore {
  private readonly patterns: IgnorePattern[];

  constructor(text: string) {
    this.patterns = text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line) => {
        const include = line.startsWith('!');
        const pattern = (include ? line.slice(1) : line).trim().replace(/^\/+/, '').replace(/^\.\//, '').replace(/\/+$/, '');
        return { include, regex: globToRegex(pattern) };
      });
  }

  /** Whether `path` (relative to the context root) is sent to the builder. */
  sends(path: string): boolean {
    const parts = path.split('/');
    let sent = true;
    for (const pattern of this.patterns) {
      // A pattern matching the path or one of its parent directories.
      for (let n = 1; n <= parts.length; n++) {
        if (pattern.regex.test(parts.slice(0, n).join('/'))) {
          sent = pattern.include;
          break;
        }
      }
    }
    return sent;
  }
}

function globToRegex(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      // `**/` matches any number of directories, including none.
      if (glob[i + 2] === '/') {
        out += '(?:.*/)?';
        i += 2;
      } else {
        out += '.*';
        i += 1;
      }
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}
