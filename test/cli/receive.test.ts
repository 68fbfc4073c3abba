/**
 * The receiving side through the agent (issue 11's trial findings): `chat --listen` and the
 * interactive receiver serve everyone who connects at once, stay up when a peer leaves, start
 * each conversation with its history, and share one listener and one log with the user's other
 * terminals. In v1 `chat --listen` took carol's message during alice–bob and dropped her
 * (SESSION_CLOSED), the interactive receiver quit when its peer left, a new conversation
 * started empty, and a second terminal as the same user found "the log in use".
 */
import { after, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cleanup, freePort, run, start, tempDir, writeUsers } from './_harness.js';

after(cleanup);

it("three peers talking to one `chat --listen` at once: carol's message during alice–bob is delivered, and bob writes back to each", { timeout: 240_000 }, async () => {
  const dir = await tempDir();
  const port = await freePort();
  const users = await writeUsers(dir, [{ username: 'bob', password: 'pw-bob', port }]);
  const bob = start(['chat', '--listen', '--as', 'bob', '--users', users], { home: join(dir, 'bob') });
  await bob.waitFor(/waiting for someone to connect on 127\.0\.0\.1:\d+/);
  const alice = start(['chat', '--to', 'bob', '--as', 'alice', '--users', users], { home: join(dir, 'alice'), input: 'pw-bob\nfrom alice 1\n', keepOpen: true });
  await bob.waitFor(/alice: from alice 1$/m, 'stdout');
  // During alice–bob: carol chats, dave sends once.
  const carol = start(['chat', '--to', 'bob', '--as', 'carol', '--users', users], { home: join(dir, 'carol'), input: 'pw-bob\nfrom carol\n', keepOpen: true });
  const dave = run(['send', '--users', users, '--as', 'dave', '--to', 'bob', '--message', 'from dave'], { home: join(dir, 'dave'), input: 'pw-bob\n' });
  await bob.waitFor(/carol: from carol$/m, 'stdout');
  await carol.waitFor(/delivered #1 to bob: "from carol"/);
  const d = await dave;
  assert.equal(d.code, 0, d.stderr);
  assert.doesNotMatch(d.stderr, /SESSION_CLOSED|connection lost/);
  await bob.waitFor(/dave: from dave$/m, 'stdout');
  alice.write('from alice 2\n');
  await bob.waitFor(/alice: from alice 2$/m, 'stdout');
  // Writing back: one line to carol, then alice becomes the current peer.
  bob.write('@carol only for carol\n');
  await carol.waitFor(/bob: only for carol$/m, 'stdout');
  bob.write('/to alice\n');
  bob.write('back to alice\n');
  await alice.waitFor(/bob: back to alice$/m, 'stdout');
  assert.doesNotMatch(carol.stdout, /back to alice/);
  assert.doesNotMatch(alice.stdout, /only for carol/);
  carol.end();
  const c = await carol.exited;
  assert.equal(c.code, 0, c.stderr);
  assert.doesNotMatch(c.stderr, /SESSION_CLOSED|connection lost|dropped/);
  await bob.waitFor(/carol left the conversation; still listening on/);
  alice.write('after carol left\n');
  await bob.waitFor(/alice: after carol left$/m, 'stdout');
  alice.end();
  assert.equal((await alice.exited).code, 0);
  bob.write('/quit\n');
  const b = await bob.exited;
  assert.equal(b.code, 0, b.stderr);
  assert.doesNotMatch(b.stderr, /ended badly|\n\s+at /);
});

it('the interactive receiver stays up when a peer leaves, and a new conversation starts with the earlier one, marked history', { timeout: 240_000 }, async () => {
  const dir = await tempDir();
  const bobPort = await freePort();
  const users = await writeUsers(dir, [{ username: 'bob', password: 'pw-bob', port: bobPort }, { username: 'alice', password: 'pw-alice', port: await freePort() }]);
  const aliceHome = join(dir, 'alice');
  const bob = start([], { home: join(dir, 'bob'), input: [users, String(bobPort), 'r', ''].join('\n'), keepOpen: true });
  await bob.waitFor(/waiting for someone to connect/);
  const first = await run(['send', '--users', users, '--as', 'alice', '--to', 'bob', '--message', 'an earlier message'], { home: aliceHome, input: 'pw-bob\n' });
  assert.equal(first.code, 0, first.stderr);
  await bob.waitFor(/alice: an earlier message$/m, 'stdout');
  await bob.waitFor(/alice left the conversation; still listening on 127\.0\.0\.1:\d+/);
  // alice is bob's contact now: this chat reconnects by keys (no password line).
  const alice = start(['chat', '--to', 'bob', '--as', 'alice', '--users', users], { home: aliceHome, input: 'hello again\n', keepOpen: true });
  await alice.waitFor(/^history \[[^\]]+\] you: an earlier message$/m, 'stdout');
  await bob.waitFor(/^\[\d\d:\d\d:\d\d\] alice: hello again$/m, 'stdout');
  const second = bob.stdout.slice(bob.stdout.indexOf('alice: an earlier message') + 1);
  const hist = second.search(/^history \[[^\]]+\] alice: an earlier message$/m);
  assert.ok(hist >= 0, `history shown when alice connected again:\n${bob.stdout}`);
  assert.ok(hist < second.indexOf('alice: hello again'), 'history comes before the new message');
  assert.doesNotMatch(bob.stdout, /^history .*hello again/m, 'the new message is not shown as history');
  assert.doesNotMatch(alice.stdout, /^history .*hello again/m);
  bob.write('welcome back\n');
  await alice.waitFor(/bob: welcome back$/m, 'stdout');
  alice.end();
  assert.equal((await alice.exited).code, 0);
  await bob.waitFor(/alice left the conversation; still listening[^\n]*\n[\s\S]*alice left the conversation; still listening/);
  bob.write('/quit\n');
  assert.equal((await bob.exited).code, 0, bob.stderr);
});

