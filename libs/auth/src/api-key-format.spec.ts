import { API_KEY_PREFIX, generateApiKey, isWellFormedApiKey } from './api-key-format';

describe('API key format', () => {
  it('is td_live_ followed by 32 base62 characters, with the first 8 of them as display prefix', () => {
    for (let i = 0; i < 200; i++) {
      const { key, displayPrefix } = generateApiKey();
      expect(key).toMatch(/^td_live_[0-9A-Za-z]{32}$/);
      expect(displayPrefix).toBe(key.slice(API_KEY_PREFIX.length, API_KEY_PREFIX.length + 8));
      expect(isWellFormedApiKey(key)).toBe(true);
    }
  });

  it('never repeats and uses the whole base62 alphabet', () => {
    const keys = Array.from({ length: 2000 }, () => generateApiKey().key);
    expect(new Set(keys).size).toBe(keys.length);
    const characters = new Set([...keys.map((k) => k.slice(API_KEY_PREFIX.length)).join('')]);
    expect(characters.size).toBe(62);
  });

  it.each([
    ['another prefix', `td_test_${'a'.repeat(32)}`],
    ['a short secret', `td_live_${'a'.repeat(31)}`],
    ['a long secret', `td_live_${'a'.repeat(33)}`],
    ['a non-base62 character', `td_live_${'a'.repeat(31)}-`],
    ['surrounding space', ` td_live_${'a'.repeat(32)}`],
    ['nothing', ''],
  ])('rejects %s', (_case, value) => {
    expect(isWellFormedApiKey(value)).toBe(false);
  });
});
