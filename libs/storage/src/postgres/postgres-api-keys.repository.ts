import type { ApiKey } from '../records/api-key';
import { ApiKeyListing, ApiKeysRepository, ApiKeyWithOwner } from '../repositories/api-keys.repository';
import type { PostgresDatabase } from './postgres-database';

const LISTING = `
  SELECT k.id, k.user_id, u.email, k.key_prefix, k.name, k.scopes, k.expires_at, k.last_used_at, k.revoked_at, k.created_at
  FROM api_keys k JOIN users u ON u.id = k.user_id`;

/**
 * API keys. Nothing is cached on the node: every request's key is looked up
 * here, so a key revoked through any node is refused by every node at once.
 */
export class PostgresApiKeysRepository extends ApiKeysRepository {
  constructor(private readonly db: PostgresDatabase) {
    super();
  }

  async insert(key: ApiKey): Promise<void> {
    await this.db.query({
      name: 'api_keys_insert',
      text: `INSERT INTO api_keys (id, user_id, key_hash, key_prefix, name, scopes, expires_at, last_used_at, revoked_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      values: [key.id, key.user_id, key.key_hash, key.key_prefix, key.name, key.scopes, key.expires_at, key.last_used_at, key.revoked_at, key.created_at],
    });
  }

  async findByHash(keyHash: string): Promise<ApiKeyWithOwner | undefined> {
    const { rows } = await this.db.query<ApiKeyWithOwner>({
      name: 'api_keys_by_hash',
      text: `SELECT k.id AS key_id, k.scopes, k.expires_at, k.revoked_at, k.last_used_at, u.id AS user_id, u.email, u.disabled_at AS user_disabled_at
             FROM api_keys k JOIN users u ON u.id = k.user_id
             WHERE k.key_hash = $1`,
      values: [keyHash],
    });
    return rows[0];
  }

  async touchLastUsed(keyId: string, at: string): Promise<void> {
    // Only forward: two nodes touching one key at once leave the later time.
    await this.db.query({
      name: 'api_keys_touch',
      text: 'UPDATE api_keys SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $1)',
      values: [at, keyId],
    });
  }

  async revoke(keyId: string, at: string): Promise<void> {
    await this.db.query({ name: 'api_keys_revoke', text: 'UPDATE api_keys SET revoked_at = $1 WHERE id = $2', values: [at, keyId] });
  }

  async list(userId?: string): Promise<ApiKeyListing[]> {
    const { rows } = await this.db.query<ApiKeyListing>({
      name: 'api_keys_list',
      text: `${LISTING} WHERE $1::text IS NULL OR k.user_id = $1 ORDER BY k.created_at, k.id`,
      values: [userId ?? null],
    });
    return rows;
  }

  async findById(keyId: string): Promise<ApiKeyListing | undefined> {
    const { rows } = await this.db.query<ApiKeyListing>({ name: 'api_keys_listing_by_id', text: `${LISTING} WHERE k.id = $1`, values: [keyId] });
    return rows[0];
  }

  async findByPrefix(prefix: string): Promise<ApiKeyListing[]> {
    // starts_with, not LIKE: the prefix is typed by the operator and may hold % or _.
    const { rows } = await this.db.query<ApiKeyListing>({
      name: 'api_keys_by_prefix',
      text: `${LISTING} WHERE starts_with(k.key_prefix, $1) ORDER BY k.created_at, k.id`,
      values: [prefix],
    });
    return rows;
  }
}
