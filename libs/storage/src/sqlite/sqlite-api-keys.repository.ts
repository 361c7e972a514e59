import type { Database, Statement } from 'better-sqlite3';
import type { ApiKey } from '../records/api-key';
import { ApiKeysRepository, ApiKeyWithOwner } from '../repositories/api-keys.repository';

const KEY_AND_OWNER = `
  SELECT k.id AS key_id, k.expires_at, k.revoked_at, k.last_used_at, u.id AS user_id, u.email
  FROM api_keys k JOIN users u ON u.id = k.user_id
  WHERE k.key_hash = ?`;

export class SqliteApiKeysRepository extends ApiKeysRepository {
  private readonly insertKey: Statement<[ApiKey]>;
  private readonly keyAndOwner: Statement<[string], ApiKeyWithOwner>;
  private readonly touch: Statement<[string, string]>;
  private readonly revokeKey: Statement<[string, string]>;

  constructor(db: Database) {
    super();
    this.insertKey = db.prepare(
      `INSERT INTO api_keys (id, user_id, key_hash, key_prefix, name, scopes, expires_at, last_used_at, revoked_at, created_at)
       VALUES (@id, @user_id, @key_hash, @key_prefix, @name, @scopes, @expires_at, @last_used_at, @revoked_at, @created_at)`,
    );
    this.keyAndOwner = db.prepare(KEY_AND_OWNER);
    this.touch = db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?');
    this.revokeKey = db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ?');
  }

  async insert(key: ApiKey): Promise<void> {
    this.insertKey.run(key);
  }

  async findByHash(keyHash: string): Promise<ApiKeyWithOwner | undefined> {
    return this.keyAndOwner.get(keyHash);
  }

  async touchLastUsed(keyId: string, at: string): Promise<void> {
    this.touch.run(at, keyId);
  }

  async revoke(keyId: string, at: string): Promise<void> {
    this.revokeKey.run(at, keyId);
  }
}
