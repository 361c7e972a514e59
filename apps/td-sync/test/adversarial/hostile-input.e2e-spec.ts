import fc from 'fast-check';
import { storedEvents, storedState } from '../support/database-files';
import { expectError, HttpResult } from '../support/http';
import { rawHttp, rawRequest, RawResponse } from '../support/raw-http';
import { Caller, createCaller, startTestServer, TestServer } from '../support/test-server';
import { createProject } from '../support/sync';

/**
 * Issue 9, hostile input. Every refusal is checked twice: the answer (status,
 * PROTOCOL.md error body) and the stored state, which must be exactly what it
 * was before the request. Inputs PROTOCOL.md accepts on purpose (unknown
 * fields, negative client_action_ids, limits above 10000, ids that look like
 * SQL) are pinned too: accepted, and stored byte for byte.
 */

type Send = () => Promise<HttpResult | RawResponse>;

/** A push event as JSON text; each member's value is given as raw JSON text, undefined leaves it out. */
function eventText(members: Record<string, string | undefined> = {}): string {
  const all: Record<string, string | undefined> = {
    client_action_id: '1',
    action_type: '"create"',
    entity_type: '"issues"',
    entity_id: '"td-1"',
    payload: '{"title":"x"}',
    client_timestamp: '"2026-01-31T08:15:02Z"',
    ...members,
  };
  return `{${Object.entries(all)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `"${key}":${value}`)
    .join(',')}}`;
}

/** A push body as JSON text, members as raw JSON text. */
function pushText(members: Record<string, string | undefined> = {}): string {
  const all: Record<string, string | undefined> = { device_id: '"dev"', session_id: '"ses"', events: `[${eventText()}]`, ...members };
  return `{${Object.entries(all)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `"${key}":${value}`)
    .join(',')}}`;
}

const nested = (levels: number, open = '{"a":', close = '}') => open.repeat(levels) + '1' + close.repeat(levels);

