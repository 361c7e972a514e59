import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const PACKAGE_NAME = 'td-sync';

/**
 * td-sync's version from its package.json, found by walking up from this
 * file: the same code runs from apps/ (tests), dist/ (npm start) and the
 * Docker image's /app/dist. "unknown" when none is found, which only a
 * hand-copied build would see.
 */
export function serverVersion(from = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === PACKAGE_NAME && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // No package.json here (or not ours): keep looking further up.
    }
    if (dirname(dir) === dir) return 'unknown';
  }
}
