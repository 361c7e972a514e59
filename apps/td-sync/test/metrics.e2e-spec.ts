import { StorageConnection } from '@td-sync/storage';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectError, http } from './support/http';
import { expectFailureLogged } from './support/log-capture';
import { MetricFamily, parsePrometheusText, sampleValue } from './support/prometheus-text';
import { bodyBytesInFlight, pushBodyHeldBack, untilBodyBytesInFlight } from './support/body-held-back';
import { createProject, makeEvent, makeEvents, pull, push, startSyncTestServer } from './support/sync';
import { Caller, createCaller, describeEachBackend, startTestServer, TestServer } from './support/test-server';

/** PROTOCOL.md, Additions of round 2: GET /metrics, the Prometheus text format. */

async function scrape(server: TestServer): Promise<Map<string, MetricFamily>> {
  const result = await http<string>(server.url, 'GET', '/metrics');
  expect(result.status).toBe(200);
  return parsePrometheusText(result.text);
}

/** td_sync_checkpoint_process_resident_memory_bytes once the checkpoint process runs (it starts with the first checkpoint, a second after a write); 0 if it has not within 10 s. */
async function checkpointProcessMemory(server: TestServer): Promise<number> {
  for (let tries = 0; tries < 100; tries++) {
    const bytes = sampleValue(await scrape(server), 'td_sync_checkpoint_process_resident_memory_bytes');
    if (bytes > 0) return bytes;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return 0;
}

const PUSH_ROUTE = '/v1/projects/:id/sync/push';
const requests = (families: Map<string, MetricFamily>, labels: Record<string, string>) =>
  sampleValue(families, 'td_sync_http_request_duration_seconds', labels, 'td_sync_http_request_duration_seconds_count');

describeEachBackend('GET /metrics', (backend) => {
  let server: TestServer;
  let owner: Caller;

  beforeAll(async () => {
    server = await startSyncTestServer({ backend });
    owner = await createCaller(server, 'metrics-owner@example.com');
  });
  afterAll(() => server.close());

  it('answers without a key, in the Prometheus text format, with every family of issue 15', async () => {
    const result = await http<string>(server.url, 'GET', '/metrics');
    expect(result.status).toBe(200);
    expect(result.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const families = parsePrometheusText(result.text);
    const types = Object.fromEntries([...families.values()].map((f) => [f.name, f.type]));
    expect(types).toMatchObject({
      td_sync_http_request_duration_seconds: 'histogram',
      td_sync_pushed_events_total: 'counter',
      td_sync_pulled_events_total: 'counter',
      td_sync_push_batch_size: 'histogram',
      td_sync_database_errors_total: 'counter',
      td_sync_rate_limited_requests_total: 'counter',
      td_sync_build_info: 'gauge',
      td_sync_checkpoint_process_resident_memory_bytes: 'gauge',
      // The process: prom-client's default metrics, event-loop lag among them.
      nodejs_eventloop_lag_seconds: 'gauge',
      process_cpu_seconds_total: 'counter',
      process_resident_memory_bytes: 'gauge',
      process_open_fds: 'gauge',
      nodejs_heap_size_used_bytes: 'gauge',
    });
    for (const family of families.values()) expect({ family: family.name, help: typeof family.help }).toEqual({ family: family.name, help: 'string' });
    const version = (JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as { version: string }).version;
    expect(families.get('td_sync_build_info')!.samples).toEqual([{ name: 'td_sync_build_info', labels: { version }, value: 1 }]);
    for (const tier of ['auth', 'authPoll', 'push', 'pull', 'other']) {
      expect(families.get('td_sync_rate_limited_requests_total')!.samples.some((s) => s.labels.tier === tier)).toBe(true);
    }
  });

  it('counts pushed events by outcome, push batch sizes, and pulled events', async () => {
    const projectId = await createProject(server, owner);
    const before = await scrape(server);
    const pushed = (outcome: string, families: Map<string, MetricFamily>) => sampleValue(families, 'td_sync_pushed_events_total', { outcome });
    const batches = (families: Map<string, MetricFamily>, sample: string, labels: Record<string, string> = {}) =>
      sampleValue(families, 'td_sync_push_batch_size', labels, `td_sync_push_batch_size_${sample}`);

    await push(server, owner, projectId, { device_id: 'd', session_id: 's', events: makeEvents(1, 5) });
    // Four duplicates and an event without entity_id.
    await push(server, owner, projectId, { device_id: 'd', session_id: 's', events: [...makeEvents(2, 4), makeEvent(9, { entity_id: '' })] });
    await push(server, owner, projectId, { device_id: 'd', session_id: 's', events: [makeEvent(10)] });
    // Refused as a whole (400): no outcome, no batch.
    await push(server, owner, projectId, { device_id: 'd', session_id: 's', events: [makeEvent(11, { entity_type: 'nope' })] });
    expect((await pull(server, owner, projectId)).body.events).toHaveLength(6);
    expect((await pull(server, owner, projectId, 'after_server_seq=4')).body.events).toHaveLength(2);

    const after = await scrape(server);
    expect(pushed('accepted', after) - pushed('accepted', before)).toBe(6);
    expect(pushed('duplicate', after) - pushed('duplicate', before)).toBe(4);
    expect(pushed('rejected', after) - pushed('rejected', before)).toBe(1);
    expect(batches(after, 'count') - batches(before, 'count')).toBe(3);
    expect(batches(after, 'sum') - batches(before, 'sum')).toBe(5 + 5 + 1);
    expect(batches(after, 'bucket', { le: '1' }) - batches(before, 'bucket', { le: '1' })).toBe(1);
    expect(batches(after, 'bucket', { le: '5' }) - batches(before, 'bucket', { le: '5' })).toBe(3);
    const pulled = (families: Map<string, MetricFamily>) => sampleValue(families, 'td_sync_pulled_events_total');
    expect(pulled(after) - pulled(before)).toBe(8);
  });

  it('times requests by route pattern and status class, never by the raw URL', async () => {
    const projectId = await createProject(server, owner);
    const count = (families: Map<string, MetricFamily>, labels: Record<string, string>) => {
      try {
        return requests(families, labels);
      } catch {
        return 0; // no such series yet
      }
    };
    const before = await scrape(server);
    await push(server, owner, projectId, { device_id: 'd', session_id: 's', events: makeEvents(1, 2) });
    await push(server, owner, projectId, { device_id: 'd', session_id: 's', events: [] });
    await http(server.url, 'GET', `/no/such/route/${projectId}`);
    const after = await scrape(server);

    expect(count(after, { method: 'POST', route: PUSH_ROUTE, status_class: '2xx' }) - count(before, { method: 'POST', route: PUSH_ROUTE, status_class: '2xx' })).toBe(1);
    expect(count(after, { method: 'POST', route: PUSH_ROUTE, status_class: '4xx' }) - count(before, { method: 'POST', route: PUSH_ROUTE, status_class: '4xx' })).toBe(1);
    expect(count(after, { method: 'GET', route: 'unmatched', status_class: '4xx' }) - count(before, { method: 'GET', route: 'unmatched', status_class: '4xx' })).toBe(1);
    const labelValues = [...after.values()].flatMap((f) => f.samples.flatMap((s) => Object.values(s.labels)));
    expect(labelValues.filter((value) => value.includes(projectId))).toEqual([]);
    const routes = new Set(after.get('td_sync_http_request_duration_seconds')!.samples.map((s) => s.labels.route));
    for (const route of routes) expect(route === 'unmatched' || route.startsWith('/')).toBe(true);
  });

  it('reports the bytes of request bodies in flight, from admission until the request is done', async () => {
    const projectId = await createProject(server, owner);
    expect(await bodyBytesInFlight(server.url)).toBe(0);
    // A push whose head is sent and whose 3000-byte body is held back holds its Content-Length...
    const slow = await pushBodyHeldBack(server.url, owner.apiKey, projectId, 3000);
    // ...until its connection is gone.
    slow.destroy();
    await untilBodyBytesInFlight(server.url, 0);
  });

  it('reports the backend\'s connection figures: open project databases with SQLite, the pool with PostgreSQL', async () => {
    await push(server, owner, await createProject(server, owner), { device_id: 'd', session_id: 's', events: makeEvents(1, 1) });
    const families = await scrape(server);
    const pool = families.get('td_sync_database_pool_connections')!.samples;
    const open = families.get('td_sync_open_project_databases')!.samples;
    if (backend === 'postgres') {
      expect(pool.map((s) => s.labels.state).sort()).toEqual(['idle', 'total', 'waiting']);
      expect(sampleValue(families, 'td_sync_database_pool_connections', { state: 'total' })).toBeGreaterThanOrEqual(1);
      expect(sampleValue(families, 'td_sync_database_pool_connections', { state: 'waiting' })).toBe(0);
      // No project databases of their own, nor a checkpoint process: always 0.
      expect(open).toEqual([{ name: 'td_sync_open_project_databases', labels: {}, value: 0 }]);
      expect(sampleValue(families, 'td_sync_checkpoint_process_resident_memory_bytes')).toBe(0);
    } else {
      expect(sampleValue(families, 'td_sync_open_project_databases')).toBeGreaterThanOrEqual(1);
      expect(pool).toEqual([]);
      // The write is checkpointed within a second by the checkpoint process, a Node process of its own (more than a few MB, even as it starts), outside process_resident_memory_bytes.
      if (process.platform === 'linux') expect(await checkpointProcessMemory(server)).toBeGreaterThan(4 * 1024 * 1024);
    }
  });

  it('leaves /metricz exactly as PROTOCOL.md fixes it', async () => {
    const result = await http(server.url, 'GET', '/metricz');
    expect(Object.keys(result.body).sort()).toEqual(['client_errors', 'pull_requests', 'push_events_accepted', 'requests', 'server_errors', 'uptime_seconds']);
  });
});

describe('GET /metrics: rate limits, database errors and open project databases', () => {
  it('counts requests refused by each rate-limit tier, and is never limited itself', async () => {
    const server = await startTestServer({ SYNC_RATE_LIMIT_OTHER: '1', SYNC_RATE_LIMIT_AUTH: '1' });
    try {
      const caller = await createCaller(server, 'limited@example.com');
      expect((await http(server.url, 'GET', '/v1/projects', { apiKey: caller.apiKey })).status).toBe(200);
      expectError(await http(server.url, 'GET', '/v1/projects', { apiKey: caller.apiKey }), 429, 'rate_limited');
      expectError(await http(server.url, 'GET', '/v1/me', { apiKey: caller.apiKey }), 429, 'rate_limited');
      expect((await http(server.url, 'GET', '/auth/verify')).status).toBe(200);
      expect((await http(server.url, 'GET', '/auth/verify')).status).toBe(429);
      for (let i = 0; i < 5; i++) expect((await http(server.url, 'GET', '/metrics')).status).toBe(200);
      const families = await scrape(server);
      expect(sampleValue(families, 'td_sync_rate_limited_requests_total', { tier: 'other' })).toBe(2);
      expect(sampleValue(families, 'td_sync_rate_limited_requests_total', { tier: 'auth' })).toBe(1);
      expect(sampleValue(families, 'td_sync_rate_limited_requests_total', { tier: 'push' })).toBe(0);
      expect(requests(families, { method: 'GET', route: '/v1/projects', status_class: '4xx' })).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('counts storage calls that fail, not refusals by access rules, and still answers when the database is gone', async () => {
    const server = await startSyncTestServer();
    try {
      const owner = await createCaller(server, 'db-owner@example.com');
      const stranger = await createCaller(server, 'db-stranger@example.com');
      const projectId = await createProject(server, owner);
      expectError(await push(server, stranger, projectId, { device_id: 'd', session_id: 's', events: makeEvents(1, 1) }), 403, 'forbidden');
      expect(sampleValue(await scrape(server), 'td_sync_database_errors_total')).toBe(0);

      await server.app.get(StorageConnection).close();
      const failed = await http(server.url, 'GET', '/v1/projects', { apiKey: owner.apiKey });
      expectError(failed, 500, 'internal_error');
      expectFailureLogged(failed);
      const families = await scrape(server);
      expect(sampleValue(families, 'td_sync_database_errors_total')).toBeGreaterThanOrEqual(1);
      expect(requests(families, { method: 'GET', route: '/v1/projects', status_class: '5xx' })).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('reports the project databases open now, within SYNC_MAX_OPEN_PROJECTS (SQLite)', async () => {
    const server = await startTestServer({ SYNC_RATE_LIMIT_PUSH: '0', SYNC_RATE_LIMIT_OTHER: '0', SYNC_MAX_OPEN_PROJECTS: '2' });
    try {
      const owner = await createCaller(server, 'open-dbs@example.com');
      expect(sampleValue(await scrape(server), 'td_sync_open_project_databases')).toBe(0);
      const first = await createProject(server, owner);
      await push(server, owner, first, { device_id: 'd', session_id: 's', events: makeEvents(1, 1) });
      expect(sampleValue(await scrape(server), 'td_sync_open_project_databases')).toBe(1);
      for (const projectId of [await createProject(server, owner), await createProject(server, owner)]) {
        await push(server, owner, projectId, { device_id: 'd', session_id: 's', events: makeEvents(1, 1) });
      }
      const families = await scrape(server);
      expect(sampleValue(families, 'td_sync_open_project_databases')).toBe(2);
      // A pool gauge only has values where there is a pool.
      expect(families.get('td_sync_database_pool_connections')!.samples).toEqual([]);
    } finally {
      await server.close();
    }
  });
});

describe('the Prometheus text reader of these specs', () => {
  it('reads what Prometheus reads', () => {
    const families = parsePrometheusText(
      '# HELP a_total Things, with a \\\\ and\\na line feed\n# TYPE a_total counter\na_total{x="q\\"uote",y="b\\\\s"} 3 1700000000000\n' +
        '# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 3.5\nh_count 2\nuntyped_thing -1e3\nnot_yet Nan\n',
    );
    expect(families.get('a_total')).toEqual({ name: 'a_total', type: 'counter', help: 'Things, with a \\ and\na line feed', samples: [{ name: 'a_total', labels: { x: 'q"uote', y: 'b\\s' }, value: 3 }] });
    expect(sampleValue(families, 'h', { le: '+Inf' }, 'h_bucket')).toBe(2);
    expect(sampleValue(families, 'untyped_thing')).toBe(-1000);
    expect(sampleValue(families, 'not_yet')).toBeNaN();
  });

  it.each([
    ['a bad metric name', '1abc 1\n'],
    ['a bad value', 'a 1,5\n'],
    ['an unterminated label', 'a{x="1} 1\n'],
    ['an invalid escape', 'a{x="\\t"} 1\n'],
    ['a repeated series', 'a{x="1"} 1\na{x="1"} 2\n'],
    ['a family split by another', 'a 1\nb 1\na{x="2"} 1\n'],
    ['a TYPE after samples', 'a 1\n# TYPE a gauge\n'],
    ['a negative counter', '# TYPE c counter\nc -1\n'],
    ['a histogram without +Inf', '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n'],
    ['a histogram whose buckets fall', '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n'],
    ['a histogram whose count is not +Inf', '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 3\n'],
    ['no final line feed', 'a 1'],
  ])('refuses %s', (_case, text) => {
    expect(() => parsePrometheusText(text)).toThrow();
  });
});
