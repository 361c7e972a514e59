#!/usr/bin/env node
/**
 * `npm run bench [-- --quick] [-- --json]`: starts the built server on a free
 * loopback port with a fresh temp data directory, logs in through the real
 * HTTP device flow, creates projects, and drives it with autocannon.
 * Prints events/s, requests/s, p50/p99/max latency, errors and the server's
 * peak RSS for each scenario, plus the machine, as a table or (`--json`) as
 * JSON. `--quick` is the CI smoke version: short runs. Any scenario that saw an
 * error makes the exit code non-zero; no timing is ever asserted.
 */
import autocannon from 'autocannon';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
const asJson = args.has('--json');
const option = (name) => [...args].find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
/** `--cpu-prof=DIR`: the server writes a V8 CPU profile there (see scripts/profile-summary.mjs). */
const profileDir = option('cpu-prof');
/** `--only=push,pull`: run just the scenarios whose key is listed. */
const only = option('only')?.split(',');
const wanted = (key) => !only || only.includes(key);

const plan = quick
  ? { seconds: 3, pullSeed: 20_000, manyProjects: 200, devices: 4, smallClients: 20, readers: 4 }
  : { seconds: 15, pullSeed: 100_000, manyProjects: 2_000, devices: 4, smallClients: 50, readers: 8 };

const log = (...parts) => process.stderr.write(parts.join(' ') + '\n');

// ---------------------------------------------------------------- the server

