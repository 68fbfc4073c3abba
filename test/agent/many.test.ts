/**
 * Many conversations at once on one listener, which runs in its user's agent: while alice and
 * bob are in a conversation, carol's and dave's messages are delivered too (v1's `chat --listen`
 * took carol's message and dropped her); a send from the listening user's own home works while
 * it listens (v1: "the log is in use by another securechat process").
 */
import { after, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cleanup, freePort, run, start, startListener, tempDir, writeUsers } from '../cli/_harness.js';

after(cleanup);

it('three peers talking to one listener at once: every message delivered, nobody dropped', { timeout: 180_000 }, async () => {
  const dir = await tempDir();
  const port = await freePort();
  const alicePort = await freePort();
  const users = await writeUsers(dir, [{ username: 'bob', password: 'pw-bob', port }, { username: 'alice', password: 'pw-alice', port: alicePort }]);
  const bobHome = join(dir, 'bob');
  const bob = await startListener(['--as', 'bob', '--users', users], { home: bobHome });
  const alice = start(['chat', '--to', 'bob', '--as', 'alice', '--users', users], { home: join(dir, 'alice'), input: 'pw-bob\nfrom alice 1\n', keepOpen: true });
  await bob.waitFor(/alice: from alice 1$/m, 'stdout');
  const [carol, dave] = await Promise.all([
    run(['send', '--users', users, '--as', 'carol', '--to', 'bob', '--message', 'from carol'], { home: join(dir, 'carol'), input: 'pw-bob\n' }),
    run(['send', '--users', users, '--as', 'dave', '--to', 'bob', '--message', 'from dave'], { home: join(dir, 'dave'), input: 'pw-bob\n' }),
  ]);
  assert.equal(carol.code, 0, carol.stderr);
  assert.equal(dave.code, 0, dave.stderr);
  assert.doesNotMatch(carol.stderr, /SESSION_CLOSED|connection lost/);
  await bob.waitFor(/carol: from carol$/m, 'stdout');
  await bob.waitFor(/dave: from dave$/m, 'stdout');
  alice.write('from alice 2\n');
  await bob.waitFor(/alice: from alice 2$/m, 'stdout');
  alice.end();
  const a = await alice.exited;
  assert.equal(a.code, 0, a.stderr);
  assert.doesNotMatch(bob.stdout + bob.stderr, /ended badly/);
  // bob's own home can send while bob listens: the agent is the one writer.
  const fromBob = await run(['send', '--users', users, '--as', 'erin', '--to', 'bob', '--message', 'same home'], { home: bobHome, input: 'pw-bob\n' });
  assert.equal(fromBob.code, 0, fromBob.stderr);
  await bob.waitFor(/erin: same home$/m, 'stdout');
  bob.kill('SIGINT');
  await bob.exited;
});

it('the listener writes back to each of them: @carol TEXT, /to alice, then plain lines', { timeout: 180_000 }, async () => {
  const dir = await tempDir();
  const port = await freePort();
  const users = await writeUsers(dir, [{ username: 'bob', password: 'pw-bob', port }]);
  const bob = await startListener(['--as', 'bob', '--users', users], { home: join(dir, 'bob') });
  const alice = start(['chat', '--to', 'bob', '--as', 'alice', '--users', users], { home: join(dir, 'alice'), input: 'pw-bob\nhello from alice\n', keepOpen: true });
  await bob.waitFor(/alice: hello from alice$/m, 'stdout');
  const carol = start(['chat', '--to', 'bob', '--as', 'carol', '--users', users], { home: join(dir, 'carol'), input: 'pw-bob\nhello from carol\n', keepOpen: true });
  await bob.waitFor(/carol: hello from carol$/m, 'stdout');
  bob.write('@alice just for alice\n');
  await alice.waitFor(/bob: just for alice$/m, 'stdout');
  await bob.waitFor(/delivered #1 to alice/);
  bob.write('plain goes to the last one who wrote\n');
  await carol.waitFor(/bob: plain goes to the last one who wrote$/m, 'stdout');
  bob.write('/to alice\n');
  bob.write('now alice again\n');
  await alice.waitFor(/bob: now alice again$/m, 'stdout');
  assert.doesNotMatch(carol.stdout, /just for alice|now alice again/);
  alice.end();
  carol.end();
  assert.equal((await alice.exited).code, 0);
  assert.equal((await carol.exited).code, 0);
  bob.write('/quit\n');
  assert.equal((await bob.exited).code, 0);
});

it('while alice chats with bob, `send --as alice` from a second terminal joins the conversation (no password, no lock error)', { timeout: 120_000 }, async () => {
  const dir = await tempDir();
  const port = await freePort();
  const users = await writeUsers(dir, [{ username: 'bob', password: 'pw-bob', port }]);
  const bob = await startListener(['--as', 'bob', '--users', users], { home: join(dir, 'bob') });
  const home = join(dir, 'alice');
  const chat = start(['chat', '--to', 'bob', '--as', 'alice', '--users', users], { home, input: 'pw-bob\nfrom the chat\n', keepOpen: true });
  await bob.waitFor(/alice: from the chat$/m, 'stdout');
  const second = await run(['send', '--users', users, '--as', 'alice', '--to', 'bob', '--message', 'from a second terminal'], { home, input: '' });
  assert.equal(second.code, 0, second.stderr);
  assert.doesNotMatch(second.stderr, /password of bob|in use/);
  await bob.waitFor(/alice: from a second terminal$/m, 'stdout');
  bob.write('@alice both arrived\n');
  await chat.waitFor(/bob: both arrived$/m, 'stdout');
  chat.end();
  assert.equal((await chat.exited).code, 0);
  bob.kill('SIGINT');
  await bob.exited;
});

it('a listener writes to a contact who left: the line goes through the outbox (a reconnect by keys), not "no open conversation"', { timeout: 180_000 }, async () => {
  const dir = await tempDir();
  const bobPort = await freePort();
  const carolPort = await freePort();
  const users = await writeUsers(dir, [{ username: 'bob', password: 'pw-bob', port: bobPort }, { username: 'carol', password: 'pw-carol', port: carolPort }]);
  const bob = start(['chat', '--listen', '--as', 'bob', '--users', users], { home: join(dir, 'bob'), keepOpen: true });
  await bob.waitFor(/waiting for someone to connect/);
  const carolHome = join(dir, 'carol');
  const carol = await startListener(['--as', 'carol', '--users', users], { home: carolHome });
  // One password login: bob and carol are contacts; her conversation then ends.
  const hi = await run(['send', '--users', users, '--as', 'carol', '--to', 'bob', '--message', 'hi bob'], { home: carolHome, input: 'pw-bob\n' });
  assert.equal(hi.code, 0, hi.stderr);
  await bob.waitFor(/carol: hi bob$/m, 'stdout');
  await bob.waitFor(/carol left the conversation/);
  bob.write('@carol after you left\n');
  await carol.waitFor(/bob: after you left$/m, 'stdout');
  await bob.waitFor(/delivered #\d+ to carol/);
  assert.doesNotMatch(bob.stderr, /no open conversation/);
  bob.write('/quit\n');
  assert.equal((await bob.exited).code, 0);
  carol.kill('SIGINT');
  await carol.exited;
});
