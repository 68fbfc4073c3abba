/**
 * Finding 8 of issue 10: the shipped program reads no test switch. The installed command,
 * run with the old switches set, must still register with the default key stretching; and no
 * file under src/ may mention a SECURECHAT_TEST variable. Tests get cheap stretching only
 * through the test-only entry point (test/cli/_main.ts) or the API.
 */
import { after, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KSF_DEFAULT } from '../../src/crypto/opaque.js';
import { cleanup, tempDir } from './_harness.js';

after(cleanup);

const SHIPPED = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else if (/\.(ts|mjs|js|html)$/.test(e.name)) out.push(p);
  }
  return out;
}

it('no file under src/ reads a SECURECHAT_TEST switch', async () => {
  const files = await walk(SRC);
  assert.ok(files.length > 50, `expected the sources under ${SRC}`);
  const offenders: string[] = [];
  for (const f of files) if (/SECURECHAT_TEST/.test(await readFile(f, 'utf8'))) offenders.push(f);
  assert.deepEqual(offenders, []);
});

it('the shipped command registers with the default key stretching whatever the environment says', { timeout: 120_000 }, async () => {
  const home = join(await tempDir(), 'home');
  const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', SECURECHAT_HOME: home, SECURECHAT_TEST: '1', SECURECHAT_TEST_KSF: '1', NO_COLOR: '1' };
  const child = spawn(process.execPath, [SHIPPED, 'init', '--user', 'alice'], { env, stdio: 'pipe' });
  child.stdin.end('correct horse battery\n');
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  assert.equal(code, 0, stderr);
  const doc = JSON.parse(await readFile(join(home, 'users', 'alice', 'account.json'), 'utf8')) as { ksf: unknown };
  assert.deepEqual(doc.ksf, KSF_DEFAULT);
});
