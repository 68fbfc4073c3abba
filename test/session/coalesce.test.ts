/** §6.3 coalescing: messages queued together share APP_BATCH records; a lone one is APP. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SUITE_NAMES } from '../../src/crypto/aead.js';
import { COALESCE_RECORD_BYTES } from '../../src/limits.js';
import { ContentType, decodeContent, encodeContent } from '../../src/session/content.js';
import { codeOf, forgeRecord, Pair, SUITES, bytes } from './_pair.js';

describe('coalescing (§6.3 APP_BATCH)', () => {
  for (const suite of SUITES) {
    it(`${SUITE_NAMES[suite]}: 16 small messages queued together go in one record, delivered in order`, () => {
      const p = new Pair(suite);
      const msgs = Array.from({ length: 16 }, (_, k) => bytes(100 + k, 0x41 + k));
      const frames = p.i.session.sendApps(msgs, p.now, p.i.random);
      assert.equal(frames.length, 1);
      p.r.inbox.push(...frames);
      p.flush();
      assert.deepEqual(p.r.received, msgs);
      assert.equal(p.i.session.stats.recordsSent, 1);
      assert.equal(p.i.session.stats.appRecordsSent, 16, 'CLOSE counts messages, not records');
      assert.equal(p.r.session.stats.appRecordsReceived, 16);
      // The authenticated close checks the message count across APP and APP_BATCH.
      p.send(p.i, bytes(3));
      p.r.inbox.push(p.i.session.close());
      p.flush();
      assert.equal(p.r.session.state, 'closed');
      assert.equal(p.i.session.state, 'closed');
    });
  }

  it('a record holds at most COALESCE_RECORD_BYTES of batch content; larger messages go alone as APP', () => {
    const p = new Pair(SUITES[0]!);
    const kib = Array.from({ length: 16 }, (_, k) => bytes(1024, k));
    const f1 = p.i.session.sendApps(kib, p.now, p.i.random);
    assert.equal(f1.length, 2, '16 × (2 + 1024) bytes exceed 16 KiB: 15 + 1');
    const big = bytes(COALESCE_RECORD_BYTES, 7);
    const f2 = p.i.session.sendApps([bytes(10), big, bytes(0), bytes(20)], p.now, p.i.random);
    assert.equal(f2.length, 3, 'small | big alone | the two small ones after it');
    p.r.inbox.push(...f1, ...f2);
    p.flush();
    assert.deepEqual(p.r.received.map((b) => b.length), [...kib.map(() => 1024), 10, COALESCE_RECORD_BYTES, 0, 20]);
  });

  it('one message is an APP record, the same bytes as sendApp', () => {
    const a = new Pair(SUITES[0]!);
    const b = new Pair(SUITES[0]!);
    assert.deepEqual(a.i.session.sendApps([bytes(5)], 0, a.i.random), b.i.session.sendApp(bytes(5), 0, b.i.random));
  });

  it('encode → decode gives back the items, and re-encoding gives back the bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 2, maxLength: 40 }), (items) => {
        const enc = encodeContent({ type: ContentType.APP_BATCH, items });
        const dec = decodeContent(enc);
        assert.equal(dec.type, ContentType.APP_BATCH);
        if (dec.type !== ContentType.APP_BATCH) return;
        assert.deepEqual(dec.items.map((x) => Array.from(x)), items.map((x) => Array.from(x)));
        assert.deepEqual(encodeContent(dec), enc);
      }),
      { numRuns: 200 },
    );
  });

  it('malformed APP_BATCH contents are DECODE_ERROR, and fail the session', () => {
    const cases: [string, Uint8Array][] = [
      ['one message only (must be APP)', Uint8Array.of(ContentType.APP_BATCH, 0, 1, 0x61)],
      ['no message', Uint8Array.of(ContentType.APP_BATCH)],
      ['truncated length', Uint8Array.of(ContentType.APP_BATCH, 0, 1, 0x61, 0)],
      ['item longer than the record', Uint8Array.of(ContentType.APP_BATCH, 0, 1, 0x61, 0, 5, 1, 2)],
    ];
    for (const [name, inner] of cases) {
      assert.equal(codeOf(() => decodeContent(inner)), 'DECODE_ERROR', name);
      const p = new Pair(SUITES[0]!);
      const f = forgeRecord(p.keys.chainI2R, SUITES[0]!, 0, inner);
      p.r.inbox.push(f);
      assert.equal(codeOf(() => p.deliver(p.r)), 'DECODE_ERROR', name);
      assert.equal(p.r.session.state, 'failed');
      assert.equal(p.r.received.length, 0, `${name}: nothing delivered`);
    }
  });

  it('all or nothing: past the record limit, sendApps refuses before sealing anything', () => {
    const p = new Pair(SUITES[0]!, { rekeyAfterRecords: 2, rejectAfterRecords: 4 });
    p.send(p.i, bytes(1));
    p.send(p.i, bytes(1)); // 2 sent; the next send starts a rekey the peer never answers
    const before = p.i.session.stats.recordsSent;
    const big = Array.from({ length: 3 }, () => bytes(COALESCE_RECORD_BYTES));
    assert.equal(codeOf(() => p.i.session.sendApps(big, p.now, p.i.random)), 'LIMIT_REACHED');
    assert.equal(p.i.session.stats.recordsSent, before);
    assert.equal(codeOf(() => p.i.session.checkSend(3, p.now)), 'LIMIT_REACHED');
    p.i.session.checkSend(1, p.now);
  });
});
