import BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDescriptorShortage } from './descriptor-shortage';

/**
 * Running out for real is held by the adversarial descriptor-budget spec,
 * under a lowered ulimit; here, what must never be taken for a shortage.
 */
describe('isDescriptorShortage', () => {
  it('takes EMFILE and ENFILE from Node at their word', () => {
    expect(isDescriptorShortage(Object.assign(new Error('too many open files'), { code: 'EMFILE' }))).toBe(true);
    expect(isDescriptorShortage(Object.assign(new Error('file table overflow'), { code: 'ENFILE' }))).toBe(true);
  });

  it('does not take a database SQLite cannot open for other reasons, while descriptors are to be had, for a shortage', () => {
    const dir = mkdtempSync(join(tmpdir(), 'td-sync-shortage-'));
    try {
      let error: unknown;
      try {
        new BetterSqlite3(dir); // a directory, not a database file
      } catch (caught) {
        error = caught;
      }
      expect((error as { code: string }).code).toBe('SQLITE_CANTOPEN');
      expect(isDescriptorShortage(error)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ignores every other error', () => {
    for (const error of [new Error('x'), Object.assign(new Error('x'), { code: 'ENOENT' }), Object.assign(new Error('x'), { code: 'SQLITE_BUSY' }), null, 'EMFILE']) {
      expect(isDescriptorShortage(error)).toBe(false);
    }
  });
});
