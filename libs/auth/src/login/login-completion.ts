import { Injectable } from '@nestjs/common';
import type { AuthRequest } from '@td-sync/storage';
import { ApiKeyService } from '../api-key.service';
import { AuthRequestStore } from './auth-request-store';
import { CompletedLogin } from './login-responses';

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
      const issued = await this.apiKeys.issue(request.user_id, 'device-auth', ['sync']);
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
