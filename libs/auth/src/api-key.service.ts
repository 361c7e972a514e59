import { Injectable } from '@nestjs/common';
import { Clock, type AuthenticatedUser } from '@td-sync/http';
import { ApiKey, ApiKeyListing, ApiKeysRepository } from '@td-sync/storage';
import { generateApiKey, isWellFormedApiKey } from './api-key-format';
import { parseScopes, SYNC_SCOPE } from './api-key-scopes';
import { randomHex, sha256Hex } from './secrets';

export { API_KEY_PREFIX } from './api-key-format';

const KEY_LIFETIME_MS = 365 * 24 * 60 * 60 * 1000;
/** last_used_at is written at most this often per key, so reads do not turn into writes on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

export interface IssuedKey {
  /** The key itself: shown to the client once, never stored. */
  key: string;
  record: ApiKey;
}

export type KeyCheck = { ok: true; caller: AuthenticatedUser } | { ok: false; reason: 'unknown' | 'expired' | 'revoked' | 'disabled' };

/** API keys: `td_live_` + 32 base62, stored only as a SHA-256 hash and an 8-character display prefix. */
@Injectable()
export class ApiKeyService {
  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly clock: Clock,
  ) {}

  /** A completed device login's key is named after the device (or `device-auth`) and has scope `sync`, the defaults. */
  async issue(userId: string, name = 'device-auth', scopes: string[] = [SYNC_SCOPE]): Promise<IssuedKey> {
    const { key, displayPrefix } = generateApiKey();
    const now = this.clock.now();
    const record: ApiKey = {
      id: `k_${randomHex(8)}`,
      user_id: userId,
      key_hash: sha256Hex(key),
      key_prefix: displayPrefix,
      name,
      scopes: scopes.join(','),
      expires_at: new Date(now.getTime() + KEY_LIFETIME_MS).toISOString(),
      last_used_at: null,
      revoked_at: null,
      created_at: now.toISOString(),
    };
    await this.keys.insert(record);
    return { key, record };
  }

  /** Resolves a presented key to its user, recording the use. */
  async check(key: string, now = this.clock.now()): Promise<KeyCheck> {
    if (!isWellFormedApiKey(key)) return { ok: false, reason: 'unknown' };
    // The lookup is by hash, so nothing about the secret depends on comparison timing.
    const row = await this.keys.findByHash(sha256Hex(key));
    if (!row) return { ok: false, reason: 'unknown' };
    if (row.revoked_at) return { ok: false, reason: 'revoked' };
    // Read with the key on every request, so disabling a user refuses all their keys at once, on every node.
    if (row.user_disabled_at) return { ok: false, reason: 'disabled' };
    const nowIso = now.toISOString();
    if (row.expires_at <= nowIso) return { ok: false, reason: 'expired' };
    if (!row.last_used_at || now.getTime() - Date.parse(row.last_used_at) >= LAST_USED_RESOLUTION_MS) {
      await this.keys.touchLastUsed(row.key_id, nowIso);
    }
    return { ok: true, caller: { id: row.user_id, email: row.email, apiKeyId: row.key_id, scopes: parseScopes(row.scopes) } };
  }

  /** The stored record of a key (no secret), or undefined. */
  find(keyId: string): Promise<ApiKeyListing | undefined> {
    return this.keys.findById(keyId);
  }

  async revoke(keyId: string): Promise<void> {
    await this.keys.revoke(keyId, this.clock.now().toISOString());
  }
}
