/**
 * `mixChainingKey` (src/crypto/noise.ts, issue 12): MixKey computing only the new chaining key
 * for a `k` the pattern replaces before use. Its `ck` is exactly MixKey's, and its skipped `k`
 * can never be used: EncryptAndHash and DecryptAndHash refuse it (instead of encrypting under
 * a key nobody derived); the next MixKey gives a usable key again, the same as after MixKey.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decryptAndHash, encryptAndHash, initializeSymmetric, mixChainingKey, mixKey } from '../../src/crypto/noise.js';

const start = initializeSymmetric('Noise_IKpsk2_25519_ChaChaPoly_SHA256');
const ikm = new Uint8Array(32).fill(7);

test('mixChainingKey gives the same chaining key as mixKey', () => {
  assert.deepEqual(mixChainingKey(start, ikm).ck, mixKey(start, ikm).ck);
});

test('a key skipped by mixChainingKey is never used', () => {
  const s = mixChainingKey(start, ikm);
  assert.throws(() => encryptAndHash(s, new Uint8Array(4)), /skipped by mixChainingKey/);
  assert.throws(() => decryptAndHash(s, new Uint8Array(20), 'x'), /skipped by mixChainingKey/);
});

test('after the next MixKey the state is the one MixKey, MixKey gives', () => {
  const a = mixKey(mixChainingKey(start, ikm), ikm);
  const b = mixKey(mixKey(start, ikm), ikm);
  assert.deepEqual(a, b);
  assert.deepEqual(encryptAndHash(a, Uint8Array.of(1, 2, 3)).ciphertext, encryptAndHash(b, Uint8Array.of(1, 2, 3)).ciphertext);
});
