import fc from 'fast-check';
import { normalizeRfc3339 } from './rfc3339';

describe('normalizeRfc3339', () => {
  it.each([
    ['2026-01-31T08:15:02Z', '2026-01-31T08:15:02Z'],
    ['2026-01-31T08:15:02.123Z', '2026-01-31T08:15:02.123Z'],
    ['2026-01-31T10:15:02.123+02:00', '2026-01-31T08:15:02.123Z'],
    ['2026-01-31T10:15:02+02:00', '2026-01-31T08:15:02Z'],
    ['2026-01-31T08:15:02.120Z', '2026-01-31T08:15:02.120Z'],
    ['2026-01-31T08:15:02.123456789-05:30', '2026-01-31T13:45:02.123456789Z'],
    ['2026-01-31T08:15:02.5+00:00', '2026-01-31T08:15:02.5Z'],
    ['2026-01-31T08:15:02-00:00', '2026-01-31T08:15:02Z'],
    // Offsets that move the date across a day, a month, a year and a leap day.
    ['2026-01-01T00:30:00+01:00', '2025-12-31T23:30:00Z'],
    ['2025-12-31T23:30:00-01:00', '2026-01-01T00:30:00Z'],
    ['2024-03-01T01:00:00+02:00', '2024-02-29T23:00:00Z'],
    ['2023-03-01T01:00:00+02:00', '2023-02-28T23:00:00Z'],
    ['2000-02-28T23:00:00-23:59', '2000-02-29T22:59:00Z'],
    ['0000-01-01T00:00:00Z', '0000-01-01T00:00:00Z'],
    ['0099-06-15T12:00:00+01:00', '0099-06-15T11:00:00Z'],
    ['9999-12-31T23:59:59.999999999Z', '9999-12-31T23:59:59.999999999Z'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeRfc3339(input)).toBe(expected);
  });

  it.each([
    '',
    '2026-01-31',
    '2026-01-31T08:15:02',
    '2026-01-31 08:15:02Z',
    '2026-01-31t08:15:02Z',
    '2026-01-31T08:15:02z',
    '2026-01-31T08:15Z',
    '2026-1-31T08:15:02Z',
    '2026-01-31T08:15:02.Z',
    '2026-01-31T08:15:02,5Z',
    '2026-01-31T08:15:02+0200',
    '2026-01-31T08:15:02+02',
    '2026-01-31T08:15:02+24:00',
    '2026-01-31T08:15:02+02:60',
    '2026-01-31T08:15:02Z ',
    ' 2026-01-31T08:15:02Z',
    '2026-01-31T08:15:02ZZ',
    '2026-13-01T00:00:00Z',
    '2026-00-01T00:00:00Z',
    '2026-02-29T00:00:00Z',
    '1900-02-29T00:00:00Z',
    '2026-04-31T00:00:00Z',
    '2026-01-00T00:00:00Z',
    '2026-01-31T24:00:00Z',
    '2026-01-31T23:60:00Z',
    '2026-01-31T23:59:60Z',
    '+2026-01-31T08:15:02Z',
    '２０２６-01-31T08:15:02Z',
    '0000-01-01T00:30:00+01:00',
    '9999-12-31T23:30:00-01:00',
    'not a timestamp at all',
  ])('refuses %j', (input) => {
    expect(normalizeRfc3339(input)).toBeUndefined();
  });

  it('agrees with Date for every millisecond-precision instant and offset', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1, 0, 2), max: Date.UTC(9998, 11, 30) }),
        fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }),
        (instant, offsetMinutes) => {
          const local = new Date(instant + offsetMinutes * 60_000).toISOString().slice(0, 23);
          const sign = offsetMinutes < 0 ? '-' : '+';
          const abs = Math.abs(offsetMinutes);
          const zone = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
          expect(normalizeRfc3339(local + zone)).toBe(new Date(instant).toISOString());
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('keeps every fraction digit the client sent', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{1,12}$/), fc.integer({ min: -23, max: 23 }), (fraction, hours) => {
        const zone = `${hours < 0 ? '-' : '+'}${String(Math.abs(hours)).padStart(2, '0')}:00`;
        const normalised = normalizeRfc3339(`2026-06-15T12:00:00.${fraction}${zone}`);
        expect(normalised).toMatch(new RegExp(`^\\d{4}-\\d{2}-\\d{2}T\\d{2}:00:00\\.${fraction}Z$`));
      }),
    );
  });
});
