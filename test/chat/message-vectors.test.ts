import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { fromHex, toHex, utf8 } from '../../src/crypto/bytes.js';
import { SecureChatError } from '../../src/errors.js';
import { AppKind, decodeAppMessage, encodeAppMessage, MAX_ID_TEXT_BYTES, MESSAGE_ID_BYTES, type AppMessage } from '../../src/chat/message.js';
import { codeOf } from '../session/_pair.js';
import { render, VECTOR_FILE, type NegativeVector, type PositiveVector } from './_message-vectors.js';

const file = JSON.parse(readFileSync(VECTOR_FILE, 'utf8')) as { positive: PositiveVector[]; negative: NegativeVector[] };

describe('§7 content format 2 (TEXT_ID): test/vectors/messages-v2.json', () => {
  it('the file is what the generator writes', () => {
    assert.equal(readFileSync(VECTOR_FILE, 'utf8'), render());
  });

  for (const v of file.positive) {
    it(`decodes and re-encodes: ${v.name}`, () => {
      const m = decodeAppMessage(fromHex(v.bytes));
      assert.equal(m.kind, v.kind);
      assert.ok(m.kind !== AppKind.FILE);
      assert.equal(m.id, v.id);
      if (m.kind === AppKind.TEXT || m.kind === AppKind.TEXT_ID) {
        assert.equal(toHex(utf8(m.text)), v.text);
        assert.equal(m.sentAtMs, v.sent_at_ms);
      }
      if (m.kind === AppKind.TEXT_ID) assert.equal(toHex(m.messageId), v.message_id);
      assert.equal(toHex(encodeAppMessage(m)), v.bytes);
    });
  }

  for (const v of file.negative) {
    it(`refuses with ${v.error}: ${v.name}`, () => {
      assert.equal(codeOf(() => decodeAppMessage(fromHex(v.bytes))), v.error);
    });
  }

  it('property: any TEXT_ID round trips byte for byte; a maximal one fills one APP record', () => {
    const arb: fc.Arbitrary<AppMessage> = fc.record({
      kind: fc.constant(AppKind.TEXT_ID),
      id: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
      messageId: fc.uint8Array({ minLength: MESSAGE_ID_BYTES, maxLength: MESSAGE_ID_BYTES }).filter((b) => b.some((x) => x !== 0)),
      sentAtMs: fc.nat(),
      text: fc.string({ minLength: 1, unit: 'grapheme' }),
    });
    fc.assert(
      fc.property(arb, (m) => {
        const b = encodeAppMessage(m);
        const d = decodeAppMessage(b);
        assert.ok(d.kind === AppKind.TEXT_ID && m.kind === AppKind.TEXT_ID);
        assert.deepEqual({ ...d, messageId: toHex(d.messageId) }, { ...m, messageId: toHex(m.messageId) });
        assert.deepEqual(encodeAppMessage(d), b);
      }),
    );
    const max = encodeAppMessage({ kind: AppKind.TEXT_ID, id: 1, messageId: fromHex('01'.repeat(16)), sentAtMs: 0, text: 'a'.repeat(MAX_ID_TEXT_BYTES) });
    assert.equal(max.length, 65_536);
  });

  it('property: any bytes after the TEXT_ID kind decode to a message or DECODE_ERROR, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 60 }), (tail) => {
        const b = new Uint8Array([AppKind.TEXT_ID, ...tail]);
        try {
          const m = decodeAppMessage(b);
          assert.equal(m.kind, AppKind.TEXT_ID);
        } catch (e) {
          assert.ok(e instanceof SecureChatError && e.code === 'DECODE_ERROR');
        }
      }),
    );
  });
});
