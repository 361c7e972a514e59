import { http, HttpResult } from './http';
import { Caller, createCaller, TestServer } from './test-server';

/** PROTOCOL.md, Projects. */
export interface ProjectBody {
  id: string;
  name: string;
  description: string;
  created_at: string;
  updated_at: string;
  deleted_at?: string;
}

/** PROTOCOL.md, Members (with the member's email, Additions of round 2). */
export interface MemberBody {
  project_id: string;
  user_id: string;
  email: string;
  role: 'owner' | 'writer' | 'reader';
  invited_by: string;
  created_at: string;
}

export const PROJECT_ID = /^p_[0-9a-f]{16}$/;
export const USER_ID = /^u_[0-9a-f]{16}$/;
/** RFC 3339 in UTC, with or without fractional seconds. */
export const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

let sequence = 0;

/**
 * A new user with a fresh API key. Every test makes its own, so no test
 * depends on another's data or shares a rate-limit budget with it.
 */
export function newCaller(server: TestServer, label = 'user'): Promise<Caller> {
  sequence += 1;
  return createCaller(server, `${label}-${sequence}@example.com`);
}

export async function createProject(server: TestServer, caller: Caller, body: object = { name: 'Team project' }): Promise<ProjectBody> {
  const result = await http<ProjectBody>(server.url, 'POST', '/v1/projects', { apiKey: caller.apiKey, body });
  expect(result.status).toBe(201);
  return result.body;
}

export async function addMember(server: TestServer, owner: Caller, projectId: string, member: Caller, role: MemberBody['role']): Promise<MemberBody> {
  const result = await http<MemberBody>(server.url, 'POST', `/v1/projects/${projectId}/members`, {
    apiKey: owner.apiKey,
    body: { email: member.email, role },
  });
  expect(result.status).toBe(201);
  return result.body;
}

export async function listMembers(server: TestServer, caller: Caller, projectId: string): Promise<MemberBody[]> {
  const result = await http<MemberBody[]>(server.url, 'GET', `/v1/projects/${projectId}/members`, { apiKey: caller.apiKey });
  expect(result.status).toBe(200);
  return result.body;
}

export async function listProjects(server: TestServer, caller: Caller): Promise<ProjectBody[]> {
  const result = await http<ProjectBody[]>(server.url, 'GET', '/v1/projects', { apiKey: caller.apiKey });
  expect(result.status).toBe(200);
  return result.body;
}

/** A project with one member of each role, and a user who belongs to it in no way. */
export interface Team {
  project: ProjectBody;
  owner: Caller;
  writer: Caller;
  reader: Caller;
  outsider: Caller;
}

export async function createTeam(server: TestServer): Promise<Team> {
  const [owner, writer, reader, outsider] = await Promise.all(
    ['owner', 'writer', 'reader', 'outsider'].map((label) => newCaller(server, label)),
  );
  const project = await createProject(server, owner, { name: 'Team project', description: 'shared' });
  await addMember(server, owner, project.id, writer, 'writer');
  await addMember(server, owner, project.id, reader, 'reader');
  return { project, owner, writer, reader, outsider };
}

/** The PROTOCOL.md error message, for assertions on its wording. */
export function messageOf(result: HttpResult): string {
  return (result.body as { message: string }).message;
}
