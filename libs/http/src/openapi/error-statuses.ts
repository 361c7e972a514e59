import type { ErrorCode } from '../error-code';

export interface ErrorStatus {
  status: number;
  /** When a server answers with this code, in PROTOCOL.md's words. */
  when: string;
}

/**
 * PROTOCOL.md's error table: the status each code is sent with, and when. The
 * API reference (/openapi.json) documents every error from it; typed as a
 * record over ErrorCode, so a new code cannot be left out of it.
 */
export const ERROR_STATUSES: Readonly<Record<ErrorCode, ErrorStatus>> = {
  bad_request: { status: 400, when: 'malformed JSON, a missing or invalid field, or a bad query parameter' },
  unauthorized: { status: 401, when: 'missing, malformed, unknown, revoked or expired Bearer key' },
  invalid_verifier: { status: 401, when: 'the code_verifier does not match the code_challenge sent at start' },
  forbidden: { status: 403, when: 'authenticated, but not a member or the role is too low' },
  signup_disabled: { status: 403, when: 'an email with no account while signups are off (SYNC_ALLOW_SIGNUP=false)' },
  not_found: { status: 404, when: 'unknown (or deleted) project, member or auth request' },
  conflict: { status: 409, when: 'the user already is a member' },
  expired: { status: 410, when: 'the device code expired' },
  already_used: { status: 410, when: 'the device code was already redeemed' },
  endpoint_disabled: { status: 410, when: 'typed-code logins are off on this server (SYNC_CODE_LOGIN=off)' },
  payload_too_large: { status: 413, when: 'request body over 10 MiB' },
  unsupported_media_type: { status: 415, when: 'a request body with a Content-Encoding other than identity' },
  rate_limited: { status: 429, when: 'rate limit hit; Retry-After says how many seconds to wait' },
  internal_error: { status: 500, when: 'anything unexpected; logged with the request id (X-Request-ID)' },
  unavailable: { status: 503, when: 'too many request bytes in flight, or the database does not answer; Retry-After says when to retry' },
};

export const ERROR_CODES = Object.keys(ERROR_STATUSES) as ErrorCode[];
