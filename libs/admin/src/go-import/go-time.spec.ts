import { goTimeToIso, goTimeToRfc3339 } from './go-time';

describe('times written by the Go server', () => {
  it.each([
    // modernc.org/sqlite with _time_format=sqlite (current releases)
    ['2026-01-31 08:15:02.123456789+00:00', '2026-01-31T08:15:02.123456789Z'],
    ['2026-01-31 10:15:02.5+02:00', '2026-01-31T08:15:02.5Z'],
    ['2026-01-31 02:15:02-06:00', '2026-01-31T08:15:02Z'],
    // CURRENT_TIMESTAMP defaults: UTC without a zone
    ['2026-01-31 08:15:02', '2026-01-31T08:15:02Z'],
    // time.Time.String() (older releases wrote times this way)
    ['2026-01-31 08:15:02.123 +0000 UTC', '2026-01-31T08:15:02.123Z'],
    ['2026-01-31 10:15:02.123 +0200 +0200', '2026-01-31T08:15:02.123Z'],
    ['2026-01-31 08:15:02.123456 +0000 UTC m=+0.000123', '2026-01-31T08:15:02.123456Z'],
    // RFC 3339 as such
    ['2026-01-31T08:15:02Z', '2026-01-31T08:15:02Z'],
    ['2026-01-31T23:15:02.1-09:00', '2026-02-01T08:15:02.1Z'],
  ])('%s is %s', (stored, expected) => {
    expect(goTimeToRfc3339(stored)).toBe(expected);
  });

  it('reads a number as Unix seconds', () => {
    expect(goTimeToRfc3339(1_769_847_302)).toBe('2026-01-31T08:15:02.000Z');
  });

  it.each([null, '', 'yesterday', '2026-13-01 00:00:00', '2026-01-31 08:15', '2026-01-31 08:15:02 +99:99'])('refuses %j', (stored) => {
    expect(goTimeToRfc3339(stored)).toBeUndefined();
  });

  it("stores server-database times as td-sync's own: milliseconds, UTC", () => {
    expect(goTimeToIso('2026-01-31 10:15:02.987654321+02:00')).toBe('2026-01-31T08:15:02.987Z');
    expect(goTimeToIso('2026-01-31 08:15:02')).toBe('2026-01-31T08:15:02.000Z');
    expect(goTimeToIso('garbage')).toBeUndefined();
  });
});
