/**
 * When a login request expires, as the pages say it: the UTC time and the
 * minutes left ("at 08:30 UTC, in 14 minutes"). The pages run no script, so
 * the browser cannot show local time; minutes left read the same anywhere.
 */
export function describeExpiry(expiresAt: string, now: Date): string {
  const at = new Date(expiresAt);
  const minutes = Math.max(1, Math.ceil((at.getTime() - now.getTime()) / 60_000));
  const clock = at.toISOString().slice(11, 16);
  return `at ${clock} UTC, in ${minutes} minute${minutes === 1 ? '' : 's'}`;
}
