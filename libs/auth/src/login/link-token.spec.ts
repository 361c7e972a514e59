import { formatLinkToken, newLinkToken, parseLinkToken } from './link-token';

describe('approval link tokens', () => {
  it('round-trip through the URL form <selector>.<secret>', () => {
    const token = newLinkToken();
    expect(formatLinkToken(token)).toMatch(/^[0-9a-f]{24}\.[0-9A-Za-z]{32}$/);
    expect(parseLinkToken(formatLinkToken(token))).toEqual(token);
  });

  it('are URL-safe as they are', () => {
    const text = formatLinkToken(newLinkToken());
    expect(encodeURIComponent(text)).toBe(text);
  });

  it('tolerate surrounding whitespace, as a pasted link may have', () => {
    const token = newLinkToken();
    expect(parseLinkToken(` ${formatLinkToken(token)}\n`)).toEqual(token);
  });

  it.each([undefined, 42, ['a'], '', 'nodot', `${'a'.repeat(24)}.`, `.${'a'.repeat(32)}`, `${'g'.repeat(24)}.${'a'.repeat(32)}`, `${'a'.repeat(24)}.${'a'.repeat(31)}!`, `${'a'.repeat(24)}.${'a'.repeat(32)}.x`])(
    'reject %j',
    (value) => expect(parseLinkToken(value)).toBeUndefined(),
  );
});
