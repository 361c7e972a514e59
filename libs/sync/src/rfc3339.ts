/**
 * RFC 3339 client timestamps, normalised to UTC without touching their
 * precision. JavaScript's Date keeps milliseconds only and Go clients send up
 * to nanoseconds, so the arithmetic is done on whole seconds and the fraction
 * is carried over as the client spelled it:
 * "2026-01-31T10:15:02.123456789+02:00" → "2026-01-31T08:15:02.123456789Z".
 *
 * Accepted exactly as Go's time.Parse(time.RFC3339) accepts: upper-case `T` and
 * `Z`, seconds 00–59 (no leap second), a day that exists in its month, an
 * offset of at most ±23:59, a fraction of one or more digits. A value whose UTC
 * form would fall outside the years 0000–9999 is refused, because it cannot be
 * written as RFC 3339.
 */

const ZERO = 48;
const SECONDS_PER_DAY = 86_400;

/** The UTC form of an RFC 3339 timestamp, or undefined when the value is not one. */
export function normalizeRfc3339(value: string): string | undefined {
  const length = value.length;
  if (length < 20) return undefined;
  const year = digits(value, 0, 4);
  const month = digits(value, 5, 2);
  const day = digits(value, 8, 2);
  const hour = digits(value, 11, 2);
  const minute = digits(value, 14, 2);
  const second = digits(value, 17, 2);
  if (
    value.charCodeAt(4) !== 45 /* - */ ||
    value.charCodeAt(7) !== 45 /* - */ ||
    value.charCodeAt(10) !== 84 /* T */ ||
    value.charCodeAt(13) !== 58 /* : */ ||
    value.charCodeAt(16) !== 58 /* : */
  ) {
    return undefined;
  }
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;

  let zoneAt = 19;
  if (value.charCodeAt(19) === 46 /* . */) {
    zoneAt = 20;
    while (zoneAt < length && isDigit(value.charCodeAt(zoneAt))) zoneAt++;
    if (zoneAt === 20) return undefined;
  }

  const zone = value.charCodeAt(zoneAt);
  if (zone === 90 /* Z */) {
    return zoneAt === length - 1 ? value : undefined;
  }
  if ((zone !== 43 /* + */ && zone !== 45) /* - */ || length - zoneAt !== 6 || value.charCodeAt(zoneAt + 3) !== 58 /* : */) {
    return undefined;
  }
  const offsetHours = digits(value, zoneAt + 1, 2);
  const offsetMinutes = digits(value, zoneAt + 4, 2);
  if (offsetHours < 0 || offsetHours > 23 || offsetMinutes < 0 || offsetMinutes > 59) return undefined;
  const offsetSeconds = (zone === 43 ? 1 : -1) * (offsetHours * 3600 + offsetMinutes * 60);
  const fraction = value.slice(19, zoneAt);
  if (offsetSeconds === 0) return value.slice(0, 19) + fraction + 'Z';

  const local = daysFromCivil(year, month, day) * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second;
  const utc = local - offsetSeconds;
  const days = Math.floor(utc / SECONDS_PER_DAY);
  const secondOfDay = utc - days * SECONDS_PER_DAY;
  const date = civilFromDays(days);
  if (date < 0 || date > 9999_12_31) return undefined;
  const utcYear = Math.floor(date / 10_000);
  return (
    TWO_DIGITS[Math.floor(utcYear / 100)] +
    TWO_DIGITS[utcYear % 100] +
    '-' +
    TWO_DIGITS[Math.floor(date / 100) % 100] +
    '-' +
    TWO_DIGITS[date % 100] +
    'T' +
    TWO_DIGITS[Math.floor(secondOfDay / 3600)] +
    ':' +
    TWO_DIGITS[Math.floor(secondOfDay / 60) % 60] +
    ':' +
    TWO_DIGITS[secondOfDay % 60] +
    fraction +
    'Z'
  );
}

/** "00" to "99": formatting without padStart keeps a 1000-event push cheap. */
const TWO_DIGITS: readonly string[] = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));

function isDigit(code: number): boolean {
  return code >= ZERO && code <= ZERO + 9;
}

/** The decimal number in value[at, at+count), or -1 when any of those is not a digit. */
function digits(value: string, at: number, count: number): number {
  let result = 0;
  for (let i = at; i < at + count; i++) {
    const code = value.charCodeAt(i);
    if (!isDigit(code)) return -1;
    result = result * 10 + (code - ZERO);
  }
  return result;
}

function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

// Proleptic Gregorian calendar <-> days since 1970-01-01 (H. Hinnant's
// algorithms), exact for every year and free of Date's two-digit-year quirks.

function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** The date of a day number as yyyymmdd (one number: no allocation), negative before year 0. */
function civilFromDays(days: number): number {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return year < 0 ? -1 : year * 10_000 + month * 100 + day;
}
