import SwaggerParser from '@apidevtools/swagger-parser';
import type { OpenAPIObject, OperationObject, ParameterObject, ResponseObject, SchemaObject } from '@nestjs/swagger';
import { SwaggerModule } from '@nestjs/swagger';
import { rmSync } from 'node:fs';
import { ERROR_STATUSES } from '@td-sync/http';
import { http, HttpResult, RequestOptions } from './support/http';
import { newPkcePair } from './support/login';
import { Mailbox, startMailbox } from './support/mailbox';
import { OpenApiConformance } from './support/openapi-conformance';
import { spawnServer } from './support/spawned-server';
import { createCaller, startTestServer, TestServer } from './support/test-server';

const BASE_URL = 'https://sync.example.test';
const APPROVE_LINK = /https:\/\/sync\.example\.test\/auth\/device\/approve\?token=([0-9a-f]{24}\.[0-9A-Za-z]{32})/;
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** Operations whose every answer is an error, so they document no 2xx (clients only learn from the 404 to pull from 0). */
const ERROR_ONLY = new Set(['GET /v1/projects/{id}/sync/snapshot']);

interface Route {
  method: string;
  /** As the reference spells paths: `/v1/projects/{id}`. */
  path: string;
}

/**
 * Every route the Fastify app serves, from its printed routing tree (one line
 * per path segment, indented by depth, methods in parentheses). HEAD answers
 * every GET (Fastify adds it); the reference lists the GET.
 */
function registeredRoutes(server: TestServer): Route[] {
  const tree = server.app.getHttpAdapter().getInstance().printRoutes({ commonPrefix: false });
  const routes: Route[] = [];
  const prefixes: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^([│ ]*)[├└]── (\S+)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = match[1].length / 4;
    prefixes.length = depth;
    const path = (prefixes[depth - 1] ?? '') + match[2];
    prefixes[depth] = path;
    for (const method of match[3]?.split(', ') ?? []) {
      if (method !== 'HEAD') routes.push({ method, path: path.replace(/:(\w+)/g, '{$1}') });
    }
  }
  return routes;
}

function documentedRoutes(document: OpenAPIObject): Array<Route & { operation: OperationObject }> {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.filter((method) => (item as Record<string, unknown>)[method]).map((method) => ({
      method: method.toUpperCase(),
      path,
      operation: (item as Record<string, OperationObject>)[method],
    })),
  );
}

const keyOf = (route: Route) => `${route.method} ${route.path}`;

