/** The command line of `npm run bench`: parsed strictly, so that a typo is an error and not a silently different run. */
import { SCENARIOS, SCENARIO_KEYS } from './scenarios.mjs';

export class UsageError extends Error {}

export function usage() {
  const keys = SCENARIOS.map((s) => `  ${s.key.padEnd(15)} ${s.summary}`).join('\n');
  return `Usage: npm run bench [-- OPTIONS]

Starts the built td-sync server (fresh data for every scenario), drives it with
autocannon and prints, per scenario, throughput, latency, errors, peak RSS and
peak open descriptors. Figures are printed, never asserted.

Options:
  --quick              short runs (3 s of load per scenario, smaller data): the CI smoke run
  --json               print the report as JSON on stdout (progress stays on stderr)
  --only=KEY[,KEY...]  run only these scenarios (keys below)
  --seconds=N          seconds of load per scenario (default 15, or 3 with --quick)
  --projects=N         projects in many-projects (default 2000, or 400 with --quick)
  --backend=sqlite     the default: SQLite files in a temp directory
  --backend=postgres   an embedded PostgreSQL (temp cluster, free port), passed to the
                       server as SYNC_DATABASE_URL; a fresh database per scenario
  --nodes=N            with --backend=postgres: N server processes on one database,
                       clients spread over them round-robin (default 1)
  --cpu-prof=DIR       every server process writes a V8 CPU profile to DIR
                       (summarise with: node scripts/profile-summary.mjs DIR/*.cpuprofile)
  --help               this text

Scenarios (--only keys, in the order they run):
${keys}
`;
}

export function parseOptions(argv) {
  const options = { quick: false, json: false, help: false, only: undefined, seconds: undefined, projects: undefined, backend: 'sqlite', nodes: 1, cpuProfileDir: undefined };
  let nodesGiven = false;
  for (const arg of argv) {
    const [flag, value] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const needsValue = () => {
      if (!value) throw new UsageError(`${flag} needs a value: ${flag}=...`);
      return value;
    };
    switch (flag) {
      case '--quick':
      case '--json':
      case '--help':
        if (value !== undefined) throw new UsageError(`${flag} takes no value`);
        options[flag.slice(2)] = true;
        break;
      case '-h':
        options.help = true;
        break;
      case '--only': {
        const keys = needsValue().split(',').map((k) => k.trim()).filter(Boolean);
        const unknown = keys.filter((k) => !SCENARIO_KEYS.includes(k));
        if (unknown.length > 0) throw new UsageError(`unknown scenario ${unknown.join(', ')}: the keys are ${SCENARIO_KEYS.join(', ')}`);
        options.only = keys;
        break;
      }
      case '--seconds':
        options.seconds = positiveInteger(flag, needsValue());
        break;
      case '--projects':
        options.projects = positiveInteger(flag, needsValue());
        break;
      case '--nodes':
        options.nodes = positiveInteger(flag, needsValue());
        nodesGiven = true;
        break;
      case '--backend':
        if (!['sqlite', 'postgres'].includes(needsValue())) throw new UsageError(`--backend is sqlite or postgres, not ${value}`);
        options.backend = value;
        break;
      case '--cpu-prof':
        options.cpuProfileDir = needsValue();
        break;
      default:
        throw new UsageError(`unknown option ${arg}`);
    }
  }
  if (nodesGiven && options.nodes > 1 && options.backend !== 'postgres') {
    throw new UsageError(
      `--nodes=${options.nodes} needs --backend=postgres: with SQLite each td-sync process owns its data directory, so several nodes cannot serve one set of projects`,
    );
  }
  return options;
}

function positiveInteger(flag, value) {
  if (!/^[1-9]\d*$/.test(value)) throw new UsageError(`${flag} is a positive integer, not ${value}`);
  return Number(value);
}
