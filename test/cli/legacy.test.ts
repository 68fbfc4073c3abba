/**
 * The original program's protocol through the built command: `listen --legacy` and
 * `send --legacy` in separate processes over 127.0.0.1, the warning both print, the original's
 * log line format and `log verify --legacy`, a wrong password, `--json`, and the interactive
 * flow offering legacy only as an explicit choice.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cleanup, freePort, jsonLines, run, start, tempDir, writeFile, writeUsers, type Proc } from './_harness.js';

after(cleanup);

interface Setup {
  readonly dir: string;
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
  return { dir, home: join(dir, 'home'), users, alicePort, bobPort };
}

/** The warning must name every weakness the issue lists. */
function assertWarned(output: string, who: string): void {
  assert.match(output, /legacy mode speaks the original SecureChat v0 protocol, which is NOT secure/, `${who}: the legacy warning`);
  assert.match(output, /password guesses offline/, `${who}: offline guessing`);
  assert.match(output, /Diffie-Hellman exchange is unauthenticated/, `${who}: unauthenticated DH`);
  assert.match(output, /no MAC on the message/, `${who}: no MAC`);
  assert.match(output, /1024-bit/, `${who}: 1024-bit group`);
}

const LOG_LINE = (text: string): RegExp => new RegExp(`^\\d{2}-\\d{2}-\\d{4} \\d{2}:\\d{2}:\\d{2} \\+ ${text}::HMAC:[0-9a-f]{64}$`);

async function legacyListener(s: Setup, extra: readonly string[] = []): Promise<Proc> {
  const p = start(['listen', '--legacy', '--as', 'bob', '--users', s.users, ...extra], { home: s.home });
  if (extra.includes('--json')) await p.waitFor(/"event":"listening"/, 'stdout');
  else await p.waitFor(new RegExp(`listening with the legacy v0 protocol on 127\\.0\\.0\\.1:${s.bobPort}`));
  return p;
}

