/**
 * The interactive flow on a terminal forgives a typo: an unknown username is asked again, and a
 * wrong password is asked again, checked before the first message is typed (v1 ended the flow).
 */
import { after, it } from 'node:test';
import assert from 'node:assert/strict';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { cleanup, freePort, SCRIPT, startListener, startPty, tempDir, writeUsers } from './_harness.js';

after(cleanup);

it('a username typo and a wrong password are asked again; the password is checked before the message', { timeout: 120_000 }, async (t) => {
  if (!(await access(SCRIPT).then(() => true, () => false))) return t.skip('util-linux script is not installed');
  const dir = await tempDir();
  const alicePort = await freePort();
  const bobPort = await freePort();
  const users = await writeUsers(dir, [
    { username: 'alice', password: 'pw-alice', port: alicePort },
    { username: 'bob', password: 'pw-bob', port: bobPort },
  ]);
  const bob = await startListener(['--as', 'bob', '--users', users], { home: join(dir, 'bobhome') });
  const p = startPty([], { home: join(dir, 'home') });
  await p.waitFor(/path of the users file.*: $/m, 'stdout');
  p.write(`${users}\r`);
  await p.waitFor(/your port: /, 'stdout');
  p.write(`${alicePort}\r`);
  await p.waitFor(/receive or send\?/, 'stdout');
  p.write('s\r');
  await p.waitFor(/do you know the username\?/, 'stdout');
  p.write('y\r');
  await p.waitFor(/username: /, 'stdout');
  p.write('bbo\r');
  await p.waitFor(/unknown user "bbo"[^\n]*\n[\s\S]*username: /, 'stdout');
  p.write('bob\r');
  await p.waitFor(/password of bob: /, 'stdout');
  p.write('not-the-password\r');
  await p.waitFor(/authentication failed[^\n]*2 more tries[\s\S]*password of bob: /, 'stdout');
  assert.doesNotMatch(p.stdout, /message \(then keep typing/, 'no message asked before the password is right');
  p.write('pw-bob\r');
  await p.waitFor(/message \(then keep typing/, 'stdout');
  p.write('after two typos\r');
  await p.waitFor(/delivered #1 to bob/, 'stdout');
  await bob.waitFor(/alice: after two typos$/m, 'stdout');
  p.write('/quit\r');
  const r = await p.exited;
  assert.equal(r.code, 0, r.stdout);
  assert.doesNotMatch(r.stdout, /pw-bob|not-the-password/);
  bob.kill('SIGINT');
  await bob.exited;
});