it('while alice listens, `send --as alice` from a second terminal works, and a second `npm start` receiver as alice joins her listener', { timeout: 240_000 }, async () => {
  const dir = await tempDir();
  const alicePort = await freePort();
  const bobPort = await freePort();
  const users = await writeUsers(dir, [{ username: 'alice', password: 'pw-alice', port: alicePort }, { username: 'bob', password: 'pw-bob', port: bobPort }]);
  const aliceHome = join(dir, 'alice');
  const one = start(['chat', '--listen', '--as', 'alice', '--users', users], { home: aliceHome });
  await one.waitFor(/waiting for someone to connect/);
  const bob = start(['chat', '--listen', '--as', 'bob', '--users', users], { home: join(dir, 'bob') });
  await bob.waitFor(/waiting for someone to connect/);
  const sent = await run(['send', '--users', users, '--as', 'alice', '--to', 'bob', '--message', 'from a second terminal'], { home: aliceHome, input: 'pw-bob\n' });
  assert.equal(sent.code, 0, sent.stderr);
  assert.doesNotMatch(sent.stderr, /in use/);
  await bob.waitFor(/alice: from a second terminal$/m, 'stdout');
  const two = start([], { home: aliceHome, input: [users, String(alicePort), 'r', ''].join('\n'), keepOpen: true });
  await two.waitFor(/alice is already listening on 127\.0\.0\.1:\d+ \(another terminal of yours\)/);
  assert.doesNotMatch(two.stderr, /in use|error/);
  const carol = await run(['send', '--users', users, '--as', 'carol', '--to', 'alice', '--message', 'seen by both'], { home: join(dir, 'carol'), input: 'pw-alice\n' });
  assert.equal(carol.code, 0, carol.stderr);
  await one.waitFor(/carol: seen by both$/m, 'stdout');
  await two.waitFor(/carol: seen by both$/m, 'stdout');
  two.write('/quit\n');
  assert.equal((await two.exited).code, 0, two.stderr);
  // The first terminal still listens.
  const dave = await run(['send', '--users', users, '--as', 'dave', '--to', 'alice', '--message', 'still here'], { home: join(dir, 'dave'), input: 'pw-alice\n' });
  assert.equal(dave.code, 0, dave.stderr);
  await one.waitFor(/dave: still here$/m, 'stdout');
  one.write('/quit\n');
  bob.write('/quit\n');
  assert.equal((await one.exited).code, 0);
  assert.equal((await bob.exited).code, 0);
});

it('the interactive receiver of a user with no registered password asks for one, registers it, and listens', { timeout: 120_000 }, async () => {
  const dir = await tempDir();
  const bobPort = await freePort();
  const users = await writeUsers(dir, [{ username: 'bob', port: bobPort }]);
  const bob = start([], { home: join(dir, 'bob'), input: [users, String(bobPort), 'r', 'a-new-password-for-bob', ''].join('\n'), keepOpen: true });
  await bob.waitFor(/registered bob's password[\s\S]*waiting for someone to connect/);
  const r = await run(['send', '--users', users, '--as', 'alice', '--to', 'bob', '--message', 'with the new password'], { home: join(dir, 'alice'), input: 'a-new-password-for-bob\n' });
  assert.equal(r.code, 0, r.stderr);
  await bob.waitFor(/alice: with the new password$/m, 'stdout');
  assert.doesNotMatch(bob.stdout + bob.stderr, /a-new-password-for-bob/);
  bob.write('/quit\n');
  assert.equal((await bob.exited).code, 0, bob.stderr);
});
