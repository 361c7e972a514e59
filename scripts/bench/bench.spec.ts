import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The benchmark harness (`npm run bench`), run as users run it: a child
 * process with a temp directory of its own (TMPDIR), so that what it leaves
 * behind (files, processes) can be checked. Loads are one second long and no
 * figure is ever asserted, only that the harness measured, spread the load
 * and cleaned up.
 */

const BENCH = resolve(__dirname, '../bench.mjs');
/** The --only keys: stable, because scripts and CI name them. */
const SCENARIO_KEYS = ['push', 'push-small', 'pull', 'mixed', 'many-projects', 'busy-projects', 'push-32', 'push-small-32'];
/** The report fields that existed before round 2; `--json` consumers read them. */
const ORIGINAL_FIELDS = ['scenario', 'events_per_s', 'requests_per_s', 'p50_ms', 'p99_ms', 'max_ms', 'requests', 'errors', 'peak_rss_mb'];

interface PerNode {
  node: number;
  requests: number;
  ok_answers: number;
  peak_rss_mb: number | null;
  peak_fds: number | null;
  fd_limit: number | null;
}
interface Result extends Record<string, unknown> {
  key: string;
  requests: number;
  errors: number;
  errors_by_kind: Record<string, number>;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  peak_rss_mb: number;
  peak_fds: number;
  fd_limit: number;
  helper_peak_rss_mb: number | null;
  helper_cpu_ms_per_answer: number | null;
  per_node: PerNode[];
}
interface Report {
  backend: string;
  nodes: number;
  results: Result[];
  postgres?: { version: string; used_by_server: boolean };
}

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

let scratch: string;

beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), 'bench-spec-'));
  // The embedded PostgreSQL runs as the `postgres` user when the tests run as root: it must reach its data directory.
  chmodSync(scratch, 0o755);
});

afterEach(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** Starts the bench with TMPDIR set to this test's scratch directory; `onStderr` sees its progress as it comes. */
function startBench(args: string[], onStderr: (text: string, pid: number) => void = () => undefined): Promise<Run> {
  const child = spawn(process.execPath, [BENCH, ...args], { env: { ...process.env, TMPDIR: scratch }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    onStderr(stderr, child.pid!);
  });
  return new Promise((done) => child.on('close', (code, signal) => done({ code, signal, stdout, stderr })));
}

/** Processes whose command line or working directory lies in the scratch directory: servers and PostgreSQL left running. */
function processesLeftIn(dir: string): string[] {
  const left: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      let cwd = '';
      try {
        cwd = readlinkSync(`/proc/${pid}/cwd`);
      } catch {
        // a process of another user, or gone
      }
      if (cmdline.includes(dir) || cwd.startsWith(dir)) left.push(`${pid}: ${cmdline}`);
    } catch {
      // exited while we looked
    }
  }
  return left;
}

function expectNothingLeftBehind(): void {
  expect(readdirSync(scratch)).toEqual([]);
  expect(processesLeftIn(scratch)).toEqual([]);
}