describe('API reference (/openapi.json and /docs)', () => {
  let mailbox: Mailbox;
  let server: TestServer;
  let document: OpenAPIObject;
  let conformance: OpenApiConformance;

  /** A request by path template, its answer held to the reference. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as http(): the spec reads the fields it expects
  async function call<T = any>(method: string, template: string, params: Record<string, string> = {}, options: RequestOptions & { query?: string } = {}): Promise<HttpResult<T>> {
    const path = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name]));
    const result = await http<T>(server.url, method, path + (options.query ?? ''), options);
    conformance.check(method, template, result);
    return result;
  }

  const form = (fields: Record<string, string>): RequestOptions => ({
    body: new URLSearchParams(fields).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });

  beforeAll(async () => {
    mailbox = await startMailbox();
    server = await startTestServer({
      SYNC_RATE_LIMIT_AUTH: '0',
      SYNC_RATE_LIMIT_AUTH_POLL: '0',
      SYNC_CODE_LOGIN: 'direct',
      SYNC_BASE_URL: BASE_URL,
      SYNC_EMAIL_PROVIDER: 'smtp',
      SYNC_SMTP_URL: mailbox.url,
    });
    const answer = await http<OpenAPIObject>(server.url, 'GET', '/openapi.json');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8');
    document = answer.body;
    conformance = new OpenApiConformance(document);
  });
  afterAll(async () => {
    await server.close();
    await mailbox.close();
  });

  it('is a valid OpenAPI 3 document', async () => {
    expect(document.openapi).toMatch(/^3\./);
    // The validator dereferences what it is given.
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeDefined();
  });

  it('documents every route the server serves, with its method, and no route it does not', () => {
    const served = registeredRoutes(server).map(keyOf).sort();
    const documented = documentedRoutes(document).map(keyOf).sort();
    expect(served).toContain('GET /v1/projects/{id}/members');
    expect(served).toContain('POST /v1/projects/{id}/sync/push');
    expect(documented).toEqual(served);
  });

  it('gives every operation a declared tag, a summary and its success answer', () => {
    const declared = new Set(document.tags?.map((tag) => tag.name));
    for (const route of documentedRoutes(document)) {
      const { operation } = route;
      expect({ route: keyOf(route), tags: operation.tags?.length }).toEqual({ route: keyOf(route), tags: 1 });
      expect(declared).toContain(operation.tags![0]);
      expect(operation.summary).toBeTruthy();
      // Swagger lists an undocumented route with a bare "200" of no description and no body; that does not count.
      const succeeds = Object.entries(operation.responses).some(
        ([status, response]) => status.startsWith('2') && ((response as ResponseObject).content !== undefined || (response as ResponseObject).description !== ''),
      );
      expect({ route: keyOf(route), succeeds }).toEqual({ route: keyOf(route), succeeds: !ERROR_ONLY.has(keyOf(route)) });
    }
  });

  it('documents every code of the error table under its status, in the ErrorBody shape', () => {
    const seen = new Map<string, number>();
    for (const { operation } of documentedRoutes(document)) {
      for (const [status, response] of Object.entries(operation.responses) as Array<[string, ResponseObject]>) {
        const json = response.content?.['application/json'];
        if (json?.schema && '$ref' in json.schema && json.schema.$ref === '#/components/schemas/ErrorBody') {
          for (const [code, example] of Object.entries(json.examples ?? {})) {
            seen.set(code, Number(status));
            expect(conformance.matches(json.schema, (example as { value: unknown }).value)).toBe(true);
          }
        }
      }
    }
    const table = Object.fromEntries(Object.entries(ERROR_STATUSES).map(([code, { status }]) => [code, status]));
    expect(Object.fromEntries(seen)).toEqual(table);
  });

  it('declares the Bearer key exactly on the routes that refuse a request without one', async () => {
    expect(document.components?.securitySchemes).toEqual({ 'api-key': expect.objectContaining({ type: 'http', scheme: 'bearer' }) });
    for (const route of documentedRoutes(document)) {
      const params = Object.fromEntries(
        ((route.operation.parameters ?? []) as ParameterObject[])
          .filter((param) => param.in === 'path')
          .map((param) => [param.name, String(param.example ?? (param.schema as SchemaObject | undefined)?.enum?.[0] ?? 'x')]),
      );
      const content = route.operation.requestBody && 'content' in route.operation.requestBody ? route.operation.requestBody.content : {};
      const body = content['application/json'] ? { body: {} } : content['application/x-www-form-urlencoded'] ? form({}) : {};
      const answer = await call(route.method, route.path, params, body);
      const secured = (route.operation.security ?? []).some((requirement) => 'api-key' in requirement);
      expect({ route: keyOf(route), unauthorized: answer.status === 401 }).toEqual({ route: keyOf(route), unauthorized: secured });
    }
  });

  it('describes what the server answers: logins, projects, members and sync, success and errors', async () => {
    expect((await call('GET', '/healthz')).status).toBe(200);

    // The typed-code login (SYNC_CODE_LOGIN=direct: the code alone completes it).
    const start = await call('POST', '/v1/auth/login/start', {}, { body: { email: 'ada@example.com' } });
    expect(start.status).toBe(200);
    expect((await call('POST', '/v1/auth/login/poll', {}, { body: { device_code: start.body.device_code } })).body).toEqual({ status: 'pending' });
    expect((await call('GET', '/auth/verify', {}, { query: `?code=${start.body.user_code}` })).status).toBe(200);
    expect((await call('POST', '/auth/verify', {}, form({ user_code: start.body.user_code }))).status).toBe(200);
    const ada = await call('POST', '/v1/auth/login/poll', {}, { body: { device_code: start.body.device_code } });
    expect(ada.body.status).toBe('complete');
    expect((await call('POST', '/v1/auth/login/poll', {}, { body: { device_code: start.body.device_code } })).status).toBe(410);
    expect((await call('POST', '/v1/auth/login/poll', {}, { body: { device_code: 'f'.repeat(40) } })).status).toBe(404);
    expect((await call('POST', '/v1/auth/login/start', {}, { body: { email: 'not an address' } })).status).toBe(400);

    // The email-approved login.
    const pkce = newPkcePair();
    const device = await call('POST', '/v1/auth/device/start', {}, { body: { email: 'grace@example.com', code_challenge: pkce.challenge, code_challenge_method: 'S256', device_name: 'laptop' } });
    expect(device.status).toBe(200);
    const poll = (verifier: string) => call('POST', '/v1/auth/device/poll', {}, { body: { device_code: device.body.device_code, code_verifier: verifier } });
    expect((await poll(pkce.verifier)).body).toEqual({ status: 'pending' });
    const token = APPROVE_LINK.exec((await mailbox.next('grace@example.com')).text)![1];
    expect((await call('GET', '/auth/device/approve', {}, { query: `?token=${token}` })).status).toBe(200);
    expect((await call('POST', '/auth/device/approve', {}, form({ token }))).status).toBe(200);
    expect((await poll(newPkcePair().verifier)).status).toBe(401);
    const grace = await poll(pkce.verifier);
    expect(grace.body.status).toBe('complete');
    expect((await poll(pkce.verifier)).status).toBe(410);
    expect((await call('POST', '/v1/auth/device/start', {}, { body: { email: 'grace@example.com', code_challenge: pkce.challenge, code_challenge_method: 'plain' } })).status).toBe(400);

    // Projects.
    const owner = { apiKey: ada.body.api_key as string };
    const writer = { apiKey: grace.body.api_key as string };
    const created = await call('POST', '/v1/projects', {}, { ...owner, body: { name: 'Team', description: 'shared tasks' } });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect((await call('POST', '/v1/projects', {}, { ...owner, body: { name: ' ' } })).status).toBe(400);
    expect((await call('GET', '/v1/projects', {}, owner)).body).toHaveLength(1);
    expect((await call('GET', '/v1/projects/{id}', { id }, owner)).status).toBe(200);
    expect((await call('PATCH', '/v1/projects/{id}', { id }, { ...owner, body: { description: 'renamed' } })).status).toBe(200);
    expect((await call('GET', '/v1/projects/{id}', { id }, writer)).status).toBe(403);
    expect((await call('GET', '/v1/projects/{id}', { id: 'p_0000000000000000' }, owner)).status).toBe(404);

    // Members.
    expect((await call('POST', '/v1/projects/{id}/members', { id }, { ...owner, body: { email: 'grace@example.com', role: 'writer' } })).status).toBe(201);
    expect((await call('POST', '/v1/projects/{id}/members', { id }, { ...owner, body: { email: 'grace@example.com', role: 'writer' } })).status).toBe(409);
    expect((await call('POST', '/v1/projects/{id}/members', { id }, { ...owner, body: { user_id: 'u_0000000000000000', role: 'reader' } })).status).toBe(404);
    expect((await call('POST', '/v1/projects/{id}/members', { id }, { ...owner, body: { email: 'x@example.com', role: 'admin' } })).status).toBe(400);
    expect((await call('GET', '/v1/projects/{id}/members', { id }, writer)).body).toHaveLength(2);
    const graceId = grace.body.user_id as string;
    expect((await call('PATCH', '/v1/projects/{id}/members/{member}', { id, member: 'grace@example.com' }, { ...owner, body: { role: 'writer' } })).status).toBe(200);
    expect((await call('PATCH', '/v1/projects/{id}/members/{member}', { id, member: 'nobody@example.com' }, { ...owner, body: { role: 'writer' } })).status).toBe(404);

    // Self-service.
    expect((await call('GET', '/v1/me', {}, writer)).body).toMatchObject({ user_id: graceId, email: 'grace@example.com', key: { name: 'laptop' } });
    expect((await call('PATCH', '/v1/projects/{id}/members/{member}', { id, member: graceId }, { ...owner, body: { role: 'reader' } })).body).toEqual({ status: 'updated' });
    expect((await call('PATCH', '/v1/projects/{id}/members/{member}', { id, member: ada.body.user_id }, { ...owner, body: { role: 'reader' } })).status).toBe(400);
    expect((await call('PATCH', '/v1/projects/{id}/members/{member}', { id, member: graceId }, { ...owner, body: { role: 'writer' } })).status).toBe(200);

    // Sync: an empty log, a push with a duplicate and an empty entity_id, pages, status.
    expect((await call('GET', '/v1/projects/{id}/sync/status', { id }, writer)).body).toEqual({ event_count: 0, last_server_seq: 0 });
    const event = (n: number, entityId = `td-${n}`) => ({
      client_action_id: n,
      action_type: 'create',
      entity_type: 'issues',
      entity_id: entityId,
      payload: { id: entityId, title: `issue ${n}` },
      client_timestamp: '2026-01-31T08:15:02.123Z',
    });
    const batch = { device_id: 'dev-1', session_id: 'ses-1', events: [event(1), event(2)] };
    expect((await call('POST', '/v1/projects/{id}/sync/push', { id }, { ...writer, body: batch })).body.accepted).toBe(2);
    const again = await call('POST', '/v1/projects/{id}/sync/push', { id }, { ...writer, body: { ...batch, events: [event(1), event(3, '')] } });
    expect(again.body.rejected).toHaveLength(2);
    expect((await call('POST', '/v1/projects/{id}/sync/push', { id }, { ...writer, body: { ...batch, events: [] } })).status).toBe(400);
    expect((await call('GET', '/v1/projects/{id}/sync/pull', { id }, { ...owner, query: '?after_server_seq=0&limit=1' })).body.has_more).toBe(true);
    expect((await call('GET', '/v1/projects/{id}/sync/pull', { id }, { ...owner, query: '?exclude_client=dev-2' })).body.events).toHaveLength(2);
    expect((await call('GET', '/v1/projects/{id}/sync/pull', { id }, { ...owner, query: '?limit=0' })).status).toBe(400);
    expect((await call('GET', '/v1/projects/{id}/sync/status', { id }, owner)).body.last_event_time).toEqual(expect.any(String));
    expect((await call('GET', '/v1/projects/{id}/sync/snapshot', { id }, owner)).status).toBe(404);
    const tooLarge = JSON.stringify({ ...batch, padding: 'x'.repeat(10 * 1024 * 1024) });
    expect((await call('POST', '/v1/projects/{id}/sync/push', { id }, { ...writer, body: tooLarge })).status).toBe(413);

    // Leaving and deleting.
    expect((await call('DELETE', '/v1/projects/{id}/members/{member}', { id, member: ada.body.user_id }, owner)).status).toBe(400);
    expect((await call('DELETE', '/v1/projects/{id}/members/{member}', { id, member: graceId }, owner)).status).toBe(204);
    expect((await call('DELETE', '/v1/projects/{id}', { id }, owner)).status).toBe(204);
    expect((await call('GET', '/v1/projects/{id}/members', { id }, owner)).status).toBe(404);
    expect((await call('GET', '/metricz')).body.push_events_accepted).toBe(2);
    expect((await call('GET', '/metrics')).text).toContain('td_sync_pushed_events_total{outcome="accepted"} 2');
    expect((await call('DELETE', '/v1/me/keys/current', {}, writer)).status).toBe(204);
    expect((await call('GET', '/v1/me', {}, writer)).status).toBe(401);
  });

  it('describes what the login pages answer, errors and "Not me, deny" included', async () => {
    expect((await call('POST', '/auth/verify', {}, form({ user_code: '' }))).status).toBe(400);
    expect((await call('POST', '/auth/verify', {}, form({ user_code: 'ZZZZZZ' }))).status).toBe(404);
    expect((await call('GET', '/auth/device/approve', {}, { query: '?token=nonsense' })).status).toBe(400);
    expect((await call('GET', '/auth/device/approve', {}, { query: `?token=${'0'.repeat(24)}.${'a'.repeat(32)}` })).status).toBe(404);
    const pkce = newPkcePair();
    await call('POST', '/v1/auth/device/start', {}, { body: { email: 'denier@example.com', code_challenge: pkce.challenge, code_challenge_method: 'S256' } });
    const token = APPROVE_LINK.exec((await mailbox.next('denier@example.com')).text)![1];
    expect((await call('POST', '/auth/device/approve', {}, form({ token, decision: 'deny' }))).status).toBe(200);
    expect((await call('GET', '/auth/device/approve', {}, { query: `?token=${token}` })).status).toBe(410);
    expect((await call('POST', '/auth/device/approve', {}, form({ token }))).status).toBe(410);
  });

  it('serves Swagger UI at /docs from its own files, under a strict content security policy', async () => {
    const page = await call('GET', '/docs');
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const assets = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
    expect(assets).toEqual(expect.arrayContaining(['/docs/swagger-ui-bundle.js', '/docs/swagger-ui.css', '/docs/docs.js']));
    for (const asset of assets) {
      const file = await call('GET', '/docs/{file}', { file: asset.replace('/docs/', '') });
      expect({ asset, status: file.status, length: file.text.length > 0 }).toEqual({ asset, status: 200, length: true });
    }
    expect((await http(server.url, 'GET', '/docs/docs.js')).text).toContain("url: '/openapi.json'");
    expect((await http(server.url, 'GET', '/docs/swagger-ui-bundle.js')).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await call('GET', '/docs/{file}', { file: 'package.json' })).status).toBe(404);
    expect((await http(server.url, 'GET', '/docs/..%2Fpackage.json')).status).toBe(404);
  });
});

describe('API reference cost and limits', () => {
  let server: TestServer;
  let createDocument: jest.SpyInstance;

  beforeAll(async () => {
    createDocument = jest.spyOn(SwaggerModule, 'createDocument');
    server = await startTestServer({ SYNC_RATE_LIMIT_AUTH: '1', SYNC_RATE_LIMIT_OTHER: '1' });
  });
  afterAll(async () => {
    createDocument.mockRestore();
    await server.close();
  });

  it('is built once at start and served as the same text to every request, never rate limited', async () => {
    const caller = await createCaller(server, 'ada@example.com');
    const limited = [await http(server.url, 'GET', '/v1/projects', { apiKey: caller.apiKey }), await http(server.url, 'GET', '/v1/projects', { apiKey: caller.apiKey })];
    expect(limited.map((answer) => answer.status)).toEqual([200, 429]);

    const texts: string[] = [];
    for (let i = 0; i < 5; i++) {
      for (const path of ['/docs', '/docs/docs.js']) expect((await http(server.url, 'GET', path)).status).toBe(200);
      const answer = await http(server.url, 'GET', '/openapi.json');
      expect(answer.status).toBe(200);
      texts.push(answer.text);
    }
    expect(new Set(texts).size).toBe(1);
    expect(createDocument).toHaveBeenCalledTimes(1);
  });
});


describe('API reference of the built server', () => {
  it('is served by `npm start`\'s build, Swagger UI files included, wherever npm placed them', async () => {
    const server = await spawnServer();
    try {
      const document = await http<OpenAPIObject>(server.url, 'GET', '/openapi.json');
      expect(document.status).toBe(200);
      expect(Object.keys(document.body.paths)).toContain('/v1/projects/{id}/sync/push');
      const bundle = await http(server.url, 'GET', '/docs/swagger-ui-bundle.js');
      expect({ status: bundle.status, type: bundle.headers.get('content-type') }).toEqual({ status: 200, type: 'text/javascript; charset=utf-8' });
      expect(bundle.text).toContain('SwaggerUIBundle');
    } finally {
      server.process.kill('SIGTERM');
      await server.exited;
      rmSync(server.dataDir, { recursive: true, force: true });
    }
  });
});
