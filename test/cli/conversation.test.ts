/** Two (or more) real processes talking over 127.0.0.1: send, listen, chat, failures. */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cleanup, freePort, jsonLines, run, start, startListener, tempDir, writeFile, writeUsers } from './_harness.js';

after(cleanup);

interface Setup {
  readonly dir: string;
  readonly home: string;
  readonly users: string;
  readonly port: number;
}

/** One home for both users (as on one machine); bob listens, his password still in the file. */
async function setup(): Promise<Setup> {
  const dir = await tempDir();
  const port = await freePort();
  const users = await writeUsers(dir, [
    { username: 'alice', password: 'pw-alice', port: await freePort() },
    { username: 'bob', password: 'pw-bob', port },
  ]);
  return { dir, home: join(dir, 'home'), users, port };
}

describe('send and listen', () => {
  it('delivers with a receipt (exit 0), shows it on the listener with its time, and logs both sides', async () => {
    const s = await setup();
    const bob = await startListener(['--as', 'bob', '--users', s.users], { home: s.home });
    assert.match(bob.stderr, /warning: registered bob's plaintext password .*securechat users --strip-passwords/);
    const r = await run(['send', '--users', s.users, '--as', 'alice', '--to', 'bob', '--message', 'hello bob'], { home: s.home, input: 'pw-bob\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /delivered #1 to bob/);
    assert.match(r.stderr, /new key, pinned now/);
    assert.doesNotMatch(r.stderr + r.stdout, /pw-bob/);
    await bob.waitFor(/^\[\d\d:\d\d:\d\d\] alice: hello bob$/m, 'stdout');
    await bob.waitFor(/alice left/);
    bob.kill('SIGINT');
    const b = await bob.exited;
    assert.equal(b.code, 130);
    const shown = await run(['log', 'show', '--as', 'bob', '--users', s.users], { home: s.home });
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /<- alice: hello bob/);
    const verified = await run(['log', 'verify', '--as', 'alice', '--users', s.users], { home: s.home });
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stdout, /^ok: /);
    const alog = await run(['log', 'show', '--as', 'alice', '--users', s.users], { home: s.home });
    assert.match(alog.stdout, /-> bob: hello bob/);
  });

  it('--json: one event per line for every step, the peer, the message and the receipt', async () => {
    const s = await setup();
    const bob = start(['listen', '--as', 'bob', '--users', s.users, '--json'], { home: s.home });
    await bob.waitFor(/"event":"listening"/, 'stdout');
    const r = await run(['send', '--json', '--users', s.users, '--as', 'alice', '--to', 'bob', '--message', 'scripted "text"'], { home: s.home, input: 'pw-bob\n' });
    assert.equal(r.code, 0, r.stderr);
    const ev = jsonLines(r.stdout);
    const kinds = ev.map((e) => e['event']);
    for (const k of ['step', 'peer', 'sent', 'receipt']) assert.ok(kinds.includes(k), `${k} in ${kinds.join(',')}`);
    assert.deepEqual(ev.filter((e) => e['event'] === 'step').map((e) => e['step']), ['connecting', 'connected', 'hello-sent', 'authenticated', 'established']);
    const peer = ev.find((e) => e['event'] === 'peer');
    assert.equal(peer?.['name'], 'bob');
    assert.equal(peer?.['state'], 'new');
    await bob.waitFor(/"event":"message"/, 'stdout');
    const msg = jsonLines(bob.stdout).find((e) => e['event'] === 'message');
    assert.equal(msg?.['from'], 'alice');
    assert.equal(msg?.['text'], 'scripted "text"');
    bob.kill();
    await bob.exited;
  });

  it('a wrong password: exit 3 with one sentence; the listener keeps serving', async () => {
    const s = await setup();
    const bob = await startListener(['--as', 'bob', '--users', s.users], { home: s.home });
    const bad = await run(['send', '--users', s.users, '--as', 'alice', '--to', 'bob', '--message', 'x'], { home: s.home, input: 'not-the-password\n' });
    assert.equal(bad.code, 3);
    assert.match(bad.stderr, /error: authentication failed: the password for bob is wrong.*try again/);
    assert.doesNotMatch(bad.stderr, /not-the-password|\n\s+at /);
    await bob.waitFor(/a connection from 127\.0\.0\.1 failed: wrong password/);
    const pf = join(s.dir, 'bob.pw');
    await writeFile(pf, 'pw-bob\n');
    const good = await run(['send', '--users', s.users, '--as', 'alice', '--to', 'bob', '--message', 'second try', '--password-file', pf], { home: s.home });
    assert.equal(good.code, 0, good.stderr);
    await bob.waitFor(/alice: second try/, 'stdout');
    bob.kill();
    await bob.exited;
  });

  it('a port in use: exit 4, saying which port and what to do', async () => {
    const s = await setup();
    const bob = await startListener(['--as', 'bob', '--users', s.users], { home: s.home });
    const second = await run(['listen', '--as', 'alice', '--port', String(s.port), '--users', s.users], { home: s.home });
    assert.equal(second.code, 4);
    assert.match(second.stderr, new RegExp(`error: port ${s.port} is already in use on this machine; .*--port`));
    bob.kill();
    await bob.exited;
  });

  it('send --to HOST:PORT finds the name in the users file; listen --once exits 0 after one conversation', async () => {
    const s = await setup();
    const bob = await startListener(['--as', 'bob', '--users', s.users, '--once'], { home: s.home });
    const r = await run(['send', '--users', s.users, '--as', 'alice', '--to', `127.0.0.1:${s.port}`, '--message', 'by address'], { home: s.home, input: 'pw-bob\n' });
    assert.equal(r.code, 0, r.stderr);
    const b = await bob.exited;
    assert.equal(b.code, 0, b.stderr);
    assert.match(b.stdout, /alice: by address/);
  });
});

describe('chat', () => {
  it('both directions at once, receipts on both sides, /quit, and a notice when the peer leaves', async () => {
    const s = await setup();
    const bob = start(['chat', '--listen', '--as', 'bob', '--users', s.users], { home: s.home });
    await bob.waitFor(/waiting for someone to connect/);
    const alice = start(['chat', '--to', 'bob', '--as', 'alice', '--users', s.users], { home: s.home, input: 'pw-bob\n', keepOpen: true });
    await alice.waitFor(/talking to bob/);
    await bob.waitFor(/connected: alice/);
    alice.write('hi bob\n');
    bob.write('hi alice\n');
    await bob.waitFor(/alice: hi bob/, 'stdout');
    await alice.waitFor(/bob: hi alice/, 'stdout');
    await alice.waitFor(/delivered #1 to bob: "hi bob"/);
    await bob.waitFor(/delivered #1 to alice: "hi alice"/);
    alice.write('/verify\n');
    await alice.waitFor(/safety number of alice and bob/, 'stdout');
    alice.write('/quit\n');
    const a = await alice.exited;
    assert.equal(a.code, 0, a.stderr);
    // The receiver stays up when a peer leaves (v1 quit): it says so and keeps listening.
    await bob.waitFor(/alice left the conversation; still listening on 127\.0\.0\.1:\d+/);
    bob.write('/quit\n');
    const b = await bob.exited;
    assert.equal(b.code, 0, b.stderr);
    assert.match(b.stderr, /stopped listening on/);
  });

  it('a peer that disappears mid-conversation: a clear notice, and the receiver keeps listening', async () => {
    const s = await setup();
    const bob = start(['chat', '--listen', '--as', 'bob', '--users', s.users], { home: join(s.dir, 'bobhome') });
    await bob.waitFor(/waiting for someone to connect/);
    const alice = start(['chat', '--to', 'bob', '--as', 'alice', '--users', s.users], { home: s.home, input: 'pw-bob\n', keepOpen: true });
    alice.write('one\n');
    await bob.waitFor(/alice: one/, 'stdout');
    // alice's conversation lives in her agent: the peer disappearing is that process dying.
    const agentPid = Number((await readFile(join(s.home, 'agent.lock'), 'utf8')).trim());
    process.kill(agentPid, 'SIGKILL');
    alice.kill('SIGKILL');
    await alice.exited;
    await bob.waitFor(/warning: the connection to alice dropped: .*(cut off|lost|reset).*; still listening on/);
    assert.doesNotMatch(bob.stderr, /\n\s+at /);
    // Still listening: the next one is served.
    const again = await run(['send', '--to', 'bob', '--as', 'carol', '--users', s.users, '--message', 'still there?'], { home: join(s.dir, 'carolhome'), input: 'pw-bob\n' });
    assert.equal(again.code, 0, again.stderr);
    await bob.waitFor(/carol: still there\?$/m, 'stdout');
    bob.write('/quit\n');
    assert.equal((await bob.exited).code, 0);
  });

  it('end of piped input: waits for the receipts, then closes (exit 0)', async () => {
    const s = await setup();
    const bob = await startListener(['--as', 'bob', '--users', s.users], { home: s.home });
    const r = await run(['chat', '--to', 'bob', '--as', 'alice', '--users', s.users], { home: s.home, input: 'pw-bob\nfirst\n//slash\nthird\n' });
    assert.equal(r.code, 0, r.stderr);
    for (const n of [1, 2, 3]) assert.match(r.stderr, new RegExp(`delivered #${n} to bob`));
    await bob.waitFor(/alice: third/, 'stdout');
    assert.match(bob.stdout, /alice: \/slash/);
    bob.kill();
    await bob.exited;
  });
});

describe('pinned keys', () => {
  it("a listener's changed key stops the sender (exit 5) until `trust`", async () => {
    const s = await setup();
    let bob = await startListener(['--as', 'bob', '--users', s.users], { home: s.home });
    assert.equal((await run(['send', '--users', s.users, '--as', 'alice', '--to', 'bob', '--message', 'm1'], { home: s.home, input: 'pw-bob\n' })).code, 0);
    bob.kill();
    await bob.exited;
    // bob reinstalls: another home, so another identity key.
    bob = await startListener(['--as', 'bob', '--users', s.users], { home: join(s.dir, 'home2') });
    const changed = await run(['send', '--users', s.users, '--as', 'alice', '--to', 'bob', '--message', 'm2'], { home: s.home, input: 'pw-bob\n' });
    assert.equal(changed.code, 5, changed.stderr);
    assert.match(changed.stderr, /error: the identity key of "bob" changed \(was .*, now .*\); check it with `securechat verify bob`, then accept it with `securechat trust bob`/);
    const peers = await run(['peers', '--as', 'alice', '--users', s.users], { home: s.home });
    assert.match(peers.stdout, /^bob .*KEY CHANGED/m);
    const again = await run(['send', '--users', s.users, '--as', 'alice', '--to', 'bob', '--message', 'm3'], { home: s.home, input: 'pw-bob\n' });
    assert.equal(again.code, 5);
    const trust = await run(['trust', 'bob', '--as', 'alice', '--users', s.users], { home: s.home });
    assert.equal(trust.code, 0, trust.stderr);
    assert.match(trust.stderr, /new key .* is now trusted/);
    const after2 = await run(['send', '--users', s.users, '--as', 'alice', '--to', 'bob', '--message', 'm4'], { home: s.home, input: 'pw-bob\n' });
    assert.equal(after2.code, 0, after2.stderr);
    await bob.waitFor(/alice: m4/, 'stdout');
    bob.kill();
    await bob.exited;
  });

  it("a sender's changed key is refused by the listener (the sender exits 5)", async () => {
    const s = await setup();
    const bob = await startListener(['--as', 'bob', '--users', s.users], { home: s.home });
    assert.equal((await run(['send', '--users', s.users, '--as', 'alice', '--to', 'bob', '--message', 'm1'], { home: join(s.dir, 'a1'), input: 'pw-bob\n' })).code, 0);
    const r = await run(['send', '--users', s.users, '--as', 'alice', '--to', 'bob', '--message', 'm2'], { home: join(s.dir, 'a2'), input: 'pw-bob\n' });
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, /bob refused your identity key/);
    await bob.waitFor(/warning: refused .*identity key of "alice" changed/);
    bob.kill();
    await bob.exited;
  });

  it('verify shows the safety number; --mark marks the key verified', async () => {
    const s = await setup();
    const bob = await startListener(['--as', 'bob', '--users', s.users], { home: s.home });
    assert.equal((await run(['send', '--users', s.users, '--as', 'alice', '--to', 'bob', '--message', 'm'], { home: s.home, input: 'pw-bob\n' })).code, 0);
    bob.kill();
    await bob.exited;
    const v = await run(['verify', 'bob', '--as', 'alice', '--mark', '--users', s.users], { home: s.home });
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /^(\d{5} ){3}\d{5}\n(\d{5} ){3}\d{5}\n(\d{5} ){3}\d{5}$/m);
    const both = await run(['verify', 'alice', '--as', 'bob', '--users', s.users], { home: s.home });
    const digits = (t: string): string => (t.match(/\d{5}/g) ?? []).join('');
    assert.equal(digits(both.stdout), digits(v.stdout), 'both sides see the same number');
    const p = await run(['peers', '--as', 'alice', '--json', '--users', s.users], { home: s.home });
    assert.equal(jsonLines(p.stdout).find((e) => e['event'] === 'peer')?.['state'], 'verified');
  });
});
