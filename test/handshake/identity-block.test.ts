/**
 * Finding 9 of issue 10 (cheap check first): opening an IdentityBlock verifies the HMAC
 * confirmation, which costs one HMAC, before the Ed25519 signature, which costs a point
 * decompression and a double scalar multiplication. A block with both wrong is refused by the
 * confirmation. (Both are AUTH_FAILED toward the peer; the local detail names which check.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ed25519PublicFromSeed } from '../../src/crypto/ecc.js';
import { SUITE_KEY_MATERIAL, SuiteId } from '../../src/crypto/aead.js';
import { openIdentityBlock, sealIdentityBlock, type BlockKeys } from '../../src/handshake/identity-block.js';
import type { SecureChatError } from '../../src/errors.js';

const key = (n = 32): Uint8Array => new Uint8Array(randomBytes(n));

function keys(confirmKey: Uint8Array, sealKey: Uint8Array): BlockKeys {
  return { suite: SuiteId.AES_256_GCM, sealKey, confirmKey, aad: Uint8Array.of(1, 2, 3), prefix: Uint8Array.of(9, 9, 9) };
}

test('a block with a bad signature and a bad confirmation is refused by the confirmation, the cheap check', () => {
  const seed = key();
  const other = key();
  const sealKey = key(SUITE_KEY_MATERIAL[SuiteId.AES_256_GCM]);
  // The block claims `other`'s public key but is signed with `seed`: the signature is bad.
  const block = sealIdentityBlock('initiator', { seed, publicKey: ed25519PublicFromSeed(other), name: 'bob' }, keys(key(), sealKey));
  assert.throws(() => openIdentityBlock('initiator', block, keys(key(), sealKey)), (e: SecureChatError) => e.code === 'AUTH_FAILED' && /confirmation/.test(e.message));
});

test('a good confirmation over a bad signature is still refused by the signature', () => {
  const seed = key();
  const other = key();
  const sealKey = key(SUITE_KEY_MATERIAL[SuiteId.AES_256_GCM]);
  const confirmKey = key();
  const block = sealIdentityBlock('initiator', { seed, publicKey: ed25519PublicFromSeed(other), name: 'bob' }, keys(confirmKey, sealKey));
  assert.throws(() => openIdentityBlock('initiator', block, keys(confirmKey, sealKey)), (e: SecureChatError) => e.code === 'AUTH_FAILED' && /signature/.test(e.message));
});

test('a good block opens', () => {
  const seed = key();
  const sealKey = key(SUITE_KEY_MATERIAL[SuiteId.AES_256_GCM]);
  const confirmKey = key();
  const block = sealIdentityBlock('responder', { seed, publicKey: ed25519PublicFromSeed(seed), name: 'alice' }, keys(confirmKey, sealKey));
  const peer = openIdentityBlock('responder', block, keys(confirmKey, sealKey));
  assert.equal(peer.name, 'alice');
});
