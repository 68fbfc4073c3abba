/**
 * Wycheproof x25519_test.json through x25519(). Our wrapper refuses a result of all zeros
 * (RFC 7748 §6.1) with AUTH_FAILED; every other case, valid or acceptable, must give exactly
 * the expected shared secret.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { x25519, x25519PublicFromPrivate } from '../../src/crypto/ecc.js';
import { isSecureChatError } from '../../src/errors.js';
import { hex, label, loadWycheproof, Tally, toHexStr, type WycheproofGroup, type WycheproofTest } from './_wycheproof.js';

interface XdhTest extends WycheproofTest {
  readonly public: string;
  readonly private: string;
  readonly shared: string;
}
interface XdhGroup extends WycheproofGroup<XdhTest> {
  readonly curve: string;
}

const FILE = 'x25519_test.json';
const ZERO = '00'.repeat(32);

const isCode =
  (code: string) =>
  (e: unknown): boolean =>
    isSecureChatError(e) && e.code === code;

test('Wycheproof X25519 through x25519()', () => {
  const data = loadWycheproof<XdhTest, XdhGroup>(FILE, 'XDH');
  const tally = new Tally();
  let acceptableComputed = 0;
  let acceptableRefusedZero = 0;
  for (const g of data.testGroups) {
    assert.equal(g.curve, 'curve25519');
    for (const t of g.tests) {
      const where = label(FILE, t);
      const priv = hex(t.private);
      const pub = hex(t.public);
      switch (t.result) {
        case 'valid':
          assert.notEqual(t.shared, ZERO, `${where}: a valid case with a zero secret`);
          assert.equal(toHexStr(x25519(priv, pub)), t.shared, `${where}: shared`);
          break;
        case 'acceptable':
          if (t.shared === ZERO) {
            // Low-order public keys: refused, and reported like any authentication failure.
            assert.ok(t.flags.includes('ZeroSharedSecret'), `${where}: flags`);
            assert.throws(() => x25519(priv, pub), isCode('AUTH_FAILED'), `${where}: must refuse the zero secret`);
            acceptableRefusedZero++;
          } else {
            // Twist points and non-canonical encodings: accepted, and the result must be RFC 7748's.
            assert.equal(toHexStr(x25519(priv, pub)), t.shared, `${where}: shared`);
            acceptableComputed++;
          }
          break;
        case 'invalid':
          assert.fail(`${where}: unexpected invalid case`);
      }
      tally.count(t.result);
    }
  }
  // 518 cases: 264 valid; 254 acceptable, of which 31 (low-order points, zero secret) are
  // refused with AUTH_FAILED and 223 (twist, non-canonical public keys) computed exactly.
  tally.expect({ valid: 264, invalid: 0, acceptable: 254, refused: 0 });
  assert.equal(acceptableRefusedZero, 31);
  assert.equal(acceptableComputed, 223);
});

test('X25519 RFC 7748 §6.1 key pair and shared secret', () => {
  const alicePriv = hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
  const bobPriv = hex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
  const alicePub = x25519PublicFromPrivate(alicePriv);
  const bobPub = x25519PublicFromPrivate(bobPriv);
  assert.equal(toHexStr(alicePub), '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
  assert.equal(toHexStr(bobPub), 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
  const k1 = x25519(alicePriv, bobPub);
  assert.deepEqual(x25519(bobPriv, alicePub), k1);
  assert.equal(toHexStr(k1), '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742');
});

test('X25519 refuses wrong lengths', () => {
  const priv = new Uint8Array(32).fill(1);
  const pub = x25519PublicFromPrivate(new Uint8Array(32).fill(2));
  assert.throws(() => x25519(priv, pub.subarray(0, 31)), isCode('DECODE_ERROR'));
  assert.throws(() => x25519(priv, new Uint8Array(33)), isCode('DECODE_ERROR'));
  assert.throws(() => x25519(priv.subarray(0, 31), pub), RangeError);
  assert.throws(() => x25519PublicFromPrivate(new Uint8Array(31)), RangeError);
  // The all-zero public key (u = 0) is a low-order point: refused.
  assert.throws(() => x25519(priv, new Uint8Array(32)), isCode('AUTH_FAILED'));
});
