/**
 * Wycheproof chacha20_poly1305_test.json through chachaSeal/chachaOpen and
 * seal/open(CHACHA20_POLY1305). Nonces other than 96 bits must be refused (RangeError).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chachaOpen, chachaSeal, SuiteId } from '../../src/crypto/aead.js';
import { runAeadVectors } from './_aead-kat.js';

test('Wycheproof ChaCha20-Poly1305 through chachaSeal/chachaOpen and the ChaCha20-Poly1305 suite', () => {
  const tally = runAeadVectors({
    file: 'chacha20_poly1305_test.json',
    algorithm: 'CHACHA20-POLY1305',
    suite: SuiteId.CHACHA20_POLY1305,
    sealFn: chachaSeal,
    openFn: chachaOpen,
  });
  // 325 cases: 256 valid, 60 invalid with a 96-bit nonce, 9 refused (nonce sizes
  // 0, 64, 88, 104, 112, 128, 160, 192, 256 bits; all `invalid` in Wycheproof).
  tally.expect({ valid: 256, invalid: 60, acceptable: 0, refused: 9 });
  assert.equal(tally.total, 325);
});

test('ChaCha20-Poly1305 open refuses a sealed input shorter than the tag without throwing', () => {
  const key = new Uint8Array(32);
  const iv = new Uint8Array(12);
  assert.equal(chachaOpen(key, iv, new Uint8Array(0), new Uint8Array(15)), null);
});
