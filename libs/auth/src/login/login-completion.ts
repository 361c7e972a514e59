import { Injectable } from '@nestjs/common';
import type { AuthRequest } from '@td-sync/storage';
import { ApiKeyService } from '../api-key.service';
import { AuthRequestStore } from './auth-request-store';
import { CompletedLogin } from './login-responses';

/** The name of a login's key when the client named no device (the typed-code flow never does). */
export const DEFAULT_KEY_NAME = 'device-auth';

/** The last step of both flows: a verified request becomes used and yields exactly one API key. */
@Injectable()
export class LoginCompletion {
  constructor(
    private readonly store: AuthRequestStore,
    private readonly apiKeys: ApiKeyService,
  ) {}

  /** Undefined when another poll claimed the request first (or it expired in between). */
  async complete(request: AuthRequest, now: Date): Promise<CompletedLogin | undefined> {
    if (!request.user_id) throw new Error(`auth request ${request.id} is verified without a user`);
    if (!(await this.store.claim(request.id, now))) return undefined;
    try {
      // The key is named after the device the client named at login (td sends its host name), so a
      // holder's keys can be told apart (GET /v1/me); logins that name none get upstream's `device-auth`.
      const issued = await this.apiKeys.issue(request.user_id, request.device_name ?? DEFAULT_KEY_NAME, ['sync']);
      return {
        status: 'complete',
        api_key: issued.key,
        user_id: request.user_id,
        email: request.email,
        expires_at: issued.record.expires_at,
      };
    } catch (error) {
      // Claim and key are two statements (see AuthRequestStore); give the request back so the next poll retries.
      await this.store.unclaim(request.id).catch(() => undefined);
      throw error;
    }
  }
}
