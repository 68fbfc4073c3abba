/**
 * ATTACK FINDING U1 (attack2, /work/attack2/FINDINGS.md), HIGH: `securechat ui` hands the
 * one-time link, token included, to the opener as a command-line argument (`xdg-open URL`,
 * which passes it on to the browser's command line). Every local user can read every
 * process's argv (/proc/PID/cmdline). Measured: a script running as `nobody` polling /proc
 * every 20 ms found the link, redeemed it before the browser, got the session cookie and read
 * alice's /api/state (with it: send as alice, read her log, trust keys, accept invitations);
 * alice's browser got "This link was used already". docs/UI.md promises protection against
 * "other users ... on the same machine that can reach 127.0.0.1".
 *
 * Expected (fails on the current code): what the opener gets on its command line does not
 * contain the one-time token (e.g. the path of a 0600 file in the home that forwards the
 * token, as Jupyter does, or a link without a secret).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, jsonLines, run, tempDir } from '../cli/_harness.js';
import { waitUntil } from '../_util/wait.js';

after(cleanup);

test('ATTACK U1: the browser opener is not given the one-time token on its command line (other local users read argv)', { timeout: 180_000 }, async () => {
  const home = await tempDir();
  const bin = await tempDir();
  const argvFile = join(bin, 'argv.txt');
  // A stand-in for the desktop's opener: records its arguments, opens nothing.
  await writeFile(join(bin, 'xdg-open'), `#!/bin/sh\nprintf '%s\\n' "$@" > '${argvFile}'\n`);
  await chmod(join(bin, 'xdg-open'), 0o755);
  const r = await run(['ui', '--as', 'alice', '--json'], { home, env: { DISPLAY: ':99', PATH: `${bin}:${process.env['PATH'] ?? '/usr/bin:/bin'}` } });
  assert.equal(r.code, 0, r.stderr);
  const e = jsonLines(r.stdout).find((x) => x['event'] === 'ui');
  const url = typeof e?.['url'] === 'string' ? e['url'] : '';
  const token = /[?&#]token=([A-Za-z0-9_-]{43})/.exec(url)?.[1];
  assert.ok(token !== undefined, `ui printed a link with a token: ${url}`);
  await waitUntil(() => existsSync(argvFile), 'the opener to record its arguments');
  const argv = await readFile(argvFile, 'utf8');
  assert.ok(!argv.includes(token), `the opener's command line (readable by every local user in /proc/PID/cmdline) carries the one-time token: ${argv.trim()}`);
});
