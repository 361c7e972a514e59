import type { ApiKey } from '../records/api-key';

/** A key found by its hash, with what the Bearer check needs of it and of its owner. */
export interface ApiKeyWithOwner {
  key_id: string;
  /** Comma-separated, as stored. */
  scopes: string;
  expires_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
  user_id: string;
  email: string;
  /** Set when the operator disabled the owner: the key is then refused like a revoked one. */
  user_disabled_at: string | null;
}

/** A key as the operator's listings show it: everything but the hash, and its owner's address. */
export type ApiKeyListing = Omit<ApiKey, 'key_hash'> & { email: string };

/** API keys, stored by the hash of the key; the key itself never reaches storage. */
export abstract class ApiKeysRepository {
  abstract insert(key: ApiKey): Promise<void>;

  /** Every authenticated request runs this: the key and its user in one indexed lookup. Revoked keys are found too. */
  abstract findByHash(keyHash: string): Promise<ApiKeyWithOwner | undefined>;

  /** The key's stored record (never its secret), for showing a key to its holder; undefined for an unknown id. */
  abstract touchLastUsed(keyId: string, at: string): Promise<void>;

  abstract revoke(keyId: string, at: string): Promise<void>;

  /** Every key (of `userId` only, when given), revoked and expired ones included, oldest first. */
  abstract list(userId?: string): Promise<ApiKeyListing[]>;

  abstract findById(keyId: string): Promise<ApiKeyListing | undefined>;

  /** The keys whose display prefix starts with `prefix` (one, unless two keys share it). */
  abstract findByPrefix(prefix: string): Promise<ApiKeyListing[]>;
}
