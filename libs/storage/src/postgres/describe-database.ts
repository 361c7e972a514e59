/**
 * `host:port/database` of a PostgreSQL URL, for log lines: never its
 * password. A socket directory given as `?host=` stands in for the host.
 */
export function describeDatabase(url: string): string {
  try {
    const parsed = new URL(url);
    const host = parsed.hostname || parsed.searchParams.get('host') || 'localhost';
    const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || decodeURIComponent(parsed.username) || 'postgres';
    return `${host}:${parsed.port || '5432'}/${database}`;
  } catch {
    return 'the configured database';
  }
}
