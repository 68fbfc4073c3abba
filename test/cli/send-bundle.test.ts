/**
 * The shipped command's bundled `send` path (src/cli/send-fast.ts, bundled by
 * scripts/build-cli.mjs into dist/src/cli/send-fast.bundle.js, issue 12): the bundle is built
 * from the sources as they are now (its recorded SHA-256 over the bundled sources matches
 * src/), it holds only the light modules (light-imports.test.ts's rule, checked on what was
 * really bundled), its dynamic imports all name files that exist beside it, and the shipped
 * entry runs `send` from it (a `send` usage error answers from the bundle, exit 2).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HEAVY } from './_light.js';

const DIST_CLI = fileURLToPath(new URL('../../src/cli/', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BUNDLE = join(DIST_CLI, 'send-fast.bundle.js');
const SHIPPED = join(DIST_CLI, 'main.js');

interface Manifest {
  readonly inputs: readonly string[];
  readonly sha256: string;
}

const manifest = (): Manifest => JSON.parse(readFileSync(join(DIST_CLI, 'send-fast.bundle.json'), 'utf8')) as Manifest;

test('the send bundle was built from the current sources (else: npm run build)', () => {
  assert.ok(existsSync(BUNDLE), 'dist/src/cli/send-fast.bundle.js exists (npm run build makes it)');
  const m = manifest();
  const h = createHash('sha256');
  for (const f of m.inputs) h.update(f).update('\0').update(readFileSync(join(ROOT, f))).update('\0');
  assert.equal(h.digest('hex'), m.sha256, 'the bundle is stale: run `npm run build`');
  assert.ok(m.inputs.includes('src/cli/commands/send.ts') && m.inputs.includes('src/agent/client.ts'));
});

test('the bundle holds no protocol module, and its dynamic imports exist beside it', () => {
  const heavy = manifest().inputs.map((f) => f.replace(/^src\//, '')).filter((f) => HEAVY.some((h) => h.test(f)));
  assert.deepEqual(heavy, []);
  const text = readFileSync(BUNDLE, 'utf8');
  assert.doesNotMatch(text, /^\s*import\s[^(]*from\s+["']\./m, 'no static relative import: one file');
  const dyn = [...text.matchAll(/import\("(\.[^"]+)"\)/g)].map((m) => m[1] ?? '');
  assert.ok(dyn.length > 10, 'the command table is in the bundle');
  for (const d of dyn) assert.ok(existsSync(resolve(dirname(BUNDLE), d)), `${d} exists`);
});

test('the shipped entry runs send from the bundle', async () => {
  // A send without --to is a usage error answered before any file or agent is touched.
  const child = spawn(process.execPath, [SHIPPED, 'send', '--message', 'x'], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', NO_COLOR: '1', NODE_DEBUG: 'esm' } });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const code = await new Promise<number | null>((r) => child.once('close', (c) => r(c)));
  assert.equal(code, 2, stderr);
  assert.match(stderr, /say whom to send to/);
  assert.match(stderr, /send-fast\.bundle\.js/, 'the bundle was loaded');
  assert.doesNotMatch(stderr, /cli\/run\.js/, 'the unbundled runner was not');
});
