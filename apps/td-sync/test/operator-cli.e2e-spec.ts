import { createTestDatabase, TestDatabase } from '@td-sync/testing';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIo } from '../src/cli/command';
import { CommandGroup } from '../src/cli/command-group';
import { COMMANDS, runCli, USAGE } from '../src/cli/run-cli';
import { http } from './support/http';
import { spawnServer, SpawnedServer } from './support/spawned-server';
import { jsonOf, runTdSync } from './support/td-sync-command';
import { describeEachBackend } from './support/test-server';

interface UserJson {
  id: string;
  email: string;
  is_admin: boolean;
  disabled_at: string | null;
  active_key_count: number;
  project_count: number;
}

interface KeyJson {
  id: string;
  api_key?: string;
  email: string;
  key_prefix: string;
  scopes: string;
  status: string;
  revoked_at: string | null;
}

const push = (server: SpawnedServer, apiKey: string, projectId: string, ids: number[]) =>
  http(server.url, 'POST', `/v1/projects/${projectId}/sync/push`, {
    apiKey,
    body: {
      device_id: 'laptop',
      session_id: 'ses',
      events: ids.map((id) => ({
        client_action_id: id,
        action_type: 'create',
        entity_type: 'issues',
        entity_id: `td-${id}`,
        payload: { id: `td-${id}`, title: 'x' },
        client_timestamp: '2026-01-31T08:15:02Z',
      })),
    },
  });

