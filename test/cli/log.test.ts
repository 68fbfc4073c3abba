/**
 * `securechat log show|verify|repair` on a log written by real conversations (built command,
 * child processes, 127.0.0.1): showing with --peer and --json, verifying, a changed byte, a cut
 * that the head vouches against, and a torn tail that only `log repair` fixes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { cleanup, freePort, jsonLines, run, startListener, tempDir, writeFile, writeUsers, type Proc } from './_harness.js';

after(cleanup);

const HEADER_BYTES = 72;

interface Setup {
  readonly home: string;
  readonly users: string;
  readonly logFile: string;
  readonly headFile: string;
  readonly listeners: Proc[];
}

let s: Setup;

async function send(to: string, text: string): Promise<void> {
  const r = await run(['send', '--users', s.users, '--as', 'alice', '--to', to, '--message', text], { home: s.home, input: `pw-${to}\n` });
  assert.equal(r.code, 0, r.stderr);
}

/** Start offset of record `i` (u32 big-endian length prefix, then the body). */
function recordStart(file: Buffer, i: number): number {
  let off = HEADER_BYTES;
  for (let k = 0; k < i; k++) off += 4 + file.readUInt32BE(off);
  return off;
}

function log(sub: readonly string[], input?: string): ReturnType<typeof run> {
  return run(['log', ...sub, '--as', 'alice', '--users', s.users], { home: s.home, ...(input === undefined ? {} : { input }) });
}

/** --json lines, minus the users file's plaintext-password warning (that file keeps them on purpose). */
function withoutWarnings(stdout: string): Record<string, unknown>[] {
  return jsonLines(stdout).filter((e) => !(e['event'] === 'warning' && e['code'] === 'PLAINTEXT_PASSWORDS'));
}

async function verifyJson(): Promise<{ code: number | null; ev: Record<string, unknown> }> {
  const r = await log(['verify', '--json']);
  const ev = withoutWarnings(r.stdout);
  assert.equal(ev.length, 1, r.stdout);
  return { code: r.code, ev: ev[0] ?? {} };
}

before(async () => {
  const dir = await tempDir();
  const users = await writeUsers(dir, [
    { username: 'alice', password: 'pw-alice', port: await freePort() },
    { username: 'bob', password: 'pw-bob', port: await freePort() },
    { username: 'carol', password: 'pw-carol', port: await freePort() },
  ]);
  const home = join(dir, 'home');
  const logFile = join(home, 'users', 'alice', 'log', 'messages.sclog');
  s = { home, users, logFile, headFile: `${logFile}.head`, listeners: [] };
  s.listeners.push(await startListener(['--as', 'bob', '--users', users], { home }));
  s.listeners.push(await startListener(['--as', 'carol', '--users', users], { home }));
  await send('bob', 'first to bob');
  await send('carol', 'only for carol');
  await send('bob', 'second to bob');
});

after(async () => {
  for (const l of s.listeners) l.kill();
  await Promise.all(s.listeners.map((l) => l.exited));
});

