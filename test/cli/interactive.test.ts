/**
 * `securechat` with no command: the original program's question-and-answer flow, fed through
 * piped input and through a pseudo-terminal (util-linux `script`), then staying in the chat.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { cleanup, freePort, run, SCRIPT, start, startListener, startPty, tempDir, writeUsers } from './_harness.js';

after(cleanup);

interface Setup {
  readonly home: string;
  readonly users: string;
  readonly alicePort: number;
  readonly bobPort: number;
}

async function setup(): Promise<Setup> {
  const dir = await tempDir();
  const alicePort = await freePort();
  const bobPort = await freePort();
  const users = await writeUsers(dir, [
    { username: 'alice', password: 'pw-alice', port: alicePort },
    { username: 'bob', password: 'pw-bob', port: bobPort },
  ]);
  return { home: join(dir, 'home'), users, alicePort, bobPort };
}

describe('interactive flow, piped input', () => {
  it('send by username: asks everything, shows the handshake steps, stays in the conversation', async () => {
    const s = await setup();
    const bob = await startListener(['--as', 'bob', '--users', s.users], { home: s.home });
    const input = [s.users, String(s.alicePort), 's', 'y', 'bob', 'pw-bob', 'first message', 'and a second one', ''].join('\n');
    const r = await run([], { home: s.home, input });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /path of the users file/);
    assert.match(r.stderr, /your port/);
    assert.match(r.stderr, /you are alice/);
    assert.match(r.stderr, /receive or send\?.*"legacy" for the original, insecure protocol/);
    assert.match(r.stderr, /do you know the username\?/);
    for (const step of ['connecting to', 'starting the handshake', 'sent hello', 'password checked', 'end-to-end encrypted']) assert.match(r.stderr, new RegExp(step));
    assert.match(r.stderr, /delivered #2 to bob: "and a second one"/);
    assert.doesNotMatch(r.stderr + r.stdout, /pw-bob/);
    await bob.waitFor(/alice: and a second one/, 'stdout');
    bob.kill();
    await bob.exited;
  });

  it('send by IP and port, quietly (-q): no status lines, still delivered', async () => {
    const s = await setup();
    const bob = await startListener(['--as', 'bob', '--users', s.users], { home: s.home });
    const input = ['', String(s.alicePort), 's', 'n', '127.0.0.1', String(s.bobPort), 'pw-bob', 'by address', ''].join('\n');
    const r = await run(['-q', '--users', s.users], { home: s.home, input });
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /securechat: connecting/);
    await bob.waitFor(/alice: by address/, 'stdout');
    bob.kill();
    await bob.exited;
  });

  it('receive: waits, then chats both ways with the one who connects', async () => {
    const s = await setup();
    const bob = start([], { home: s.home, input: [s.users, String(s.bobPort), 'r', ''].join('\n'), keepOpen: true });
    await bob.waitFor(/waiting for someone to connect/);
    const alice = start(['chat', '--to', 'bob', '--as', 'alice', '--users', s.users], { home: s.home, input: 'pw-bob\nhello bob\n', keepOpen: true });
    await bob.waitFor(/alice: hello bob/, 'stdout');
    bob.write('hello alice\n');
    await alice.waitFor(/bob: hello alice/, 'stdout');
    bob.write('/quit\n');
    assert.equal((await bob.exited).code, 0);
    await alice.waitFor(/bob left the conversation/);
    assert.equal((await alice.exited).code, 0);
  });

  it('receive with piped input that ends at once: keeps receiving until the sender leaves, so the sender gets its receipt', async () => {
    const s = await setup();
    // Standard input ends right after the answers: the receiver has nothing to say, but must not
    // close on the sender while the sender's message is in flight.
    const bob = start([], { home: s.home, input: [s.users, String(s.bobPort), 'r', ''].join('\n') });
    await bob.waitFor(/waiting for someone to connect/);
    const r = await run(['send', '--to', 'bob', '--as', 'alice', '--users', s.users, '--message', 'one-shot'], { home: s.home, input: 'pw-bob\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /delivered #1 to bob/);
    await bob.waitFor(/alice: one-shot/, 'stdout');
    await bob.waitFor(/alice left the conversation/);
    assert.equal((await bob.exited).code, 0);
  });

  it('an unknown port is a usage error naming the file (exit 2)', async () => {
    const s = await setup();
    const r = await run([], { home: s.home, input: [s.users, '1', 's'].join('\n') });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no user in the users file .* has port 1/);
  });

  it('input that ends at a question is an interruption (exit 130), no stack trace', async () => {
    const s = await setup();
    const r = await run([], { home: s.home, input: `${s.users}\n` });
    assert.equal(r.code, 130);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });
});

describe('interactive flow on a terminal (pseudo-terminal via script)', () => {
  let haveScript = true;
  before(async () => {
    haveScript = await access(SCRIPT).then(() => true, () => false);
  });

  it('asks, hides the password, sends, keeps chatting until /quit', async (t) => {
    if (!haveScript) return t.skip('util-linux script is not installed');
    const s = await setup();
    const bob = await startListener(['--as', 'bob', '--users', s.users], { home: s.home });
    const p = startPty([], { home: s.home });
    await p.waitFor(/path of the users file.*: $/m, 'stdout');
    p.write(`${s.users}\r`);
    await p.waitFor(/your port: /, 'stdout');
    p.write(`${s.alicePort}\r`);
    await p.waitFor(/receive or send\?/, 'stdout');
    p.write('s\r');
    await p.waitFor(/do you know the username\?/, 'stdout');
    p.write('y\r');
    await p.waitFor(/username: /, 'stdout');
    p.write('bob\r');
    await p.waitFor(/password of bob: /, 'stdout');
    const before = p.stdout.length;
    p.write('pw-bob\r');
    await p.waitFor(/message \(then keep typing/, 'stdout');
    assert.doesNotMatch(p.stdout.slice(before), /pw-bob/, 'the password is not echoed');
    p.write('typed on a terminal\r');
    await p.waitFor(/delivered #1 to bob/, 'stdout');
    p.write('one more\r');
    await p.waitFor(/delivered #2 to bob/, 'stdout');
    await bob.waitFor(/alice: one more/, 'stdout');
    p.write('/quit\r');
    const r = await p.exited;
    assert.equal(r.code, 0, r.stdout);
    assert.doesNotMatch(r.stdout, /pw-bob/);
    bob.kill();
    await bob.exited;
  });

  it('Ctrl-C at the hidden password prompt: exit 130, the terminal is left sane, no stack trace', async (t) => {
    if (!haveScript) return t.skip('util-linux script is not installed');
    const s = await setup();
    const p = startPty(['send', '--to', 'bob', '--as', 'alice', '--message', 'x', '--users', s.users], { home: s.home });
    await p.waitFor(/password of bob: /, 'stdout');
    p.write('half-typed\u0003');
    const r = await p.exited;
    assert.equal(r.code, 130, r.stdout);
    assert.match(r.stdout, /interrupted/);
    assert.doesNotMatch(r.stdout, /half-typed|\n\s+at /);
  });

  it('Ctrl-C at an ordinary question: exit 130', async (t) => {
    if (!haveScript) return t.skip('util-linux script is not installed');
    const s = await setup();
    const p = startPty([], { home: s.home });
    await p.waitFor(/path of the users file/, 'stdout');
    p.write('\u0003');
    const r = await p.exited;
    assert.equal(r.code, 130, r.stdout);
    assert.match(r.stdout, /interrupted/);
  });

  it('init asks twice on a terminal and refuses two different passwords (exit 2)', async (t) => {
    if (!haveScript) return t.skip('util-linux script is not installed');
    const s = await setup();
    const p = startPty(['init', '--user', 'carol'], { home: s.home });
    await p.waitFor(/new password for carol: /, 'stdout');
    p.write('one-password\r');
    await p.waitFor(/the same password again: /, 'stdout');
    p.write('another-one\r');
    const r = await p.exited;
    assert.equal(r.code, 2, r.stdout);
    assert.match(r.stdout, /the two passwords differ/);
    assert.doesNotMatch(r.stdout, /one-password|another-one/);
  });
});
