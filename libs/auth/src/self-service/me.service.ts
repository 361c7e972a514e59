import { HttpStatus, Injectable, Logger } from '@nestjs/common';
import { ProtocolException, type AuthenticatedUser } from '@td-sync/http';
import { ApiKeyService } from '../api-key.service';
import { MeView } from './me-view';

/**
 * What any key holder may do about their own account and key: see who and
 * which key they are, and log out (revoke the key they call with), for
 * instance from a shared machine or for a device they no longer trust.
 */
@Injectable()
export class MeService {
  private readonly logger = new Logger('SelfService');

  constructor(private readonly apiKeys: ApiKeyService) {}

  async describe(caller: AuthenticatedUser): Promise<MeView> {
    const key = await this.apiKeys.find(caller.apiKeyId);
    // The Bearer guard has just found this key; only a row deleted since could be missing.
    if (!key) throw new ProtocolException(HttpStatus.UNAUTHORIZED, 'unauthorized', 'API key not recognised: run `td auth login` to get a new one');
    return {
      user_id: caller.id,
      email: caller.email,
      key: {
        id: key.id,
        prefix: key.key_prefix,
        name: key.name,
        expires_at: key.expires_at,
        created_at: key.created_at,
        last_used_at: key.last_used_at,
      },
    };
  }

  /** Revokes the calling key: every request with it from now on is 401. */
  async revokeCurrentKey(caller: AuthenticatedUser): Promise<void> {
    await this.apiKeys.revoke(caller.apiKeyId);
    this.logger.log(`API key ${caller.apiKeyId} of user ${caller.id} revoked by its holder`);
  }
}
