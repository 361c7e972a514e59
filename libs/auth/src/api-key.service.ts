import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { ApiKey, User } from '@td-sync/storage';
import { Repository } from 'typeorm';
import { generateApiKey, isWellFormedApiKey } from './api-key-format';
import { Clock } from './clock';
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

export type KeyCheck =
  | { ok: true; user: User; apiKey: ApiKey }
  | { ok: false; reason: 'unknown' | 'expired' | 'revoked' };

/** API keys: `td_live_` + 32 base62, stored only as a SHA-256 hash and an 8-character display prefix. */
@Injectable()
export class ApiKeyService {
  constructor(
    @InjectRepository(ApiKey) private readonly keys: Repository<ApiKey>,
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly clock: Clock,
  ) {}

  /** A completed device login gets name `device-auth` and scope `sync`, which are the defaults. */
  async issue(userId: string, name = 'device-auth', scopes: string[] = ['sync']): Promise<IssuedKey> {
    const { key, displayPrefix } = generateApiKey();
    const now = this.clock.now();
    const record = this.keys.create({
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
    });
    await this.keys.insert(record);
    return { key, record };
  }

  /** Resolves a presented key to its user, recording the use. */
  async check(key: string, now = this.clock.now()): Promise<KeyCheck> {
    if (!isWellFormedApiKey(key)) return { ok: false, reason: 'unknown' };
    // The lookup is by hash, so nothing about the secret depends on comparison timing.
    const apiKey = await this.keys.findOneBy({ key_hash: sha256Hex(key) });
    if (!apiKey) return { ok: false, reason: 'unknown' };
    if (apiKey.revoked_at) return { ok: false, reason: 'revoked' };
    if (apiKey.expires_at <= now.toISOString()) return { ok: false, reason: 'expired' };
    const user = await this.users.findOneBy({ id: apiKey.user_id });
    if (!user) return { ok: false, reason: 'unknown' };
    if (!apiKey.last_used_at || now.getTime() - Date.parse(apiKey.last_used_at) >= LAST_USED_RESOLUTION_MS) {
      apiKey.last_used_at = now.toISOString();
      await this.keys.update({ id: apiKey.id }, { last_used_at: apiKey.last_used_at });
    }
    return { ok: true, user, apiKey };
  }

  async revoke(keyId: string): Promise<void> {
    await this.keys.update({ id: keyId }, { revoked_at: this.clock.now().toISOString() });
  }
}
