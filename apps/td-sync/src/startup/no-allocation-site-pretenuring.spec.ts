/* eslint-disable @typescript-eslint/no-require-imports -- jest.isolateModules gives a fresh copy of a module only to require */
import { spawnSync } from 'node:child_process';

/**
 * Loads the module with V8's setFlagsFromString stubbed, and returns its
 * exported flag and the flags it set. Never imported plainly here: loading it
 * would turn pretenuring off in this Jest worker for every spec after this one.
 */
function loadWithFlagsStubbed(): { flag: string; set: string[] } {
  // The module object itself (an `import * as` would be a copy of its properties).
  const v8 = require('node:v8') as typeof import('node:v8');
  const setFlags = jest.spyOn(v8, 'setFlagsFromString').mockImplementation(() => undefined);
  try {
    let flag = '';
    jest.isolateModules(() => {
      flag = (require('./no-allocation-site-pretenuring') as typeof import('./no-allocation-site-pretenuring')).NO_PRETENURING_FLAG;
    });
    return { flag, set: setFlags.mock.calls.map(([value]) => value) };
  } finally {
    setFlags.mockRestore();
  }
}

const NO_PRETENURING_FLAG = loadWithFlagsStubbed().flag;

/**
 * A fresh Node process that makes 400,000 objects from one object literal and
 * keeps them all (V8 sees every one of them survive its scavenges), then
 * reports whether one more object from that literal is made in the young
 * generation. `flag`: set at run time first, as main.ts does.
 */
function literalAfterSurvivors(flag?: string): { young: boolean; kept: number } {
  const script = `
    ${flag ? `require('node:v8').setFlagsFromString(${JSON.stringify(flag)});` : ''}
    const kept = [];
    function make(i) { return { i, list: [i], name: 'x' + i }; }
    for (let round = 0; round < 20; round++) for (let i = 0; i < 20000; i++) kept.push(make(i));
    console.log(JSON.stringify({ young: %InYoungGeneration(make(1)), kept: kept.length }));
  `;
  const child = spawnSync(process.execPath, ['--allow-natives-syntax', '--max-semi-space-size=4', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  expect(child.stderr).toBe('');
  return JSON.parse(child.stdout) as { young: boolean; kept: number };
}

describe('no-allocation-site-pretenuring', () => {
  it('is needed: once a literal\'s objects have survived, V8 makes its next ones in old space', () => {
    // Whether V8 decides to pretenure the literal varies from one process to the next (in about four
    // processes of five on the development machine; the others never do, however long they run): one
    // process of up to eight that does is the proof.
    const runs: Array<{ young: boolean; kept: number }> = [];
    while (runs.length < 8 && !runs.some(({ young }) => !young)) runs.push(literalAfterSurvivors());
    expect(runs.every(({ kept }) => kept === 400_000)).toBe(true);
    expect(runs.some(({ young }) => !young)).toBe(true);
  });

  it('set at run time, before any scavenge, keeps that literal\'s new objects young', () => {
    expect(literalAfterSurvivors(NO_PRETENURING_FLAG)).toEqual({ young: true, kept: 400_000 });
  });

  it('sets that flag, and only it, as it loads (main.ts imports it first)', () => {
    expect(loadWithFlagsStubbed().set).toEqual(['--no-allocation-site-pretenuring']);
  });
});