describe('listen --legacy with send --legacy', () => {
  it('delivers, warns on both sides, logs in the original format; log verify --legacy; a wrong password gets exit 3 and the listener serves the next sender', async () => {
    const s = await setup();
    const bob = await legacyListener(s);
    assertWarned(bob.stderr, 'listener');

    const first = await run(['send', '--legacy', '--to', 'bob', '--message', 'hello from v0', '--users', s.users, '--as', 'alice'], { home: s.home, input: 'pw-bob\n' });
    assert.equal(first.code, 0, first.stderr);
    assertWarned(first.stderr, 'sender');
    assert.match(first.stderr, /delivered to .*acknowledged by the legacy receiver/);
    await bob.waitFor(/\(legacy, unauthenticated\): hello from v0$/m, 'stdout');
    const logged = await bob.waitFor(/appended the original-format log line to (.+)\n/);
    const bobLog = logged[1] ?? '';
    assert.equal(bobLog, join(s.home, 'users', 'bob', 'logging.txt'));

    // Wrong password: exit 3, one sentence, nothing delivered or logged; the listener goes on.
    const bad = await run(['send', '--legacy', '--to', 'bob', '--message', 'must not arrive', '--users', s.users], { home: s.home, input: 'not-bobs-password\n' });
    assert.equal(bad.code, 3, bad.stderr);
    assertWarned(bad.stderr, 'rejected sender');
    assert.match(bad.stderr, /error: authentication failed: the password for bob is wrong/);
    assert.doesNotMatch(bad.stderr, /not-bobs-password|\n\s+at /);
    await bob.waitFor(/legacy session with 127\.0\.0\.1:\d+ failed: auth_failed/);

    // The next sender, password from a file.
    const pf = join(s.dir, 'bob.pw');
    await writeFile(pf, 'pw-bob\n');
    const second = await run(['send', '--legacy', '--to', `127.0.0.1:${s.bobPort}`, '--message', 'second one', '--users', s.users, '--password-file', pf, '--as', 'alice'], { home: s.home });
    assert.equal(second.code, 0, second.stderr);
    await bob.waitFor(/\(legacy, unauthenticated\): second one$/m, 'stdout');
    await bob.waitFor(/appended the original-format log line[^\n]*\n[^]*appended the original-format log line/);
    assert.doesNotMatch(bob.stdout, /must not arrive/);

    // The original's line format, one line per delivered message (receiver and sender side).
    const lines = (await readFile(bobLog, 'utf8')).split('\n');
    assert.equal(lines.pop(), '', 'the log ends with a newline');
    assert.equal(lines.length, 2, lines.join('\n'));
    assert.match(lines[0] ?? '', LOG_LINE('hello from v0'));
    assert.match(lines[1] ?? '', LOG_LINE('second one'));
    const aliceLog = join(s.home, 'users', 'alice', 'clientlogging.txt');
    const clines = (await readFile(aliceLog, 'utf8')).split('\n').filter((l) => l !== '');
    assert.equal(clines.length, 2);
    assert.match(clines[0] ?? '', LOG_LINE('hello from v0'));

    // log verify --legacy: the password on stdin, or from --password-file.
    const ok = await run(['log', 'verify', '--legacy', bobLog], { home: s.home, input: 'pw-bob\n' });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^ok: 2 entries in the original format verify/);
    const okFile = await run(['log', 'verify', '--legacy', aliceLog, '--password-file', pf], { home: s.home });
    assert.equal(okFile.code, 0, okFile.stderr);
    assert.match(okFile.stdout, /^ok: 2 entries/);
    const wrong = await run(['log', 'verify', '--legacy', bobLog], { home: s.home, input: 'pw-alice\n' });
    assert.equal(wrong.code, 7, wrong.stderr);
    assert.match(wrong.stderr, /invalid: line 1: HMAC does not match/);

    // One byte of the second line's text changed: line 2 is reported, the first entry verifies.
    const raw = await readFile(bobLog);
    const at = raw.indexOf('second one');
    assert.ok(at > 0);
    const tampered = Buffer.from(raw);
    tampered[at] = 'S'.charCodeAt(0);
    const tamperedPath = join(s.dir, 'tampered.txt');
    await writeFile(tamperedPath, tampered);
    const t = await run(['log', 'verify', '--legacy', tamperedPath, '--password-file', pf], { home: s.home });
    assert.equal(t.code, 7, t.stderr);
    assert.match(t.stderr, /invalid: line 2: HMAC does not match \(edited, or another password\)/);
    assert.match(t.stderr, /the first 1 entries verify/);
    assert.equal(t.stdout, '');

    bob.kill();
    await bob.exited;
  });

  it('--json: one event per line on both sides, errors with their stable code', async () => {
    const s = await setup();
    const bob = await legacyListener(s, ['--json']);
    const r = await run(['send', '--legacy', '--json', '--to', 'bob', '--message', 'json "quoted" text', '--users', s.users, '--as', 'alice'], { home: s.home, input: 'pw-bob\n' });
    assert.equal(r.code, 0, r.stderr);
    const sent = jsonLines(r.stdout);
    const warning = sent.find((e) => e['event'] === 'warning' && e['code'] === 'LEGACY_PROTOCOL');
    assert.ok(warning !== undefined, 'the legacy warning is an event');
    assert.match(String(warning['message']), /NOT secure/);
    const kinds = sent.map((e) => e['event']);
    for (const k of ['connection', 'step', 'receipt', 'logged']) assert.ok(kinds.includes(k), `${k} in ${kinds.join(',')}`);
    assert.ok(!kinds.includes('error'), kinds.join(','));
    for (const e of sent.filter((x) => x['event'] !== 'warning')) assert.equal(e['legacy'], true, JSON.stringify(e));

    await bob.waitFor(/"event":"message"/, 'stdout');
    const bad = await run(['send', '--legacy', '--json', '--to', 'bob', '--message', 'x', '--users', s.users], { home: s.home, input: 'wrong\n' });
    assert.equal(bad.code, 3, bad.stderr);
    const badEv = jsonLines(bad.stdout);
    const err = badEv.filter((e) => e['event'] === 'error');
    assert.ok(err.length >= 1);
    assert.equal(err[err.length - 1]?.['code'], 'AUTH_FAILED');
    assert.equal(err[err.length - 1]?.['exit'], 3);
    await bob.waitFor(/"event":"error"/, 'stdout');

    const got = jsonLines(bob.stdout);
    const gotKinds = got.map((e) => e['event']);
    for (const k of ['warning', 'listening', 'connection', 'step', 'message', 'logged', 'closed', 'error']) assert.ok(gotKinds.includes(k), `${k} in ${gotKinds.join(',')}`);
    const msg = got.find((e) => e['event'] === 'message');
    assert.equal(msg?.['text'], 'json "quoted" text');
    assert.equal(msg?.['legacy'], true);
    assert.match(String(msg?.['from']), /^127\.0\.0\.1:\d+$/);
    assert.equal(got.find((e) => e['event'] === 'error')?.['code'], 'AUTH_FAILED');
    assert.equal(got.filter((e) => e['event'] === 'message').length, 1);

    // log verify --legacy --json: one object per line, with the facts a script needs.
    const logPath = join(s.home, 'users', 'bob', 'logging.txt');
    const v = await run(['log', 'verify', '--legacy', logPath, '--json'], { home: s.home, input: 'pw-bob\n' });
    assert.equal(v.code, 0, v.stderr);
    const vev = jsonLines(v.stdout);
    assert.equal(vev.length, 1);
    assert.equal(vev[0]?.['event'], 'log-verify');
    assert.equal(vev[0]?.['ok'], true);
    assert.equal(vev[0]?.['entries'], 1);
    const w = await run(['log', 'verify', '--legacy', logPath, '--json'], { home: s.home, input: 'wrong\n' });
    assert.equal(w.code, 7);
    const wev = jsonLines(w.stdout);
    assert.equal(wev.length, 1, w.stdout);
    assert.equal(wev[0]?.['ok'], false);
    assert.equal(wev[0]?.['line'], 1);
    assert.equal(wev[0]?.['verifiedEntries'], 0);

    bob.kill();
    await bob.exited;
  });

  it('legacy is never a fallback: a v1 sender to a legacy listener fails without any legacy exchange; nobody listening is exit 4', async () => {
    const s = await setup();
    const bob = await legacyListener(s);
    const v1 = await run(['send', '--to', 'bob', '--message', 'v1 only', '--users', s.users, '--as', 'alice'], { home: s.home, input: 'pw-bob\n' });
    assert.notEqual(v1.code, 0, v1.stderr);
    assert.doesNotMatch(v1.stderr, /legacy/i);
    await bob.waitFor(/legacy session with 127\.0\.0\.1:\d+ failed/);
    assert.doesNotMatch(bob.stdout, /v1 only/);
    bob.kill();
    await bob.exited;

    const none = await run(['send', '--legacy', '--to', 'bob', '--message', 'x', '--users', s.users], { home: s.home, input: 'pw-bob\n' });
    assert.equal(none.code, 4, none.stderr);
    assertWarned(none.stderr, 'sender without a listener');
  });
});

