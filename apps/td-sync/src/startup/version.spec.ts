import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { serverVersion } from './version';

describe('serverVersion', () => {
  it('is the version in td-sync\'s package.json', () => {
    const pkg = JSON.parse(readFileSync(resolve(__dirname, '../../../../package.json'), 'utf8')) as { version: string };
    expect(serverVersion()).toBe(pkg.version);
  });

  it('skips package.json files of other packages on the way up, and says unknown when there is none of ours', () => {
    const dir = mkdtempSync(join(tmpdir(), 'td-sync-version-'));
    try {
      mkdirSync(join(dir, 'app', 'nested', 'deeper'), { recursive: true });
      writeFileSync(join(dir, 'app', 'nested', 'package.json'), JSON.stringify({ name: 'something-else', version: '9.9.9' }));
      expect(serverVersion(join(dir, 'app', 'nested', 'deeper'))).toBe('unknown');
      writeFileSync(join(dir, 'app', 'package.json'), JSON.stringify({ name: 'td-sync', version: '3.4.5' }));
      expect(serverVersion(join(dir, 'app', 'nested', 'deeper'))).toBe('3.4.5');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
