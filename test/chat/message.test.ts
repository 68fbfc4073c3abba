import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { concat, u8, u64be, utf8 } from '../../src/crypto/bytes.js';
import { SecureChatError } from '../../src/errors.js';
import { AppKind, decodeAppMessage, encodeAppMessage, MAX_TEXT_BYTES, type AppMessage } from '../../src/chat/message.js';
import { codeOf } from '../session/_pair.js';

describe('§7 application messages', () => {
  it('TEXT and RECEIPT round trip, and decode → encode gives back the same bytes', () => {
    const arbMsg: fc.Arbitrary<AppMessage> = fc.oneof(
      fc.record({ kind: fc.constant(AppKind.TEXT), id: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), sentAtMs: fc.nat(), text: fc.string({ minLength: 1, unit: 'grapheme' }) }),
      fc.record({ kind: fc.constant(AppKind.RECEIPT), id: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }) }),
    );
    fc.assert(
      fc.property(arbMsg, (m) => {
        const b = encodeAppMessage(m);
        assert.deepEqual(decodeAppMessage(b), { ...m });
        assert.deepEqual(encodeAppMessage(decodeAppMessage(b)), b);
      }),
    );
    const bom = concat(u8(1), u64be(1), u64be(0), Uint8Array.of(0xef, 0xbb, 0xbf, 0x61));
    assert.deepEqual(encodeAppMessage(decodeAppMessage(bom)), bom);
  });

  it('any bytes decode to a message or DECODE_ERROR', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
        try {
          decodeAppMessage(b);
        } catch (e) {
          assert.ok(e instanceof SecureChatError && e.code === 'DECODE_ERROR');
        }
      }),
    );
  });

  it('refuses invalid UTF-8, empty or oversize text, id 0, trailing bytes, unknown kinds', () => {
    const text = (t: Uint8Array, id = 1): Uint8Array => concat(u8(1), u64be(id), u64be(5), t);
    assert.equal(codeOf(() => decodeAppMessage(text(Uint8Array.of(0xc3)))), 'DECODE_ERROR');
    assert.equal(codeOf(() => decodeAppMessage(text(Uint8Array.of(0xed, 0xa0, 0x80)))), 'DECODE_ERROR');
    assert.equal(codeOf(() => decodeAppMessage(text(new Uint8Array(0)))), 'DECODE_ERROR');
    assert.equal(codeOf(() => decodeAppMessage(text(new Uint8Array(MAX_TEXT_BYTES + 1).fill(0x61)))), 'DECODE_ERROR');
    assert.equal(codeOf(() => decodeAppMessage(text(new Uint8Array(MAX_TEXT_BYTES).fill(0x61)))), 'NO_ERROR');
    assert.equal(codeOf(() => decodeAppMessage(text(utf8('x'), 0))), 'DECODE_ERROR');
    assert.equal(codeOf(() => decodeAppMessage(concat(u8(2), u64be(1), u8(0)))), 'DECODE_ERROR');
    assert.equal(codeOf(() => decodeAppMessage(concat(u8(2), u64be(0)))), 'DECODE_ERROR');
    assert.equal(codeOf(() => decodeAppMessage(concat(u8(3), u64be(1)))), 'DECODE_ERROR');
    assert.equal(codeOf(() => decodeAppMessage(new Uint8Array(0))), 'DECODE_ERROR');
    // A maximal TEXT fills exactly one APP record.
    assert.equal(encodeAppMessage({ kind: 1, id: 1, sentAtMs: 0, text: 'a'.repeat(MAX_TEXT_BYTES) }).length, 65_536);
    assert.equal(codeOf(() => encodeAppMessage({ kind: 1, id: 1, sentAtMs: 0, text: '' })), 'INTERNAL');
  });
});
