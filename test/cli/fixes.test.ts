/**
 * Findings of the new-user trial (issue 11, "Also fix"): `init` warns on a very short password;
 * a suggested `securechat verify NAME` works as printed in a home with several local users;
 * `log verify` names the bad entry once.
 */
import { after, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cleanup, freePort, run, startListener, tempDir, writeUsers } from './_harness.js';

after(cleanup);

it('init warns on a very short password (still registers it), not on a long one', { timeout: 60_000 }, async () => {
  const home = join(await tempDir(), 'home');
  const short = await run(['init', '--user', 'amy'], { home, input: 'abc\n' });
  assert.equal(short.code, 0, short.stderr);
  assert.match(short.stderr, /warning: this password is very short \(3 characters\)/);
  const long = await run(['init', '--user', 'ben'], { home, input: 'four words of password\n' });
  assert.equal(long.code, 0, long.stderr);
  assert.doesNotMatch(long.stderr, /very short/);
});

it('`securechat verify bob` works as printed in a home with several local users; log verify says "entry N" once', { timeout: 120_000 }, async () => {
  const dir = await tempDir();
  const port = await freePort();
  const users = await writeUsers(dir, [{ username: 'bob', password: 'pw-bob', port }]);
  const home = join(dir, 'home');
  const bob = await startListener(['--as', 'bob', '--users', users], { home: join(dir, 'bobhome') });
  assert.equal((await run(['init', '--user', 'zoe'], { home, input: 'zoe-long-password\n' })).code, 0);
  const sent = await run(['send', '--users', users, '--as', 'alice', '--to', 'bob', '--message', 'hi'], { home, input: 'pw-bob\n' });
  assert.equal(sent.code, 0, sent.stderr);
  bob.kill('SIGINT');
  await bob.exited;
  assert.equal((await run(['agent', 'stop'], { home })).code, 0);
  const v = await run(['verify', 'bob', '--users', users], { home });
  assert.equal(v.code, 0, v.stderr);
  assert.match(v.stdout, /safety number of alice and bob/);
  // Two users know nobody called carol: still the question, naming the choices.
  const none = await run(['verify', 'carol', '--users', users], { home });
  assert.equal(none.code, 2);
  assert.match(none.stderr, /several local users .*alice, zoe|several local users .*zoe, alice/);

  const logFile = join(home, 'users', 'alice', 'log', 'messages.sclog');
  const original = await readFile(logFile);
  const edited = Buffer.from(original);
  edited[edited.length - 2] = (edited[edited.length - 2] ?? 0) ^ 0x01;
  await writeFile(logFile, edited);
  const bad = await run(['log', 'verify', '--as', 'alice'], { home });
  assert.equal(bad.code, 7, bad.stderr);
  const line = bad.stderr.split('\n').find((l) => l.includes('invalid: entry')) ?? '';
  const m = /invalid: entry (\d+)/.exec(line);
  assert.ok(m !== null, bad.stderr);
  assert.equal(line.split(`entry ${m[1] ?? ''}`).length - 1, 1, `"entry ${m[1] ?? ''}" named once: ${line}`);
});
