import { createHash, randomBytes } from 'node:crypto';
import { s256Challenge, verifierMatches } from './pkce';

describe('PKCE S256', () => {
  // RFC 7636, Appendix B.
  const RFC_VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
  const RFC_CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

  it('computes the RFC 7636 example challenge', () => {
    expect(s256Challenge(RFC_VERIFIER)).toBe(RFC_CHALLENGE);
  });

  it('is base64url without padding, 43 characters', () => {
    for (let i = 0; i < 200; i++) expect(s256Challenge(randomBytes(32).toString('base64url'))).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('matches the verifier the challenge was made from, as td makes them', () => {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    expect(verifierMatches(verifier, challenge)).toBe(true);
  });

  it.each([
    ['another verifier', 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK'],
    ['the challenge itself', RFC_CHALLENGE],
    ['an empty verifier', ''],
  ])('does not match %s', (_case, verifier) => {
    expect(verifierMatches(verifier, RFC_CHALLENGE)).toBe(false);
  });

  it('does not match padded, standard-base64 or hex spellings of the challenge', () => {
    const digest = createHash('sha256').update(RFC_VERIFIER).digest();
    expect(verifierMatches(RFC_VERIFIER, `${RFC_CHALLENGE}=`)).toBe(false);
    expect(verifierMatches(RFC_VERIFIER, digest.toString('base64'))).toBe(false);
    expect(verifierMatches(RFC_VERIFIER, digest.toString('hex'))).toBe(false);
  });
});
