import { transformFileSync } from '@swc/core';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * A worker thread's program, for a spec: the specs run from the TypeScript
 * sources, which a worker thread cannot load, so `entry` and every module it
 * imports by relative path, transitively, are compiled to CommonJS with SWC
 * into a temporary directory, as `nest build` compiles them into dist/.
 * Following the imports keeps the program's file list where it is written
 * once, in its imports. Returns the entry's path there; the caller removes
 * its directory when done.
 */
export function workerProgram(entry: string): string {
  const root = dirname(entry);
  const dir = mkdtempSync(join(tmpdir(), 'td-sync-worker-'));
  const pending = [entry];
  const compiled = new Set<string>();
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (compiled.has(file)) continue;
    compiled.add(file);
    const path = relative(root, file);
    if (path.startsWith('..') || !existsSync(file)) throw new Error(`${entry} imports ${file}, which is not a .ts file beside it or below`);
    const { code } = transformFileSync(file, {
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
      module: { type: 'commonjs' },
      swcrc: false,
    });
    const target = join(dir, path.replace(/\.ts$/, '.js'));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, code);
    // Type-only imports are gone from the output; what is left to require relatively is part of the program.
    for (const [, imported] of code.matchAll(/require\(["'](\.{1,2}\/[^"']+)["']\)/g)) pending.push(resolve(dirname(file), `${imported}.ts`));
  }
  return join(dir, relative(root, entry).replace(/\.ts$/, '.js'));
}
