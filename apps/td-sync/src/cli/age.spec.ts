import { parseAgeMs } from './age';

describe('parseAgeMs (--older-than)', () => {
  it.each([
    ['30d', 30 * 86_400_000],
    ['1.5d', 36 * 3_600_000],
    ['2w', 14 * 86_400_000],
    ['36h', 36 * 3_600_000],
    ['90m', 90 * 60_000],
    ['0', 0],
  ])('%s', (text, ms) => {
    expect(parseAgeMs(text)).toBe(ms);
  });

  it.each(['', 'd', '30', '30 days', '-1d', 'soon'])('refuses %j', (text) => {
    expect(parseAgeMs(text)).toBeUndefined();
  });
});
