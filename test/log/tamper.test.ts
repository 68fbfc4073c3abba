/**
 * Each tamper kind on a real log (written through the file adapter by a scripted conversation),
 * asserting the exact kind and index verify reports.
 *
 * Layout of the log used here: 20 events with a checkpoint after every 5 records, so records
 * 0-4 events, 5 checkpoint, 6-10 events, 11 checkpoint, 12-16, 17 checkpoint, 18-22, 23 checkpoint.
 */
import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { concat, u32be, u64be, u8 } from '../../src/crypto/bytes.js';
import { deterministicRandom } from '../../src/crypto/random.js';
import { deriveLogKeys } from '../../src/log/keys.js';
import { HEAD_BYTES, HEADER_BYTES, RecordType } from '../../src/log/format.js';
import { formatAnchor, parseAnchor, verifyLog, type VerifyResult } from '../../src/log/verify.js';
import { build, cleanup, conversation, headAt, keys, OTHER_SECRET, rebuild, rec, range, spans, tempDir, writeReal } from './_helpers.js';
import { HEAD_SYNC_EVERY } from '../../src/log/file.js';

const N_EVENTS = 20;
const N_RECORDS = 24;
let dir: string;
let file: Uint8Array;
let head: Uint8Array;
const k = keys();

function problem(v: VerifyResult): { kind: string; index: number } {
  assert.equal(v.ok, false, 'expected the log to be invalid');
  if (v.ok) throw new Error('unreachable');
  return { kind: v.problem.kind, index: v.problem.index };
}

const check = (bytes: Uint8Array, h: Uint8Array | undefined = head): VerifyResult => verifyLog(k, bytes, { head: h, keepEntries: true });

before(async () => {
  dir = await tempDir();
  ({ file, head } = await writeReal(dir, N_EVENTS, 5));
});
after(() => cleanup(dir));

describe('log verify: intact log', () => {
  test('verifies with the entry count and decrypts every event', () => {
    const v = check(file);
    assert.equal(v.ok, true);
    assert.equal(v.records, N_RECORDS);
    assert.equal(v.events, N_EVENTS);
    assert.deepEqual(v.entries.map((e) => e.event), conversation(N_EVENTS));
    assert.equal(v.verifiedBytes, file.length);
    assert.equal(spans(file).length, N_RECORDS);
  });
});

