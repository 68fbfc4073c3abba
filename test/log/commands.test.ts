/** Command logic: `log show`, `log verify`, `log repair` — lines, JSON lines, exit codes. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isSecureChatError } from '../../src/errors.js';
import { LogWriter, logPaths } from '../../src/log/file.js';
import { EventKind, Verification } from '../../src/log/event.js';
import { loadOrCreateLogSecret } from '../../src/log/secret.js';
import { LogExitCode, logRepair, logShow, logVerify, safeText } from '../../src/log/commands.js';
import { cleanup, spans, tempDir } from './_helpers.js';

let root: string;
let n = 0;
async function userWithLog(): Promise<string> {
  const u = join(root, `u${n++}`);
  await mkdir(u);
  const secret = await loadOrCreateLogSecret(u);
  const w = await LogWriter.open({ paths: logPaths(u), secret });
  const t = 1_780_000_000_000;
  await w.append({ kind: EventKind.CONVERSATION_START, at: t, peer: 'bob', fingerprint: 'ab12', verification: Verification.VERIFIED });
  await w.append({ kind: EventKind.MESSAGE_SENT, at: t + 1, peer: 'bob', text: 'hi bob' });
  await w.append({ kind: EventKind.MESSAGE_RECEIVED, at: t + 2, peer: 'carol', text: 'evil \u001b[2J\u0007 text' });
  await w.append({ kind: EventKind.CONVERSATION_END, at: t + 3, peer: 'bob', reason: 'bye' });
  await w.close();
  return u;
}

before(async () => {
  root = await tempDir();
});
after(() => cleanup(root));

describe('log commands', () => {
  test('verify: ok with the entry count and an anchor, exit 0; --json gives one object', async () => {
    const u = await userWithLog();
    const r = await logVerify({ userDir: u });
    assert.equal(r.exitCode, LogExitCode.OK);
    assert.match(r.lines[0]!, /^ok: 4 entries \(4 events, 0 checkpoints\), anchor 4:[0-9a-f]{32}$/);
    const j = await logVerify({ userDir: u, json: true });
    assert.equal(j.lines.length, 1);
    const o = JSON.parse(j.lines[0]!);
    assert.equal(o.ok, true);
    assert.equal(o.records, 4);
    // the anchor printed now detects a later rollback
    const anchor = String(o.anchor);
    const paths = logPaths(u);
    const oldFile = await readFile(paths.file);
    const oldHead = await readFile(paths.head);
    const secret = await loadOrCreateLogSecret(u);
    const w = await LogWriter.open({ paths, secret });
    await w.append({ kind: EventKind.MESSAGE_SENT, at: 1, peer: 'bob', text: 'later' });
    const newAnchor = w.anchor;
    await w.close();
    assert.equal((await logVerify({ userDir: u, anchor })).exitCode, 0, 'the old anchor still fits a longer log');
    await writeFile(paths.file, oldFile);
    await writeFile(paths.head, oldHead);
    assert.equal((await logVerify({ userDir: u })).exitCode, 0, 'rolled back together: consistent');
    const rb = await logVerify({ userDir: u, anchor: newAnchor });
    assert.equal(rb.exitCode, LogExitCode.INVALID);
    assert.match(rb.lines[0]!, /^invalid: entry 4: truncated: /);
  });

  test('verify FILE: a log elsewhere, its head next to it; problems exit 7 with the index and kind', async () => {
    const u = await userWithLog();
    const paths = logPaths(u);
    const file = new Uint8Array(await readFile(paths.file));
    const [s] = spans(file)[2]!;
    file[s + 30]! ^= 0x40;
    const copy = join(root, `copy${n++}.sclog`);
    await writeFile(copy, file);
    await writeFile(`${copy}.head`, await readFile(paths.head));
    const r = await logVerify({ userDir: u, file: copy });
    assert.equal(r.exitCode, 7);
    assert.match(r.lines[0]!, /^invalid: entry 2: edited: /);
    const j = JSON.parse((await logVerify({ userDir: u, file: copy, json: true })).lines[0]!);
    assert.deepEqual([j.ok, j.kind, j.index, j.verifiedRecords], [false, 'edited', 2, 2]);
  });

  test('verify --legacy is delegated to the legacy verifier', async () => {
    const u = await userWithLog();
    const r = await logVerify({ userDir: u, file: 'legacy.log', legacy: { password: new Uint8Array([1]), verify: async (f) => ({ exitCode: 0, lines: [`legacy ${f}`] }) } });
    assert.deepEqual(r, { exitCode: 0, lines: ['legacy legacy.log'] });
  });

  test('show: decrypted lines, --peer filters, control characters escaped; --json one object per line', async () => {
    const u = await userWithLog();
    const all = await logShow({ userDir: u });
    assert.equal(all.exitCode, 0);
    assert.equal(all.lines.length, 4);
    assert.match(all.lines[1]!, /^#1 2026-\S+ -> bob: hi bob$/);
    assert.ok(all.lines.every((l) => [...l].every((c) => c.charCodeAt(0) >= 0x20)), 'no control characters reach the terminal');
    assert.match(all.lines[2]!, /evil \\x1b\[2J\\x07 text/);
    const bob = await logShow({ userDir: u, peer: 'bob' });
    assert.equal(bob.lines.length, 3);
    const j = await logShow({ userDir: u, peer: 'carol', json: true });
    assert.deepEqual(JSON.parse(j.lines[0]!), { index: 2, kind: 'message-received', at: 1_780_000_000_002, peer: 'carol', text: 'evil \u001b[2J\u0007 text' });
  });

  test('show on a damaged log: the verified prefix, then the problem, exit 7', async () => {
    const u = await userWithLog();
    const paths = logPaths(u);
    const file = await readFile(paths.file);
    await appendFile(paths.file, file.subarray(72, 92));
    const r = await logShow({ userDir: u });
    assert.equal(r.exitCode, 7);
    assert.equal(r.lines.length, 4 + 3);
    assert.match(r.lines[4]!, /^invalid: entry 4: torn-tail/);
    assert.match(r.lines[6]!, /log repair/);
  });

  test('repair: torn tail cut and recorded (exit 0); nothing to repair (exit 0); refused (exit 7)', async () => {
    const u = await userWithLog();
    const paths = logPaths(u);
    assert.match((await logRepair({ userDir: u })).lines[0]!, /^nothing to repair/);
    const file = await readFile(paths.file);
    await appendFile(paths.file, file.subarray(72, 92));
    const v = await logVerify({ userDir: u });
    assert.equal(v.exitCode, 7);
    assert.match(v.lines[0]!, /^invalid: entry 4: torn-tail/);
    const r = await logRepair({ userDir: u, now: 1_800_000_000_000 });
    assert.equal(r.exitCode, 0);
    assert.match(r.lines[0]!, /^repaired: cut off the incomplete entry 4 \(20 bytes\); the repair is recorded as entry 4$/);
    const shown = await logShow({ userDir: u });
    assert.match(shown.lines.at(-1)!, /log repaired: truncated-torn-tail at entry 4 \(20 bytes removed\)/);
    // an edit cannot be repaired
    const f = new Uint8Array(await readFile(paths.file));
    f[spans(f)[1]![0] + 20]! ^= 1;
    await writeFile(paths.file, f);
    const refused = await logRepair({ userDir: u });
    assert.equal(refused.exitCode, 7);
    assert.match(refused.lines[0]!, /^refused: .*edited/);
  });

  test('no log secret: NOT_INITIALISED is thrown for the CLI to map', async () => {
    const u = join(root, `empty${n++}`);
    await mkdir(u);
    await assert.rejects(logVerify({ userDir: u }), (e: unknown) => isSecureChatError(e) && e.code === 'NOT_INITIALISED');
  });

  test('safeText escapes C0, DEL, C1 and line separators', () => {
    assert.equal(safeText('a\nb\tc\u001b\u007f\u009b\u2028'), 'a\\nb\\tc\\x1b\\x7f\\x9b\\u2028');
  });
});
