/**
 * The SYNC_* variables the server reads, taken from its config class, so the
 * deploy files cannot drift from the names the server knows.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './deploy-support';

export function knownSyncVariables(): Set<string> {
  const source = readFileSync(join(REPO_ROOT, 'apps/td-sync/src/config/sync-config.ts'), 'utf8');
  const names = new Set(source.match(/SYNC_[A-Z_]+/g) ?? []);
  if (names.size < 10) throw new Error('could not find the SYNC_* names in apps/td-sync/src/config/sync-config.ts');
  return names;
}

/** Seconds in a duration as SYNC_SHUTDOWN_TIMEOUT takes it (500ms, 30s, 2m, 1h). */
export function parseDurationSeconds(text: string): number {
  const match = /^(\d+)(ms|s|m|h)$/.exec(text.trim());
  if (!match) throw new Error(`not a duration: ${text}`);
  const unit = { ms: 0.001, s: 1, m: 60, h: 3600 }[match[2] as 'ms' | 's' | 'm' | 'h'];
  return Number(match[1]) * unit;
}
