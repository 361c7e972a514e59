import type { ApiKey } from '../records/api-key';

/** A key found by its hash, with what the Bearer check needs of it and of its owner. */
export interface ApiKeyWithOwner {
  key_id: string;
  expires_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
  user_id: string;
  email: string;
}

/** API keys, stored by the hash of the key; the key itself never reaches storage. */
export abstract class ApiKeysRepository {
  abstract insert(key: ApiKey): Promise<void>;

  /** Every authenticated request runs this: the key and its user in one indexed lookup. Revoked keys are found too. */
  abstract findByHash(keyHash: string): Promise<ApiKeyWithOwner | undefined>;

  abstract touchLastUsed(keyId: string, at: string): Promise<void>;

  abstract revoke(keyId: string, at: string): Promise<void>;
}