describe('hostile input (every answer a 4xx with the PROTOCOL.md body, and nothing stored)', () => {
  let server: TestServer;
  let writer: Caller;
  let projectId: string;
  let tried = 0;

  beforeAll(async () => {
    server = await startTestServer({ SYNC_RATE_LIMIT_AUTH: '0', SYNC_RATE_LIMIT_PUSH: '0', SYNC_RATE_LIMIT_PULL: '0', SYNC_RATE_LIMIT_OTHER: '0' });
    writer = await createCaller(server, 'hostile@example.com');
    projectId = await createProject(server, writer, 'target');
    const seeded = await send('POST', `/v1/projects/${projectId}/sync/push`, pushText({ events: `[${eventText({ client_action_id: '1' })},${eventText({ client_action_id: '2' })}]` }));
    expect(seeded.status).toBe(200);
  });
  afterAll(async () => {
    process.stdout.write(`reliability-hostile-input: ${tried} hostile inputs tried\n`);
    await server.close();
  });

  /** One request with the body sent exactly as given (fetch cannot send some of these, so Buffers are passed through). */
  async function send(method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}, apiKey: string | undefined = writer.apiKey): Promise<HttpResult> {
    const response = await fetch(server.url + path, {
      method,
      headers: { 'content-type': 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}), ...headers },
      body,
    });
    const text = await response.text();
    const isJson = (response.headers.get('content-type') ?? '').includes('application/json');
    return { status: response.status, headers: response.headers, text, body: isJson && text ? JSON.parse(text) : text };
  }

  const push = (body: string | Buffer, headers: Record<string, string> = {}) => send('POST', `/v1/projects/${projectId}/sync/push`, body, headers);

  /** The request is refused with `status`/`code` and the PROTOCOL.md body, and changes nothing that is stored. */
  async function expectRefused(request: Send, status = 400, code = 'bad_request'): Promise<void> {
    const before = storedState(server.dataDir);
    const result = await request();
    if ('raw' in result) {
      expect(result.status).toBe(status);
      expectError({ status: result.status, headers: new Headers(), text: result.body, body: JSON.parse(result.body) }, status, code);
      expect(result.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
    } else {
      expectError(result, status, code);
      expect(result.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
    }
    expect(storedState(server.dataDir)).toBe(before);
    tried++;
  }

  describe('malformed and truncated JSON', () => {
    it.each([
      '{',
      '}',
      '[',
      'nul',
      'undefined',
      '{"device_id":}',
      '{"device_id":"dev",}',
      "{'device_id':'dev'}",
      '{"device_id":"dev"} trailing',
      '{"device_id":"dev"}{"device_id":"dev"}',
      '{"events":[1,2,]}',
      '{"a":01}',
      '{"a":NaN}',
      '{"a":Infinity}',
      '{"a":"\\x41"}',
      '{"a":"unterminated}',
      '/* comment */ {}',
    ])('%s', async (body) => {
      await expectRefused(() => push(body));
    });

    it('every truncation of a valid push body', async () => {
      const body = pushText({ events: `[${eventText()},${eventText({ client_action_id: '3', payload: '{"n":[1,{"x":"a\\"b"}],"m":null}' })}]` });
      for (let cut = 1; cut < body.length; cut++) {
        if (body.slice(0, cut).trim() === '') continue;
        await expectRefused(() => push(body.slice(0, cut)));
      }
    });
  });

  describe('wrong content types', () => {
    const forms = { 'content-type': 'application/x-www-form-urlencoded' };
    it.each<[string, () => Send]>([
      ['a form on push', () => () => push('device_id=dev&session_id=ses&events=x', forms)],
      ['XML', () => () => push('<push><device_id>dev</device_id></push>', { 'content-type': 'application/xml' })],
      ['multipart', () => () => push('--b\r\nContent-Disposition: form-data; name="device_id"\r\n\r\ndev\r\n--b--\r\n', { 'content-type': 'multipart/form-data; boundary=b' })],
      ['plain text', () => () => push('push these events please', { 'content-type': 'text/plain' })],
      ['binary', () => () => push(Buffer.from([0x00, 0x01, 0x02, 0xff]), { 'content-type': 'application/octet-stream' })],
      ['a form creating a project', () => () => send('POST', '/v1/projects', 'name=formed', forms)],
      ['a form adding a member', () => () => send('POST', `/v1/projects/${projectId}/members`, 'email=x%40example.com&role=owner', forms)],
      ['a form starting a login', () => () => send('POST', '/v1/auth/login/start', 'email=x%40example.com', forms, undefined)],
    ])('%s', async (_case, request) => {
      await expectRefused(request());
    });
  });

  describe('bodies over 10 MiB', () => {
    it('with a Content-Length', async () => {
      await expectRefused(() => push(pushText({ events: `[${eventText({ payload: `{"x":"${'a'.repeat(10 * 1024 * 1024)}"}` })}]` })), 413, 'payload_too_large');
    });

    it('chunked, without a length', async () => {
      await expectRefused(async () => {
        const chunks = async function* () {
          yield new TextEncoder().encode(`{"device_id":"dev","session_id":"ses","events":[${eventText({ payload: '{"x":"' }).slice(0, -2)}`);
          for (let i = 0; i < 11; i++) yield new Uint8Array(1024 * 1024).fill(0x61);
        };
        const response = await fetch(`${server.url}/v1/projects/${projectId}/sync/push`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${writer.apiKey}` },
          body: ReadableStream.from(chunks()),
          duplex: 'half',
        } as RequestInit);
        const text = await response.text();
        return { status: response.status, headers: response.headers, text, body: JSON.parse(text) };
      }, 413, 'payload_too_large');
    });
  });

  describe('deep nesting', () => {
    it.each<[string, () => Send]>([
      ['a payload nested 10,000 levels', () => () => push(pushText({ events: `[${eventText({ payload: nested(10_000) })}]` }))],
      ['a payload one level deeper than a Go client can decode', () => () => push(pushText({ events: `[${eventText({ payload: nested(9_998) })}]` }))],
      ['arrays nested 100,000 levels in an unknown member', () => () => push(pushText({ junk: nested(100_000, '[', ']') }))],
      ['a project body nested 10,000 levels', () => () => send('POST', '/v1/projects', `{"name":"deep","extra":${nested(10_000)}}`)],
      ['a project update nested 5,000 levels', () => () => send('PATCH', `/v1/projects/${projectId}`, `{"name":"deep","extra":${nested(5_000)}}`)],
      ['a member body nested 5,000 levels', () => () => send('POST', `/v1/projects/${projectId}/members`, `{"email":"d@example.com","role":"reader","x":${nested(5_000)}}`)],
      ['a login start nested 10,000 levels', () => () => send('POST', '/v1/auth/login/start', `{"email":"d@example.com","x":${nested(10_000, '[', ']')}}`, {}, undefined)],
      ['a poll nested 10,000 levels', () => () => send('POST', '/v1/auth/device/poll', `{"device_code":"x","code_verifier":${nested(10_000)}}`, {}, undefined)],
    ])('%s', async (_case, request) => {
      await expectRefused(request());
    });
  });

  describe('huge strings', () => {
    const huge = (n: number) => `"${'x'.repeat(n)}"`;
    it.each<[string, () => Send]>([
      ['a device_id of 1025 characters', () => () => push(pushText({ device_id: huge(1025) }))],
      ['a session_id of 1 MiB', () => () => push(pushText({ session_id: huge(1 << 20) }))],
      ['an entity_id of 5 MiB', () => () => push(pushText({ events: `[${eventText({ entity_id: huge(5 << 20) })}]` }))],
      ['a client_timestamp with a 1 MiB fraction', () => () => push(pushText({ events: `[${eventText({ client_timestamp: `"2026-01-31T08:15:02.${'1'.repeat(1 << 20)}Z"` })}]` }))],
      ['an action_type of 1 MiB', () => () => push(pushText({ events: `[${eventText({ action_type: huge(1 << 20) })}]` }))],
      ['a project name of 1 MiB', () => () => send('POST', '/v1/projects', `{"name":${huge(1 << 20)}}`)],
      ['an email of 1 MiB', () => () => send('POST', '/v1/auth/login/start', `{"email":"${'x'.repeat(1 << 20)}@example.com"}`, {}, undefined)],
      ['a device_code of 1 MiB', () => () => send('POST', '/v1/auth/login/poll', `{"device_code":${huge(1 << 20)}}`, {}, undefined)],
      ['a code_verifier of 1 MiB', () => () => send('POST', '/v1/auth/device/poll', `{"device_code":"x","code_verifier":${huge(1 << 20)}}`, {}, undefined)],
    ])('%s', async (_case, request) => {
      await expectRefused(request());
    });
  });

  describe('invalid UTF-8, NUL and unpaired surrogates', () => {
    const bytes = (...parts: Array<string | number[]>) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));
    it.each<[string, () => Send]>([
      ['0xFF 0xFE in a string', () => () => push(bytes('{"device_id":"', [0xff, 0xfe], '","session_id":"s","events":[]}'))],
      ['an overlong encoding of "/"', () => () => push(bytes(pushText().slice(0, 15), [0xc0, 0xaf], pushText().slice(15)))],
      ['a surrogate encoded in UTF-8 (CESU)', () => () => push(bytes('{"device_id":"', [0xed, 0xa0, 0x80], '","session_id":"s","events":[]}'))],
      ['a multi-byte sequence cut off at the end', () => () => push(bytes(pushText(), [0xe2, 0x82]))],
      ['a raw NUL inside a string', () => () => push(bytes('{"device_id":"a', [0x00], 'b","session_id":"s","events":[]}'))],
      ['a raw NUL between tokens', () => () => push(bytes(pushText().slice(0, 1), [0x00], pushText().slice(1)))],
      ['an escaped NUL in device_id', () => () => push(pushText({ device_id: '"dev\\u0000"' }))],
      ['an escaped NUL in session_id', () => () => push(pushText({ session_id: '"\\u0000"' }))],
      ['an escaped NUL in entity_id', () => () => push(pushText({ events: `[${eventText({ entity_id: '"td-1\\u0000; DROP"' })}]` }))],
      ['an unpaired high surrogate in device_id', () => () => push(pushText({ device_id: '"\\ud800"' }))],
      ['an unpaired low surrogate in entity_id', () => () => push(pushText({ events: `[${eventText({ entity_id: '"a\\udc00b"' })}]` }))],
      ['invalid UTF-8 creating a project', () => () => send('POST', '/v1/projects', bytes('{"name":"', [0xff], '"}'))],
    ])('%s', async (_case, request) => {
      await expectRefused(request());
    });
  });

  describe('numbers that are not what PROTOCOL.md asks for', () => {
    it.each(['1.5', '1.0', '1e2', '-1.5', '9223372036854775808', '-9223372036854775809', '1e400', '"1"', 'true', 'null', '[]', '{}', undefined])(
      'client_action_id %s',
      async (id) => {
        await expectRefused(() => push(pushText({ events: `[${eventText({ client_action_id: id })}]` })));
      },
    );

    it.each(['-1', '1.5', 'abc', '1e3', '0x10', '%201', '99999999999999999999', '-0', '1,2', 'NaN'])('after_server_seq=%s', async (value) => {
      await expectRefused(() => send('GET', `/v1/projects/${projectId}/sync/pull?after_server_seq=${value}`));
    });

    it.each(['0', '-1', '1.5', 'abc', '1e3', '-0', 'Infinity', '0x10'])('limit=%s', async (value) => {
      await expectRefused(() => send('GET', `/v1/projects/${projectId}/sync/pull?limit=${value}`));
    });
  });

  describe('path traversal and SQL-looking ids in the path', () => {
    const raw = (method: string, target: string, body = '') =>
      rawRequest(server.url, rawHttp(method, target, { authorization: `Bearer ${writer.apiKey}`, 'content-type': 'application/json' }, body));
    it.each<[string, string, string, number, string]>([
      ['dot segments out of the API', 'GET', '/v1/projects/../../server.db', 404, 'not_found'],
      ['dot segments between projects', 'GET', '/v1/projects/PROJECT/../p_0000000000000001/sync/pull', 404, 'not_found'],
      ['an encoded traversal as the project id', 'GET', '/v1/projects/..%2F..%2Fserver.db/sync/pull', 404, 'not_found'],
      ['an encoded traversal after a valid-looking id', 'POST', '/v1/projects/PROJECT%2F..%2Fp_0000000000000001/sync/push', 404, 'not_found'],
      ['a backslash traversal', 'GET', '/v1/projects/..%5C..%5Cserver.db/sync/status', 404, 'not_found'],
      ['a NUL in the project id', 'GET', '/v1/projects/PROJECT%00/sync/pull', 404, 'not_found'],
      ['SQL in the project id', 'GET', "/v1/projects/p_1'%20OR%20'1'%3D'1/sync/pull", 404, 'not_found'],
      ['SQL closing a statement', 'GET', '/v1/projects/%27%3B%20DROP%20TABLE%20projects%3B--/members', 404, 'not_found'],
      ['SQL as a member id', 'DELETE', "/v1/projects/PROJECT/members/u_0'%20OR%201%3D1--", 404, 'not_found'],
      ['an upper-case project id', 'GET', '/v1/projects/UPPER/sync/pull', 404, 'not_found'],
      ['a project id of 500 characters', 'GET', `/v1/projects/p_${'0'.repeat(498)}/sync/pull`, 404, 'not_found'],
      ['broken percent-encoding', 'GET', '/v1/projects/%E0%A4%A/sync/pull', 400, 'bad_request'],
    ])('%s', async (_case, method, target, status, code) => {
      const path = target.replace('PROJECT', projectId).replace('UPPER', projectId.toUpperCase());
      await expectRefused(() => raw(method, path, method === 'POST' ? pushText() : ''), status, code);
    });
  });

  describe('header injection and malformed HTTP', () => {
    const valid = `/v1/projects/PROJECT/sync/status`;
    const head = (extra: string) => `GET ${valid.replace('PROJECT', projectId)} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${extra}\r\n`;

    it('cannot smuggle a header into the answer through X-Request-ID', async () => {
      const id = 'abcdef0123456789abcdef0123456789';
      const response = await rawRequest(server.url, head(`Authorization: Bearer ${writer.apiKey}\r\nX-Request-ID: ${id}%0d%0aSet-Cookie:%20a=b\r\n`));
      expect(response.status).toBe(200);
      expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
      expect(response.headers.get('x-request-id')).not.toBe(id);
      expect(response.headers.has('set-cookie')).toBe(false);
      tried++;
    });

    it.each<[string, string, number]>([
      ['a bare LF inside a header value', `X-Request-ID: abc\ndef\r\n`, 400],
      ['a NUL inside a header value', `Authorization: Bearer x\u0000y\r\n`, 400],
      ['a space inside a header name', `Bad Header: x\r\n`, 400],
      ['Content-Length and Transfer-Encoding together (smuggling)', `Content-Length: 5\r\nTransfer-Encoding: chunked\r\n`, 400],
      ['two different Content-Lengths', `Content-Length: 1\r\nContent-Length: 2\r\n`, 400],
      ['headers over 16 KiB', `X-Padding: ${'a'.repeat(20_000)}\r\n`, 431],
    ])('%s', async (_case, extra, status) => {
      await expectRefused(() => rawRequest(server.url, head(extra)), status, 'bad_request');
    });

    it('a request line that is not HTTP', async () => {
      await expectRefused(() => rawRequest(server.url, 'HELLO THERE\r\n\r\n'), 400, 'bad_request');
    });
  });

  it('10,000 events in one push (ten times the batch limit)', async () => {
    const events = Array.from({ length: 10_000 }, (_, i) => eventText({ client_action_id: String(100 + i) })).join(',');
    await expectRefused(() => push(pushText({ events: `[${events}]` })));
  });

  describe('duplicate JSON keys', () => {
    it.each<[string, () => Send]>([
      ['device_id twice', () => () => push(`{"device_id":"a","device_id":"b","session_id":"s","events":[${eventText()}]}`)],
      ['session_id twice, once escaped', () => () => push(`{"device_id":"a","session_id":"s","session\\u005fid":"t","events":[${eventText()}]}`)],
      ['events twice', () => () => push(`{"device_id":"a","session_id":"s","events":[],"events":[${eventText()}]}`)],
      ['entity_type twice in an event', () => () => push(pushText({ events: `[${eventText().slice(0, -1)},"entity_type":"notes"}]` }))],
      ['payload twice in an event', () => () => push(pushText({ events: `[${eventText().slice(0, -1)},"payload":{"b":2}}]` }))],
      ['client_action_id twice in an event', () => () => push(pushText({ events: `[${eventText().slice(0, -1)},"client_action_id":2}]` }))],
      ['name twice creating a project', () => () => send('POST', '/v1/projects', '{"name":"a","name":"b"}')],
      ['name twice, once escaped, renaming a project', () => () => send('PATCH', `/v1/projects/${projectId}`, '{"name":"a","n\\u0061me":"b"}')],
      ['role twice adding a member', () => () => send('POST', `/v1/projects/${projectId}/members`, '{"email":"r@example.com","role":"reader","role":"owner"}')],
      ['email twice starting a login', () => () => send('POST', '/v1/auth/login/start', '{"email":"a@example.com","email":"b@example.com"}', {}, undefined)],
    ])('%s', async (_case, request) => {
      await expectRefused(request());
    });
  });

  describe('generated push bodies against a model of PROTOCOL.md (fast-check)', () => {
    it('answers every generated body exactly as the model says, and stores exactly what the model stores', async () => {
      let bodies = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(pushArbitrary, { minLength: 1, maxLength: 6 }), async (pushes) => {
          const project = await createProject(server, writer, 'model');
          const model = new PushModel();
          for (const generated of pushes) {
            const before = storedState(server.dataDir);
            const result = await send('POST', `/v1/projects/${project}/sync/push`, generated.text);
            bodies++;
            const expected = model.apply(generated);
            if (expected === 'refused') {
              expectError(result, 400, 'bad_request');
              expect(storedState(server.dataDir)).toBe(before);
            } else {
              expect(result.status).toBe(200);
              expect(answerWithExactIds(result.text)).toEqual(expected);
            }
          }
          expect(storedEvents(server.dataDir, project).map((e) => [e.server_seq, e.device_id, e.session_id, e.client_action_id, e.action_type, e.entity_type, e.entity_id, e.payload, e.client_timestamp])).toEqual(
            model.stored.map((e) => [e.seq, e.deviceId, e.sessionId, e.clientActionId, e.actionType, e.entityType, e.entityId, e.payload, e.timestamp]),
          );
        }),
        { numRuns: 60 },
      );
      tried += bodies;
    });
  });

  describe('what PROTOCOL.md accepts on purpose is accepted, and stored exactly', () => {
    let next = 1000;
    async function accepted(body: string, headers: Record<string, string> = {}): Promise<void> {
      const result = await push(body, headers);
      expect(result.status).toBe(200);
      expect((result.body as { rejected?: unknown }).rejected).toBeUndefined();
      tried++;
    }
    const lastStored = () => storedEvents(server.dataDir, projectId).at(-1)!;

    it('unknown fields, including ones named like server-owned fields, are ignored', async () => {
      const id = String(++next);
      await accepted(pushText({ admin: 'true', server_seq: '1', events: `[${eventText({ client_action_id: id, server_seq: '1', server_timestamp: '"1999-01-01T00:00:00Z"', role: '"owner"' })}]` }));
      expect(lastStored()).toMatchObject({ client_action_id: id, payload: '{"title":"x"}' });
      expect(lastStored().server_seq).toBeGreaterThan(2);
      expect(lastStored().server_timestamp.startsWith('1999')).toBe(false);
    });

    it.each(['-1', '0', '-0', '9223372036854775807', '-9223372036854775808'])('client_action_id %s (any int64)', async (id) => {
      await accepted(pushText({ device_id: `"ints-${id}"`, events: `[${eventText({ client_action_id: id })}]` }));
      expect(lastStored().client_action_id).toBe(id === '-0' ? '0' : id);
    });

    it.each([
      ["SQL in entity_id", "'); DROP TABLE events;--"],
      ['a path in entity_id', '../../../../etc/passwd'],
      ['quotes and backslashes in entity_id', 'td-1" OR "1"="1 \\'],
    ])('%s is data', async (_case, entityId) => {
      await accepted(pushText({ device_id: '"sql"', events: `[${eventText({ client_action_id: String(++next), entity_id: JSON.stringify(entityId) })}]` }));
      expect(lastStored().entity_id).toBe(entityId);
    });

    it('a SQL-looking device_id is data', async () => {
      await accepted(pushText({ device_id: `"x' OR 1=1; --"`, events: `[${eventText({ client_action_id: String(++next) })}]` }));
      expect(lastStored().device_id).toBe("x' OR 1=1; --");
    });

    it('a payload nested as deep as a Go client can decode (10,000 levels with the envelope)', async () => {
      const payload = nested(9_997);
      await accepted(pushText({ device_id: '"deep"', events: `[${eventText({ client_action_id: String(++next), payload })}]` }));
      expect(lastStored().payload).toBe(payload);
    });

    it('a 9 MiB string inside a payload is data', async () => {
      const payload = `{"text":"${'y'.repeat(9 << 20)}"}`;
      await accepted(pushText({ device_id: '"big"', events: `[${eventText({ client_action_id: String(++next), payload })}]` }));
      expect(lastStored().payload === payload).toBe(true);
    });

    it('NUL, unpaired surrogates and repeated keys inside a payload are kept as sent (payloads are opaque)', async () => {
      const payload = '{"a":"\\u0000","b":"\\ud800","a":2,"__proto__":{"polluted":true}}';
      await accepted(pushText({ device_id: '"opaque"', events: `[${eventText({ client_action_id: String(++next), payload })}]` }));
      expect(lastStored().payload).toBe(payload);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('a JSON body under another Content-Type (td releases and curl are not consistent about the header)', async () => {
      await accepted(pushText({ device_id: '"typed"', events: `[${eventText({ client_action_id: String(++next) })}]` }), { 'content-type': 'text/plain' });
    });

    it('a limit above 10000 is served as 10000, however large', async () => {
      for (const limit of ['10001', '100000000000000000000000000000']) {
        const result = await send('GET', `/v1/projects/${projectId}/sync/pull?limit=${limit}`);
        expect(result.status).toBe(200);
        tried++;
      }
    });

    it('__proto__ and constructor in a project body pollute nothing', async () => {
      const result = await send('POST', '/v1/projects', '{"name":"proto","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}');
      expect(result.status).toBe(201);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      tried++;
    });
  });
});

// ---- the model of a push (PROTOCOL.md, Push) and a generator of bodies, valid and not ----------------------------

interface Part {
  /** JSON text, or undefined when the member is left out. */
  text: string | undefined;
  /** Whether PROTOCOL.md accepts this value (for the whole request). */
  valid: boolean;
  /** What the server makes of a valid value: the stored string or id. */
  value?: string;
}

interface GeneratedEvent {
  text: string;
  valid: boolean;
  clientActionId?: string;
  actionType?: string;
  entityType?: string;
  /** '' for a missing, null or empty entity_id: that event alone is rejected. */
  entityId?: string;
  payload?: string;
  timestamp?: string;
}

interface GeneratedPush {
  text: string;
  valid: boolean;
  deviceId?: string;
  sessionId?: string;
  events: GeneratedEvent[];
}

const part = (text: string | undefined, valid: boolean, value?: string): Part => ({ text, valid, value });
const valid = (text: string, value: string) => part(text, true, value);
const invalid = (text: string | undefined) => part(text, false);

const idArbitrary = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 12 }).map((n) => valid(String(n), String(n))) },
  { weight: 1, arbitrary: fc.constantFrom(valid('-3', '-3'), valid('9223372036854775807', '9223372036854775807'), valid('-0', '0')) },
  { weight: 1, arbitrary: fc.constantFrom(invalid('1.5'), invalid('2.0'), invalid('1e1'), invalid('"3"'), invalid('null'), invalid('9223372036854775808'), invalid(undefined)) },
);
const actionArbitrary = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('create', 'update', 'delete', 'soft_delete', 'restore').map((a) => valid(`"${a}"`, a)) },
  { weight: 1, arbitrary: fc.constantFrom(invalid('"upsert"'), invalid('"CREATE"'), invalid('1'), invalid(undefined)) },
);
const entityTypeArbitrary = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('issues', 'logs', 'notes', 'boards', 'board_issue_positions', 'issue_reviews').map((t) => valid(`"${t}"`, t)) },
  { weight: 1, arbitrary: fc.constantFrom(invalid('"issue"'), invalid('""'), invalid('null'), invalid(undefined)) },
);
const entityIdArbitrary = fc.oneof(
  { weight: 8, arbitrary: fc.stringMatching(/^[a-z0-9-]{1,12}$/).map((id) => valid(JSON.stringify(id), id)) },
  { weight: 2, arbitrary: fc.constantFrom(valid('""', ''), valid('null', ''), part(undefined, true, '')) },
  { weight: 1, arbitrary: fc.constantFrom(invalid('1'), invalid('{}'), invalid('"a\\u0000"'), invalid(`"${'e'.repeat(1025)}"`)) },
);
const payloadArbitrary = fc.oneof(
  { weight: 4, arbitrary: fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }).map((o) => JSON.stringify(o)).map((t) => valid(t, t)) },
  { weight: 2, arbitrary: fc.constantFrom('{}', '{ "n" : 1.0 }', '{"b":1,"a":12345678901234567890}', '{"s":"\\u00e9\\"\\\\"}').map((t) => valid(t, t)) },
  { weight: 1, arbitrary: fc.constantFrom(invalid('[]'), invalid('null'), invalid('"{}"'), invalid('1'), invalid(undefined)) },
);
const timestampArbitrary = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.constantFrom(
      valid('"2026-01-31T08:15:02Z"', '2026-01-31T08:15:02Z'),
      valid('"2026-01-31T08:15:02.123456789Z"', '2026-01-31T08:15:02.123456789Z'),
      valid('"2026-01-31T10:15:02.5+02:00"', '2026-01-31T08:15:02.5Z'),
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom(invalid('"2026-01-31"'), invalid('"2026-02-30T00:00:00Z"'), invalid('"2026-01-31T08:15:02"'), invalid('0'), invalid(undefined)) },
);

const eventArbitrary: fc.Arbitrary<GeneratedEvent> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc
      .record({ id: idArbitrary, action: actionArbitrary, type: entityTypeArbitrary, entity: entityIdArbitrary, payload: payloadArbitrary, time: timestampArbitrary, extra: fc.boolean() })
      .map(({ id, action, type, entity, payload, time, extra }) => {
        const members: Array<[string, Part]> = [
          ['client_action_id', id],
          ['action_type', action],
          ['entity_type', type],
          ['entity_id', entity],
          ['payload', payload],
          ['client_timestamp', time],
        ];
        if (extra) members.push(['unknown_member', valid('{"x":[1]}', '')]);
        return {
          text: `{${members.filter(([, p]) => p.text !== undefined).map(([k, p]) => `"${k}":${p.text}`).join(',')}}`,
          valid: members.every(([, p]) => p.valid),
          clientActionId: id.value,
          actionType: action.value,
          entityType: type.value,
          entityId: entity.value,
          payload: payload.value,
          timestamp: time.value,
        };
      }),
  },
  { weight: 1, arbitrary: fc.constantFrom('1', '"event"', 'null', '[]').map((text) => ({ text, valid: false })) },
);

const deviceArbitrary = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('dev-a', 'dev-b').map((d) => valid(`"${d}"`, d)) },
  { weight: 1, arbitrary: fc.constantFrom(invalid('""'), invalid('7'), invalid('null'), invalid(undefined), invalid('"\\ud800"'), invalid(`"${'d'.repeat(1025)}"`)) },
);
const sessionArbitrary = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('s1', 's2').map((s) => valid(`"${s}"`, s)) },
  { weight: 1, arbitrary: fc.constantFrom(invalid('""'), invalid('[]'), invalid(undefined), invalid('"s\\u0000"')) },
);

const pushArbitrary: fc.Arbitrary<GeneratedPush> = fc
  .record({
    device: deviceArbitrary,
    session: sessionArbitrary,
    events: fc.oneof({ weight: 12, arbitrary: fc.array(eventArbitrary, { maxLength: 6 }) }, { weight: 1, arbitrary: fc.constant(undefined) }),
    extra: fc.boolean(),
  })
  .map(({ device, session, events, extra }) => {
    const members: string[] = [];
    if (device.text !== undefined) members.push(`"device_id":${device.text}`);
    if (session.text !== undefined) members.push(`"session_id":${session.text}`);
    if (events !== undefined) members.push(`"events":[${events.map((e) => e.text).join(',')}]`);
    if (extra) members.push('"client_version":"0.0.0-test"');
    return {
      text: `{${members.join(',')}}`,
      valid: device.valid && session.valid && events !== undefined && events.length > 0 && events.every((e) => e.valid),
      deviceId: device.value,
      sessionId: session.value,
      events: events ?? [],
    };
  });

interface ModelEvent {
  seq: number;
  deviceId: string;
  sessionId: string;
  clientActionId: string;
  actionType: string;
  entityType: string;
  entityId: string;
  payload: string;
  timestamp: string;
}

type ModelAnswer = {
  accepted: number;
  acks: Array<{ client_action_id: string; server_seq: number }>;
  rejected?: Array<{ client_action_id: string; reason: string; server_seq?: number }>;
};

/** PROTOCOL.md's push, for one project: whole-request 400s, then per event: empty entity_id, duplicate, or a new seq. */
class PushModel {
  readonly stored: ModelEvent[] = [];
  private readonly seqByKey = new Map<string, number>();

  apply(push: GeneratedPush): ModelAnswer | 'refused' {
    if (!push.valid) return 'refused';
    const answer: ModelAnswer = { accepted: 0, acks: [] };
    const rejected: NonNullable<ModelAnswer['rejected']> = [];
    for (const event of push.events) {
      const id = event.clientActionId!;
      if (event.entityId === '') {
        rejected.push({ client_action_id: id, reason: 'empty entity_id' });
        continue;
      }
      const key = `${push.deviceId}|${push.sessionId}|${id}`;
      const existing = this.seqByKey.get(key);
      if (existing !== undefined) {
        rejected.push({ client_action_id: id, reason: 'duplicate', server_seq: existing });
        continue;
      }
      const seq = this.stored.length + 1;
      this.seqByKey.set(key, seq);
      this.stored.push({
        seq,
        deviceId: push.deviceId!,
        sessionId: push.sessionId!,
        clientActionId: id,
        actionType: event.actionType!,
        entityType: event.entityType!,
        entityId: event.entityId!,
        payload: event.payload!,
        timestamp: event.timestamp!,
      });
      answer.acks.push({ client_action_id: id, server_seq: seq });
      answer.accepted++;
    }
    if (rejected.length > 0) answer.rejected = rejected;
    return answer;
  }
}

/** The push answer with client_action_ids kept as their exact decimal text (they may exceed 2^53). */
function answerWithExactIds(text: string): ModelAnswer {
  return JSON.parse(text.replace(/"client_action_id":(-?\d+)/g, '"client_action_id":"$1"')) as ModelAnswer;
}
