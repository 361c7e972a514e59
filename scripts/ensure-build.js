#!/usr/bin/env node
// `npm start` serves from dist/: build first when dist/ is missing or older than any source file.
const { execSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const entry = join(root, 'dist/apps/td-sync/src/main.js');

function newestMtime(dir, counts) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path, counts));
    else if (counts(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

// Against the newest file of dist/, not main.js alone: an incremental build
// rewrites only the outputs that changed, so main.js keeps its old time when
// another file was edited, and dist/ would look stale forever.
const isSource = (name) => name.endsWith('.ts') && !name.endsWith('.spec.ts');
const sources = ['apps/td-sync/src', 'libs'].map((d) => join(root, d));
const stale = !existsSync(entry) || sources.some((dir) => newestMtime(dir, isSource) > newestMtime(join(root, 'dist'), (name) => name.endsWith('.js')));
if (stale) execSync('npm run build', { cwd: root, stdio: 'inherit' });
