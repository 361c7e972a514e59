import { AsyncResource } from 'node:async_hooks';
import { http } from './support/http';
import { createProject, makeEvents, push, startSyncTestServer } from './support/sync';
import { Caller, createCaller, describeEachBackend, TestServer } from './support/test-server';

/**
 * What a request leaves behind for the garbage collector (docs/performance.md,
 * Memory). On Node 20, `AsyncResource#bind` defines accessor properties on
 * every function it returns: a few KB of old-space garbage per call. Fastify
 * before 5.12 bound its body parser's callback that way on every request with
 * a body, which was most of what a single-event push left behind and 70 MB of
 * the server's peak memory under load. package.json's `overrides` holds the
 * Fastify that preserves the request's async context without it.
 */
describeEachBackend('Garbage per request', (backend) => {
  let server: TestServer;
  let owner: Caller;

  beforeAll(async () => {
    server = await startSyncTestServer({ backend });
    owner = await createCaller(server, 'garbage@example.com');
  });
  afterAll(() => server.close());

  it('reads a JSON body, and a push body, without an AsyncResource#bind per request', async () => {
    const projectId = await createProject(server, owner);
    const bind = jest.spyOn(AsyncResource.prototype, 'bind');
    try {
      for (let i = 0; i < 5; i++) {
        const answer = await push(server, owner, projectId, { device_id: 'dev-1', session_id: 'ses-1', events: makeEvents(1 + i * 3, 3) });
        expect(answer.status).toBe(200);
      }
      const created = await http(server.url, 'POST', '/v1/projects', { apiKey: owner.apiKey, body: { name: 'another' } });
      expect(created.status).toBe(201);
      expect(bind).not.toHaveBeenCalled();
    } finally {
      bind.mockRestore();
    }
  });

  it("hands a push body's memory back once its answer is sent, and a pull page's once copied into its answer and that once compressed", async () => {
    const projectId = await createProject(server, owner);
    // releaseBufferMemory transfers the memory through structuredClone.
    const release = jest.spyOn(globalThis, 'structuredClone');
    const releasedBytes = () => release.mock.calls.map(([memory]) => (memory as ArrayBuffer).byteLength);
    try {
      const answer = await push(server, owner, projectId, { device_id: 'dev-1', session_id: 'ses-1', events: makeEvents(1, 400) });
      expect(answer.status).toBe(200);
      await until(() => release.mock.calls.length > 0);
      expect(release.mock.calls[0][0]).toBeInstanceOf(ArrayBuffer);
      expect(releasedBytes()).toEqual([0]); // detached: its memory went with the young owner

      release.mockClear();
      const page = await fetch(`${server.url}/v1/projects/${projectId}/sync/pull?after_server_seq=0&limit=400`, {
        headers: { authorization: `Bearer ${owner.apiKey}`, 'accept-encoding': 'gzip' },
      });
      expect(page.status).toBe(200);
      expect(page.headers.get('content-encoding')).toBe('gzip');
      expect(((await page.json()) as { events: unknown[] }).events).toHaveLength(400);
      // The page comes as bytes on either backend, copied into the answer, which is compressed: both are handed back.
      // PostgreSQL's page first hands back the chunk its rows were written into as they arrived (PageFromRows): one at this size.
      expect(releasedBytes()).toEqual(backend === 'postgres' ? [0, 0, 0] : [0, 0]);
    } finally {
      release.mockRestore();
    }
  });
});

/** onResponse runs just after the answer is written, so the client may see the answer first: a few turns of the loop. */
async function until(condition: () => boolean): Promise<void> {
  for (let turn = 0; turn < 1000 && !condition(); turn++) await new Promise((resolve) => setImmediate(resolve));
}
