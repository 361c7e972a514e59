import { ConflictException, NotFoundException } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { StorageOptionsModule } from '@td-sync/storage';
import { createTestDatabase, TestDatabase } from '@td-sync/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdminServicesModule } from './admin-services.module';
import { KeyAdministration } from './key-administration';
import { UserAdministration } from './user-administration';

/** Naming a key by its display prefix, on a real server database of each backend. */
describe.each(['sqlite', 'postgres'] as const)('KeyAdministration.revoke by prefix (%s)', (backend) => {
  let dir: string;
  let database: TestDatabase | undefined;
  let moduleRef: TestingModule;
  let keys: KeyAdministration;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'td-sync-keys-admin-'));
    database = backend === 'postgres' ? await createTestDatabase() : undefined;
    const storage = {
      serverDbPath: join(dir, 'server.db'),
      projectDataDir: join(dir, 'projects'),
      maxOpenProjects: 4,
      database: database && { url: database.url, poolSize: 2, connectTimeoutMs: 10_000 },
    };
    moduleRef = await Test.createTestingModule({ imports: [StorageOptionsModule.forRoot(storage), AdminServicesModule] }).compile();
    await moduleRef.init();
    keys = moduleRef.get(KeyAdministration);
    await moduleRef.get(UserAdministration).create('owner@example.com');
  });
  afterEach(async () => {
    await moduleRef.close();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Display prefixes are random base62: mints keys until two share their first `length` characters. */
  async function twoKeysSharing(length: number): Promise<{ shared: string; prefixes: string[] }> {
    const prefixes: string[] = [];
    for (;;) {
      prefixes.push((await keys.create('owner@example.com', { admin: false })).view.key_prefix);
      const starts = prefixes.map((p) => p.slice(0, length));
      const shared = starts.find((start, i) => starts.indexOf(start) !== i);
      if (shared) return { shared, prefixes: prefixes.filter((p) => p.startsWith(shared)) };
    }
  }

  it('refuses a prefix that several keys start with, naming them, and revokes nothing', async () => {
    const { shared } = await twoKeysSharing(1);
    const before = await keys.list();
    await expect(keys.revoke(shared)).rejects.toThrow(ConflictException);
    await expect(keys.revoke(shared)).rejects.toThrow(/keys start with .*: give more of the prefix, or the key id/);
    expect(await keys.list()).toEqual(before);
  });

  it('revokes the one key that a longer prefix names, and only that one', async () => {
    const { prefixes } = await twoKeysSharing(1);
    const { key, changed } = await keys.revoke(prefixes[0]);
    expect({ prefix: key.key_prefix, status: key.status, changed }).toEqual({ prefix: prefixes[0], status: 'revoked', changed: true });
    const statuses = Object.fromEntries((await keys.list()).map((k) => [k.key_prefix, k.status]));
    expect(statuses[prefixes[1]]).toBe('active');
  });

  it.each(['%', '_', '*'])('matches %j literally, not as a pattern', async (pattern) => {
    await keys.create('owner@example.com', { admin: false });
    await expect(keys.revoke(pattern)).rejects.toThrow(NotFoundException);
  });
});
