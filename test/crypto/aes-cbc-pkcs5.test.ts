/**
 * Wycheproof aes_cbc_pkcs5_test.json through aesCbcEncrypt/aesCbcDecrypt, and the CBC half
 * of cbcHmacSeal/cbcHmacOpen and seal/open(AES_256_CBC_HMAC_SHA256). Only AES-256 is
 * supported; AES-128/192 cases must be refused (RangeError).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { aesCbcDecrypt, aesCbcEncrypt, cbcHmacOpen, cbcHmacSeal, open, seal, SuiteId } from '../../src/crypto/aead.js';
import { concat } from '../../src/crypto/bytes.js';
import { isSecureChatError } from '../../src/errors.js';
import { hex, label, loadWycheproof, Tally, type WycheproofGroup, type WycheproofTest } from './_wycheproof.js';

interface CbcTest extends WycheproofTest {
  readonly key: string;
  readonly iv: string;
  readonly msg: string;
  readonly ct: string;
}
interface CbcGroup extends WycheproofGroup<CbcTest> {
  readonly keySize: number;
  readonly ivSize: number;
}

const FILE = 'aes_cbc_pkcs5_test.json';
const MAC_KEY = hex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
const AAD = hex('5365637572654368617420763120616164');

/** Independent statement of our composition: HMAC-SHA256(mac, aad || iv || ct || u64be(8*|aad|)). */
function referenceTag(macKey: Uint8Array, aad: Uint8Array, iv: Uint8Array, ct: Uint8Array): Uint8Array {
  const bits = Buffer.alloc(8);
  bits.writeBigUInt64BE(BigInt(aad.length * 8));
  return new Uint8Array(createHmac('sha256', macKey).update(aad).update(iv).update(ct).update(bits).digest());
}

const isAuthFailed = (e: unknown): boolean => isSecureChatError(e) && e.code === 'AUTH_FAILED';

test('Wycheproof AES-CBC-PKCS5 through aesCbcEncrypt/aesCbcDecrypt and the CBC+HMAC suite', () => {
  const data = loadWycheproof<CbcTest, CbcGroup>(FILE, 'AES-CBC-PKCS5');
  const tally = new Tally();
  for (const g of data.testGroups) {
    for (const t of g.tests) {
      const where = label(FILE, t);
      const key = hex(t.key);
      const iv = hex(t.iv);
      const msg = hex(t.msg);
      const ct = hex(t.ct);

      if (g.keySize !== 256 || g.ivSize !== 128) {
        assert.throws(() => aesCbcEncrypt(key, iv, msg), RangeError, `${where}: encrypt must refuse`);
        assert.throws(() => aesCbcDecrypt(key, iv, ct), RangeError, `${where}: decrypt must refuse`);
        assert.throws(() => cbcHmacSeal(key, MAC_KEY, iv, AAD, msg), RangeError, `${where}: cbcHmacSeal must refuse`);
        tally.refused++;
        continue;
      }

      const material = concat(key, MAC_KEY, iv);
      const tagOverCt = referenceTag(MAC_KEY, AAD, iv, ct);
      switch (t.result) {
        case 'valid': {
          assert.deepEqual(aesCbcEncrypt(key, iv, msg), ct, `${where}: encrypt`);
          assert.deepEqual(aesCbcDecrypt(key, iv, ct), msg, `${where}: decrypt`);
          const sealed = concat(ct, tagOverCt);
          assert.deepEqual(cbcHmacSeal(key, MAC_KEY, iv, AAD, msg), sealed, `${where}: cbcHmacSeal`);
          assert.deepEqual(cbcHmacOpen(key, MAC_KEY, iv, AAD, sealed), msg, `${where}: cbcHmacOpen`);
          assert.deepEqual(seal(SuiteId.AES_256_CBC_HMAC_SHA256, material, AAD, msg), sealed, `${where}: suite seal`);
          assert.deepEqual(open(SuiteId.AES_256_CBC_HMAC_SHA256, material, AAD, sealed), msg, `${where}: suite open`);
          // A flipped MAC bit is refused before decryption.
          const bad = sealed.slice();
          bad[bad.length - 1]! ^= 1;
          assert.equal(cbcHmacOpen(key, MAC_KEY, iv, AAD, bad), null, `${where}: bad MAC`);
          assert.throws(() => open(SuiteId.AES_256_CBC_HMAC_SHA256, material, AAD, bad), isAuthFailed, `${where}: suite bad MAC`);
          break;
        }
        case 'invalid': {
          // Bad padding: refused by the raw decryption, and by the suite even under a correct MAC.
          assert.equal(aesCbcDecrypt(key, iv, ct), null, `${where}: decrypt must fail`);
          const sealed = concat(ct, tagOverCt);
          assert.equal(cbcHmacOpen(key, MAC_KEY, iv, AAD, sealed), null, `${where}: cbcHmacOpen must fail`);
          assert.throws(() => open(SuiteId.AES_256_CBC_HMAC_SHA256, material, AAD, sealed), isAuthFailed, `${where}: suite`);
          break;
        }
        case 'acceptable':
          assert.fail(`${where}: unexpected acceptable case`);
      }
      tally.count(t.result);
    }
  }
  // 216 cases: AES-256 has 24 valid and 48 invalid (bad padding); the 144 AES-128/192 cases are refused.
  tally.expect({ valid: 24, invalid: 48, acceptable: 0, refused: 144 });
  assert.equal(tally.total, 216);
});

test('CBC+HMAC: AAD is bound, short and misaligned inputs are refused', () => {
  const key = new Uint8Array(32).fill(7);
  const iv = new Uint8Array(16).fill(9);
  const pt = new TextEncoder().encode('attack at dawn');
  const sealed = cbcHmacSeal(key, MAC_KEY, iv, AAD, pt);
  assert.equal(sealed.length, 16 + 32);
  assert.deepEqual(cbcHmacOpen(key, MAC_KEY, iv, AAD, sealed), pt);
  assert.equal(cbcHmacOpen(key, MAC_KEY, iv, hex('00'), sealed), null, 'other AAD');
  assert.equal(cbcHmacOpen(key, MAC_KEY, iv, AAD, sealed.subarray(0, 47)), null, 'too short');
  assert.equal(aesCbcDecrypt(key, iv, new Uint8Array(0)), null, 'empty ciphertext');
  assert.equal(aesCbcDecrypt(key, iv, new Uint8Array(17)), null, 'not a block multiple');
  assert.throws(() => aesCbcEncrypt(key, new Uint8Array(12), pt), RangeError, 'IV must be 16 bytes');
});
