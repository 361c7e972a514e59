import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { goApiKey, GoEventRow, writeGoDataDir } from './support/go-data-dir';
import { expectError, http } from './support/http';
import { describeEachBackend, startTestServer, TestServer } from './support/test-server';
import { CommandResult, jsonOf, runTdSync } from './support/td-sync-command';

const ANN = 'u_00000000000000a1';
const BOB = 'u_00000000000000b2';
const CAROL = 'u_00000000000000c3';
const WEBSITE = 'p_1111111111111111';
const ARCHIVE = 'p_2222222222222222';
const EMPTY = 'p_3333333333333333';

const keys = { annSync: goApiKey(), annAdmin: goApiKey(), bobForever: goApiKey(), bobExpired: goApiKey(), carolViewAs: goApiKey() };

/**
 * The events of the Website project as the Go server stored them: seqs with
 * the gaps its INSERT OR IGNORE leaves, payloads as BLOBs with spellings a
 * parse-and-print would change, an int64 client action id beyond 2^53, and
 * client times in the layouts its SQLite driver wrote over the releases.
 */
const websiteEvents: GoEventRow[] = [
  event(1, 'laptop', '1', '{"id":"td-a1","title":"Launch","points":1.0}', '2026-01-31 10:15:02.123456789+02:00', '2026-01-31 08:15:03'),
  event(2, 'laptop', '2', '{"title":"caf\\u00e9 \\"quoted\\"","id":"td-a1","n":12345678901234567890}', '2026-01-31 08:16:00+00:00', '2026-01-31 08:16:01'),
  event(3, 'desktop', '9007199254740993', '{ "id" : "td-b2",\n  "nested": {"z": [1, 2], "a": null} }', '2026-01-31 08:17:00.5 +0000 UTC', '2026-01-31 08:17:01'),
  event(5, 'desktop', '9007199254740994', '{"id":"td-b2","labels":"<ops> & \\u003cmore\\u003e","emoji":"\u{1f680}"}', '2026-01-31T03:18:00-05:00', '2026-01-31 08:18:01'),
  event(8, 'laptop', '3', '{"id":"td-a1","status":"closed"}', '2026-01-31 08:19:00', '2026-01-31 08:19:07'),
];

function event(seq: number, device: string, actionId: string, payload: string, clientTime: string, serverTime: string): GoEventRow {
  return {
    server_seq: seq,
    device_id: device,
    session_id: `ses-${device}`,
    client_action_id: actionId,
    action_type: seq === 8 ? 'update' : 'create',
    entity_type: 'issues',
    entity_id: JSON.parse(payload).id,
    payload,
    client_timestamp: clientTime,
    server_timestamp: serverTime,
  };
}

interface ImportReport {
  users: Record<string, number>;
  keys: Record<string, number>;
  projects: Array<{ id: string; status: string; reason?: string; events: number; last_server_seq: number; members: number; deleted: boolean }>;
  warnings: string[];
}

/**
 * `td-sync import-go` (issue 15): a Go td-sync deployment's data, built here
 * with the Go server's schema, taken over by td-sync while it runs, after
 * which td clients keep their keys and cursors: the same events under the
 * same seqs with the same payload bytes.
 */
