import { transformFileSync } from '@swc/core';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

/**
 * A worker thread's program, for a spec: the specs run from the TypeScript
 * sources, which a worker thread cannot load, so `files` (the program's
 * entry first, then the modules it imports by relative path, all in one
 * directory) are compiled to CommonJS with SWC into a temporary directory,
 * as `nest build` compiles them into dist/. Returns the entry's path there;
 * the caller removes its directory when done.
 */
export function workerProgram(files: readonly string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'td-sync-worker-'));
  for (const file of files) {
    const { code } = transformFileSync(file, {
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
      module: { type: 'commonjs' },
      swcrc: false,
    });
    const target = join(dir, basename(file).replace(/\.ts$/, '.js'));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, code);
  }
  return join(dir, basename(files[0]).replace(/\.ts$/, '.js'));
}
