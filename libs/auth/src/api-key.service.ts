import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { ApiKey, preparedStatement } from '@td-sync/storage';
import type { Statement } from 'better-sqlite3';
import { DataSource, Repository } from 'typeorm';
import type { AuthenticatedUser } from './authenticated-user';
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

export type KeyCheck = { ok: true; caller: AuthenticatedUser } | { ok: false; reason: 'unknown' | 'expired' | 'revoked' };

/** Every authenticated request runs this: the key and its user in one indexed lookup. */
const KEY_AND_USER = `
  SELECT k.id AS key_id, k.expires_at, k.revoked_at, k.last_used_at, u.id AS user_id, u.email
  FROM api_keys k JOIN users u ON u.id = k.user_id
  WHERE k.key_hash = ?`;

interface KeyAndUserRow {
  key_id: string;
  expires_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
  user_id: string;
  email: string;
}

/** API keys: `td_live_` + 32 base62, stored only as a SHA-256 hash and an 8-character display prefix. */
@Injectable()
export class ApiKeyService {
  private readonly keyAndUser: () => Statement<[string], KeyAndUserRow>;
  private readonly touch: () => Statement<[string, string]>;

  constructor(
    @InjectRepository(ApiKey) private readonly keys: Repository<ApiKey>,
    dataSource: DataSource,
    private readonly clock: Clock,
  ) {
    this.keyAndUser = preparedStatement(dataSource, KEY_AND_USER);
    this.touch = preparedStatement(dataSource, 'UPDATE api_keys SET last_used_at = ? WHERE id = ?');
  }

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
    const row = this.keyAndUser().get(sha256Hex(key));
    if (!row) return { ok: false, reason: 'unknown' };
    if (row.revoked_at) return { ok: false, reason: 'revoked' };
    const nowIso = now.toISOString();
    if (row.expires_at <= nowIso) return { ok: false, reason: 'expired' };
    if (!row.last_used_at || now.getTime() - Date.parse(row.last_used_at) >= LAST_USED_RESOLUTION_MS) {
      this.touch().run(nowIso, row.key_id);
    }
    return { ok: true, caller: { id: row.user_id, email: row.email, apiKeyId: row.key_id } };
  }

  async revoke(keyId: string): Promise<void> {
    await this.keys.update({ id: keyId }, { revoked_at: this.clock.now().toISOString() });
  }
}