describe('npm run bench', () => {
  it('lists every scenario key and option in --help', async () => {
    const run = await startBench(['--help']);
    expect(run.code).toBe(0);
    for (const key of SCENARIO_KEYS) expect(run.stdout).toMatch(new RegExp(`^  ${key} `, 'm'));
    for (const flag of ['--quick', '--json', '--only=', '--seconds=', '--projects=', '--backend=postgres', '--nodes=', '--cpu-prof=']) expect(run.stdout).toContain(flag);
  });

  it('refuses several nodes on SQLite, and unknown keys or options, before starting anything', async () => {
    const nodes = await startBench(['--nodes=2']);
    expect(nodes.code).toBe(2);
    expect(nodes.stderr).toContain('--nodes=2 needs --backend=postgres');

    const key = await startBench(['--only=push,pushh']);
    expect(key.code).toBe(2);
    expect(key.stderr).toContain(`unknown scenario pushh: the keys are ${SCENARIO_KEYS.join(', ')}`);

    const option = await startBench(['--quik']);
    expect(option.code).toBe(2);
    expect(option.stderr).toContain('unknown option --quik');
    expectNothingLeftBehind();
  });

  it('reports progress, the original fields plus peak RSS and descriptors per scenario, runs many-projects at 1024 descriptors, and cleans up', async () => {
    const run = await startBench(['--quick', '--json', '--seconds=1', '--projects=300', '--only=many-projects,push-small']);
    expect(run.stderr).not.toContain('bench failed');

    const report = JSON.parse(run.stdout) as Report;
    // In the order of the scenario list, not of --only.
    expect(report.results.map((r) => r.key)).toEqual(['push-small', 'many-projects']);
    for (const result of report.results) {
      for (const field of ORIGINAL_FIELDS) expect(result).toHaveProperty(field);
      expect(Object.values(result.errors_by_kind).reduce((sum, n) => sum + n, 0)).toBe(result.errors);
      expect(result.p50_ms).toBeLessThanOrEqual(result.p99_ms);
      expect(result.p99_ms).toBeLessThanOrEqual(result.max_ms);
      expect(result.peak_rss_mb).toBeGreaterThan(0);
      expect(result.peak_fds).toBeGreaterThan(0);
      expect(result.per_node).toHaveLength(1);
      // Counted by the server itself (/metricz), so the load really reached it.
      expect(result.per_node[0].requests).toBeGreaterThanOrEqual(result.per_node[0].ok_answers);
      expect(result.per_node[0].ok_answers).toBeGreaterThan(0);
    }
    const byKey = Object.fromEntries(report.results.map((r) => [r.key, r]));
    // Whether the server stays within 1024 descriptors is the server's business (and the bench's exit code): not asserted here.
    expect(byKey['push-small'].errors).toBe(0);
    expect(run.code).toBe(byKey['many-projects'].errors === 0 ? 0 : 1);
    expect(byKey['many-projects'].scenario).toContain('300 round-robin');
    expect(byKey['many-projects'].fd_limit).toBe(1024);
    expect(byKey['many-projects'].peak_fds).toBeLessThanOrEqual(1024);
    // SQLite's checkpoint process holds each open project database: it is measured as the server's helper.
    expect(byKey['many-projects'].helper_peak_rss_mb).toBeGreaterThan(0);
    expect(byKey['many-projects'].helper_cpu_ms_per_answer).toBeGreaterThan(0);

    // A line as each scenario starts and as it ends (with seconds and events/s), before the report.
    const lines = run.stderr.split('\n');
    const started = (key: string) => lines.findIndex((l) => l.includes(`] ${key}: starting:`));
    const ended = (key: string) => lines.findIndex((l) => new RegExp(`\\] ${key}: done in [\\d.]+ s .*: [\\d,]+ events/s`).test(l));
    for (const key of ['push-small', 'many-projects']) {
      expect(started(key)).toBeGreaterThanOrEqual(0);
      expect(ended(key)).toBeGreaterThan(started(key));
    }
    expect(started('many-projects')).toBeGreaterThan(ended('push-small'));
    expectNothingLeftBehind();
  }, 180_000);

  it('with --backend=postgres --nodes=2, starts an embedded PostgreSQL, spreads the clients over both nodes, and removes everything', async () => {
    const run = await startBench(['--quick', '--json', '--seconds=1', '--only=push-small', '--backend=postgres', '--nodes=2']);
    expect(run.stderr).not.toContain('bench failed');
    const report = JSON.parse(run.stdout) as Report;
    expect(report.backend).toBe('postgres');
    expect(report.nodes).toBe(2);
    expect(report.postgres?.version).toMatch(/^\d+/);

    const [result] = report.results;
    expect(result.per_node.map((n) => n.node)).toEqual([1, 2]);
    for (const node of result.per_node) {
      expect(node.requests).toBeGreaterThan(0);
      expect(node.peak_rss_mb).toBeGreaterThan(0);
    }
    // PostgreSQL mode starts no process of its own.
    expect(result.helper_peak_rss_mb).toBe(0);
    // Until the server has a PostgreSQL backend, it says so (and node 2, with data of its own, answers 401).
    expect(run.stderr.includes('this build ignores SYNC_DATABASE_URL')).toBe(!report.postgres?.used_by_server);
    // Every error is accounted for by kind (a status code, timeouts, connection errors).
    expect(Object.values(result.errors_by_kind).reduce((sum, n) => sum + n, 0)).toBe(result.errors);
    expect(run.code).toBe(result.errors === 0 ? 0 : 1);
    expectNothingLeftBehind();
  }, 120_000);

  it('when a server node dies during a load, fails naming it and still stops PostgreSQL and removes everything', async () => {
    let killed: string | undefined;
    const run = await startBench(['--quick', '--seconds=120', '--only=push-small', '--backend=postgres'], (stderr) => {
      if (killed || !stderr.includes('push-small: load:')) return;
      const server = processesLeftIn(scratch).find((p) => p.includes('dist/apps/td-sync/src/main.js'));
      if (!server) return;
      killed = server.split(':')[0];
      process.kill(Number(killed), 'SIGKILL');
    });
    expect(killed).toBeDefined();
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('server node 1 exited (SIGKILL) during push-small');
    expectNothingLeftBehind();
  }, 180_000);

  it('on Ctrl-C during a load, stops the servers and PostgreSQL and removes their data', async () => {
    let interrupted = false;
    const run = await startBench(['--quick', '--seconds=120', '--only=push-small', '--backend=postgres'], (stderr, pid) => {
      if (!interrupted && stderr.includes('push-small: load:')) {
        interrupted = true;
        process.kill(pid, 'SIGINT');
      }
    });
    expect(interrupted).toBe(true);
    expect(run.code).toBe(130);
    expect(run.stdout).toBe('');
    expectNothingLeftBehind();
  }, 120_000);
});
