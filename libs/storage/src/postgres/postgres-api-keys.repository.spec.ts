import { createTestDatabase, TestDatabase } from '@td-sync/testing';
import type { ApiKey } from '../records/api-key';
import type { StorageBackend } from '../storage-backend';
import { openPostgresBackend } from './postgres-backend';

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

/** Key lookups by hash on a real PostgreSQL, nothing cached on a node. */
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
    await Promise.all([node.connection.close(), other.connection.close()]);
    await database.drop();
  });

  it('sees a revocation made through another node by the next lookup', async () => {
    expect(await node.apiKeys.findByHash('a'.repeat(64))).toMatchObject({ revoked_at: null });
    await other.apiKeys.revoke('k_000000000000000a', TIME);
    expect(await node.apiKeys.findByHash('a'.repeat(64))).toMatchObject({ revoked_at: TIME });
  });
});
