/**
 * The benchmark's scenarios: one per workload of the performance issue's table
 * (8 concurrent clients each, as measured against the Go reference server),
 * busy-projects for the memory of a full open-project cache, and 32-client
 * variants of the two pushes for tail latency. Keys are
 * stable: `--only=` and the JSON report's `key` use them.
 *
 * Every request says `Accept-Encoding: gzip`, as every td release does (Go's
 * default HTTP transport adds it), so the cost of compressing an answer, if
 * the server does, is part of what is measured.
 */
import { createProject, createProjects, seedEvents } from './api-client.mjs';
import { pushBody } from './payloads.mjs';

const acceptGzip = { 'accept-encoding': 'gzip' };
const jsonHeaders = (apiKey) => ({ 'content-type': 'application/json', authorization: `Bearer ${apiKey}`, ...acceptGzip });
const bearer = (apiKey) => ({ authorization: `Bearer ${apiKey}`, ...acceptGzip });

/** A device pushing `count` events per request to one project, each request a fresh session. */
const pushRequest = (apiKey, projectId, device, count) => ({
  method: 'POST',
  path: `/v1/projects/${projectId}/sync/push`,
  headers: jsonHeaders(apiKey),
  events: count,
  setupRequest: (req) => ({ ...req, body: pushBody(device, count) }),
});

/** `clients` devices pushing batches of `count` events to one shared project. */
const pushes = (count) => async ({ node0, apiKey }) => {
  const projectId = await createProject(node0, apiKey, 'bench-push');
  return (i) => [pushRequest(apiKey, projectId, `bench-dev-${i}`, count)];
};

/** Client i's device pushes `count` events per request to the projects `ids`, all clients taking them in one turn. */
const pushesInTurn = (apiKey, ids, devicePrefix, count) => {
  let turn = 0;
  return (i) => [
    {
      method: 'POST',
      headers: jsonHeaders(apiKey),
      events: count,
      setupRequest: (req) => ({ ...req, path: `/v1/projects/${ids[turn++ % ids.length]}/sync/push`, body: pushBody(`${devicePrefix}-${i}`, count) }),
    },
  ];
};

/**
 * busy-projects' count: SYNC_MAX_OPEN_PROJECTS's default, so that every
 * project stays open and every open database is in use (what its peak RSS
 * measures), where many-projects measures opening and closing them.
 */
const BUSY_PROJECTS = 64;

export const SCENARIOS = [
  {
    key: 'push',
    name: 'push (1000-event batches, 8 clients)',
    summary: '8 devices push batches of 1000 events (about 650 KB) to one project',
    clients: 8,
    prepare: pushes(1000),
  },
  {
    key: 'push-small',
    name: 'push-small (single events, 8 clients)',
    summary: '8 devices push one event per request to one project',
    clients: 8,
    prepare: pushes(1),
  },
  {
    key: 'pull',
    name: 'pull (pages of 1000, 8 clients)',
    summary: '8 readers pull pages of 1000 from a project of 100,000 events (20,000 with --quick)',
    clients: 8,
    prepare: async ({ node0, apiKey, plan, progress }) => {
      const projectId = await createProject(node0, apiKey, 'bench-pull');
      progress(`seeding ${plan.pullSeed.toLocaleString('en')} events`);
      await seedEvents(node0, apiKey, projectId, plan.pullSeed);
      const pages = Math.max(1, Math.floor(plan.pullSeed / 1000) - 1);
      let turn = 0;
      return () => [
        {
          method: 'GET',
          headers: bearer(apiKey),
          events: 1000,
          setupRequest: (req) => ({ ...req, path: `/v1/projects/${projectId}/sync/pull?after_server_seq=${(turn++ % pages) * 1000}&limit=1000` }),
        },
      ];
    },
  },
  {
    key: 'mixed',
    name: 'mixed (push 10 + pull excluding own device, 8 clients)',
    summary: '8 devices, each alone in its project, alternate a 10-event push and an autosync pull (after seq 0, excluding their own device)',
    clients: 8,
    prepare: async ({ node0, apiKey, clients }) => {
      const projects = await createProjects(node0, apiKey, 'bench-mixed', clients);
      return (i) => {
        const device = `bench-mixed-${i}`;
        return [
          pushRequest(apiKey, projects[i], device, 10),
          {
            method: 'GET',
            path: `/v1/projects/${projects[i]}/sync/pull?after_server_seq=0&limit=1000&exclude_client=${encodeURIComponent(device)}`,
            headers: bearer(apiKey),
          },
        ];
      };
    },
  },
  {
    key: 'many-projects',
    name: 'many-projects (2000 round-robin, 10-event pushes, 1024 fds, 8 clients)',
    summary: '8 devices push 10 events per request to 2,000 projects (400 with --quick) in turn; the server runs under `ulimit -n 1024`',
    clients: 8,
    fdLimit: 1024,
    nameFor: (plan) => `many-projects (${plan.manyProjects} round-robin, 10-event pushes, 1024 fds, 8 clients)`,
    prepare: async ({ node0, apiKey, plan, progress }) => {
      progress(`creating ${plan.manyProjects.toLocaleString('en')} projects`);
      const ids = await createProjects(node0, apiKey, 'many', plan.manyProjects, (done) => progress(`  ${done.toLocaleString('en')} projects created`));
      return pushesInTurn(apiKey, ids, 'bench-many', 10);
    },
  },
  {
    key: 'busy-projects',
    name: 'busy-projects (64 round-robin, 10-event pushes, 8 clients)',
    summary: '8 devices push 10 events per request to 64 projects in turn: as many as the server keeps open by default (SYNC_MAX_OPEN_PROJECTS), all of them busy',
    clients: 8,
    prepare: async ({ node0, apiKey }) => {
      const ids = await createProjects(node0, apiKey, 'busy', BUSY_PROJECTS);
      return pushesInTurn(apiKey, ids, 'bench-busy', 10);
    },
  },
  {
    key: 'push-32',
    name: 'push-32 (1000-event batches, 32 clients)',
    summary: 'as push, with 32 devices: tail latency under more concurrency (compare p99 with p50 × 4)',
    clients: 32,
    prepare: pushes(1000),
  },
  {
    key: 'push-small-32',
    name: 'push-small-32 (single events, 32 clients)',
    summary: 'as push-small, with 32 devices (compare p99 with p50 × 4)',
    clients: 32,
    prepare: pushes(1),
  },
];

export const SCENARIO_KEYS = SCENARIOS.map((s) => s.key);
