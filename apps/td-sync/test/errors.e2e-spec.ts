import { expectError, http } from './support/http';
import { describeEachBackend, startTestServer, TestServer } from './support/test-server';

describeEachBackend('HTTP behaviour shared by every route', (backend) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({}, { backend });
  });
  afterAll(() => server.close());

  it('answers an unknown route with 404 not_found in the error shape', async () => {
    expectError(await http(server.url, 'GET', '/v1/no-such-route'), 404, 'not_found');
  });

  it('answers malformed JSON with 400 bad_request', async () => {
    expectError(await http(server.url, 'POST', '/v1/projects', { body: '{"name": ', headers: { 'content-type': 'application/json' } }), 400, 'bad_request');
  });

  it('answers a body that is not UTF-8 with 400 bad_request', async () => {
    const response = await fetch(`${server.url}/v1/projects`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { code: string }).code).toBe('bad_request');
  });

  it('refuses a body over 10 MiB with 413 payload_too_large, with and without a length', async () => {
    const big = '{"x":"' + 'a'.repeat(10 * 1024 * 1024) + '"}';
    expectError(await http(server.url, 'POST', '/v1/projects', { body: big }), 413, 'payload_too_large');

    const chunks = async function* () {
      for (let i = 0; i < 11; i++) yield new Uint8Array(1024 * 1024).fill(0x61);
    };
    const response = await fetch(`${server.url}/v1/projects`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: ReadableStream.from(chunks()),
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(((await response.json()) as { code: string }).code).toBe('payload_too_large');
  });

  it('puts a 32-hex X-Request-ID on every response, errors included', async () => {
    const ids = new Set<string>();
    for (const path of ['/healthz', '/metricz', '/nope']) {
      const id = (await http(server.url, 'GET', path)).headers.get('x-request-id');
      expect(id).toMatch(/^[0-9a-f]{32}$/);
      ids.add(id!);
    }
    expect(ids.size).toBe(3);
  });

  it('keeps a well-formed X-Request-ID from a proxy and replaces anything else', async () => {
    const good = 'abcdef0123456789abcdef0123456789';
    expect((await http(server.url, 'GET', '/healthz', { headers: { 'x-request-id': good } })).headers.get('x-request-id')).toBe(good);
    const replaced = (await http(server.url, 'GET', '/healthz', { headers: { 'x-request-id': 'evil value' } })).headers.get('x-request-id');
    expect(replaced).toMatch(/^[0-9a-f]{32}$/);
  });
});

describeEachBackend('request bodies', (backend) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({}, { backend });
  });
  afterAll(() => server.close());

  it.each([undefined, 'text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream'])(
    'decodes a JSON API body as JSON whatever its Content-Type (%s), as the reference server does',
    async (contentType) => {
      const response = await fetch(`${server.url}/v1/auth/login/start`, {
        method: 'POST',
        headers: contentType ? { 'content-type': contentType } : {},
        body: JSON.stringify({ email: 'any-type@example.com' }),
      });
      expect(response.status).toBe(200);
      expect(((await response.json()) as { user_code: string }).user_code).toMatch(/^[A-Z2-9]{6}$/);
    },
  );

  it('answers a form-encoded body on a JSON route with 400 bad_request', async () => {
    expectError(
      await http(server.url, 'POST', '/v1/auth/login/start', { body: 'email=a@example.com', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      400,
      'bad_request',
    );
  });
});
