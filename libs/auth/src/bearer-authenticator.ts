import { HttpStatus, Injectable } from '@nestjs/common';
import { ProtocolException, type AuthenticatedUser } from '@td-sync/http';
import { ApiKeyService } from './api-key.service';

/**
 * One message per thing the caller can fix. A revoked key reads like an
 * unknown one, so a message never confirms that a guessed key exists; only the
 * holder of a once-valid key can see "expired", and they know it existed.
 */
export const BEARER_REFUSALS = {
  missing: 'missing API key: send it as "Authorization: Bearer <key>" (run `td auth login` to get one)',
  scheme: 'unsupported Authorization scheme: send the API key as "Authorization: Bearer <key>"',
  invalid: 'API key not recognised (unknown or revoked): run `td auth login` to get a new one',
  expired: 'API key has expired: run `td auth login` to get a new one',
  disabled: "this account is disabled: ask the server's operator to enable it",
} as const;

type Refusal = keyof typeof BEARER_REFUSALS;

const REFUSAL_BY_REASON: Record<'unknown' | 'revoked' | 'expired' | 'disabled', Refusal> = {
  unknown: 'invalid',
  revoked: 'invalid',
  expired: 'expired',
  disabled: 'disabled',
};

/** RFC 6750: a 401 names the scheme the client should use, in WWW-Authenticate. */
export const BEARER_CHALLENGE = 'Bearer realm="td-sync"';

export type BearerOutcome = { ok: true; caller: AuthenticatedUser } | { ok: false; refusal: ProtocolException };

/**
 * Resolves `Authorization: Bearer <key>` to the caller, or to the 401 to
 * answer. The app runs it for every authenticated route before the request's
 * body is read, and leaves the caller on `request.user` for @CurrentUser(),
 * the rate limiter and the role guard.
 */
@Injectable()
export class BearerAuthenticator {
  constructor(private readonly apiKeys: ApiKeyService) {}

  async authenticate(authorization: string | undefined): Promise<BearerOutcome> {
    const refuse = (refusal: Refusal): BearerOutcome => ({
      ok: false,
      refusal: new ProtocolException(HttpStatus.UNAUTHORIZED, 'unauthorized', BEARER_REFUSALS[refusal]),
    });
    const header = authorization?.trim() ?? '';
    if (header === '') return refuse('missing');
    const [scheme, ...rest] = header.split(/\s+/);
    if (scheme.toLowerCase() !== 'bearer') return refuse('scheme');
    if (rest.length === 0) return refuse('missing');
    if (rest.length > 1) return refuse('invalid');

    const result = await this.apiKeys.check(rest[0]);
    return result.ok ? { ok: true, caller: result.caller } : refuse(REFUSAL_BY_REASON[result.reason]);
  }
}
