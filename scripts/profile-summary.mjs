#!/usr/bin/env node
// Summarises a `node --cpu-prof` profile: self time per function (top N) and per file group.
// usage: node scripts/profile-summary.mjs FILE.cpuprofile [N]
import { readFileSync } from 'node:fs';

const [file, nArg] = process.argv.slice(2);
if (file === undefined) {
  process.stderr.write('usage: node scripts/profile-summary.mjs FILE.cpuprofile [N]\n');
  process.exit(2);
}
const top = Number(nArg ?? 25);
const p = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const self = new Map();
const dt = p.timeDeltas;
for (let i = 0; i < p.samples.length; i++) {
  const id = p.samples[i];
  self.set(id, (self.get(id) ?? 0) + (dt[i] ?? 0));
}
const total = [...self.values()].reduce((a, b) => a + b, 0);
const fn = new Map();
const group = new Map();
for (const [id, us] of self) {
  const n = byId.get(id);
  const cf = n.callFrame;
  const url = cf.url.replace(/^file:\/\/.*\/dist\//, '').replace(/^file:\/\/.*\/node_modules\//, 'node_modules/');
  const key = `${cf.functionName || '(anonymous)'} ${url}:${cf.lineNumber + 1}`;
  fn.set(key, (fn.get(key) ?? 0) + us);
  const g = cf.url === '' ? cf.functionName : /node:/.test(cf.url) ? cf.url.replace(/^node:/, 'node:').split('/')[0] : url.split('/').slice(0, 2).join('/');
  group.set(g, (group.get(g) ?? 0) + us);
}
// inclusive time per function (a function counted once per stack, however deep it recurses)
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const keyOf = (n) => {
  const cf = n.callFrame;
  return `${cf.functionName || '(anonymous)'} ${cf.url.replace(/^file:\/\/.*\/dist\//, '').replace(/^file:\/\/.*\/node_modules\//, 'node_modules/')}:${cf.lineNumber + 1}`;
};
const incl = new Map();
for (const [id, us] of self) {
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const k = keyOf(byId.get(cur));
    if (seen.has(k)) continue;
    seen.add(k);
    incl.set(k, (incl.get(k) ?? 0) + us);
  }
}
const pct = (us) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
process.stdout.write(`${file}: ${(total / 1000).toFixed(0)} ms of samples\n-- by file group\n`);
for (const [k, us] of [...group].sort((a, b) => b[1] - a[1]).slice(0, 15)) process.stdout.write(`${pct(us)}  ${k}\n`);
process.stdout.write('-- by function (self)\n');
for (const [k, us] of [...fn].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${pct(us)}  ${k}\n`);
const busy = total - (group.get('(idle)') ?? 0);
process.stdout.write(`-- inclusive, src/ and bench/ functions (of ${(busy / 1000).toFixed(0)} ms not idle)\n`);
for (const [k, us] of [...incl].filter(([k]) => / (src|bench)\//.test(k)).sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${pct(us)}  ${k}\n`);
