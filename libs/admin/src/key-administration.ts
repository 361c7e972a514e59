import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { ADMIN_SCOPE, ApiKeyService, SYNC_SCOPE } from '@td-sync/auth';
import { Clock } from '@td-sync/http';
import { ApiKeyListing, ApiKeysRepository } from '@td-sync/storage';
import { AdminKeyView, toKeyView } from './admin-views';
import { UserAdministration } from './user-administration';

export interface NewKeyOptions {
  /** Adds the `admin` scope, which opens /v1/admin/ and which no login ever grants. */
  admin: boolean;
  name?: string;
}

export interface CreatedKey {
  /** The key itself: shown once, never stored. */
  key: string;
  view: AdminKeyView;
}

/** API keys as the operator manages them: list, mint (admin keys only this way), revoke. */
@Injectable()
export class KeyAdministration {
  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly issuer: ApiKeyService,
    private readonly users: UserAdministration,
    private readonly clock: Clock,
  ) {}

  /** Every key, or one user's (by email or id), oldest first. */
  async list(userEmailOrId?: string): Promise<AdminKeyView[]> {
    const userId = userEmailOrId === undefined ? undefined : (await this.users.resolve(userEmailOrId)).id;
    return this.views(await this.keys.list(userId));
  }

  async create(userEmailOrId: string, options: NewKeyOptions): Promise<CreatedKey> {
    const user = await this.users.resolve(userEmailOrId);
    const scopes = options.admin ? [SYNC_SCOPE, ADMIN_SCOPE] : [SYNC_SCOPE];
    const name = options.name?.trim() || (options.admin ? 'operator-admin' : 'operator-issued');
    const { key, record } = await this.issuer.issue(user.id, name, scopes);
    return { key, view: toKeyView({ ...record, email: user.email }, this.clock.now().toISOString()) };
  }

  /**
   * Revokes the key with this id, or the one key whose display prefix starts
   * with this text. Revoking a revoked key changes nothing (`changed` false).
   */
  async revoke(idOrPrefix: string): Promise<{ key: AdminKeyView; changed: boolean }> {
    return this.revokeListing(await this.find(idOrPrefix.trim()));
  }

  /** The admin API's DELETE /v1/admin/users/{id}/keys/{keyId}: 404 unless the key is that user's. */
  async revokeForUser(userId: string, keyId: string): Promise<{ key: AdminKeyView; changed: boolean }> {
    const user = await this.users.resolve(userId);
    const key = await this.keys.findById(keyId);
    if (!key || key.user_id !== user.id) throw new NotFoundException('key not found');
    return this.revokeListing(key);
  }

  private async revokeListing(key: ApiKeyListing): Promise<{ key: AdminKeyView; changed: boolean }> {
    if (key.revoked_at) return { key: this.view(key), changed: false };
    await this.issuer.revoke(key.id);
    const revoked = await this.keys.findById(key.id);
    return { key: this.view(revoked ?? key), changed: true };
  }

  private async find(idOrPrefix: string): Promise<ApiKeyListing> {
    if (idOrPrefix === '') throw new BadRequestException('a key id or prefix is required');
    const byId = await this.keys.findById(idOrPrefix);
    if (byId) return byId;
    const matches = await this.keys.findByPrefix(idOrPrefix);
    if (matches.length === 0) throw new NotFoundException(`no key with id or prefix ${idOrPrefix}`);
    if (matches.length > 1) {
      throw new ConflictException(`${matches.length} keys start with ${idOrPrefix} (${matches.map((k) => k.id).join(', ')}): give more of the prefix, or the key id`);
    }
    return matches[0];
  }

  private views(keys: ApiKeyListing[]): AdminKeyView[] {
    const now = this.clock.now().toISOString();
    return keys.map((key) => toKeyView(key, now));
  }

  private view(key: ApiKeyListing): AdminKeyView {
    return toKeyView(key, this.clock.now().toISOString());
  }
}