function startServer(dataDir) {
  const nodeArgs = profileDir ? [`--cpu-prof`, `--cpu-prof-dir=${profileDir}`] : [];
  const child = spawn(process.execPath, [...nodeArgs, join(root, 'dist/apps/td-sync/src/main.js')], {
    cwd: dataDir,
    env: {
      PATH: process.env.PATH,
      SYNC_LISTEN_ADDR: '127.0.0.1:0',
      SYNC_SERVER_DB_PATH: join(dataDir, 'server.db'),
      SYNC_PROJECT_DATA_DIR: join(dataDir, 'projects'),
      // The production default: one log line per request is part of the cost measured.
      SYNC_LOG_LEVEL: 'info',
      SYNC_MAX_OPEN_PROJECTS: '256',
      // Raised through configuration, so the limiter still runs as in production.
      SYNC_RATE_LIMIT_AUTH: '100000000',
      SYNC_RATE_LIMIT_AUTH_POLL: '100000000',
      SYNC_RATE_LIMIT_PUSH: '100000000',
      SYNC_RATE_LIMIT_PULL: '100000000',
      SYNC_RATE_LIMIT_OTHER: '100000000',
      // login() below completes with the typed code alone.
      SYNC_CODE_LOGIN: 'direct',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr.pipe(process.stderr);
  return new Promise((resolveUrl, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const match = /listening on (http:\/\/[^\s"]+)/.exec(line);
      if (match) resolveUrl({ child, url: match[1] });
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code} before listening`)));
    setTimeout(() => reject(new Error('server did not start listening within 30 s')), 30_000).unref();
  });
}

/** Peak resident memory of the server since the last reset (Linux /proc). */
function peakRssMb(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmHWM:\s+(\d+) kB/.exec(status)[1]) / 1024;
  } catch {
    return NaN;
  }
}

function resetPeakRss(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // Not Linux, or not permitted: the peak is then since start.
  }
}

// ------------------------------------------------------------------ the API

async function call(url, method, path, { body, apiKey, form } = {}) {
  const headers = {};
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  let payload;
  if (form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    payload = new URLSearchParams(form).toString();
  } else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const response = await fetch(url + path, { method, headers, body: payload });
  const text = await response.text();
  if (response.status >= 400) throw new Error(`${method} ${path} → ${response.status} ${text.slice(0, 200)}`);
  return text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text;
}

/** The typed-code device login, as an old td release does it. */
async function login(url, email) {
  const start = await call(url, 'POST', '/v1/auth/login/start', { body: { email } });
  await call(url, 'POST', '/auth/verify', { form: { user_code: start.user_code } });
  const done = await call(url, 'POST', '/v1/auth/login/poll', { body: { device_code: start.device_code } });
  return done.api_key;
}

const createProject = (url, apiKey, name) => call(url, 'POST', '/v1/projects', { apiKey, body: { name } }).then((p) => p.id);

// ------------------------------------------------------------------ payloads

/** About 600 bytes: the {schema_version, new_data, previous_data} envelope of an `issues` row. */
function issueEvent(n) {
  const id = `td-${n.toString(36).padStart(6, '0')}`;
  const row = {
    id,
    title: `Fix flaky reconnect in sync client when the server restarts (${n})`,
    description: 'Reconnects after a server restart sometimes double-push the last batch.',
    status: 'in_progress',
    type: 'bug',
    priority: 'P1',
    points: 3,
    labels: 'sync,client',
    parent_id: '',
    acceptance: 'No duplicate pushes after restart',
    implementer_session: 'ses-4f2a',
    created_at: '2026-11-20T09:12:44Z',
    updated_at: '2026-11-25T14:03:10.512Z',
  };
  return {
    client_action_id: n,
    action_type: 'update',
    entity_type: 'issues',
    entity_id: id,
    payload: { schema_version: 3, new_data: row, previous_data: { ...row, status: 'open', updated_at: '2026-11-24T17:45:01Z' } },
    client_timestamp: '2026-11-25T14:03:10.512Z',
  };
}

/**
 * The `events` arrays are serialised once: a push is unique by
 * (device_id, session_id, client_action_id), so every request gets a fresh
 * session id instead of fresh events, and the load generator spends its CPU
 * on sending, not on JSON.stringify.
 */
const eventsJson = new Map();
let session = 0;
function pushBody(device, count) {
  if (!eventsJson.has(count)) eventsJson.set(count, JSON.stringify(Array.from({ length: count }, (_, i) => issueEvent(i + 1))));
  return `{"device_id":${JSON.stringify(device)},"session_id":"bench-${++session}","events":${eventsJson.get(count)}}`;
}

// ----------------------------------------------------------------- scenarios

function runAutocannon(options) {
  return new Promise((done, reject) => {
    const instance = autocannon({ duration: plan.seconds, ...options }, (error, result) => (error ? reject(error) : done(result)));
    autocannon.track(instance, { renderProgressBar: false, renderResultsTable: false, renderLatencyTable: false, outputStream: process.stderr });
  });
}

async function scenario(server, name, eventsPerRequest, options) {
  resetPeakRss(server.child.pid);
  const result = await runAutocannon(options);
  const ok = result['2xx'];
  return {
    scenario: name,
    events_per_s: Math.round((ok * eventsPerRequest) / result.duration),
    requests_per_s: Math.round(ok / result.duration),
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    max_ms: result.latency.max,
    requests: result.requests.total,
    errors: result.errors + result.timeouts + result.non2xx,
    peak_rss_mb: Math.round(peakRssMb(server.child.pid)),
  };
}

const jsonHeaders = (apiKey) => ({ 'content-type': 'application/json', authorization: `Bearer ${apiKey}` });

/** Pushes of `eventsPerPush` events to one project from `clients` concurrent devices. */
function pushLoad(server, apiKey, projectId, name, clients, eventsPerPush) {
  let turn = 0;
  return scenario(server, name, eventsPerPush, {
    url: server.url,
    connections: clients,
    requests: [
      {
        method: 'POST',
        path: `/v1/projects/${projectId}/sync/push`,
        headers: jsonHeaders(apiKey),
        setupRequest: (req) => ({ ...req, body: pushBody(`bench-dev-${turn++ % clients}`, eventsPerPush) }),
      },
    ],
  });
}

async function seed(server, apiKey, projectId, total) {
  for (let pushed = 0; pushed < total; pushed += 1000) {
    await fetch(`${server.url}/v1/projects/${projectId}/sync/push`, { method: 'POST', headers: jsonHeaders(apiKey), body: pushBody('bench-seed', 1000) });
  }
}

async function pullPages(server, apiKey, projectId, total) {
  let turn = 0;
  const pages = Math.floor(total / 1000) - 1;
  return scenario(server, `pull (pages of 1000 of ${total})`, 1000, {
    url: server.url,
    connections: plan.readers,
    requests: [
      {
        method: 'GET',
        headers: { authorization: `Bearer ${apiKey}` },
        setupRequest: (req) => ({ ...req, path: `/v1/projects/${projectId}/sync/pull?after_server_seq=${(turn++ % pages) * 1000}&limit=1000` }),
      },
    ],
  });
}

async function mixed(server, apiKey, projectIds) {
  let turn = 0;
  const clients = 50;
  // Each request alternates between a 10-event push and a pull of one of 10 projects.
  return scenario(server, 'mixed (50 clients, push 10 + pull, 10 projects)', 5, {
    url: server.url,
    connections: clients,
    requests: [
      {
        setupRequest: (req) => {
          const n = turn++;
          const project = projectIds[Math.floor(n / 2) % projectIds.length];
          if (n % 2 === 0) {
            return { ...req, method: 'POST', path: `/v1/projects/${project}/sync/push`, headers: jsonHeaders(apiKey), body: pushBody(`bench-mixed-${n % clients}`, 10) };
          }
          return { ...req, method: 'GET', path: `/v1/projects/${project}/sync/pull?after_server_seq=0&limit=100`, headers: { authorization: `Bearer ${apiKey}` }, body: undefined };
        },
      },
    ],
  });
}

async function manyProjects(server, apiKey, count) {
  const ids = [];
  for (let i = 0; i < count; i++) ids.push(await createProject(server.url, apiKey, `many-${i}`));
  let turn = 0;
  return scenario(server, `many-projects (${count} round-robin, 10-event pushes)`, 10, {
    url: server.url,
    connections: 20,
    requests: [
      {
        method: 'POST',
        headers: jsonHeaders(apiKey),
        setupRequest: (req) => ({ ...req, path: `/v1/projects/${ids[turn++ % ids.length]}/sync/push`, body: pushBody('bench-many', 10) }),
      },
    ],
  });
}

// --------------------------------------------------------------------- main

function machine() {
  const list = cpus();
  return { cpu: list[0]?.model ?? 'unknown', cores: list.length, memory_gb: Math.round(totalmem() / 2 ** 30), node: process.version, platform: `${process.platform}-${process.arch}` };
}

function printTable(results) {
  const columns = ['scenario', 'events_per_s', 'requests_per_s', 'p50_ms', 'p99_ms', 'max_ms', 'errors', 'peak_rss_mb'];
  const rows = [columns, ...results.map((r) => columns.map((c) => String(r[c])))];
  const widths = columns.map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const line = (row) => '| ' + row.map((cell, i) => cell.padEnd(widths[i])).join(' | ') + ' |';
  console.log(line(rows[0]));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const row of rows.slice(1)) console.log(line(row));
}

async function main() {
  execFileSync(process.execPath, [join(root, 'scripts/ensure-build.js')], { stdio: 'inherit' });
  const dataDir = mkdtempSync(join(tmpdir(), 'td-sync-bench-'));
  const server = await startServer(dataDir);
  const results = [];
  try {
    log(`bench: server at ${server.url}, data in ${dataDir}, ${quick ? 'quick' : 'full'} run`);
    const apiKey = await login(server.url, 'bench@example.com');
    const pushProject = await createProject(server.url, apiKey, 'bench-push');
    const pullProject = await createProject(server.url, apiKey, 'bench-pull');
    const mixedProjects = [];
    for (let i = 0; i < 10; i++) mixedProjects.push(await createProject(server.url, apiKey, `bench-mixed-${i}`));

    if (wanted('push')) results.push(await pushLoad(server, apiKey, pushProject, 'push (1000-event batches)', plan.devices, 1000));
    if (wanted('push-small')) results.push(await pushLoad(server, apiKey, pushProject, 'push-small (single events)', plan.smallClients, 1));
    if (wanted('pull')) {
      await seed(server, apiKey, pullProject, plan.pullSeed);
      results.push(await pullPages(server, apiKey, pullProject, plan.pullSeed));
    }
    if (wanted('mixed')) results.push(await mixed(server, apiKey, mixedProjects));
    if (wanted('many-projects')) results.push(await manyProjects(server, apiKey, plan.manyProjects));
  } finally {
    server.child.kill('SIGTERM');
    await new Promise((done) => server.child.once('exit', done));
    rmSync(dataDir, { recursive: true, force: true });
  }

  const report = { machine: machine(), quick, results };
  if (asJson) console.log(JSON.stringify(report, null, 2));
  else {
    const m = report.machine;
    console.log(`machine: ${m.cpu}, ${m.cores} cores, ${m.memory_gb} GiB, Node ${m.node} (${m.platform})`);
    printTable(results);
  }
  const failed = results.filter((r) => r.errors > 0 || r.requests === 0);
  if (failed.length > 0) {
    log(`bench: errors in ${failed.map((r) => r.scenario).join(', ')}`);
    process.exitCode = 1;
  }
}

main().catch((error) => {
  log(`bench failed: ${error.stack ?? error}`);
  process.exit(1);
});
