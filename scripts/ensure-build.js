#!/usr/bin/env node
// `npm start` serves from dist/: build first when dist/ is missing or older than any source file.
const { execSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const entry = join(root, 'dist/apps/td-sync/src/main.js');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

const sources = ['apps/td-sync/src', 'libs'].map((d) => join(root, d));
const stale = !existsSync(entry) || sources.some((dir) => newestMtime(dir) > statSync(entry).mtimeMs);
if (stale) execSync('npm run build', { cwd: root, stdio: 'inherit' });
