import type { ApiKey } from '../records/api-key';
import { BinaryArrayBuilder } from './binary-array-builder';
import { ApiKeyListing, ApiKeysRepository, ApiKeyWithOwner } from '../repositories/api-keys.repository';
import type { PostgresDatabase } from './postgres-database';

const LISTING = `
  SELECT k.id, k.user_id, u.email, k.key_prefix, k.name, k.scopes, k.expires_at, k.last_used_at, k.revoked_at, k.created_at
  FROM api_keys k JOIN users u ON u.id = k.user_id`;

/** Every key whose hash is in `$1`, with its owner (hashes are unique). */
const BY_HASHES = `SELECT k.key_hash, k.id AS key_id, k.scopes, k.expires_at, k.revoked_at, k.last_used_at, u.id AS user_id, u.email, u.disabled_at AS user_disabled_at
  FROM api_keys k JOIN users u ON u.id = k.user_id
  WHERE k.key_hash = ANY ($1::text[])`;

/** The most keys one lookup statement reads; more wait for the next. */
const MAX_KEYS_PER_STATEMENT = 256;

/** A request's key lookup waiting for its statement. */
interface PendingLookup {
  keyHash: string;
  resolve: (key: ApiKeyWithOwner | undefined) => void;
  reject: (error: unknown) => void;
}

/**
 * API keys. Nothing is cached on the node: every request's key is looked up
 * here, so a key revoked through any node is refused by every node at once.
 *
 * Every request needs its key, so a node keeps one lookup statement in
 * flight: lookups that arrive meanwhile wait here and are read together by
 * the next, which still starts after each of them arrived. A lookup that
 * finds none out waits for the end of its event loop turn, so that requests
 * answered together by one statement before (their rate-limit hits, say)
 * look up their keys together too, rather than the first going alone and
 * the rest waiting behind it (docs/performance.md: push-small-32 +29–39 %).
 * The few lines of that logic are written out here as in PushGroups and
 * PostgresRateLimitCounters: one class shared by the three raised the
 * node's peak memory by 40–90 MB, for reasons not pinned down.
 */
export class PostgresApiKeysRepository extends ApiKeysRepository {
  private readonly lookups: PendingLookup[] = [];
  private lookingUp = false;

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

  findByHash(keyHash: string): Promise<ApiKeyWithOwner | undefined> {
    return new Promise((resolve, reject) => {
      this.lookups.push({ keyHash, resolve, reject });
      if (this.lookingUp) return;
      this.lookingUp = true;
      setImmediate(() => this.lookUpWaiting());
    });
  }

  private lookUpWaiting(): void {
    if (this.lookups.length === 0) {
      this.lookingUp = false;
      return;
    }
    const lookups = this.lookups.splice(0, MAX_KEYS_PER_STATEMENT);
    void this.lookUp(lookups).finally(() => this.lookUpWaiting());
  }

  /** Reads the keys of `lookups` in one statement and answers each; never rejects. */
  private async lookUp(lookups: PendingLookup[]): Promise<void> {
    const hashes = BinaryArrayBuilder.text(lookups.length * 64);
    for (const { keyHash } of lookups) hashes.addText(keyHash);
    let rows: (ApiKeyWithOwner & { key_hash: string })[];
    try {
      ({ rows } = await this.db.query<ApiKeyWithOwner & { key_hash: string }>({ name: 'api_keys_by_hashes', text: BY_HASHES, values: [hashes.finish()] }));
    } catch (error) {
      for (const lookup of lookups) lookup.reject(error);
      return;
    }
    const byHash = new Map<string, ApiKeyWithOwner>();
    for (const { key_hash: keyHash, ...key } of rows) byHash.set(keyHash, key);
    for (const lookup of lookups) lookup.resolve(byHash.get(lookup.keyHash));
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
