import { createTestDatabase, TestDatabase } from '@td-sync/testing';
import { Client } from 'pg';
import type { ApiKey } from '../records/api-key';
import type { StorageBackend } from '../storage-backend';
import { openPostgresBackend } from './postgres-backend';
import { PostgresDatabase } from './postgres-database';

const TIME = '2026-01-31T08:15:02.000Z';

function key(id: string, userId: string, hashChar: string, overrides: Partial<ApiKey> = {}): ApiKey {
  return {
    id,
    user_id: userId,
    key_hash: hashChar.repeat(64),
    key_prefix: 'abcd1234',
    name: id,
    scopes: 'sync',
    expires_at: '2027-01-31T08:15:02.000Z',
    last_used_at: null,
    revoked_at: null,
    created_at: TIME,
    ...overrides,
  };
}

/** Key lookups by hash on a real PostgreSQL, nothing cached on a node: read together while one is out, each answered with its own key. */
describe('PostgresApiKeysRepository.findByHash (real PostgreSQL)', () => {
  let database: TestDatabase;
  let node: StorageBackend;
  let other: StorageBackend;

  beforeEach(async () => {
    database = await createTestDatabase();
    node = await openPostgresBackend({ url: database.url, poolSize: 4, connectTimeoutMs: 10_000 });
    other = await openPostgresBackend({ url: database.url, poolSize: 4, connectTimeoutMs: 10_000 });
    await node.users.findOrCreate({ id: 'u_00000000000000aa', email: 'a@example.com', created_at: TIME });
    await node.users.findOrCreate({ id: 'u_00000000000000bb', email: 'b@example.com', created_at: TIME });
    await node.apiKeys.insert(key('k_000000000000000a', 'u_00000000000000aa', 'a'));
    await node.apiKeys.insert(key('k_000000000000000b', 'u_00000000000000bb', 'b', { revoked_at: TIME }));
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await Promise.all([node.connection.close(), other.connection.close()]);
    await database.drop();
  });

  /** The lookup statements `node` sent since the spy was set. */
  function lookupStatements(statements: jest.SpyInstance): number {
    return statements.mock.calls.filter(([config]) => typeof config === 'object' && config !== null && 'name' in config && config.name === 'api_keys_by_hashes').length;
  }

  const KEY_A = {
    key_id: 'k_000000000000000a',
    scopes: 'sync',
    expires_at: '2027-01-31T08:15:02.000Z',
    revoked_at: null,
    last_used_at: null,
    user_id: 'u_00000000000000aa',
    email: 'a@example.com',
    user_disabled_at: null,
  };

  it('reads the lookups that arrive while one is out in one statement, each answered with its own key or none', async () => {
    const locker = new Client({ connectionString: database.url });
    await locker.connect();
    try {
      // Holds the table, so the first lookup stays out until the locker lets go.
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE api_keys IN ACCESS EXCLUSIVE MODE');
      const statements = jest.spyOn(PostgresDatabase.prototype, 'query');
      const first = node.apiKeys.findByHash('a'.repeat(64));
      await new Promise((resolve) => setImmediate(resolve)); // sent at the end of its turn, and held by the locker
      await new Promise((resolve) => setImmediate(resolve));
      expect(lookupStatements(statements)).toBe(1);
      const queued = ['b', 'c', 'a'].map((hashChar) => node.apiKeys.findByHash(hashChar.repeat(64)));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(lookupStatements(statements)).toBe(1);
      await locker.query('COMMIT');
      expect(await first).toEqual(KEY_A);
      const [b, unknown, a] = await Promise.all(queued);
      expect(b).toMatchObject({ key_id: 'k_000000000000000b', revoked_at: TIME, user_id: 'u_00000000000000bb', email: 'b@example.com' });
      expect(unknown).toBeUndefined();
      expect(a).toEqual(KEY_A);
      expect(lookupStatements(statements)).toBe(2);
    } finally {
      await locker.end();
    }
  });

  it('sends the lookups of one turn of the event loop as one statement when none is out', async () => {
    const statements = jest.spyOn(PostgresDatabase.prototype, 'query');
    const answers = await Promise.all(['a', 'b', 'a', 'd'].map((hashChar) => node.apiKeys.findByHash(hashChar.repeat(64))));
    expect(answers.map((answer) => answer?.key_id)).toEqual(['k_000000000000000a', 'k_000000000000000b', 'k_000000000000000a', undefined]);
    expect(lookupStatements(statements)).toBe(1);
  });

  it('fails every lookup of a statement that fails, and serves the next ones', async () => {
    // PostgreSQL refuses text with a NUL byte, so the statement carrying this one fails whole.
    const failed = ['a'.repeat(64), 'bad\u0000hash'].map((hash) => node.apiKeys.findByHash(hash));
    for (const lookup of failed) await expect(lookup).rejects.toThrow(/0x00/);
    expect(await node.apiKeys.findByHash('a'.repeat(64))).toEqual(KEY_A);
  });

  it('sees a revocation made through another node by the next lookup', async () => {
    expect(await node.apiKeys.findByHash('a'.repeat(64))).toMatchObject({ revoked_at: null });
    await other.apiKeys.revoke('k_000000000000000a', TIME);
    expect(await node.apiKeys.findByHash('a'.repeat(64))).toMatchObject({ revoked_at: TIME });
  });
});