describeEachBackend('td-sync import-go', (backend) => {
  let goDir: string;
  let server: TestServer;
  let imported: CommandResult;
  const get = <T = unknown>(path: string, apiKey: string) => http<T>(server.url, 'GET', path, { apiKey });
  /** The command line on the running server's storage. */
  const td = (...args: string[]) => runTdSync(server.dataDir, args, server.database ? { SYNC_DATABASE_URL: server.database.url } : {});

  beforeAll(async () => {
    goDir = mkdtempSync(join(tmpdir(), 'td-sync-go-data-'));
    const inAYear = '2027-01-31 10:00:00.5+02:00';
    writeGoDataDir(goDir, {
      users: [
        { id: ANN, email: 'Ann@Example.com', is_admin: true, created_at: '2025-06-01 10:00:00.123456789+00:00' },
        { id: BOB, email: 'bob@example.com', created_at: '2025-06-02 11:00:00' },
        { id: CAROL, email: 'carol@example.com', created_at: '2025-06-03 14:00:00.5 +0200 +0200' },
      ],
      keys: [
        { id: 'ak_00000000000000a1', user_id: ANN, key: keys.annSync, name: 'ann-laptop', expires_at: inAYear, last_used_at: '2026-01-30 09:00:00+00:00', created_at: '2025-06-01 10:00:01+00:00' },
        { id: 'ak_00000000000000a2', user_id: ANN, key: keys.annAdmin, name: 'td-watch', scopes: 'admin:read:server,admin:read:projects,admin:write:users', expires_at: inAYear, created_at: '2025-06-01 10:00:02+00:00' },
        { id: 'ak_00000000000000b1', user_id: BOB, key: keys.bobForever, expires_at: null, created_at: '2025-06-02 11:00:01' },
        { id: 'ak_00000000000000b2', user_id: BOB, key: keys.bobExpired, expires_at: '2025-07-01 00:00:00+00:00', created_at: '2025-06-02 11:00:02' },
        { id: 'ak_00000000000000c1', user_id: CAROL, key: keys.carolViewAs, name: 'view-as', scopes: 'impersonation:read', expires_at: inAYear, created_at: '2025-06-03 12:00:00+00:00' },
      ],
      projects: [
        {
          id: WEBSITE,
          name: 'Website',
          description: 'the public site',
          created_at: '2025-06-05 09:00:00.25+00:00',
          members: [
            { user_id: ANN, role: 'owner', created_at: '2025-06-05 09:00:00.25+00:00' },
            { user_id: BOB, role: 'writer', invited_by: ANN, created_at: '2025-06-06 09:00:00+00:00' },
            { user_id: CAROL, role: 'reader', invited_by: ANN, created_at: '2025-06-07 09:00:00+00:00' },
          ],
        },
        { id: ARCHIVE, name: 'Archive', created_at: '2025-06-08 09:00:00', deleted_at: '2025-12-01 09:00:00+00:00', members: [{ user_id: BOB, role: 'owner', created_at: '2025-06-08 09:00:00' }] },
        { id: EMPTY, name: 'Never synced', created_at: '2025-06-09 09:00:00', members: [{ user_id: CAROL, role: 'owner', created_at: '2025-06-09 09:00:00' }] },
      ],
      events: {
        [WEBSITE]: websiteEvents,
        [ARCHIVE]: [event(1, 'old', '1', '{"id":"td-z9"}', '2025-06-08 09:30:00+00:00', '2025-06-08 09:30:01'), event(2, 'old', '2', '{"id":"td-z9","x":1}', '2025-06-08 09:31:00+00:00', '2025-06-08 09:31:01')],
      },
    });
    // td-sync is already running on the empty target when the operator imports.
    server = await startTestServer({ SYNC_RATE_LIMIT_PULL: '0', SYNC_RATE_LIMIT_PUSH: '0', SYNC_RATE_LIMIT_OTHER: '0' }, { backend });
    imported = await td('import-go', '--from', goDir, '--json');
  });
  afterAll(async () => {
    await server?.close();
    rmSync(goDir, { recursive: true, force: true });
  });

  it('reports users, keys and every project with its events and last seq', () => {
    const report = jsonOf<ImportReport>(imported);
    expect(report.users).toEqual({ imported: 3, existing: 0, skipped: 0 });
    expect(report.keys).toEqual({ imported: 4, existing: 0, skipped_impersonation: 1, skipped_orphaned: 0, given_expiry: 1 });
    expect(report.projects).toEqual([
      { id: WEBSITE, name: 'Website', status: 'imported', deleted: false, members: 3, events: 5, last_server_seq: 8 },
      { id: ARCHIVE, name: 'Archive', status: 'imported', deleted: true, members: 1, events: 2, last_server_seq: 2 },
      { id: EMPTY, name: 'Never synced', status: 'imported', deleted: false, members: 1, events: 0, last_server_seq: 0 },
    ]);
    expect(report.warnings).toEqual([`project ${EMPTY} has no events.db on the Go server: imported with no events`]);
  });

  it("keeps every client's key working: same hashing, same owner; expired stays expired, view-as keys stay behind", async () => {
    const annProjects = await get<Array<{ id: string; name: string; description: string }>>('/v1/projects', keys.annSync.key);
    expect(annProjects.status).toBe(200);
    expect(annProjects.body.map((p) => [p.id, p.name, p.description])).toEqual([[WEBSITE, 'Website', 'the public site']]);
    expect((await get<Array<{ id: string }>>('/v1/projects', keys.bobForever.key)).body.map((p) => p.id)).toEqual([WEBSITE]);
    expectError(await get('/v1/projects', keys.bobExpired.key), 401, 'unauthorized');
    expectError(await get('/v1/projects', keys.carolViewAs.key), 401, 'unauthorized');
  });

  it("gives the Go admins' admin keys the admin scope, and no one else's", async () => {
    const users = await get<{ data: Array<{ id: string; email: string; created_at: string; is_admin: boolean }> }>('/v1/admin/users', keys.annAdmin.key);
    expect(users.status).toBe(200);
    expect(users.body.data.map((u) => [u.id, u.email, u.created_at, u.is_admin])).toEqual([
      [ANN, 'ann@example.com', '2025-06-01T10:00:00.123Z', true],
      [BOB, 'bob@example.com', '2025-06-02T11:00:00.000Z', false],
      [CAROL, 'carol@example.com', '2025-06-03T12:00:00.500Z', false],
    ]);
    expectError(await get('/v1/admin/users', keys.annSync.key), 403, 'forbidden');
    const annKeys = await get<{ data: Array<{ id: string; name: string; scopes: string; expires_at: string; last_used_at: string | null }> }>(`/v1/admin/users/${ANN}/keys`, keys.annAdmin.key);
    expect(annKeys.body.data.map((k) => [k.id, k.name, k.scopes, k.expires_at, k.last_used_at !== null])).toEqual([
      ['ak_00000000000000a1', 'ann-laptop', 'sync', '2027-01-31T08:00:00.500Z', true],
      ['ak_00000000000000a2', 'td-watch', 'sync,admin', '2027-01-31T08:00:00.500Z', expect.any(Boolean)],
    ]);
  });

  it('serves the same events under the same seqs with the same payload bytes, from seq 0 and from a cursor', async () => {
    const pulled = await get<{ events: Array<Record<string, unknown>>; last_server_seq: number; has_more: boolean }>(`/v1/projects/${WEBSITE}/sync/pull?after_server_seq=0`, keys.bobForever.key);
    expect(pulled.status).toBe(200);
    expect(pulled.body.events.map((e) => e.server_seq)).toEqual([1, 2, 3, 5, 8]);
    expect(pulled.body).toMatchObject({ last_server_seq: 8, has_more: false });
    for (const goEvent of websiteEvents) {
      // Byte for byte in the answer: key order, 1.0, escapes, whitespace, the int64 id.
      expect(pulled.text).toContain(`"client_action_id":${goEvent.client_action_id},`);
      expect(pulled.text).toContain(`"payload":${goEvent.payload},"client_timestamp"`);
      expect(pulled.body.events.find((e) => e.server_seq === goEvent.server_seq)).toMatchObject({
        device_id: goEvent.device_id,
        session_id: goEvent.session_id,
        action_type: goEvent.action_type,
        entity_type: 'issues',
        entity_id: goEvent.entity_id,
      });
    }
    expect(pulled.body.events.map((e) => e.client_timestamp)).toEqual([
      '2026-01-31T08:15:02.123456789Z',
      '2026-01-31T08:16:00Z',
      '2026-01-31T08:17:00.5Z',
      '2026-01-31T08:18:00Z',
      '2026-01-31T08:19:00Z',
    ]);

    // A client whose cursor stood at seq 3 on the Go server gets what it had not seen yet.
    const resumed = await get<{ events: Array<{ server_seq: number }>; last_server_seq: number }>(`/v1/projects/${WEBSITE}/sync/pull?after_server_seq=3&exclude_client=laptop`, keys.annSync.key);
    expect(resumed.body.events.map((e) => e.server_seq)).toEqual([5]);
    expect(resumed.body.last_server_seq).toBe(5);

    expect((await get(`/v1/projects/${WEBSITE}/sync/status`, keys.annSync.key)).body).toEqual({ event_count: 5, last_server_seq: 8, last_event_time: '2026-01-31T08:19:07.000Z' });
  });

  it('continues the seqs after the highest one, and knows the imported events as duplicates', async () => {
    // Written out: 9007199254740993 is beyond what a JavaScript number holds exactly.
    const body = `{"device_id":"desktop","session_id":"ses-desktop","events":[
      {"client_action_id":9007199254740993,"action_type":"create","entity_type":"issues","entity_id":"td-b2","payload":{"id":"td-b2"},"client_timestamp":"2026-01-31T08:17:00Z"},
      {"client_action_id":4,"action_type":"create","entity_type":"issues","entity_id":"td-c3","payload":{"id":"td-c3"},"client_timestamp":"2026-02-01T08:00:00Z"}]}`;
    const answer = await http<{ acks: Array<{ server_seq: number }> }>(server.url, 'POST', `/v1/projects/${WEBSITE}/sync/push`, { apiKey: keys.bobForever.key, body });
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('"rejected":[{"client_action_id":9007199254740993,"reason":"duplicate","server_seq":3}]');
    expect(answer.body.acks.map((a) => a.server_seq)).toEqual([9]);
  });

  it('keeps members and roles, deleted projects deleted, and a project without events.db empty but usable', async () => {
    const members = await get<Array<{ user_id: string; role: string; invited_by: string }>>(`/v1/projects/${WEBSITE}/members`, keys.annSync.key);
    expect(members.body.map((m) => [m.user_id, m.role, m.invited_by])).toEqual([
      [ANN, 'owner', ''],
      [BOB, 'writer', ANN],
      [CAROL, 'reader', ANN],
    ]);
    expectError(await get(`/v1/projects/${ARCHIVE}`, keys.bobForever.key), 404, 'not_found');
    expect((await get<Record<string, unknown>>(`/v1/admin/projects/${ARCHIVE}`, keys.annAdmin.key)).body).toMatchObject({
      deleted_at: '2025-12-01T09:00:00.000Z',
      event_count: 2,
      last_server_seq: 2,
    });
    expect((await get<Record<string, unknown>>(`/v1/admin/projects/${EMPTY}/sync/status`, keys.annAdmin.key)).body).toEqual({ event_count: 0, last_server_seq: 0 });
  });

  it('refuses a target that is no longer empty, unless --force, and then skips what is already here', async () => {
    const refused = await td('import-go', '--from', goDir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^td-sync: this server already has users or projects: import into an empty one, or pass --force/);

    const again = jsonOf<ImportReport>(await td('import-go', '--from', goDir, '--force', '--json'));
    expect(again.users).toEqual({ imported: 0, existing: 3, skipped: 0 });
    expect(again.keys).toMatchObject({ imported: 0, existing: 4 });
    expect(again.projects.map((p) => [p.id, p.status, p.reason])).toEqual([
      [WEBSITE, 'skipped', 'a project with this id already exists here'],
      [ARCHIVE, 'skipped', 'a project with this id already exists here'],
      [EMPTY, 'skipped', 'a project with this id already exists here'],
    ]);
    // The push of the test above survived: nothing was overwritten.
    expect((await get(`/v1/projects/${WEBSITE}/sync/status`, keys.annSync.key)).body).toMatchObject({ event_count: 6, last_server_seq: 9 });
  });

  it('leaves out a project it cannot copy whole, says why, and exits 1; the rest is imported', async () => {
    const brokenDir = mkdtempSync(join(tmpdir(), 'td-sync-go-broken-'));
    try {
      const broken = 'p_4444444444444444';
      const fine = 'p_5555555555555555';
      writeGoDataDir(brokenDir, {
        users: [{ id: 'u_00000000000000d4', email: 'dora@example.com', created_at: '2025-06-01 10:00:00' }],
        keys: [],
        projects: [broken, fine].map((id) => ({ id, name: id, created_at: '2025-06-01 10:00:00', members: [{ user_id: 'u_00000000000000d4', role: 'owner', created_at: '2025-06-01 10:00:00' }] })),
        events: {
          [broken]: [event(1, 'd', '1', '{"id":"td-1"}', '2026-01-31 08:00:00+00:00', '2026-01-31 08:00:00'), { ...event(2, 'd', '2', '{"id":"td-2"}', '2026-01-31 08:00:00+00:00', '2026-01-31 08:00:00'), payload: '{"id":"td-2",' }],
          [fine]: [event(1, 'd', '1', '{"id":"td-1"}', '2026-01-31 08:00:00+00:00', '2026-01-31 08:00:00')],
        },
      });
      const result = await td('import-go', '--from', brokenDir, '--force');
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`${broken}: failed: event 2: payload is not JSON`);
      expect(result.stdout).toMatch(new RegExp(`${broken} +${broken} +failed: event 2: payload is not JSON +0 +0 +0`));
      expect(result.stdout).toMatch(new RegExp(`${fine} +${fine} +imported +1 +1 +1`));
      if (backend === 'sqlite') expect(existsSync(join(server.dataDir, 'projects', broken))).toBe(false);
      const admin = keys.annAdmin.key;
      expectError(await get(`/v1/admin/projects/${broken}`, admin), 404, 'not_found');
      expect((await get<Record<string, unknown>>(`/v1/admin/projects/${fine}/sync/status`, admin)).body).toMatchObject({ event_count: 1 });
    } finally {
      rmSync(brokenDir, { recursive: true, force: true });
    }
  });

  it('names a directory that is not a Go data directory in one line', async () => {
    const result = await td('import-go', '--from', join(goDir, 'projects'));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^td-sync: \S+server\.db not found: --from must name the Go server's data directory/);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});
