import { SYNC_SETTINGS, SyncConfig } from './sync-config';

/**
 * One warning per `SYNC_*` variable that is no td-sync setting: a misspelt
 * one (SYNC_LISTEN_ADDRESS) otherwise goes unnoticed while its default
 * applies, which for a data path means data written where nobody looks.
 * The nearest setting is suggested when one is near: a few letters off, or
 * containing the unknown name's words (SYNC_DATA_DIR, SYNC_PROJECT_DATA_DIR).
 */
export function unknownSettingWarnings(config: SyncConfig): string[] {
  return config.unknownSettings.map((name) => {
    const near = nearestSetting(name);
    return `${name} is not a td-sync setting and has no effect${near ? ` (did you mean ${near}?)` : ''}; the README's Configuration section lists the settings`;
  });
}

function nearestSetting(name: string): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const setting of SYNC_SETTINGS) {
    const distance = editDistance(name, setting);
    if (distance < bestDistance) [best, bestDistance] = [setting, distance];
  }
  if (best !== undefined && bestDistance <= 3) return best;
  const words = name.slice('SYNC_'.length);
  return words.length >= 4 ? [...SYNC_SETTINGS].find((setting) => setting.endsWith(`_${words}`)) : undefined;
}

/** Levenshtein distance: insertions, deletions and substitutions. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = row;
  }
  return previous[b.length];
}
