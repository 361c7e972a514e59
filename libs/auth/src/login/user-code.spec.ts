import fc from 'fast-check';
import { generateUserCode, normalizeUserCode, USER_CODE_ALPHABET } from './user-code';

describe('user codes', () => {
  it('are 6 characters from the alphabet without 0, 1, I, L and O', () => {
    expect(USER_CODE_ALPHABET).toBe('ABCDEFGHJKMNPQRSTUVWXYZ23456789');
    for (let i = 0; i < 500; i++) expect(generateUserCode()).toMatch(/^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{6}$/);
  });

  it('use every character of the alphabet', () => {
    const seen = new Set([...Array.from({ length: 400 }, generateUserCode).join('')]);
    expect(seen.size).toBe(USER_CODE_ALPHABET.length);
  });

  it.each([
    ['ABC234', 'ABC234'],
    ['abc234', 'ABC234'],
    ['AbC-234', 'ABC234'],
    [' abc 234 ', 'ABC234'],
    ['a-b-c-2-3-4', 'ABC234'],
    ['abc–234', 'ABC234'], // en dash, as some terminals and chat apps render it
    ['abc\u00a0234', 'ABC234'], // no-break space from a copied web page
    ['ABC\t234\n', 'ABC234'],
  ])('normalises %j to %s', (typed, code) => {
    expect(normalizeUserCode(typed)).toBe(code);
  });

  it.each([
    ['empty', ''],
    ['too short', 'ABC23'],
    ['too long', 'ABC2345'],
    ['a zero', 'ABC230'],
    ['a one', 'ABC231'],
    ['an I', 'ABCI23'],
    ['an L', 'ABCL23'],
    ['an O', 'ABCO23'],
    ['punctuation', 'ABC.23'],
    ['an underscore', 'ABC_234'],
    ['a letter that upper-cases to two', 'ABC23ß'],
  ])('rejects %s', (_case, typed) => {
    expect(normalizeUserCode(typed)).toBeUndefined();
  });

  it('finds any issued code however it is spaced, dashed and cased', () => {
    const separator = fc.constantFrom('', ' ', '-', '  ', ' - ', '\u2013');
    fc.assert(
      fc.property(fc.constant(null).map(generateUserCode), fc.array(separator, { minLength: 7, maxLength: 7 }), fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }), (code, seps, lower) => {
        const typed = seps[0] + [...code].map((c, i) => (lower[i] ? c.toLowerCase() : c) + seps[i + 1]).join('');
        expect(normalizeUserCode(typed)).toBe(code);
      }),
    );
  });
});
