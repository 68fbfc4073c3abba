/**
 * Findings of the new-user trial (issue 11, "Also fix") not covered elsewhere: the plaintext-
 * password warning once per users file (again when it changes) and as a JSON event only under
 * --json; `users` finds the bundled example the way `npm start` does; Ctrl-C in a chat prints
 * what the README says (`securechat: interrupted`, exit 130), on either side.
 */
import { after, it } from 'node:test';
import assert from 'node:assert/strict';
import { access, appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cleanup, freePort, jsonLines, run, SCRIPT, start, startPty, tempDir, writeUsers } from './_harness.js';

after(cleanup);

it('the plaintext-password warning: once per users file, again when it changes; under --json only as a JSON event', { timeout: 120_000 }, async () => {
  const dir = await tempDir();
  const users = await writeUsers(dir, [{ username: 'alice', password: 'pw-alice', port: await freePort() }]);
  const home = join(dir, 'home');
  const once = /warning: .*holds plaintext passwords \(alice\)/;
  assert.match((await run(['peers', '--as', 'alice', '--users', users], { home })).stderr, once);
  assert.doesNotMatch((await run(['peers', '--as', 'alice', '--users', users], { home })).stderr, /plaintext/);
  await appendFile(users, '\n'); // the same users, another file content
  assert.match((await run(['peers', '--as', 'alice', '--users', users], { home })).stderr, once, 'a changed file is warned about again');
  const j = await run(['peers', '--as', 'alice', '--users', users, '--json'], { home: join(dir, 'home2') });
  assert.doesNotMatch(j.stderr, /plaintext/, 'no human line under --json');
  const events = jsonLines(j.stdout);
  assert.ok(events.some((e) => e['event'] === 'warning' && e['code'] === 'PLAINTEXT_PASSWORDS'), j.stdout);
});

it('`users` with no users file here or in the home checks the bundled example, as `npm start` offers it', { timeout: 60_000 }, async () => {
  const r = await run(['users'], { home: join(await tempDir(), 'home') });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /checking the bundled example .*examples\/users\.json/);
  assert.match(r.stdout, /^alice {2}127\.0\.0\.1:5001/m);
});

it('Ctrl-C in a chat prints "securechat: interrupted" (exit 130) on both sides; the other side is told and goes on', { timeout: 180_000 }, async (t) => {
  if (!(await access(SCRIPT).then(() => true, () => false))) return t.skip('util-linux script is not installed');
  const dir = await tempDir();
  const port = await freePort();
  const users = await writeUsers(dir, [{ username: 'bob', password: 'pw-bob', port }]);
  const bob = startPty(['chat', '--listen', '--as', 'bob', '--users', users], { home: join(dir, 'bob') });
  await bob.waitFor(/waiting for someone to connect/, 'stdout');
  const alice = startPty(['chat', '--to', 'bob', '--as', 'alice', '--users', users], { home: join(dir, 'alice') });
  await alice.waitFor(/password of bob: /, 'stdout');
  alice.write('pw-bob\r');
  await alice.waitFor(/type a message and press Enter/, 'stdout');
  alice.write('hello on a terminal\r');
  await bob.waitFor(/alice: hello on a terminal/, 'stdout');
  await alice.waitFor(/delivered #1 to bob/, 'stdout');
  alice.write('\u0003');
  const a = await alice.exited;
  assert.equal(a.code, 130, a.stdout);
  assert.match(a.stdout, /securechat: interrupted/);
  assert.doesNotMatch(a.stdout, /\n\s+at /);
  await bob.waitFor(/alice left the conversation; still listening/, 'stdout');
  const carol = start(['send', '--users', users, '--as', 'carol', '--to', 'bob', '--message', 'after alice'], { home: join(dir, 'carol'), input: 'pw-bob\n' });
  await bob.waitFor(/carol: after alice/, 'stdout');
  assert.equal((await carol.exited).code, 0);
  bob.write('\u0003');
  const b = await bob.exited;
  assert.equal(b.code, 130, b.stdout);
  assert.match(b.stdout, /securechat: interrupted/);
});