describe('log show', () => {
  it('shows every entry, decrypted, in order', async () => {
    const r = await log(['show']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    const first = lines.findIndex((l) => /-> bob: first to bob$/.test(l));
    const carol = lines.findIndex((l) => /-> carol: only for carol$/.test(l));
    const second = lines.findIndex((l) => /-> bob: second to bob$/.test(l));
    assert.ok(first >= 0 && first < carol && carol < second, r.stdout);
    assert.match(r.stdout, /conversation with bob started \(key /);
    for (const [i, l] of lines.entries()) assert.match(l, new RegExp(`^#${i} \\d{4}-\\d\\d-\\d\\dT`), `entry numbers in order:\n${r.stdout}`);
  });

  it('--peer NAME shows only the entries about NAME', async () => {
    const r = await log(['show', '--peer', 'bob']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /-> bob: first to bob/);
    assert.match(r.stdout, /-> bob: second to bob/);
    assert.doesNotMatch(r.stdout, /carol/);
    const none = await log(['show', '--peer', 'nobody']);
    assert.equal(none.code, 0);
    assert.equal(none.stdout, '');
  });

  it('--json: one object per line with index, kind, peer and text', async () => {
    const r = await log(['show', '--peer', 'carol', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const ev = withoutWarnings(r.stdout);
    assert.ok(ev.length >= 2, r.stdout);
    for (const e of ev) {
      assert.equal(e['event'], 'log-entry');
      assert.equal(e['peer'], 'carol');
      assert.equal(typeof e['index'], 'number');
      assert.equal(typeof e['kind'], 'string');
    }
    const sent = ev.filter((e) => e['kind'] === 'message-sent');
    assert.deepEqual(sent.map((e) => e['text']), ['only for carol']);
  });
});

describe('log verify and repair', () => {
  it('verify: ok with the entry count (events match log show)', async () => {
    const r = await log(['verify']);
    assert.equal(r.code, 0, r.stderr);
    const m = /^ok: (\d+) entries \((\d+) events, (\d+) checkpoints\), anchor \S+\n$/.exec(r.stdout);
    assert.ok(m !== null, r.stdout);
    const shown = (await log(['show'])).stdout.split('\n').filter((l) => l !== '').length;
    assert.equal(Number(m[2]), shown);
    assert.equal(Number(m[1]), Number(m[2]) + Number(m[3]));
    const { code, ev } = await verifyJson();
    assert.equal(code, 0);
    assert.equal(ev['event'], 'log-verify');
    assert.equal(ev['ok'], true);
    assert.equal(ev['records'], Number(m[1]));
  });

  it('one changed byte: exit 7 with the index and kind; show stops at the verified prefix; repair refuses', async () => {
    const original = await readFile(s.logFile);
    const at = recordStart(original, 1) + 4 + 1 + 8 + 16 + 2; // inside entry 1's sealed payload
    const edited = Buffer.from(original);
    edited[at] = (edited[at] ?? 0) ^ 0x01;
    await writeFile(s.logFile, edited);
    try {
      const r = await log(['verify']);
      assert.equal(r.code, 7, r.stderr);
      assert.match(r.stderr, /invalid: entry 1: edited: /);
      assert.match(r.stderr, /the first 1 entries verify/);
      const quiet = await log(['verify', '-q']);
      assert.equal(quiet.code, 7);
      assert.match(quiet.stderr, /invalid: entry 1: edited: /, '-q does not hide the verdict');
      const { code, ev } = await verifyJson();
      assert.equal(code, 7);
      assert.equal(ev['ok'], false);
      assert.equal(ev['index'], 1);
      assert.equal(ev['kind'], 'edited');
      const show = await log(['show']);
      assert.equal(show.code, 7);
      assert.match(show.stdout, /^#0 /);
      assert.doesNotMatch(show.stdout, /#1 /);
      const repair = await log(['repair']);
      assert.equal(repair.code, 7);
      assert.match(repair.stderr, /refused: /);
      assert.deepEqual(await readFile(s.logFile), edited, 'a refused repair changes nothing');
    } finally {
      await writeFile(s.logFile, original);
    }
    assert.equal((await log(['verify'])).code, 0);
  });

  it('the last bytes cut off an entry the head vouches for: reported as truncated, repair refuses', async () => {
    const original = await readFile(s.logFile);
    await truncate(s.logFile, original.length - 5);
    try {
      const { code, ev } = await verifyJson();
      assert.equal(code, 7);
      assert.equal(ev['kind'], 'truncated');
      const repair = await log(['repair']);
      assert.equal(repair.code, 7);
      assert.match(repair.stderr, /refused: /);
    } finally {
      await writeFile(s.logFile, original);
    }
    assert.equal((await log(['verify'])).code, 0);
  });

  it('a torn tail (last append cut short before the head moved): verify exit 7 names it, repair fixes it, verify ok', async () => {
    const headBefore = await readFile(s.headFile);
    await send('bob', 'torn message');
    const full = await readFile(s.logFile);
    // The crash: the head was not yet replaced, and the last record's last bytes never reached the disk.
    await writeFile(s.headFile, headBefore);
    await truncate(s.logFile, full.length - 3);

    const r = await log(['verify']);
    assert.equal(r.code, 7, r.stderr);
    assert.match(r.stderr, /invalid: entry \d+: torn-tail: /);
    assert.match(r.stderr, /securechat log repair/);
    const { ev } = await verifyJson();
    assert.equal(ev['kind'], 'torn-tail');
    const tornIndex = ev['index'];
    assert.equal(typeof tornIndex, 'number');

    const repair = await log(['repair']);
    assert.equal(repair.code, 0, repair.stderr);
    assert.match(repair.stdout, new RegExp(`^repaired: cut off the incomplete entry ${String(tornIndex)} `));
    const again = await log(['verify']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^ok: /);
    const shown = await log(['show']);
    assert.equal(shown.code, 0);
    assert.match(shown.stdout, /log repaired: truncated-torn-tail at entry \d+ \(\d+ bytes removed\)/);
    assert.match(shown.stdout, /-> bob: second to bob/);
    const nothing = await log(['repair']);
    assert.equal(nothing.code, 0);
    assert.match(nothing.stdout, /^nothing to repair/);
  });
});