/** `td-sync` as an operator types it: help, and what it says to arguments and settings it cannot use. */
describe('td-sync command line: help and usage', () => {
  let dir: string;
  const td = (...args: string[]) => runTdSync(dir, args);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'td-sync-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Every command line there is, from the dispatcher's own table, run in this process: help opens no database. */
  const helpLines = COMMANDS.flatMap((command) => [
    command.name,
    ...(command instanceof CommandGroup ? command.commands.map((sub) => `${command.name} ${sub.name}`) : []),
  ]);

  it.each(helpLines)('td-sync %s --help prints its usage and exits 0', async (line) => {
    const words = line.split(' ');
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = { out: (text) => out.push(text), err: (text) => err.push(text) };
    expect(await runCli([...words, '--help'], io)).toBe(0);
    expect(err).toEqual([]);
    expect(out.join('')).toMatch(new RegExp(`^Usage: td-sync ${words.join(' ')}( |\\n)`));
  });

  it('td-sync --help lists every command (in a process of its own)', async () => {
    const result = await td('--help');
    expect(result).toEqual({ code: 0, stdout: USAGE, stderr: '' });
    for (const command of COMMANDS) expect(result.stdout).toContain(`  ${command.name} `);
  });

  it.each([
    [['frobnicate'], /unknown command "frobnicate"/],
    [['users'], /missing command: one of list, create, disable, enable/],
    [['users', 'purge'], /unknown command "users purge"/],
    [['users', 'create'], /missing <email>/],
    [['users', 'create', 'a@example.com', 'b@example.com'], /unexpected argument "b@example.com"/],
    [['users', 'enable'], /missing <email-or-id>/],
    [['users', 'list', 'everyone'], /unexpected argument "everyone"/],
    [['keys', 'list', '--everyone'], /--everyone/],
    [['keys', 'list', '--user'], /--user/],
    [['projects', 'purge-deleted', '--older-than', 'a while'], /--older-than must be an age/],
    [['import-go'], /--from <Go data directory> is required/],
    [['members', 'add', 'p_0000000000000001', 'a@example.com', 'admin'], /role must be one of owner, writer, reader/],
    [['users', 'create', 'not-an-address'], /not an email address/],
  ])('td-sync %j is a usage error: one line on stderr, exit code 2', async (args, message) => {
    const result = await td(...args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('refuses bad settings as the server does: one line naming the variable, exit code 2', async () => {
    const result = await runTdSync(dir, ['users', 'list'], { SYNC_MAX_OPEN_PROJECTS: 'lots' });
    expect(result.code).toBe(2);
    expect(result.stderr.trimEnd().split('\n')).toEqual([expect.stringContaining('SYNC_MAX_OPEN_PROJECTS')]);
  });

  it('warns on stderr about a SYNC_* variable that is no setting, and still runs the command', async () => {
    const result = await runTdSync(dir, ['users', 'list', '--json'], { SYNC_SERVER_DB_PAT: join(dir, 'elsewhere.db') });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(
      "td-sync: warning: SYNC_SERVER_DB_PAT is not a td-sync setting and has no effect (did you mean SYNC_SERVER_DB_PATH?); the README's Configuration section lists the settings\n",
    );
    expect(JSON.parse(result.stdout)).toEqual([]);
  });

  it('serve runs the server, as no command does, and stops on SIGTERM', async () => {
    const served = await spawnServer({ args: ['serve'] });
    try {
      expect((await http(served.url, 'GET', '/healthz')).status).toBe(200);
      served.process.kill('SIGTERM');
      expect(await served.exited).toBe(0);
      expect(served.stdout.join('\n')).toMatch(/stopped cleanly/);
    } finally {
      served.process.kill('SIGKILL');
      rmSync(served.dataDir, { recursive: true, force: true });
    }
  });
});

/**
 * Each command is a process of its own that loads Nest and opens storage
 * (about a second, several on a loaded machine), and some tests run ten.
 */
jest.setTimeout(180_000);

/**
 * `td-sync <command>` as an operator runs it: the built command in a process
 * of its own, on the database of a server that is running at the same time
 * (SQLite in WAL mode, or the same PostgreSQL database), whose answers show
 * each change at once.
 */
describeEachBackend('td-sync command line', (backend) => {
  let server: SpawnedServer;
  let dir: string;
  let database: TestDatabase | undefined;
  let env: Record<string, string>;
  const td = (...args: string[]) => runTdSync(dir, args, env);

  /** A user made by the command line, with a key minted by it. */
  async function userWithKey(email: string, ...options: string[]): Promise<{ user: UserJson; key: KeyJson & { api_key: string } }> {
    const user = jsonOf<UserJson>(await td('users', 'create', email, '--json'));
    const key = jsonOf<KeyJson & { api_key: string }>(await td('keys', 'create', email, '--json', ...options));
    return { user, key };
  }

  beforeAll(async () => {
    database = backend === 'postgres' ? await createTestDatabase() : undefined;
    env = database ? { SYNC_DATABASE_URL: database.url } : {};
    server = await spawnServer({ env });
    dir = server.dataDir;
  });
  afterAll(async () => {
    server.process.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    rmSync(dir, { recursive: true, force: true });
    await database?.drop();
  });

  describe('users', () => {
    it('creates an account (an address is one account), lists it, and refuses a second one', async () => {
      const created = await td('users', 'create', '  Carol@Example.COM ');
      expect(created).toMatchObject({ code: 0, stderr: '' });
      expect(created.stdout).toMatch(/^created user carol@example\.com \(u_[0-9a-f]{16}\)\n$/);

      const again = await td('users', 'create', 'carol@example.com');
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/^td-sync: user carol@example\.com already exists \(u_[0-9a-f]{16}\)\n$/);

      const table = await td('users', 'list');
      expect(table.code).toBe(0);
      expect(table.stdout.split('\n')[0]).toMatch(/^ID +EMAIL +CREATED +STATUS +KEYS +PROJECTS +LAST ACTIVE$/);
      expect(table.stdout).toMatch(/u_[0-9a-f]{16} +carol@example\.com +\S+ +active +0 +0 +-/);

      const users = jsonOf<UserJson[]>(await td('users', 'list', '--json'));
      expect(users.find((u) => u.email === 'carol@example.com')).toMatchObject({ is_admin: false, disabled_at: null, active_key_count: 0, project_count: 0 });
    });

    it('disable refuses every key of the user on the running server at once; enable lets them back in', async () => {
      const { user, key } = await userWithKey('dave@example.com');
      const second = jsonOf<KeyJson & { api_key: string }>(await td('keys', 'create', 'dave@example.com', '--json'));
      for (const apiKey of [key.api_key, second.api_key]) expect((await http(server.url, 'GET', '/v1/projects', { apiKey })).status).toBe(200);

      const disabled = await td('users', 'disable', 'dave@example.com');
      expect(disabled.stdout).toMatch(/^disabled dave@example\.com/);
      for (const apiKey of [key.api_key, second.api_key]) {
        const refused = await http<{ code: string; message: string }>(server.url, 'GET', '/v1/projects', { apiKey });
        expect({ status: refused.status, code: refused.body.code }).toEqual({ status: 401, code: 'unauthorized' });
        expect(refused.body.message).toMatch(/disabled/);
      }
      expect(jsonOf<UserJson[]>(await td('users', 'list', '--json')).find((u) => u.id === user.id)?.disabled_at).not.toBeNull();
      expect((await td('users', 'disable', user.id)).stdout).toMatch(/already disabled/);
      const disabledJson = jsonOf<UserJson>(await td('users', 'disable', user.id, '--json'));
      expect(disabledJson).toMatchObject({ id: user.id, email: 'dave@example.com' });
      expect(disabledJson.disabled_at).not.toBeNull();

      expect((await td('users', 'enable', user.id)).stdout).toMatch(/^enabled dave@example\.com/);
      expect(jsonOf<UserJson>(await td('users', 'enable', 'dave@example.com', '--json'))).toMatchObject({ id: user.id, disabled_at: null });
      for (const apiKey of [key.api_key, second.api_key]) expect((await http(server.url, 'GET', '/v1/projects', { apiKey })).status).toBe(200);
    });

    it('names an unknown user in one line with exit code 1', async () => {
      const result = await td('users', 'disable', 'nobody@example.com');
      expect(result).toEqual({ code: 1, stdout: '', stderr: 'td-sync: no user nobody@example.com\n' });
    });
  });

  describe('keys', () => {
    it('create prints the key once, on stdout alone; the running server accepts it; list never shows it again', async () => {
      await td('users', 'create', 'erin@example.com');
      const created = await td('keys', 'create', 'erin@example.com', '--name', 'ci runner');
      expect(created.code).toBe(0);
      const apiKey = created.stdout.trim();
      expect(apiKey).toMatch(/^td_live_[0-9A-Za-z]{32}$/);
      expect(created.stderr).toMatch(/^created key k_[0-9a-f]{16} for erin@example\.com \(scopes sync, expires /);
      expect((await http(server.url, 'GET', '/v1/projects', { apiKey })).status).toBe(200);

      const listing = await td('keys', 'list', '--user', 'erin@example.com');
      expect(listing.stdout).not.toContain(apiKey.slice('td_live_'.length, 20));
      expect(listing.stdout).toMatch(new RegExp(`k_[0-9a-f]{16} +${apiKey.slice(8, 16)} +erin@example\\.com +ci runner +sync +active `));
      const keys = jsonOf<KeyJson[]>(await td('keys', 'list', '--user', 'erin@example.com', '--json'));
      expect(keys.map((k) => [k.key_prefix, k.scopes, k.status])).toEqual([[apiKey.slice(8, 16), 'sync', 'active']]);
    });

    it('revoke by display prefix refuses the key on the running server at once; revoking again changes nothing', async () => {
      const { key } = await userWithKey('frank@example.com');
      expect((await http(server.url, 'GET', '/v1/projects', { apiKey: key.api_key })).status).toBe(200);

      const revoked = await td('keys', 'revoke', key.key_prefix.slice(0, 6));
      expect(revoked.code).toBe(0);
      expect(revoked.stdout).toBe(`revoked key ${key.id} (${key.key_prefix}…) of frank@example.com\n`);
      expect((await http(server.url, 'GET', '/v1/projects', { apiKey: key.api_key })).status).toBe(401);

      expect((await td('keys', 'revoke', key.id)).stdout).toMatch(/already revoked/);
      const [listed] = jsonOf<KeyJson[]>(await td('keys', 'list', '--user', 'frank@example.com', '--json'));
      expect(listed).toMatchObject({ id: key.id, status: 'revoked', revoked_at: expect.any(String) });
    });

    it('names an unknown key in one line with exit code 1 (a prefix that names several: key-administration.spec.ts)', async () => {
      expect(await td('keys', 'revoke', 'k_ffffffffffffffff')).toEqual({ code: 1, stdout: '', stderr: 'td-sync: no key with id or prefix k_ffffffffffffffff\n' });
    });

    it('create --admin mints the one kind of key the admin API accepts', async () => {
      const plain = await userWithKey('hana@example.com');
      const admin = jsonOf<KeyJson & { api_key: string }>(await td('keys', 'create', 'hana@example.com', '--admin', '--json'));
      expect([plain.key.scopes, admin.scopes]).toEqual(['sync', 'sync,admin']);
      expect((await http(server.url, 'GET', '/v1/admin/users', { apiKey: plain.key.api_key })).status).toBe(403);
      expect((await http(server.url, 'GET', '/v1/admin/users', { apiKey: admin.api_key })).status).toBe(200);
      expect(jsonOf<UserJson[]>(await td('users', 'list', '--json')).find((u) => u.email === 'hana@example.com')).toMatchObject({ is_admin: true, active_key_count: 2 });
    });
  });

  describe('projects and members', () => {
    it('list and show: members with emails, events, last seq, size on disk', async () => {
      const owner = await userWithKey('ivan@example.com');
      const created = await http<{ id: string }>(server.url, 'POST', '/v1/projects', { apiKey: owner.key.api_key, body: { name: 'Roadmap', description: 'what next' } });
      const projectId = created.body.id;
      expect((await push(server, owner.key.api_key, projectId, [1, 2, 3])).status).toBe(200);

      const listing = await td('projects', 'list');
      expect(listing.stdout).toMatch(new RegExp(`${projectId} +Roadmap +1 +\\S+\\n`));

      const shown = await td('projects', 'show', projectId);
      expect(shown.code).toBe(0);
      expect(shown.stdout).toMatch(/^id: +p_[0-9a-f]{16}$/m);
      expect(shown.stdout).toMatch(/^events: +3 \(last seq 3, newest \S+\)$/m);
      expect(shown.stdout).toMatch(/^size on disk: +(\d+ B|\d+\.\d [KMG]iB \(\d+ bytes\))$/m);
      expect(shown.stdout).toMatch(new RegExp(`^${owner.user.id} +ivan@example\\.com +owner +\\S+$`, 'm'));

      const detail = jsonOf<Record<string, unknown>>(await td('projects', 'show', projectId, '--json'));
      expect(detail).toMatchObject({ id: projectId, name: 'Roadmap', description: 'what next', event_count: 3, last_server_seq: 3, member_count: 1 });
      expect(detail.size_bytes).toBeGreaterThan(0);
      expect(detail.members).toEqual([{ user_id: owner.user.id, email: 'ivan@example.com', role: 'owner', invited_by: '', created_at: expect.any(String) }]);

      expect(await td('projects', 'show', 'p_ffffffffffffffff')).toEqual({ code: 1, stdout: '', stderr: 'td-sync: no project p_ffffffffffffffff\n' });
      expect((await td('projects', 'show', '../../etc')).stderr).toBe('td-sync: no project ../../etc\n');
    });

    it('members add gives any project a member, creating the account; the running server lets them in at once', async () => {
      const owner = await userWithKey('judy@example.com');
      const projectId = (await http<{ id: string }>(server.url, 'POST', '/v1/projects', { apiKey: owner.key.api_key, body: { name: 'Handover' } })).body.id;

      const added = await td('members', 'add', projectId, 'Kim@Example.com', 'writer');
      expect(added.code).toBe(0);
      expect(added.stdout).toMatch(new RegExp(`^added kim@example\\.com \\(u_[0-9a-f]{16}\\) to ${projectId} as writer\\n$`));
      const kim = jsonOf<KeyJson & { api_key: string }>(await td('keys', 'create', 'kim@example.com', '--json'));
      expect((await push(server, kim.api_key, projectId, [1])).status).toBe(200);

      const members = await http<Array<{ user_id: string; role: string; invited_by: string }>>(server.url, 'GET', `/v1/projects/${projectId}/members`, { apiKey: owner.key.api_key });
      expect(members.body.map((m) => [m.role, m.invited_by])).toEqual([['owner', ''], ['writer', '']]);

      const again = await td('members', 'add', projectId, 'kim@example.com', 'reader');
      expect(again).toEqual({ code: 1, stdout: '', stderr: `td-sync: kim@example.com is already a member of ${projectId} (as writer)\n` });
    });

    it('purge-deleted removes deleted projects past the grace period, data directory and all, while the server runs', async () => {
      const owner = await userWithKey('lee@example.com');
      const make = async (name: string) => (await http<{ id: string }>(server.url, 'POST', '/v1/projects', { apiKey: owner.key.api_key, body: { name } })).body.id;
      const [gone, kept] = [await make('Old'), await make('Still here')];
      expect((await push(server, owner.key.api_key, gone, [1, 2])).status).toBe(200);
      expect((await http(server.url, 'DELETE', `/v1/projects/${gone}`, { apiKey: owner.key.api_key })).status).toBe(204);

      expect((await td('projects', 'list')).stdout).not.toContain(gone);
      expect((await td('projects', 'list', '--deleted')).stdout).toMatch(new RegExp(`${gone} +Old +1 +\\S+ +\\S+\\n`));

      // Deleted a moment ago: inside the default 30 days.
      expect((await td('projects', 'purge-deleted')).stdout).toBe('no project was deleted more than 30d ago\n');
      const dryRun = jsonOf<Array<{ id: string; purged: boolean }>>(await td('projects', 'purge-deleted', '--older-than', '0', '--dry-run', '--json'));
      expect(dryRun).toContainEqual(expect.objectContaining({ id: gone, purged: false }));
      expect(jsonOf<{ event_count: number }>(await td('projects', 'show', gone, '--json')).event_count).toBe(2);
      if (backend === 'sqlite') expect(existsSync(join(dir, 'projects', gone, 'events.db'))).toBe(true);

      const purged = await td('projects', 'purge-deleted', '--older-than', '0');
      expect(purged.stdout).toMatch(new RegExp(`${gone} +Old +\\S+ +yes`));
      if (backend === 'sqlite') expect(existsSync(join(dir, 'projects', gone))).toBe(false);
      expect((await td('projects', 'list', '--deleted', '--json')).stdout).not.toContain(gone);
      expect(await td('projects', 'show', gone)).toMatchObject({ code: 1 });

      // The server carries on: the purged project is unknown, the other one untouched.
      expect((await http(server.url, 'GET', `/v1/projects/${gone}`, { apiKey: owner.key.api_key })).status).toBe(404);
      expect((await push(server, owner.key.api_key, kept, [1])).status).toBe(200);
      expect((await http(server.url, 'GET', '/healthz')).status).toBe(200);
    });
  });
});
