/** The file adapter: modes, durability order, reopen, the lock, torn tails, repair, the secret. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFile, mkdir, readFile, stat, truncate, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isSecureChatError } from '../../src/errors.js';
import { EventKind } from '../../src/log/event.js';
import { LogWriter, logPaths, repairLog, verifyLogFile } from '../../src/log/file.js';
import { loadLogSecret, loadOrCreateLogSecret, logKeyPath } from '../../src/log/secret.js';
import { cleanup, conversation, headAt, SECRET, spans, tempDir, writeReal } from './_helpers.js';
import { HEAD_BYTES } from '../../src/log/format.js';
import { decodeHead } from '../../src/log/chain.js';
import { deriveLogKeys } from '../../src/log/keys.js';

let root: string;
let n = 0;
const fresh = async (): Promise<string> => {
  const d = join(root, `u${n++}`);
  await mkdir(d);
  return d;
};
const code = (c: string) => (e: unknown): boolean => isSecureChatError(e) && e.code === c;
const msg = (i: number) => ({ kind: EventKind.MESSAGE_SENT, at: 1_780_000_000_000 + i, peer: 'bob', text: `m${i}` }) as const;

before(async () => {
  root = await tempDir();
});
after(() => cleanup(root));

describe('log file adapter', () => {
  test('creates the log directory 0700 and the log and head 0600; appends return indices', async () => {
    const u = await fresh();
    const paths = logPaths(u);
    const w = await LogWriter.open({ paths, secret: SECRET, checkpointEvery: 2 });
    assert.equal(await w.append(msg(0)), 0);
    assert.equal(await w.append(msg(1)), 1); // followed by checkpoint 2
    assert.equal(await w.append(msg(2)), 3);
    await w.close();
    assert.equal((await stat(paths.dir)).mode & 0o777, 0o700);
    assert.equal((await stat(paths.file)).mode & 0o777, 0o600);
    assert.equal((await stat(paths.head)).mode & 0o777, 0o600);
    await assert.rejects(stat(paths.lock), /ENOENT/, 'the lock is released on close');
    const v = await verifyLogFile({ paths, secret: SECRET, keepEntries: true });
    assert.equal(v.ok, true);
    assert.deepEqual(v.entries.map((e) => e.index), [0, 1, 3]);
  });

  test('reopening continues the chain; concurrent appends are queued in call order', async () => {
    const u = await fresh();
    const paths = logPaths(u);
    let w = await LogWriter.open({ paths, secret: SECRET });
    await w.append(msg(0));
    await w.close();
    w = await LogWriter.open({ paths, secret: SECRET });
    const idx = await Promise.all([1, 2, 3, 4].map((i) => w.append(msg(i))));
    assert.deepEqual(idx, [1, 2, 3, 4]);
    await w.close();
    const v = await verifyLogFile({ paths, secret: SECRET, keepEntries: true });
    assert.equal(v.ok, true);
    assert.deepEqual(v.entries.map((e) => (e.event.kind === 'message-sent' ? e.event.text : '')), ['m0', 'm1', 'm2', 'm3', 'm4']);
  });

  test('group commit: appends that arrive together share one fdatasync sequence, each resolves after its own is durable', async () => {
    const u = await fresh();
    const paths = logPaths(u);
    const w = await LogWriter.open({ paths, secret: SECRET, checkpointEvery: 1_000 });
    assert.equal(await w.append(msg(0)), 0, 'a lone append commits at once');
    assert.equal(w.commitCount, 1);
    // 16 appends made together, then 16 more while the first group is being made durable.
    const first = Array.from({ length: 16 }, (_, i) => w.append(msg(1 + i)));
    const second: Promise<number>[] = [];
    const order: number[] = [];
    const seen = first.map(async (p) => {
      const i = await p;
      order.push(i);
      if (second.length === 0) for (let k = 0; k < 16; k++) second.push(w.append(msg(17 + k)));
      // When it resolves, its record is on disk under a head that vouches for it.
      const v = await verifyLogFile({ paths, secret: SECRET });
      assert.equal(v.ok, true);
      assert.ok(v.records > i, `entry ${i} resolved before it was durable (${v.records} records on disk)`);
    });
    await Promise.all(seen);
    const idx2 = await Promise.all(second);
    assert.deepEqual(order, Array.from({ length: 16 }, (_, i) => 1 + i), 'resolved in call order');
    assert.deepEqual(idx2, Array.from({ length: 16 }, (_, i) => 17 + i));
    assert.equal(w.commitCount, 3, 'three commits for 33 appends: the lone one and two groups');
    await w.close();
    const v = await verifyLogFile({ paths, secret: SECRET, keepEntries: true });
    assert.equal(v.ok, true);
    assert.equal(v.records, 33);
  });

  test('group commit: a malformed event in a group is refused alone, the others commit', async () => {
    const u = await fresh();
    const paths = logPaths(u);
    const w = await LogWriter.open({ paths, secret: SECRET });
    const r = await Promise.allSettled([w.append(msg(0)), w.append({ ...msg(1), peer: '' }), w.append(msg(2))]);
    assert.deepEqual(r.map((x) => x.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.deepEqual(r.map((x) => (x.status === 'fulfilled' ? x.value : -1)), [0, -1, 1]);
    assert.ok(r[1]?.status === 'rejected' && code('USAGE')(r[1].reason));
    await w.close();
  });

  test('a malformed event is refused and changes nothing', async () => {
    const u = await fresh();
    const paths = logPaths(u);
    const w = await LogWriter.open({ paths, secret: SECRET });
    await assert.rejects(w.append({ ...msg(0), peer: '' }), code('USAGE'));
    assert.equal(await w.append(msg(1)), 0);
    await w.close();
  });

  test('one writer: a second writer in this process, or another process, is refused at once', async () => {
    const u = await fresh();
    const paths = logPaths(u);
    const w = await LogWriter.open({ paths, secret: SECRET });
    await assert.rejects(LogWriter.open({ paths, secret: SECRET }), (e: unknown) => code('STORAGE_ERROR')(e) && /in use by process/.test(String(e)));
    const writer = fileURLToPath(new URL('./_writer.js', import.meta.url));
    const out = await new Promise<string>((resolve) => {
      const c = spawn(process.execPath, [writer, u, 'second'], { stdio: ['ignore', 'pipe', 'inherit'] });
      let s = '';
      c.stdout.on('data', (d: Buffer) => (s += d.toString()));
      c.on('exit', () => resolve(s));
    });
    assert.equal(out.trim(), 'ERR STORAGE_ERROR');
    await w.close();
    // a stale lock (its process is gone) is broken
    await writeFile(paths.lock, '999999999\n');
    const w2 = await LogWriter.open({ paths, secret: SECRET });
    await w2.close();
  });

  test('a torn tail is reported on open, not fixed; only repair cuts it, and records that it did', async () => {
    const u = await fresh();
    const { paths, file, head } = await writeReal(u, 8, 4);
    const count = spans(file).length;
    // the crash: a partial record after the last one, the head untouched
    await appendFile(paths.file, file.subarray(spans(file)[2]![0], spans(file)[2]![0] + 30));
    await assert.rejects(LogWriter.open({ paths, secret: SECRET }), (e: unknown) => code('LOG_INVALID')(e) && /torn-tail/.test(String(e)));
    assert.equal((await readFile(paths.file)).length, file.length + 30, 'open did not touch the file');
    assert.deepEqual(new Uint8Array(await readFile(paths.head)), head);
    const r = await repairLog({ paths, secret: SECRET, now: 1_800_000_000_000 });
    assert.equal(r.action, 'truncated-torn-tail');
    if (r.action === 'truncated-torn-tail') {
      assert.equal(r.atIndex, count);
      assert.equal(r.bytesRemoved, 30);
    }
    const v = await verifyLogFile({ paths, secret: SECRET, keepEntries: true });
    assert.equal(v.ok, true);
    assert.deepEqual(v.entries.at(-1)?.event, { kind: 'log-repaired', at: 1_800_000_000_000, action: 'truncated-torn-tail', atIndex: count, bytesRemoved: 30 });
    assert.deepEqual(v.entries.slice(0, 8).map((e) => e.event), conversation(8));
    assert.equal((await repairLog({ paths, secret: SECRET, now: 1 })).action, 'none');
  });

  test('repair refuses edits and truncation, leaving the file as it is', async () => {
    const u = await fresh();
    const { paths, file } = await writeReal(u, 8, 4);
    await truncate(paths.file, spans(file)[5]![0]);
    const before = await readFile(paths.file);
    await assert.rejects(repairLog({ paths, secret: SECRET, now: 1 }), (e: unknown) => code('LOG_INVALID')(e) && /truncated/.test(String(e)));
    assert.deepEqual(await readFile(paths.file), before);
  });

  test('repair rebuilds a missing head (and records it); open refuses a log without its head', async () => {
    const u = await fresh();
    const { paths } = await writeReal(u, 5, 4);
    await unlink(paths.head);
    await assert.rejects(LogWriter.open({ paths, secret: SECRET }), code('LOG_INVALID'));
    const r = await repairLog({ paths, secret: SECRET, now: 5 });
    assert.equal(r.action, 'rebuilt-head');
    assert.equal((await verifyLogFile({ paths, secret: SECRET })).ok, true);
  });

  test('a head lagging the log (crash between the log fsync and the head rename) is brought up to date on open', async () => {
    const u = await fresh();
    const paths = logPaths(u);
    const w = await LogWriter.open({ paths, secret: SECRET });
    await w.append(msg(0));
    await w.headWritten();
    const oldHead = await readFile(paths.head);
    await w.append(msg(1));
    await w.close();
    await writeFile(paths.head, oldHead);
    const v = await verifyLogFile({ paths, secret: SECRET });
    assert.ok(v.ok && v.headBehind === 1);
    const w2 = await LogWriter.open({ paths, secret: SECRET });
    await w2.close();
    const v2 = await verifyLogFile({ paths, secret: SECRET });
    assert.ok(v2.ok && v2.headBehind === 0);
  });

  test('log format 2: each commit overwrites the older head slot in place; a format-1 head is upgraded on open', async () => {
    const u = await fresh();
    const paths = logPaths(u);
    const k = deriveLogKeys(SECRET);
    const counts = async (): Promise<number[]> => {
      const b = new Uint8Array(await readFile(paths.head));
      assert.equal(b.length, 2 * HEAD_BYTES);
      return [0, 1].map((s) => {
        const d = decodeHead(k, b.subarray(s * HEAD_BYTES, (s + 1) * HEAD_BYTES));
        assert.ok(d.ok, `slot ${s} authenticates`);
        return d.head.count;
      });
    };
    const w = await LogWriter.open({ paths, secret: SECRET });
    assert.deepEqual(await counts(), [0, 0]);
    await w.append(msg(0));
    await w.headWritten();
    assert.deepEqual(await counts(), [1, 0]);
    await w.append(msg(1));
    await w.headWritten();
    assert.deepEqual(await counts(), [1, 2]);
    await w.close();
    // reopened: the writer continues with the older slot, without rewriting the file
    const w2 = await LogWriter.open({ paths, secret: SECRET });
    await w2.append(msg(2));
    await w2.headWritten();
    assert.deepEqual(await counts(), [3, 2]);
    await w2.close();
    // a format-1 head (one 96-byte record, as written before format 2) verifies and is upgraded
    const file = new Uint8Array(await readFile(paths.file));
    await writeFile(paths.head, headAt(file, 3));
    assert.ok((await verifyLogFile({ paths, secret: SECRET })).ok);
    const w3 = await LogWriter.open({ paths, secret: SECRET });
    assert.deepEqual(await counts(), [3, 3]);
    await w3.append(msg(3));
    await w3.headWritten();
    assert.deepEqual(await counts(), [4, 3]);
    await w3.close();
  });

  test('the head is written in place after each commit and fdatasync\'d every headSyncEvery commits; only then do the slots swap', async () => {
    const u = await fresh();
    const paths = logPaths(u);
    const k = deriveLogKeys(SECRET);
    const counts = async (): Promise<number[]> => {
      const b = new Uint8Array(await readFile(paths.head));
      return [0, 1].map((s) => {
        const d = decodeHead(k, b.subarray(s * HEAD_BYTES, (s + 1) * HEAD_BYTES));
        assert.ok(d.ok, `slot ${s} authenticates`);
        return d.head.count;
      });
    };
    // No idle sync during the test (its timer is the only clock here): only the commit count decides.
    const w = await LogWriter.open({ paths, secret: SECRET, headSyncEvery: 3, headSyncIdleMs: 3_600_000 });
    await w.append(msg(0));
    assert.deepEqual(await counts(), [1, 0], 'the first commit\'s head is in the current slot at once');
    await w.append(msg(1));
    assert.deepEqual(await counts(), [2, 0], 'the same slot again: the other, older one stays untouched until a sync');
    await w.append(msg(2));
    await w.headWritten();
    assert.deepEqual(await counts(), [3, 0], 'the third commit syncs the slot');
    await w.append(msg(3));
    await w.headWritten();
    assert.deepEqual(await counts(), [3, 4], 'after the sync, the other slot is written');
    await w.close();
    assert.ok((await verifyLogFile({ paths, secret: SECRET })).ok);
    await assert.rejects(LogWriter.open({ paths, secret: SECRET, headSyncEvery: 0 }), code('USAGE'));
  });

  test('close waits for appends made while it waits (their commits and head writes), then the log verifies with all of them', async () => {
    const u = await fresh();
    const paths = logPaths(u);
    const w = await LogWriter.open({ paths, secret: SECRET });
    const first = [w.append(msg(0)), w.append(msg(1))];
    const closing = w.close();
    const late = w.append(msg(2));
    assert.deepEqual(await Promise.all([...first, late]), [0, 1, 2]);
    await closing;
    const v = await verifyLogFile({ paths, secret: SECRET });
    assert.ok(v.ok && v.records === 3 && v.headBehind === 0, 'every append durable and the head vouching for all of them');
  });

  test('a deleted log under a non-empty head is not silently replaced', async () => {
    const u = await fresh();
    const { paths } = await writeReal(u, 3);
    await unlink(paths.file);
    await assert.rejects(LogWriter.open({ paths, secret: SECRET }), code('LOG_INVALID'));
    const v = await verifyLogFile({ paths, secret: SECRET });
    assert.ok(!v.ok && v.problem.kind === 'truncated' && v.problem.index === 0);
  });

  test('the log secret: created once (0600, 32 bytes), then loaded; absent → NOT_INITIALISED', async () => {
    const u = await fresh();
    await assert.rejects(loadLogSecret(u), code('NOT_INITIALISED'));
    const a = await loadOrCreateLogSecret(u);
    const b = await loadOrCreateLogSecret(u);
    assert.equal(a.length, 32);
    assert.deepEqual(a, b);
    assert.equal((await stat(logKeyPath(u))).mode & 0o777, 0o600);
    await writeFile(logKeyPath(u), 'short');
    await assert.rejects(loadLogSecret(u), code('CONFIG'));
  });

  test('the wrong secret cannot open the log', async () => {
    const u = await fresh();
    const { paths } = await writeReal(u, 2);
    await assert.rejects(LogWriter.open({ paths, secret: new Uint8Array(32).fill(1) }), (e: unknown) => code('LOG_INVALID')(e) && /wrong-key/.test(String(e)));
  });
});
