/**
 * Properties: a log cut at any byte offset (a torn write) is reported as a torn tail or a
 * truncation with its verified prefix intact; any bytes given to the decoders give a result or a
 * typed SecureChatError, never another exception.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isSecureChatError } from '../../src/errors.js';
import { concat } from '../../src/crypto/bytes.js';
import { decodeHead, decodeHeadFile, encodeHeadFile } from '../../src/log/chain.js';
import { decodeEvent, encodeEvent } from '../../src/log/event.js';
import { HEADER_BYTES, parseRecordAt } from '../../src/log/format.js';
import { verifyLog, type VerifyResult } from '../../src/log/verify.js';
import { build, conversation, headAt, keys, spans } from './_helpers.js';

const k = keys();
const events = conversation(12);
const built = build(events, 4);
const file = built.file;
const sp = spans(file);
const boundaries = [HEADER_BYTES, ...sp.map(([, e]) => e)];

/** Records entirely before `cut`. */
const completeBefore = (cut: number): number => sp.filter(([, e]) => e <= cut).length;

function assertPrefix(v: VerifyResult, c: number): void {
  assert.equal(v.records, c);
  assert.equal(v.verifiedBytes, boundaries[c]);
  const want = built.events.slice(0, c).flatMap((e, i) => (e === undefined ? [] : [{ index: i, event: e }]));
  assert.deepEqual(v.entries, want);
}

describe('log: torn writes at any offset (fast-check)', () => {
  test('with the head of the whole log: always truncated, at the first incomplete entry', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: file.length - 1 }), (cut) => {
        const v = verifyLog(k, file.slice(0, cut), { head: built.head, keepEntries: true });
        assert.equal(v.ok, false);
        if (v.ok) return;
        assert.equal(v.problem.kind, 'truncated');
        if (cut < HEADER_BYTES) return assert.equal(v.problem.index, 0);
        const c = completeBefore(cut);
        assert.equal(v.problem.index, c);
        assertPrefix(v, c);
      }),
      { numRuns: 400 },
    );
  });

  test('with the head a crash leaves (covering complete entries only): ok at a boundary, else torn tail', () => {
    fc.assert(
      fc.property(fc.integer({ min: HEADER_BYTES, max: file.length }), (cut) => {
        const c = completeBefore(cut);
        const v = verifyLog(k, file.slice(0, cut), { head: headAt(file, c), keepEntries: true });
        if (boundaries.includes(cut)) assert.equal(v.ok, true);
        else {
          assert.equal(v.ok, false);
          if (!v.ok) assert.deepEqual({ kind: v.problem.kind, index: v.problem.index }, { kind: 'torn-tail', index: c });
        }
        assertPrefix(v, c);
      }),
      { numRuns: 400 },
    );
  });

  test('without any head: torn tail mid-entry, head-invalid at a boundary; never a crash', () => {
    fc.assert(
      fc.property(fc.integer({ min: HEADER_BYTES, max: file.length }), (cut) => {
        const c = completeBefore(cut);
        const v = verifyLog(k, file.slice(0, cut), { head: undefined, keepEntries: true });
        assert.equal(v.ok, false);
        if (!v.ok) assert.equal(v.problem.kind, boundaries.includes(cut) ? 'head-invalid' : 'torn-tail');
        assertPrefix(v, c);
      }),
      { numRuns: 300 },
    );
  });
});

