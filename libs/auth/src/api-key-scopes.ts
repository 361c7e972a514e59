/** What every key a login issues may do: push, pull and everything else of PROTOCOL.md. */
export const SYNC_SCOPE = 'sync';

/**
 * Opens the admin API (/v1/admin/). Only the operator's command line mints it
 * (`td-sync keys create --admin`); no login ever does.
 */
export const ADMIN_SCOPE = 'admin';

/** The scopes of a stored, comma-separated list. */
export function parseScopes(stored: string): string[] {
  return stored
    .split(',')
    .map((scope) => scope.trim())
    .filter((scope) => scope !== '');
}
