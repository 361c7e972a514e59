// Preloaded (node --require) into a spawned server by resident-modules.e2e-spec.ts:
// when the process exits, writes the path of every CommonJS module it loaded,
// one per line, to the file named by TD_SYNC_SPEC_LOADED_MODULES.
'use strict';
const { writeFileSync } = require('node:fs');
const { isMainThread } = require('node:worker_threads');

const target = process.env.TD_SYNC_SPEC_LOADED_MODULES;
if (target && isMainThread) {
  process.on('exit', () => writeFileSync(target, Object.keys(require.cache).join('\n')));
}
