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

  it("hands back a push body once answered and its answer once compressed; a pull page once copied into its answer, and that once compressed", async () => {
    const projectId = await createProject(server, owner);
    // releaseBufferMemory transfers the memory through structuredClone: its size is read on the way.
    const releasedBytes: number[] = [];
    const detached: ArrayBuffer[] = [];
    const clone = globalThis.structuredClone;
    const release = jest.spyOn(globalThis, 'structuredClone').mockImplementation((value: unknown, options?: { transfer?: unknown[] }) => {
      if (value instanceof ArrayBuffer && options?.transfer?.[0] === value) {
        releasedBytes.push(value.byteLength);
        detached.push(value);
      }
      return clone(value, options as Parameters<typeof structuredClone>[1]);
    });
    try {
      const body = JSON.stringify({ device_id: 'dev-1', session_id: 'ses-1', events: makeEvents(1, 400) });
      const pushed = await fetch(`${server.url}/v1/projects/${projectId}/sync/push`, {
        method: 'POST',
        headers: { authorization: `Bearer ${owner.apiKey}`, 'content-type': 'application/json', 'accept-encoding': 'gzip' },
        body,
      });
      expect(pushed.status).toBe(200);
      expect(pushed.headers.get('content-encoding')).toBe('gzip');
      const answer = await pushed.text();
      await until(() => releasedBytes.length === 2);
      // The acks (about 18 KB, a Buffer of exactly their size) once compressed, then the body once answered (onResponse).
      expect(releasedBytes).toEqual([answer.length, body.length]);
      expect(detached.every((memory) => memory.byteLength === 0)).toBe(true);

      releasedBytes.length = 0;
      const page = await fetch(`${server.url}/v1/projects/${projectId}/sync/pull?after_server_seq=0&limit=400`, {
        headers: { authorization: `Bearer ${owner.apiKey}`, 'accept-encoding': 'gzip' },
      });
      expect(page.status).toBe(200);
      expect(page.headers.get('content-encoding')).toBe('gzip');
      const pageText = await page.text();
      expect((JSON.parse(pageText) as { events: unknown[] }).events).toHaveLength(400);
      // The page comes as bytes on either backend, copied into the answer, which is compressed: both are handed back.
      // PostgreSQL's page first hands back the chunk its rows were written into as they arrived (PageFromRows, 256 KB).
      const eventsBytes = pageText.length - '{"events":['.length - '],"last_server_seq":400,"has_more":false}'.length;
      expect(releasedBytes).toEqual(backend === 'postgres' ? [256 * 1024, eventsBytes, pageText.length] : [eventsBytes, pageText.length]);
      expect(detached.every((memory) => memory.byteLength === 0)).toBe(true);
    } finally {
      release.mockRestore();
    }
  });
});

/** onResponse runs just after the answer is written, so the client may see the answer first: a few turns of the loop. */
async function until(condition: () => boolean): Promise<void> {
  for (let turn = 0; turn < 1000 && !condition(); turn++) await new Promise((resolve) => setImmediate(resolve));
}
