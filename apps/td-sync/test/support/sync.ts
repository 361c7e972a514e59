/** Shared by the push, pull, status and adversarial specs: projects, members and event bodies over HTTP. */
import { http, HttpResult } from './http';
import { Caller, createCaller, startTestServer, TestServer, TestServerOptions } from './test-server';

/** Rate limits off: these specs push and pull far more than 60 times a minute on purpose. */
export function startSyncTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  return startTestServer({ SYNC_RATE_LIMIT_PUSH: '0', SYNC_RATE_LIMIT_PULL: '0', SYNC_RATE_LIMIT_OTHER: '0' }, options);
}

export async function createProject(server: TestServer, owner: Caller, name = 'sync spec'): Promise<string> {
  const result = await http<{ id: string }>(server.url, 'POST', '/v1/projects', { apiKey: owner.apiKey, body: { name, description: '' } });
  expect(result.status).toBe(201);
  return result.body.id;
}

/** A new user with an API key, added to the project with the role. */
export async function addMember(server: TestServer, owner: Caller, projectId: string, email: string, role: 'reader' | 'writer' | 'owner'): Promise<Caller> {
  const member = await createCaller(server, email);
  const result = await http(server.url, 'POST', `/v1/projects/${projectId}/members`, { apiKey: owner.apiKey, body: { email, role } });
  expect(result.status).toBe(201);
  return member;
}

export interface EventInput {
  client_action_id: number;
  action_type: string;
  entity_type: string;
  entity_id: string;
  payload: Record<string, unknown>;
  client_timestamp: string;
}

export function makeEvent(clientActionId: number, overrides: Partial<EventInput> = {}): EventInput {
  return {
    client_action_id: clientActionId,
    action_type: 'create',
    entity_type: 'issues',
    entity_id: `td-${clientActionId}`,
    payload: { schema_version: 1, new_data: { id: `td-${clientActionId}`, title: `issue ${clientActionId}` }, previous_data: {} },
    client_timestamp: '2026-01-31T08:15:02.123Z',
    ...overrides,
  };
}

/** `count` events with ids first, first+1, ... */
export function makeEvents(first: number, count: number, overrides: Partial<EventInput> = {}): EventInput[] {
  return Array.from({ length: count }, (_, i) => makeEvent(first + i, overrides));
}

export interface PushAnswer {
  accepted: number;
  acks: { client_action_id: number; server_seq: number }[];
  rejected?: { client_action_id: number; reason: string; server_seq?: number }[];
}

export interface PulledEvent {
  server_seq: number;
  device_id: string;
  session_id: string;
  client_action_id: number;
  action_type: string;
  entity_type: string;
  entity_id: string;
  payload: unknown;
  client_timestamp: string;
}

export interface PullAnswer {
  events: PulledEvent[];
  last_server_seq: number;
  has_more: boolean;
}

export function push(
  server: TestServer,
  caller: Caller,
  projectId: string,
  body: unknown,
): Promise<HttpResult<PushAnswer>> {
  return http<PushAnswer>(server.url, 'POST', `/v1/projects/${projectId}/sync/push`, { apiKey: caller.apiKey, body });
}

export function pull(server: TestServer, caller: Caller, projectId: string, query = ''): Promise<HttpResult<PullAnswer>> {
  return http<PullAnswer>(server.url, 'GET', `/v1/projects/${projectId}/sync/pull${query ? `?${query}` : ''}`, { apiKey: caller.apiKey });
}

/** Pulls page by page, as td does, until has_more is false. */
export async function pullAll(server: TestServer, caller: Caller, projectId: string, extra = ''): Promise<PulledEvent[]> {
  const events: PulledEvent[] = [];
  let after = 0;
  for (;;) {
    const page = await pull(server, caller, projectId, `after_server_seq=${after}${extra ? `&${extra}` : ''}`);
    expect(page.status).toBe(200);
    events.push(...page.body.events);
    after = page.body.last_server_seq;
    if (!page.body.has_more) return events;
  }
}
