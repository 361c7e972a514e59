#!/usr/bin/env node
/**
 * `npm run bench [-- OPTIONS]` (`--help` lists them): for every scenario,
 * starts the built server (one process, or `--nodes=N` on one embedded
 * PostgreSQL) with fresh data, logs in through the real HTTP device flow,
 * sets the scenario up, then drives it with autocannon for a fixed time.
 * Prints a progress line as each scenario starts and ends, then per scenario:
 * events/s, requests/s, p50/p99/max latency, errors, and the peak RSS and
 * peak open descriptors of the server processes, plus the machine, as a table
 * or (`--json`) as JSON. Any scenario that saw an error makes the exit code
 * non-zero; no timing is ever asserted. Every process and temp directory it
 * creates is removed at the end, on failure and on Ctrl-C.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CleanupStack } from './bench/cleanup-stack.mjs';
import { startEmbeddedPostgres } from './bench/embedded-postgres-cluster.mjs';
import { parseOptions, usage, UsageError } from './bench/options.mjs';
import { formatReport, machine, progress } from './bench/report.mjs';
import { runScenario } from './bench/run-scenario.mjs';
import { SCENARIOS } from './bench/scenarios.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MAIN = join(root, 'dist/apps/td-sync/src/main.js');

const QUICK = { seconds: 3, pullSeed: 20_000, manyProjects: 400 };
const FULL = { seconds: 15, pullSeed: 100_000, manyProjects: 2_000 };

async function main(options, cleanup, signal) {
  // Builds dist/ when it is missing or stale; its output goes to stderr, never into --json.
  execFileSync(process.execPath, [join(root, 'scripts/ensure-build.js')], { stdio: ['ignore', 2, 2] });
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing after the build`);
  if (options.cpuProfileDir) {
    // Absolute: each server runs in its own scratch directory, removed afterwards.
    options.cpuProfileDir = resolve(options.cpuProfileDir);
    mkdirSync(options.cpuProfileDir, { recursive: true });
  }
  const plan = { ...(options.quick ? QUICK : FULL) };
  if (options.seconds) plan.seconds = options.seconds;
  if (options.projects) plan.manyProjects = options.projects;
  const scenarios = SCENARIOS.filter((s) => !options.only || options.only.includes(s.key));

  const runDir = mkdtempSync(join(tmpdir(), 'td-sync-bench-'));
  cleanup.add(
    `data directory ${runDir}`,
    () => rm(runDir, { recursive: true, force: true, maxRetries: 5 }),
    () => rmSync(runDir, { recursive: true, force: true, maxRetries: 5 }),
  );
  let postgres;
  if (options.backend === 'postgres') {
    progress('bench: starting an embedded PostgreSQL');
    postgres = await startEmbeddedPostgres({ cleanup });
  }
  progress(
    `bench: ${options.quick ? 'quick' : 'full'} run, ${postgres ? `postgres ${postgres.version} on port ${postgres.port}` : 'sqlite'}, ` +
      `${options.nodes} node${options.nodes > 1 ? 's' : ''}, ${scenarios.length} scenario${scenarios.length > 1 ? 's' : ''} of ${plan.seconds} s; data in ${runDir}`,
  );

  const results = [];
  for (const [i, scenario] of scenarios.entries()) {
    if (signal.aborted) return;
    results.push(await runScenario({ scenario, position: i + 1, total: scenarios.length, main: MAIN, options, plan, postgres, runDir, cleanup, signal }));
  }
  await cleanup.runAll();
  if (signal.aborted) return;

  const report = {
    machine: machine(),
    quick: options.quick,
    results,
    backend: options.backend,
    nodes: options.nodes,
    seconds_per_scenario: plan.seconds,
    ...(postgres ? { postgres: { version: postgres.version, used_by_server: !postgres.unused } } : {}),
  };
  console.log(options.json ? JSON.stringify(report, null, 2) : formatReport(report));
  const failed = results.filter((r) => r.errors > 0 || r.requests === 0);
  if (failed.length > 0) {
    progress(`bench: errors in ${failed.map((r) => r.key).join(', ')}`);
    process.exitCode = 1;
  }
}

let options;
try {
  options = parseOptions(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(`bench: ${error.message} (npm run bench -- --help lists the options)\n`);
  process.exit(2);
}
if (options.help) {
  process.stdout.write(usage());
  process.exit(0);
}

const cleanup = new CleanupStack();
const abort = new AbortController();
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
  process.on(signal, () => {
    if (abort.signal.aborted) {
      progress(`bench: ${signal} again: killing what is left now`);
      cleanup.runAllNow();
      process.exit(code);
    }
    abort.abort();
    progress(`bench: ${signal}: stopping ${cleanup.pending.reverse().join(', ') || 'nothing'}`);
    void cleanup.runAll().finally(() => process.exit(code));
  });
}
process.on('uncaughtException', (error) => {
  progress(`bench failed: ${error.stack ?? error}`);
  cleanup.runAllNow();
  process.exit(1);
});

main(options, cleanup, abort.signal).catch(async (error) => {
  // After a signal, failures of the interrupted work are expected; the signal handler exits.
  if (abort.signal.aborted) return;
  progress(`bench failed: ${error.stack ?? error}`);
  await cleanup.runAll();
  process.exit(1);
});
