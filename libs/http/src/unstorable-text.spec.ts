import { findUnstorableText, isUnstorableText } from './unstorable-text';

describe('isUnstorableText', () => {
  it('finds NUL and lone surrogates of either half, anywhere', () => {
    for (const text of ['\u0000', 'a\u0000b', '\ud800', 'x\udfff', '\ud83d', 'end\udc00']) expect(isUnstorableText(text)).toBe(true);
  });

  it('lets paired surrogates (astral characters) and every other character through', () => {
    for (const text of ['', 'plain', '😀', 'a\u0001b', '\ufffd', '\uffff', 'tab\there', 'ünïcödé 漢字']) expect(isUnstorableText(text)).toBe(false);
  });
});

describe('findUnstorableText', () => {
  it('names the field, the element or the key that holds it', () => {
    expect(findUnstorableText({ name: 'ok', description: 'bad\u0000' })).toBe('description');
    expect(findUnstorableText({ a: { b: ['ok', '\ud800'] } })).toBe('a.b[1]');
    expect(findUnstorableText({ ['k\u0000']: 1 })).toBe('a key of the body');
    expect(findUnstorableText({ a: { ['\udfff']: 1 } })).toBe('a key of a');
    expect(findUnstorableText('\u0000')).toBe('the body');
  });

  it('finds nothing in clean bodies of any shape', () => {
    expect(findUnstorableText({ name: 'Team 😀', n: 1, ok: true, none: null, list: [1, 'two', { three: 3 }] })).toBeUndefined();
    expect(findUnstorableText(undefined)).toBeUndefined();
    expect(findUnstorableText(42)).toBeUndefined();
  });
});
