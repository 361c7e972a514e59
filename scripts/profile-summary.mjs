#!/usr/bin/env node
/**
 * Summarises a V8 .cpuprofile (from `npm run bench -- --cpu-prof=DIR`): the
 * functions with the most self time, and the packages/files that own it.
 * Usage: node scripts/profile-summary.mjs FILE.cpuprofile [top]
 */
import { readFileSync } from 'node:fs';

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node scripts/profile-summary.mjs FILE.cpuprofile [top]');
  process.exit(2);
}
const top = Number(topArg ?? 30);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfTime = new Map();
const intervals = profile.timeDeltas;
for (let i = 0; i < profile.samples.length; i++) {
  selfTime.set(profile.samples[i], (selfTime.get(profile.samples[i]) ?? 0) + (intervals[i] ?? 0));
}
const total = [...selfTime.values()].reduce((a, b) => a + b, 0);

const owner = (url) => {
  if (!url) return '(native)';
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (match) return match[1];
  const dist = /dist\/(.*)$/.exec(url);
  return dist ? dist[1] : url.replace(/^.*\//, '');
};

const byFunction = new Map();
const byOwner = new Map();
for (const [id, time] of selfTime) {
  const { callFrame } = byId.get(id);
  const name = `${callFrame.functionName || '(anonymous)'} ${owner(callFrame.url)}:${callFrame.lineNumber + 1}`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + time);
  const who = owner(callFrame.url);
  byOwner.set(who, (byOwner.get(who) ?? 0) + time);
}
const pct = (t) => ((100 * t) / total).toFixed(1).padStart(5) + '%';
console.log(`total sampled: ${(total / 1e6).toFixed(1)} s\n\nby package / file:`);
for (const [who, time] of [...byOwner].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(time)}  ${who}`);
console.log('\nby function (self time):');
for (const [name, time] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(time)}  ${name}`);
