import type { GoTime } from '@td-sync/storage';
import { normalizeRfc3339 } from '@td-sync/sync';

/**
 * A time as the Go server's SQLite driver (modernc.org/sqlite) left it:
 * `2006-01-02 15:04:05.999999999-07:00` (its `_time_format=sqlite`, current
 * releases), `2006-01-02 15:04:05` (CURRENT_TIMESTAMP defaults, UTC),
 * Go's `time.Time.String()` (`... +0000 UTC`, `m=+0.01` and all; older
 * releases), or RFC 3339.
 */
const GO_TIME =
  /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})?(?:\s+(?:[A-Za-z]{1,6}|[+-]\d{2,4}))?(?:\s+m=[+-]\d+(?:\.\d+)?)?$/;

/** The time in RFC 3339 UTC with every digit of its fraction kept; undefined when it is not a time. */
export function goTimeToRfc3339(value: GoTime): string | undefined {
  if (value === null) return undefined;
  // The driver reads and writes times as text; a number is Unix seconds.
  if (typeof value === 'number') return Number.isFinite(value) ? isoOrUndefined(value * 1000) : undefined;
  const match = GO_TIME.exec(value.trim());
  if (!match) return undefined;
  const [, date, clock, fraction = '', zone] = match;
  return normalizeRfc3339(`${date}T${clock}${fraction}${offset(zone)}`);
}

/** The time as td-sync stores its own (`Date.toISOString()`: milliseconds, UTC), so that stored times compare as text. */
export function goTimeToIso(value: GoTime): string | undefined {
  const rfc3339 = goTimeToRfc3339(value);
  if (rfc3339 === undefined) return undefined;
  // Date parses at most milliseconds: cut the fraction there (truncating, as Go's formatting does).
  const millis = rfc3339.replace(/(\.\d{1,3})\d*Z$/, '$1Z');
  return isoOrUndefined(Date.parse(millis));
}

function offset(zone: string | undefined): string {
  if (zone === undefined || zone === 'Z') return 'Z';
  return zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
}

function isoOrUndefined(epochMs: number): string | undefined {
  const date = new Date(epochMs);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
