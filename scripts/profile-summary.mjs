#!/usr/bin/env node
/**
 * Summarises a V8 .cpuprofile (from `npm run bench -- --cpu-prof=DIR`): the
 * functions with the most self time, the packages/files that own it, and the
 * functions with the most total time (self and everything they called).
 * Usage: node scripts/profile-summary.mjs FILE.cpuprofile [top] [--last=SECONDS]
 * `--last=S` keeps only the final S seconds of the profile: the bench stops a
 * server right after its load, so that leaves out start-up and set-up.
 * (idle) is left out of the percentages.
 */
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const lastArg = args.find((a) => a.startsWith('--last='));
const [file, topArg] = args.filter((a) => !a.startsWith('--'));
if (!file) {
  console.error('usage: node scripts/profile-summary.mjs FILE.cpuprofile [top] [--last=SECONDS]');
  process.exit(2);
}
const top = Number(topArg ?? 30);
const lastUs = lastArg ? Number(lastArg.slice('--last='.length)) * 1e6 : Infinity;
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parentOf = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);

const intervals = profile.timeDeltas;
const from = profile.endTime - lastUs;
const selfTime = new Map();
let at = profile.startTime;
for (let i = 0; i < profile.samples.length; i++) {
  at += intervals[i] ?? 0;
  if (at < from) continue;
  const id = profile.samples[i];
  if (byId.get(id).callFrame.functionName === '(idle)') continue;
  selfTime.set(id, (selfTime.get(id) ?? 0) + (intervals[i] ?? 0));
}
const total = [...selfTime.values()].reduce((a, b) => a + b, 0);

const owner = (url) => {
  if (!url) return '(native)';
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (match) return match[1];
  const dist = /dist\/(.*)$/.exec(url);
  return dist ? dist[1] : url.replace(/^.*\//, '');
};
const nameOf = ({ callFrame }) => `${callFrame.functionName || '(anonymous)'} ${owner(callFrame.url)}:${callFrame.lineNumber + 1}`;

const byFunction = new Map();
const byOwner = new Map();
const inclusive = new Map();
for (const [id, time] of selfTime) {
  const node = byId.get(id);
  const name = nameOf(node);
  byFunction.set(name, (byFunction.get(name) ?? 0) + time);
  const who = owner(node.callFrame.url);
  byOwner.set(who, (byOwner.get(who) ?? 0) + time);
  // Each function on the stack once, however often it recurses.
  const onStack = new Set();
  for (let n = id; n !== undefined; n = parentOf.get(n)) onStack.add(nameOf(byId.get(n)));
  for (const fn of onStack) inclusive.set(fn, (inclusive.get(fn) ?? 0) + time);
}
const pct = (t) => ((100 * t) / total).toFixed(1).padStart(5) + '%';
console.log(`total sampled (idle excluded): ${(total / 1e6).toFixed(1)} s\n\nby package / file:`);
for (const [who, time] of [...byOwner].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(time)}  ${who}`);
console.log('\nby function (self time):');
for (const [name, time] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(time)}  ${name}`);
console.log('\nby function (total time):');
const roots = /^\((root|program|garbage collector)\)/;
for (const [name, time] of [...inclusive].filter(([n]) => !roots.test(n)).sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(time)}  ${name}`);
