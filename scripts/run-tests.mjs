#!/usr/bin/env node
// Runs every compiled test file under dist/test with node's built-in test runner, each file in
// its own process, two at a time, with a timeout per file: a file that hangs (a leaked socket,
// a listener never closed) is killed and reported as failed, naming the file, instead of
// hanging the whole suite. Each file's output is printed whole when it ends (no interleaving),
// then one closing line: "N passed, N failed, N skipped" (plus the files that failed).
//
// Usage: node scripts/run-tests.mjs [substring-filter ...]
// Environment: TEST_FILE_TIMEOUT_MS (default 600000), TEST_CONCURRENCY (default 2).
// Node 20's `node --test` takes file paths, not globs, so we list the files here.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawn } from 'node:child_process';

const root = new URL('../dist/test/', import.meta.url).pathname;
const filters = process.argv.slice(2);
const FILE_TIMEOUT_MS = Number(process.env.TEST_FILE_TIMEOUT_MS ?? 600_000);
/** Default per-test timeout; a test that needs longer says so itself. */
const TEST_TIMEOUT_MS = 300_000;
const CONCURRENCY = Math.max(1, Number(process.env.TEST_CONCURRENCY ?? 2));

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

const totals = { pass: 0, fail: 0, skipped: 0, cancelled: 0, todo: 0 };
/** @type {string[]} */
const failedFiles = [];
const started = Date.now();

/** @param {string} file @returns {Promise<void>} */
function runFile(file) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, ['--test', '--test-reporter=spec', `--test-timeout=${TEST_TIMEOUT_MS}`, file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, FILE_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const name = relative(root, file);
      const count = (k) => Number(new RegExp(`^ℹ ${k} (\\d+)$`, 'm').exec(out)?.[1] ?? 0);
      for (const k of Object.keys(totals)) totals[k] += count(k);
      let note = '';
      if (timedOut) {
        note = `\n✖ ${name}: killed after ${FILE_TIMEOUT_MS} ms (the file did not end by itself)\n`;
        totals.fail++;
      } else if (code !== 0 && count('fail') + count('cancelled') === 0) {
        note = `\n✖ ${name}: exited with ${signal ?? code} and no failing test reported\n`;
        totals.fail++;
      }
      if (timedOut || code !== 0) failedFiles.push(name);
      process.stdout.write(`\n▶ ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n${out}${note}`);
      resolve();
    });
  });
}

const queue = [...files];
await Promise.all(
  Array.from({ length: Math.min(CONCURRENCY, queue.length) }, async () => {
    for (let f = queue.shift(); f !== undefined; f = queue.shift()) await runFile(f);
  }),
);

const secs = ((Date.now() - started) / 1000).toFixed(1);
if (failedFiles.length > 0) process.stdout.write(`\nfiles with failures: ${failedFiles.join(', ')}\n`);
// A cancelled test (its own timeout, or its file's) is a failure.
process.stdout.write(`\n${files.length} files in ${secs} s\n${totals.pass} passed, ${totals.fail + totals.cancelled} failed, ${totals.skipped} skipped\n`);
process.exit(totals.fail > 0 || failedFiles.length > 0 ? 1 : 0);
