import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fromHex, toHex, utf8 } from '../../src/crypto/bytes.js';
import { ed25519PublicFromSeed } from '../../src/crypto/ecc.js';
import { numericFingerprintHash, numericFingerprintHalf, safetyNumber, safetyNumberMatches } from '../../src/identity/safety-number.js';

// Signal's published vector (libsignal, NumericFingerprintGeneratorTest.testVectorsVersion1):
// 33-byte type-prefixed keys, phone numbers as identifiers, 5200 iterations.
const SIGNAL_ALICE = fromHex('0506863bc66d02b40d27b8d49ca7c09e9239236f9d7d25d6fcca5ce13c7064d868');
const SIGNAL_BOB = fromHex('05f781b6fb32fed9ba1cf2de978d4d5da28dc34046ae814402b5c0dbd96fda907b');
const SIGNAL_DISPLAY = '300354477692869396892869876765458257569162576843440918079131';
// The first 32 bytes of each party's hash, as carried in Signal's scannable fingerprint.
const SIGNAL_ALICE_32 = '1e301a0353dce3dbe7684cb8336e85136cdc0ee96219494ada305d62a7bd61df';
const SIGNAL_BOB_32 = 'd62cbf73a11592015b6b9f1682ac306fea3aaf3885b84d12bca631e9d4fb3a4d';

test('the construction reproduces Signal\'s published NumericFingerprint vector', () => {
  const a = numericFingerprintHash(SIGNAL_ALICE, utf8('+14152222222'));
  const b = numericFingerprintHash(SIGNAL_BOB, utf8('+14153333333'));
  assert.equal(toHex(a.subarray(0, 32)), SIGNAL_ALICE_32);
  assert.equal(toHex(b.subarray(0, 32)), SIGNAL_BOB_32);
  const ha = numericFingerprintHalf(SIGNAL_ALICE, utf8('+14152222222'));
  const hb = numericFingerprintHalf(SIGNAL_BOB, utf8('+14153333333'));
  assert.equal(ha <= hb ? ha + hb : hb + ha, SIGNAL_DISPLAY);
});

const ALICE = { name: 'alice', publicKey: ed25519PublicFromSeed(new Uint8Array(32).fill(1)) };
const BOB = { name: 'bob', publicKey: ed25519PublicFromSeed(new Uint8Array(32).fill(2)) };

test('known answer: alice (seed 01..01) and bob (seed 02..02)', () => {
  const sn = safetyNumber(ALICE, BOB);
  assert.equal(sn.digits, '075362714455560201043650082844788061801066304434201883017403');
  assert.deepEqual(sn.groups, ['07536', '27144', '55560', '20104', '36500', '82844', '78806', '18010', '66304', '43420', '18830', '17403']);
  assert.equal(sn.display, '07536 27144 55560 20104\n36500 82844 78806 18010\n66304 43420 18830 17403');
  assert.equal(
    sn.qr,
    'securechat-sn:0:e4fd514e10c5ef4f93e86c235cd9a85f673fafa8ddf6cbfe743d14b9245c3390:fb448b6ab61d586a601a9d5935d7a04628c582bc3a46389e4e27787f0f1b8893',
  );
  assert.ok(safetyNumberMatches(sn, '07536 27144 55560 20104\n36500 82844 78806 18010 66304 43420 18830 17403'));
  assert.ok(!safetyNumberMatches(sn, '07536 27144 55560 20104 36500 82844 78806 18010 66304 43420 18830 17404'));
});

test('both sides see the same number; a different key or name changes it', () => {
  const key = fc.uint8Array({ minLength: 32, maxLength: 32 });
  const name = fc.stringMatching(/^[a-z][a-z0-9._-]{0,15}$/);
  fc.assert(
    fc.property(key, name, key, name, (ka, na, kb, nb) => {
      const ab = safetyNumber({ name: na, publicKey: ka }, { name: nb, publicKey: kb });
      const ba = safetyNumber({ name: nb, publicKey: kb }, { name: na, publicKey: ka });
      assert.equal(ab.digits, ba.digits);
      assert.equal(ab.qr, ba.qr);
      assert.match(ab.digits, /^\d{60}$/);
      assert.equal(ab.groups.length, 12);
    }),
    { numRuns: 15 },
  );
  const mitm = { name: 'bob', publicKey: ed25519PublicFromSeed(new Uint8Array(32).fill(3)) };
  assert.notEqual(safetyNumber(ALICE, mitm).digits, safetyNumber(ALICE, BOB).digits);
  assert.notEqual(safetyNumber(ALICE, { ...BOB, name: 'bob2' }).digits, safetyNumber(ALICE, BOB).digits);
});
