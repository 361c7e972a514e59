import type { Database, Statement } from 'better-sqlite3';
import type { ApiKey } from '../records/api-key';
import { ApiKeyListing, ApiKeysRepository, ApiKeyWithOwner } from '../repositories/api-keys.repository';

const KEY_AND_OWNER = `
  SELECT k.id AS key_id, k.scopes, k.expires_at, k.revoked_at, k.last_used_at, u.id AS user_id, u.email, u.disabled_at AS user_disabled_at
  FROM api_keys k JOIN users u ON u.id = k.user_id
  WHERE k.key_hash = ?`;

const LISTING = `
  SELECT k.id, k.user_id, u.email, k.key_prefix, k.name, k.scopes, k.expires_at, k.last_used_at, k.revoked_at, k.created_at
  FROM api_keys k JOIN users u ON u.id = k.user_id`;

export class SqliteApiKeysRepository extends ApiKeysRepository {
  private readonly insertKey: Statement<[ApiKey]>;
  private readonly keyAndOwner: Statement<[string], ApiKeyWithOwner>;
  private readonly touch: Statement<[string, string]>;
  private readonly revokeKey: Statement<[string, string]>;
  private readonly all: Statement<[], ApiKeyListing>;
  private readonly ofUser: Statement<[string], ApiKeyListing>;
  private readonly byId: Statement<[string], ApiKeyListing>;
  private readonly byPrefix: Statement<[string, string], ApiKeyListing>;

  constructor(db: Database) {
    super();
    this.insertKey = db.prepare(
      `INSERT INTO api_keys (id, user_id, key_hash, key_prefix, name, scopes, expires_at, last_used_at, revoked_at, created_at)
       VALUES (@id, @user_id, @key_hash, @key_prefix, @name, @scopes, @expires_at, @last_used_at, @revoked_at, @created_at)`,
    );
    this.keyAndOwner = db.prepare(KEY_AND_OWNER);
    this.touch = db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?');
    this.revokeKey = db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ?');
    this.all = db.prepare(`${LISTING} ORDER BY k.created_at, k.id`);
    this.ofUser = db.prepare(`${LISTING} WHERE k.user_id = ? ORDER BY k.created_at, k.id`);
    this.byId = db.prepare(`${LISTING} WHERE k.id = ?`);
    // substr, not LIKE: the prefix is typed by the operator and may hold % or _.
    this.byPrefix = db.prepare(`${LISTING} WHERE substr(k.key_prefix, 1, length(?)) = ? ORDER BY k.created_at, k.id`);
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

  async list(userId?: string): Promise<ApiKeyListing[]> {
    return userId === undefined ? this.all.all() : this.ofUser.all(userId);
  }

  async findById(keyId: string): Promise<ApiKeyListing | undefined> {
    return this.byId.get(keyId);
  }

  async findByPrefix(prefix: string): Promise<ApiKeyListing[]> {
    return this.byPrefix.all(prefix, prefix);
  }
}
