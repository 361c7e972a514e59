#!/usr/bin/env node
/**
 * shellcheck over the repository's shell scripts: deploy/entrypoint.sh (what
 * the container runs, held to every style note) and the fake litestream the
 * deploy specs run in its place. shellcheck is a system tool that `npm ci`
 * does not install, so a machine without it skips this lint with a note;
 * CI (.ci/run) sets SHELLCHECK_REQUIRED=1, and there a missing shellcheck fails.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const checks = [
  ['--shell=sh', '--severity=style', 'deploy/entrypoint.sh'],
  ['--shell=sh', 'deploy/test/support/fake-litestream.sh'],
];

const probe = spawnSync('shellcheck', ['--version'], { stdio: 'ignore' });
if (probe.error || probe.status !== 0) {
  if (process.env.SHELLCHECK_REQUIRED === '1') {
    console.error('shellcheck is not installed, and SHELLCHECK_REQUIRED=1 (install it: apt-get install -y shellcheck)');
    process.exit(1);
  }
  console.log('lint:shell skipped: shellcheck is not installed (apt-get install -y shellcheck to run it; CI does)');
  process.exit(0);
}

let failed = false;
for (const args of checks) {
  const result = spawnSync('shellcheck', args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
