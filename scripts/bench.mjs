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
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { answeredRequests, login } from './bench/api-client.mjs';
import { CleanupStack } from './bench/cleanup-stack.mjs';
import { startEmbeddedPostgres } from './bench/embedded-postgres-cluster.mjs';
import { runLoad } from './bench/load-driver.mjs';
import { parseOptions, usage, UsageError } from './bench/options.mjs';
import { fdLimit } from './bench/proc-stats.mjs';
import { ProcessSampler } from './bench/process-sampler.mjs';
import { formatReport, machine, progress } from './bench/report.mjs';
import { SCENARIOS } from './bench/scenarios.mjs';
import { startServerNode } from './bench/server-node.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MAIN = join(root, 'dist/apps/td-sync/src/main.js');

const QUICK = { seconds: 3, pullSeed: 20_000, manyProjects: 400 };
const FULL = { seconds: 15, pullSeed: 100_000, manyProjects: 2_000 };

const round1 = (x) => (Number.isFinite(x) ? Math.round(x * 10) / 10 : null);
const largest = (values) => (values.some(Number.isFinite) ? Math.max(...values.filter(Number.isFinite)) : null);
const orNull = (x) => (Number.isFinite(x) ? x : null);

async function runScenario({ scenario, position, total, options, plan, postgres, runDir, cleanup, signal }) {
  const name = scenario.nameFor?.(plan) ?? scenario.name;
  const tag = `[${position}/${total}] ${scenario.key}`;
  progress(`${tag}: starting: ${name}, ${plan.seconds} s of load`);
  const started = performance.now();

  const database = postgres ? `bench_${scenario.key.replaceAll('-', '_')}` : undefined;
  const databaseUrl = postgres ? await postgres.createDatabase(database) : undefined;
  const starting = Array.from({ length: options.nodes }, (_, i) =>
    startServerNode({
      index: i,
      main: MAIN,
      dataDir: join(runDir, scenario.key, `node-${i + 1}`),
      databaseUrl,
      fdLimit: scenario.fdLimit,
      cpuProfileDir: options.cpuProfileDir,
      cleanup,
    }),
  );
  const nodes = [];
  try {
    // All settle before anything throws, so that every started node is stopped below.
    const settled = await Promise.allSettled(starting);
    for (const node of settled) if (node.status === 'fulfilled') nodes.push(node.value);
    const failed = settled.find((node) => node.status === 'rejected');
    if (failed) throw failed.reason;

    const urls = nodes.map((n) => n.url);
    const apiKey = await login(urls[0], 'bench@example.com');
    const requestsFor = await scenario.prepare({ node0: urls[0], apiKey, plan, clients: scenario.clients, progress: (text) => progress(`${tag}: ${text}`) });
    const answeredBefore = await Promise.all(urls.map(answeredRequests));
    const setupSeconds = (performance.now() - started) / 1000;

    progress(`${tag}: load: ${scenario.clients} clients${nodes.length > 1 ? ` over ${nodes.length} nodes` : ''} for ${plan.seconds} s`);
    for (const node of nodes) node.takeErrors();
    const sampler = new ProcessSampler(nodes.map((n) => n.pid));
    sampler.start();
    let load;
    let peaks;
    try {
      load = await runLoad({ urls, clients: scenario.clients, seconds: plan.seconds, requestsFor, signal });
    } finally {
      peaks = sampler.stop();
    }
    if (signal.aborted) throw new Error('interrupted');
    const dead = nodes.filter((n) => n.exit !== undefined);
    if (dead.length > 0) throw new Error(`${dead.map((n) => `server node ${n.index + 1} exited (${n.exit})`).join(', ')} during ${scenario.key}`);
    // Minus one: the /metricz request that read the "before" count is counted in "after".
    const answered = (await Promise.all(urls.map(answeredRequests))).map((after, i) => after - answeredBefore[i] - 1);
    if (postgres && (await postgres.tableCount(database)) === 0) {
      postgres.unused = true;
      progress(
        `${tag}: warning: the server created no table in PostgreSQL database ${database}: this build ignores SYNC_DATABASE_URL, ` +
          `so these figures are SQLite's${nodes.length > 1 ? ', and nodes other than 1 do not know the login made through node 1 (401s)' : ''}`,
      );
    }

    const logged = nodes.map((n) => n.takeErrors());
    logged.forEach(({ count, lines }, i) => {
      if (count > 0) progress(`${tag}: server node ${i + 1} logged ${count} error line${count > 1 ? 's' : ''}; the first:\n${lines.join('\n')}`);
    });
    const perNode = nodes.map((n, i) => ({
      node: i + 1,
      requests: answered[i],
      ok_answers: load.okPerNode[i],
      peak_rss_mb: orNull(peaks[i].peak_rss_mb),
      start_rss_mb: orNull(peaks[i].start_rss_mb),
      peak_fds: orNull(peaks[i].peak_fds),
      fd_limit: orNull(fdLimit(n.pid)),
      error_log_lines: logged[i].count,
    }));
    const { p50, p99, max } = load.latency;
    const result = {
      scenario: name,
      events_per_s: Math.round(load.events / load.seconds),
      requests_per_s: Math.round(load.ok / load.seconds),
      p50_ms: p50,
      p99_ms: p99,
      max_ms: max,
      requests: load.requests,
      errors: load.errors,
      peak_rss_mb: largest(perNode.map((n) => n.peak_rss_mb)),
      key: scenario.key,
      errors_by_kind: load.errorKinds,
      clients: scenario.clients,
      seconds: round1(load.seconds),
      setup_seconds: round1(setupSeconds),
      p99_over_p50: p50 ? round1(p99 / p50) : null,
      peak_fds: largest(perNode.map((n) => n.peak_fds)),
      fd_limit: orNull(Math.min(...perNode.map((n) => n.fd_limit ?? NaN))),
      kb_per_answer: round1(load.bytesPerAnswer / 1024),
      per_node: perNode,
    };
    progress(
      `${tag}: done in ${round1((performance.now() - started) / 1000)} s (setup ${result.setup_seconds} s, load ${result.seconds} s): ` +
        `${result.events_per_s.toLocaleString('en')} events/s, ${result.requests_per_s.toLocaleString('en')} requests/s, ` +
        `p50 ${p50 ?? '-'} ms, p99 ${p99 ?? '-'} ms, ${result.errors} errors` +
        (result.errors > 0 ? ` (${Object.entries(load.errorKinds).map(([kind, n]) => `${kind} ×${n}`).join(', ')})` : ''),
    );
    return result;
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
  }
}

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
    results.push(await runScenario({ scenario, position: i + 1, total: scenarios.length, options, plan, postgres, runDir, cleanup, signal }));
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
