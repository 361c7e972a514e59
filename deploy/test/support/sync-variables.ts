/**
 * The SYNC_* variables the server reads: its own list of settings
 * (SYNC_SETTINGS, which SyncConfig refuses to read beyond), so the deploy
 * files cannot drift from the names the server knows.
 */
import { SYNC_SETTINGS } from '../../../apps/td-sync/src/config/sync-config';

export function knownSyncVariables(): Set<string> {
  return new Set(SYNC_SETTINGS);
}

/** Seconds in a duration as SYNC_SHUTDOWN_TIMEOUT takes it (500ms, 30s, 2m, 1h). */
export function parseDurationSeconds(text: string): number {
  const match = /^(\d+)(ms|s|m|h)$/.exec(text.trim());
  if (!match) throw new Error(`not a duration: ${text}`);
  const unit = { ms: 0.001, s: 1, m: 60, h: 3600 }[match[2] as 'ms' | 's' | 'm' | 'h'];
  return Number(match[1]) * unit;
}
