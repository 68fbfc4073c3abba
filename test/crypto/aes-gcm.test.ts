/**
 * Wycheproof aes_gcm_test.json through aesGcmSeal/aesGcmOpen and seal/open(AES_256_GCM).
 * Only AES-256 with a 96-bit IV and a 128-bit tag is supported; every other case must be
 * refused with a RangeError.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aesGcmOpen, aesGcmSeal, SuiteId } from '../../src/crypto/aead.js';
import { runAeadVectors } from './_aead-kat.js';

test('Wycheproof AES-GCM through aesGcmSeal/aesGcmOpen and the AES-256-GCM suite', () => {
  const tally = runAeadVectors({
    file: 'aes_gcm_test.json',
    algorithm: 'AES-GCM',
    suite: SuiteId.AES_256_GCM,
    sealFn: aesGcmSeal,
    openFn: aesGcmOpen,
  });
  // 316 cases: 66 with AES-256 / 96-bit IV (39 valid, 27 invalid), 250 refused
  // (AES-128/192 keys, IV sizes other than 96 bits, including the 0-length IV).
  tally.expect({ valid: 39, invalid: 27, acceptable: 0, refused: 250 });
  assert.equal(tally.total, 316);
});

test('AES-GCM open refuses a sealed input shorter than the tag without throwing', () => {
  const key = new Uint8Array(32);
  const iv = new Uint8Array(12);
  assert.equal(aesGcmOpen(key, iv, new Uint8Array(0), new Uint8Array(15)), null);
  assert.equal(aesGcmOpen(key, iv, new Uint8Array(0), new Uint8Array(0)), null);
});
