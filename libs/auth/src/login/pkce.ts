import { createHash } from 'node:crypto';
import { secretsEqual } from '../secrets';

/** The only PKCE method td clients use (RFC 7636 S256); `plain` would let a device code alone finish a login. */
export const PKCE_METHOD = 'S256';

/** base64url(SHA-256(verifier)) without padding, as RFC 7636 section 4.2 defines it. */
export function s256Challenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'utf8').digest('base64url');
}

/** Constant-time comparison of the verifier's challenge with the stored one. */
export function verifierMatches(verifier: string, challenge: string): boolean {
  return secretsEqual(s256Challenge(verifier), challenge);
}
