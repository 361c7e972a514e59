/** Running one scenario against fresh server processes, and what is reported about it. */
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { answeredRequests, login } from './api-client.mjs';
import { runLoad } from './load-driver.mjs';
import { fdLimit } from './proc-stats.mjs';
import { ProcessSampler } from './process-sampler.mjs';
import { progress } from './report.mjs';
import { startServerNode } from './server-node.mjs';

const round1 = (x) => (Number.isFinite(x) ? Math.round(x * 10) / 10 : null);
const largest = (values) => (values.some(Number.isFinite) ? Math.max(...values.filter(Number.isFinite)) : null);
const orNull = (x) => (Number.isFinite(x) ? x : null);

/**
 * One scenario from start to end: fresh server node(s) (and database), login,
 * the scenario's set-up, then the measured load with the server processes
 * sampled; the nodes are stopped and their data removed whatever happens.
 */
export async function runScenario({ scenario, position, total, main, options, plan, postgres, runDir, cleanup, signal }) {
  const name = scenario.nameFor?.(plan) ?? scenario.name;
  const tag = `[${position}/${total}] ${scenario.key}`;
  progress(`${tag}: starting: ${name}, ${plan.seconds} s of load`);
  const started = performance.now();

  const database = postgres ? `bench_${scenario.key.replaceAll('-', '_')}` : undefined;
  const databaseUrl = postgres ? await postgres.createDatabase(database) : undefined;
  const starting = Array.from({ length: options.nodes }, (_, i) =>
    startServerNode({
      index: i,
      main,
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
    // The load ends early on Ctrl-C, or when a node dies (the rest of the run would measure nothing).
    const loadAbort = new AbortController();
    const abortLoad = () => loadAbort.abort();
    signal.addEventListener('abort', abortLoad);
    for (const node of nodes) void node.exited.then(abortLoad);
    let load;
    let peaks;
    try {
      load = await runLoad({ urls, clients: scenario.clients, seconds: plan.seconds, requestsFor, signal: loadAbort.signal });
    } finally {
      peaks = sampler.stop();
      signal.removeEventListener('abort', abortLoad);
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
    const result = resultOf({ scenario, name, nodes, load, peaks, answered, logged, setupSeconds });
    progress(
      `${tag}: done in ${round1((performance.now() - started) / 1000)} s (setup ${result.setup_seconds} s, load ${result.seconds} s): ` +
        `${result.events_per_s.toLocaleString('en')} events/s, ${result.requests_per_s.toLocaleString('en')} requests/s, ` +
        `p50 ${result.p50_ms ?? '-'} ms, p99 ${result.p99_ms ?? '-'} ms, ${result.errors} errors` +
        (result.errors > 0 ? ` (${Object.entries(result.errors_by_kind).map(([kind, n]) => `${kind} ×${n}`).join(', ')})` : ''),
    );
    return result;
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
  }
}

/** The report row of a scenario: the original fields first, then those added since. */
function resultOf({ scenario, name, nodes, load, peaks, answered, logged, setupSeconds }) {
  const perNode = nodes.map((n, i) => ({
    node: i + 1,
    requests: answered[i],
    ok_answers: load.okPerNode[i],
    peak_rss_mb: orNull(peaks[i].peak_rss_mb),
    start_rss_mb: orNull(peaks[i].start_rss_mb),
    peak_fds: orNull(peaks[i].peak_fds),
    cpu_ms: orNull(peaks[i].cpu_ms),
    helper_peak_rss_mb: orNull(peaks[i].helper_peak_rss_mb),
    helper_cpu_ms: orNull(peaks[i].helper_cpu_ms),
    fd_limit: orNull(fdLimit(n.pid)),
    error_log_lines: logged[i].count,
  }));
  const { p50, p99, max } = load.latency;
  return {
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
    // Server CPU (user + system, every node) per 2xx answer: steadier than throughput on a shared machine.
    cpu_ms_per_answer: load.ok > 0 ? Math.round((perNode.reduce((sum, n) => sum + (n.cpu_ms ?? NaN), 0) / load.ok) * 1000) / 1000 : null,
    // The server's child processes (the checkpoint process of SQLite mode): peak memory, and CPU per 2xx answer.
    helper_peak_rss_mb: largest(perNode.map((n) => n.helper_peak_rss_mb)),
    helper_cpu_ms_per_answer: load.ok > 0 ? Math.round((perNode.reduce((sum, n) => sum + (n.helper_cpu_ms ?? NaN), 0) / load.ok) * 1000) / 1000 : null,
    per_node: perNode,
  };
}
