import { request as httpRequest, IncomingHttpHeaders } from 'node:http';
import { constants, gunzipSync, gzipSync } from 'node:zlib';
import { OFF_LOOP_BYTES, offLoopChunkBytes } from '../src/http/response-compression';
import { createProject, makeEvents, push, startSyncTestServer } from './support/sync';
import { Caller, createCaller, TestServer } from './support/test-server';

/** An answer as it came off the wire: nothing decoded (fetch would gunzip it and hide the header's effect). */
interface WireAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  bytes: Buffer;
}

function wire(server: TestServer, method: string, path: string, headers: Record<string, string>, body?: string): Promise<WireAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(server.url + path, { method, headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, bytes: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const varyOf = (answer: WireAnswer) => String(answer.headers.vary ?? '');

/** A payload of about 1 KB that differs per event, so pages compress like real ones rather than to nothing. */
function bulkyEvents(first: number, count: number) {
  return makeEvents(first, count).map((event, i) => ({
    ...event,
    payload: { schema_version: 1, new_data: { id: event.entity_id, notes: Array.from({ length: 40 }, (_, k) => ((first + i) * 7919 + k * 104729).toString(36)).join(' ') } },
  }));
}

describe('Compression (PROTOCOL.md, round 2)', () => {
  let server: TestServer;
  let owner: Caller;
  let projectId: string;
  let auth: Record<string, string>;

  beforeAll(async () => {
    server = await startSyncTestServer();
    owner = await createCaller(server, 'gzip@example.com');
    auth = { authorization: `Bearer ${owner.apiKey}` };
    projectId = await createProject(server, owner);
    for (let first = 1; first <= 200; first += 100) {
      expect((await push(server, owner, projectId, { device_id: 'dev-1', session_id: 'ses-1', events: bulkyEvents(first, 100) })).status).toBe(200);
    }
  });
  afterAll(() => server.close());

  const pullPath = (query: string) => `/v1/projects/${projectId}/sync/pull?${query}`;

  it('sends a pull gzipped to a client that accepts gzip, decoding to exactly the bytes a client without it gets', async () => {
    const identity = await wire(server, 'GET', pullPath('limit=5'), auth);
    const gzipped = await wire(server, 'GET', pullPath('limit=5'), { ...auth, 'accept-encoding': 'gzip' });

    expect(identity.status).toBe(200);
    expect(identity.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(identity.bytes.toString('utf8'))).toMatchObject({ last_server_seq: 5, has_more: true });

    expect(gzipped.status).toBe(200);
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gzipped.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(Number(gzipped.headers['content-length'])).toBe(gzipped.bytes.length);
    expect(gunzipSync(gzipped.bytes).equals(identity.bytes)).toBe(true);
    expect(gzipped.bytes.length).toBeLessThan(identity.bytes.length);
    // Both say that the answer depends on Accept-Encoding.
    expect(varyOf(gzipped)).toMatch(/accept-encoding/i);
    expect(varyOf(identity)).toMatch(/accept-encoding/i);
  });

  it('compresses a page too large to compress on the event loop the same way', async () => {
    const identity = await wire(server, 'GET', pullPath('limit=200'), auth);
    expect(identity.bytes.length).toBeGreaterThan(OFF_LOOP_BYTES);
    const gzipped = await wire(server, 'GET', pullPath('limit=200'), { ...auth, 'accept-encoding': 'gzip' });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(Number(gzipped.headers['content-length'])).toBe(gzipped.bytes.length);
    expect(gunzipSync(gzipped.bytes).equals(identity.bytes)).toBe(true);
    expect((JSON.parse(identity.bytes.toString('utf8')) as { events: unknown[] }).events).toHaveLength(200);
  });

  it('sends a Buffer it keeps (a Swagger UI file), compressed off the loop, whole to every request', async () => {
    const plain = await wire(server, 'GET', '/docs/swagger-ui-bundle.js', {});
    expect(plain.bytes.length).toBeGreaterThan(OFF_LOOP_BYTES);
    // Compressed into more than one chunk, so the chunks are joined: the other path than a pull page's.
    expect(gzipSync(plain.bytes, { level: constants.Z_BEST_SPEED }).length).toBeGreaterThan(offLoopChunkBytes(plain.bytes.length));
    for (let i = 0; i < 3; i++) {
      const gzipped = await wire(server, 'GET', '/docs/swagger-ui-bundle.js', { 'accept-encoding': 'gzip' });
      expect(gzipped.headers['content-encoding']).toBe('gzip');
      expect(gunzipSync(gzipped.bytes).equals(plain.bytes)).toBe(true);
    }
    expect((await wire(server, 'GET', '/docs/swagger-ui-bundle.js', {})).bytes.equals(plain.bytes)).toBe(true);
  });

  it('gzips a pull at any size, an empty page included', async () => {
    const identity = await wire(server, 'GET', pullPath('after_server_seq=200'), auth);
    const gzipped = await wire(server, 'GET', pullPath('after_server_seq=200'), { ...auth, 'accept-encoding': 'gzip' });
    expect(identity.bytes.toString()).toBe('{"events":[],"last_server_seq":200,"has_more":false}');
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzipped.bytes).equals(identity.bytes)).toBe(true);
  });

  it.each([
    ['gzip, deflate, br', true],
    ['GZIP', true],
    ['x-gzip', true],
    ['br;q=1.0, gzip;q=0.5', true],
    ['*', true],
    ['*;q=0.1', true],
    ['gzip;q=0', false],
    ['gzip;q=0, *', false],
    ['*;q=0', false],
    ['identity', false],
    ['br, deflate', false],
    ['', false],
  ])('reads Accept-Encoding %j as %s for gzip', async (header, gzip) => {
    const answer = await wire(server, 'GET', pullPath('limit=3'), { ...auth, 'accept-encoding': header });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-encoding']).toBe(gzip ? 'gzip' : undefined);
    const text = (gzip ? gunzipSync(answer.bytes) : answer.bytes).toString('utf8');
    expect((JSON.parse(text) as { events: unknown[] }).events).toHaveLength(3);
  });

  it('gzips any other answer over a few KB, and leaves small ones (a pull\'s error too) alone, without Vary', async () => {
    const body = (first: number, count: number) => JSON.stringify({ device_id: 'dev-2', session_id: 'ses-9', events: makeEvents(first, count) });
    // 150 acks are about 6 KB of JSON.
    const large = await wire(server, 'POST', `/v1/projects/${projectId}/sync/push`, { ...auth, 'accept-encoding': 'gzip' }, body(1, 150));
    expect(large.status).toBe(200);
    expect(large.headers['content-encoding']).toBe('gzip');
    expect(varyOf(large)).toMatch(/accept-encoding/i);
    expect(JSON.parse(gunzipSync(large.bytes).toString('utf8'))).toMatchObject({ accepted: 150 });

    const small = await wire(server, 'POST', `/v1/projects/${projectId}/sync/push`, { ...auth, 'accept-encoding': 'gzip' }, body(151, 1));
    expect(small.status).toBe(200);
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(small.headers.vary).toBeUndefined();
    expect(JSON.parse(small.bytes.toString('utf8'))).toMatchObject({ accepted: 1 });

    const error = await wire(server, 'GET', `/v1/projects/p_00000000000000ff/sync/pull`, { ...auth, 'accept-encoding': 'gzip' });
    expect(error.status).toBe(404);
    expect(error.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(error.bytes.toString('utf8'))).toMatchObject({ code: 'not_found' });
  });
});