describe('log: decoders on arbitrary bytes (fast-check)', () => {
  test('verifyLog returns a result for any file and head bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.option(fc.uint8Array({ maxLength: 120 }), { nil: undefined }), (bytes, head) => {
        const v = verifyLog(k, bytes, { head });
        assert.equal(typeof v.ok, 'boolean');
      }),
      { numRuns: 500 },
    );
  });

  test('verifyLog returns a result for a valid header followed by any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 800 }), (tail) => {
        const v = verifyLog(k, concat(file.subarray(0, HEADER_BYTES), tail), { head: built.head });
        assert.equal(v.ok, false);
      }),
      { numRuns: 500 },
    );
  });

  test('verifyLog returns a result for any mutation of a valid log (splices, flips, duplicates)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ at: fc.nat(), len: fc.nat({ max: 200 }), insert: fc.uint8Array({ maxLength: 80 }) }), { minLength: 1, maxLength: 4 }),
        (edits) => {
          let b = file;
          for (const e of edits) {
            const at = e.at % (b.length + 1);
            b = concat(b.subarray(0, at), e.insert, b.subarray(Math.min(b.length, at + e.len)));
          }
          const v = verifyLog(k, b, { head: built.head, keepEntries: true });
          assert.equal(typeof v.ok, 'boolean');
          if (v.ok) assert.deepEqual(b, file);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('decodeHead and parseRecordAt never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat({ max: 250 }), (b, off) => {
        assert.equal(typeof decodeHead(k, b).ok, 'boolean');
        assert.equal(typeof parseRecordAt(b, off).kind, 'string');
      }),
      { numRuns: 500 },
    );
  });

  test('decodeHeadFile never throws, and of two authentic slots takes the higher count whatever bytes the other holds', () => {
    const logId = new Uint8Array(16).fill(7);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.nat({ max: 1000 }), fc.nat({ max: 1000 }), fc.uint8Array({ minLength: 96, maxLength: 96 }), fc.boolean(), (b, c1, c2, junk, junkFirst) => {
        assert.equal(typeof decodeHeadFile(k, b).ok, 'boolean');
        const one = encodeHeadFile(k, { logId, count: c1, lastMac: new Uint8Array(32).fill(1) }).subarray(0, 96);
        const two = encodeHeadFile(k, { logId, count: c2, lastMac: new Uint8Array(32).fill(2) }).subarray(0, 96);
        const both = decodeHeadFile(k, new Uint8Array([...one, ...two]), logId);
        assert.ok(both.ok && both.head.count === Math.max(c1, c2));
        const torn = decodeHeadFile(k, new Uint8Array(junkFirst ? [...junk, ...one] : [...one, ...junk]), logId);
        assert.ok(torn.ok && torn.head.count === c1, 'a torn slot is ignored while the other authenticates');
        assert.equal(decodeHeadFile(k, new Uint8Array([...one, ...two]), new Uint8Array(16)).ok, false, 'slots of another log are refused');
      }),
      { numRuns: 300 },
    );
  });

  test('decodeEvent gives an event or a LOG_INVALID SecureChatError, nothing else', () => {
    const jsonish = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc.jsonValue().map((j) => new TextEncoder().encode(JSON.stringify(j))),
      fc.record({ kind: fc.constantFrom('message-sent', 'key-change', 'auth-failed', 'x'), at: fc.oneof(fc.integer(), fc.double()), peer: fc.string(), text: fc.string() })
        .map((o) => new TextEncoder().encode(JSON.stringify(o))),
    );
    fc.assert(
      fc.property(jsonish, (b) => {
        try {
          const e = decodeEvent(b);
          assert.deepEqual(decodeEvent(encodeEvent(e)), e, 'decode(encode(e)) = e');
        } catch (err) {
          assert.ok(isSecureChatError(err), `not a SecureChatError: ${String(err)}`);
          assert.equal(err.code, 'LOG_INVALID');
        }
      }),
      { numRuns: 800 },
    );
  });

  test('encodeEvent refuses malformed events with USAGE and never writes them', () => {
    for (const bad of [{ kind: 'message-sent', at: -1, peer: 'bob', text: '' }, { kind: 'nope', at: 1 }, { kind: 'message-sent', at: 1, peer: '', text: 'x' }, { kind: 'message-sent', at: 1, peer: 'bob', text: 'x', extra: 1 }]) {
      assert.throws(() => encodeEvent(bad as never), (e: unknown) => isSecureChatError(e) && e.code === 'USAGE');
    }
  });
});