describe('interactive flow, legacy only on explicit request', () => {
  it('the question names legacy as an extra, insecure choice; choosing it sends with the v0 protocol', async () => {
    const s = await setup();
    const bob = await legacyListener(s);
    const input = [s.users, String(s.alicePort), 'legacy', 's', 'y', 'bob', 'typed in the flow', 'pw-bob', ''].join('\n');
    const r = await run([], { home: s.home, input });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /receive or send\? \(r\/s; "legacy" for the original, insecure protocol\)/);
    assert.match(r.stderr, /legacy protocol \(insecure\): receive or send\?/);
    assertWarned(r.stderr, 'interactive sender');
    assert.match(r.stderr, /delivered to .*acknowledged by the legacy receiver/);
    assert.doesNotMatch(r.stderr + r.stdout, /pw-bob/);
    await bob.waitFor(/\(legacy, unauthenticated\): typed in the flow$/m, 'stdout');
    bob.kill();
    await bob.exited;
  });

  it('choosing legacy then r receives one original sender and exits 0', async () => {
    const s = await setup();
    const bob = start([], { home: s.home, input: [s.users, String(s.bobPort), 'legacy', 'r', ''].join('\n') });
    await bob.waitFor(/listening with the legacy v0 protocol/);
    assertWarned(bob.stderr, 'interactive listener');
    const r = await run(['send', '--legacy', '--to', 'bob', '--message', 'to the flow', '--users', s.users], { home: s.home, input: 'pw-bob\n' });
    assert.equal(r.code, 0, r.stderr);
    const b = await bob.exited;
    assert.equal(b.code, 0, b.stderr);
    assert.match(b.stdout, /\(legacy, unauthenticated\): to the flow$/m);
  });

  it('plain s never uses legacy (no warning)', async () => {
    const s = await setup();
    // Nobody listens: the v1 attempt fails, and nothing about legacy is printed.
    const input = [s.users, String(s.alicePort), 's', 'y', 'bob', 'pw-bob', 'hello', ''].join('\n');
    const r = await run([], { home: s.home, input });
    assert.equal(r.code, 4, r.stderr);
    assert.doesNotMatch(r.stderr, /WARNING: legacy/);
  });
});
