/**
 * Sealing a plaintext given as parts (the record layer's APP: type byte, then the data,
 * without a copy to join them) gives exactly the bytes of sealing their concatenation, for
 * every suite and any split, and opens back to it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ALL_SUITE_IDS, SUITE_KEY_MATERIAL, open, seal, sealedLength, sealInto } from '../../src/crypto/aead.js';
import { concat } from '../../src/crypto/bytes.js';
import { encodeContent, encodeContentParts } from '../../src/session/content.js';

test('sealInto over parts = seal over their concatenation, every suite, any split', () => {
  fc.assert(
    fc.property(fc.constantFrom(...ALL_SUITE_IDS), fc.array(fc.uint8Array({ maxLength: 70 }), { maxLength: 5 }), fc.uint8Array({ minLength: 80, maxLength: 80 }), fc.uint8Array({ maxLength: 20 }), (suite, parts, m, aad) => {
      const material = m.subarray(0, SUITE_KEY_MATERIAL[suite]);
      const whole = concat(...parts);
      const out = new Uint8Array(sealedLength(suite, whole.length));
      sealInto(suite, material, aad, parts, out);
      assert.deepEqual(out, seal(suite, material, aad, whole));
      assert.deepEqual(open(suite, material, aad, out), whole);
    }),
    { numRuns: 300 },
  );
});

test('encodeContentParts joins to encodeContent', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (data) => {
      const c = { type: 0x01, data } as const;
      assert.deepEqual(concat(...encodeContentParts(c)), encodeContent(c));
    }),
    { numRuns: 200 },
  );
  const close = { type: 0x05, appRecords: 3, reason: 0 } as const;
  assert.deepEqual(concat(...encodeContentParts(close)), encodeContent(close));
});
