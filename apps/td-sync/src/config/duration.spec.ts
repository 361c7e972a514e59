import { parseDurationMs } from './duration';

describe('parseDurationMs', () => {
  it.each([
    ['1h', 3_600_000],
    ['250us', 0],
    ['2m3s', 123_000],
    ['.5s', 500],
  ])('parses %s', (text, ms) => expect(parseDurationMs(text)).toBe(ms));

  it.each(['', '5', 's', '5 s', '-1s', '1d', '1s2'])('refuses %p', (text) => expect(parseDurationMs(text)).toBeUndefined());
});
