#!/usr/bin/env node
// Runs every compiled test file under dist/test with node's built-in test runner.
// Usage: node scripts/run-tests.mjs [substring-filter ...]
// Node 20's `node --test` takes file paths, not globs, so we list the files here.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('../dist/test/', import.meta.url).pathname;
const filters = process.argv.slice(2);

/** @param {string} dir @returns {string[]} */
function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

let files;
try {
  files = walk(root);
} catch {
  console.error('securechat: no compiled tests found; run `npm run build` first.');
  process.exit(2);
}
if (filters.length > 0) files = files.filter((f) => filters.some((s) => f.includes(s)));
if (files.length === 0) {
  console.error('securechat: no test files matched.');
  process.exit(2);
}

const args = ['--test', '--test-reporter=spec', '--test-concurrency=2', ...files];
const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(r.status ?? 1);