describe('log verify: tamper kinds', () => {
  test('edited: any byte of any entry body, changed → edited at that entry', () => {
    const sp = spans(file);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: N_RECORDS - 1 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (i, at, x) => {
        const [s, e] = sp[i]!;
        const pos = s + 4 + (at % (e - s - 4)); // skip the length prefix (tested below)
        const t = file.slice();
        t[pos]! ^= x;
        assert.deepEqual(problem(check(t)), { kind: 'edited', index: i });
      }),
      { numRuns: 300 },
    );
  });

  test('edited: a length prefix changed → edited at that entry', () => {
    const [s] = spans(file)[7]!;
    for (const delta of [1, -1, 1000]) {
      const t = file.slice();
      const len = new DataView(t.buffer).getUint32(s) + delta;
      t.set(u32be(len), s);
      assert.deepEqual(problem(check(t)), { kind: 'edited', index: 7 }, `delta ${delta}`);
    }
    const t = file.slice();
    t.set(u32be(0xffff_ffff), s);
    assert.deepEqual(problem(check(t)), { kind: 'edited', index: 7 });
  });

  test('edited: the file header (log id) → edited at 0', () => {
    const t = file.slice();
    t[10]! ^= 1;
    assert.deepEqual(problem(check(t)), { kind: 'edited', index: 0 });
  });

  test('deleted: one or several entries from the middle → deleted at the first missing', () => {
    const all = range(N_RECORDS);
    assert.deepEqual(problem(check(rebuild(file, all.filter((i) => i !== 7)))), { kind: 'deleted', index: 7 });
    assert.deepEqual(problem(check(rebuild(file, all.filter((i) => i < 3 || i > 9)))), { kind: 'deleted', index: 3 });
    assert.deepEqual(problem(check(rebuild(file, all.filter((i) => i !== 0)))), { kind: 'deleted', index: 0 });
    // a checkpoint is an entry like any other
    assert.deepEqual(problem(check(rebuild(file, all.filter((i) => i !== 11)))), { kind: 'deleted', index: 11 });
  });

  test('deleted at the end is truncation (the two cannot be told apart)', () => {
    assert.deepEqual(problem(check(rebuild(file, range(N_RECORDS - 1)))), { kind: 'truncated', index: N_RECORDS - 1 });
  });

  test('reordered: two entries swapped, or one moved later → reordered at the first out of place', () => {
    const swapped = range(N_RECORDS);
    [swapped[7], swapped[8]] = [8, 7];
    assert.deepEqual(problem(check(rebuild(file, swapped))), { kind: 'reordered', index: 7 });
    const moved = range(N_RECORDS).filter((i) => i !== 3);
    moved.splice(10, 0, 3);
    assert.deepEqual(problem(check(rebuild(file, moved))), { kind: 'reordered', index: 3 });
    const last = range(N_RECORDS);
    [last[22], last[23]] = [23, 22];
    assert.deepEqual(problem(check(rebuild(file, last))), { kind: 'reordered', index: 22 });
  });

  test('inserted: a duplicated entry → inserted at its position', () => {
    const dup = range(N_RECORDS);
    dup.splice(9, 0, 3);
    assert.deepEqual(problem(check(rebuild(file, dup))), { kind: 'inserted', index: 9 });
    const twice = range(N_RECORDS);
    twice.splice(8, 0, 7);
    assert.deepEqual(problem(check(rebuild(file, twice))), { kind: 'inserted', index: 8 });
    // a replayed entry appended after the end
    assert.deepEqual(problem(check(rebuild(file, [...range(N_RECORDS), 4]))), { kind: 'inserted', index: N_RECORDS });
  });

  test('inserted: a forged entry (random bytes, or made under another key) → inserted at its position', () => {
    const rnd = deterministicRandom('forge');
    const forged = (index: number): Uint8Array => {
      const body = concat(u8(RecordType.EVENT), u64be(index), rnd(16), rnd(40), rnd(32));
      return concat(u32be(body.length), body);
    };
    const at9 = [...range(9), forged(9), ...range(N_RECORDS).slice(9)];
    assert.deepEqual(problem(check(rebuild(file, at9))), { kind: 'inserted', index: 9 });
    const wrongIndex = [...range(9), forged(1234), ...range(N_RECORDS).slice(9)];
    assert.deepEqual(problem(check(rebuild(file, wrongIndex))), { kind: 'inserted', index: 9 });
    // an entry the other key made for the same index
    const other = build(conversation(20), 5, deriveLogKeys(OTHER_SECRET), 'other');
    const foreign = [...range(9), rec(other.file, 9), ...range(N_RECORDS).slice(9)];
    assert.deepEqual(problem(check(rebuild(file, foreign))), { kind: 'inserted', index: 9 });
    // after the last entry the head vouches for
    assert.deepEqual(problem(check(rebuild(file, [...range(N_RECORDS), forged(N_RECORDS)]))), { kind: 'inserted', index: N_RECORDS });
  });

  test('truncated: cut at an entry boundary → truncated at the first missing entry', () => {
    assert.deepEqual(problem(check(rebuild(file, range(15)))), { kind: 'truncated', index: 15 });
    assert.deepEqual(problem(check(rebuild(file, []))), { kind: 'truncated', index: 0 });
    assert.deepEqual(problem(check(file.slice(0, 40))), { kind: 'truncated', index: 0 });
    // cut inside an entry the head vouches for: truncation, not a torn tail
    const [s, e] = spans(file)[15]!;
    assert.deepEqual(problem(check(file.slice(0, (s + e) >> 1))), { kind: 'truncated', index: 15 });
  });

  test('torn tail: the last entry incomplete, the head not yet covering it → torn-tail', () => {
    const [s, e] = spans(file)[N_RECORDS - 1]!;
    for (const cut of [s + 1, s + 4, s + 20, e - 1]) {
      const v = check(file.slice(0, cut), headAt(file, N_RECORDS - 1));
      assert.deepEqual(problem(v), { kind: 'torn-tail', index: N_RECORDS - 1 });
      assert.equal(v.records, N_RECORDS - 1);
      assert.equal(v.verifiedBytes, s);
    }
    // a crash that left the file extended with zeros (delayed allocation, power loss)
    assert.deepEqual(problem(check(concat(file, new Uint8Array(100)))), { kind: 'torn-tail', index: N_RECORDS });
    assert.deepEqual(problem(check(concat(file.slice(0, s), new Uint8Array(e - s)), headAt(file, N_RECORDS - 1))), { kind: 'torn-tail', index: N_RECORDS - 1 });
  });

  test('rolled back: an older copy with its older head verifies (undetectable alone); an anchor detects it', () => {
    const old = rebuild(file, range(12));
    const oldHead = headAt(file, 12);
    const v = check(old, oldHead);
    assert.equal(v.ok, true, 'log and head rolled back together are consistent: only an anchor kept elsewhere tells');
    assert.equal(v.records, 12);
    const anchor = parseAnchor(formatAnchor(check(file).state!));
    assert.deepEqual(problem(verifyLog(k, old, { head: oldHead, anchor })), { kind: 'truncated', index: 12 });
    // the older log with the current head
    assert.deepEqual(problem(check(old, head)), { kind: 'truncated', index: 12 });
    // rolled back, then written again up to the same length: a different history
    const events = conversation(N_EVENTS);
    const fork = build([...events.slice(0, 10), ...events.slice(10).map((e) => ({ ...e, at: e.at + 1 }))], 5, k, 'fork');
    const orig = build(events, 5, k, 'fork');
    assert.deepEqual(problem(verifyLog(k, fork.file, { head: orig.head })), { kind: 'rolled-back', index: N_RECORDS - 1 });
    const forkAnchor = parseAnchor(formatAnchor(orig.state));
    assert.deepEqual(problem(verifyLog(k, fork.file, { head: fork.head, anchor: forkAnchor })), { kind: 'rolled-back', index: N_RECORDS - 1 });
  });

  test('wrong key: a different log secret → wrong-key at 0', () => {
    assert.deepEqual(problem(verifyLog(deriveLogKeys(OTHER_SECRET), file, { head })), { kind: 'wrong-key', index: 0 });
  });

  test('head: missing, edited, or from another log → head-invalid after the verified entries', () => {
    assert.deepEqual(problem(verifyLog(k, file, { head: undefined })), { kind: 'head-invalid', index: N_RECORDS });
    assert.equal(head.length, 2 * HEAD_BYTES, 'a writer keeps a format-2 head (two slots)');
    const h = head.slice();
    h[40]! ^= 1;
    h[HEAD_BYTES + 40]! ^= 1;
    assert.deepEqual(problem(check(file, h)), { kind: 'head-invalid', index: N_RECORDS });
    assert.deepEqual(problem(check(file, h.subarray(0, HEAD_BYTES))), { kind: 'head-invalid', index: N_RECORDS });
    const other = build(conversation(3), 5, k, 'another log');
    assert.deepEqual(problem(check(file, other.head)), { kind: 'head-invalid', index: N_RECORDS });
    assert.deepEqual(problem(check(file, head.subarray(0, 50))), { kind: 'head-invalid', index: N_RECORDS });
  });

  test('one head slot torn or edited (a crash inside the head write): the other slot vouches, at most HEAD_SYNC_EVERY commits older', () => {
    for (const slot of [0, 1]) {
      const h = head.slice();
      h.fill(0xee, slot * HEAD_BYTES + 20, slot * HEAD_BYTES + 70);
      const v = check(file, h);
      assert.equal(v.ok, true, `slot ${slot} torn`);
      // The other slot is the last one fdatasync'd: at most HEAD_SYNC_EVERY commits (each an event + maybe a checkpoint) older.
      if (v.ok) assert.ok(v.headBehind <= 2 * HEAD_SYNC_EVERY, `slot ${slot} torn: the other slot is at most ${HEAD_SYNC_EVERY} commits older`);
    }
    // a format-1 head file (one record) is still read
    const v1 = check(file, headAt(file, N_RECORDS));
    assert.ok(v1.ok && v1.headBehind === 0);
  });

  test('a head that lags by whole entries (crash after the log fsync) is fine', () => {
    const v = check(file, headAt(file, N_RECORDS - 2));
    assert.equal(v.ok, true);
    if (v.ok) assert.equal(v.headBehind, 2);
  });

  test('checkpoints are verified against the chain', () => {
    const v = check(file);
    assert.equal(v.records - v.events, 4);
    assert.ok(file.length > HEADER_BYTES);
  });
});
