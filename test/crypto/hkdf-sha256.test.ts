/**
 * Wycheproof hkdf_sha256_test.json through hkdf(), and hkdfExtract/hkdfExpand separately,
 * each checked against node's own crypto (hkdfSync, createHmac). Also the length limits of
 * hkdfExpand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, hkdfSync } from 'node:crypto';
import { expandLabel, hkdf, hkdfExpand, hkdfExtract } from '../../src/crypto/hkdf.js';
import { concat, utf8 } from '../../src/crypto/bytes.js';
import { hex, label, loadWycheproof, Tally, type WycheproofGroup, type WycheproofTest } from './_wycheproof.js';

interface HkdfTest extends WycheproofTest {
  readonly ikm: string;
  readonly salt: string;
  readonly info: string;
  readonly size: number;
  readonly okm: string;
}
type HkdfGroup = WycheproofGroup<HkdfTest>;

const FILE = 'hkdf_sha256_test.json';

/** node's HKDF (OpenSSL), extract and expand in one. */
function nodeHkdf(salt: Uint8Array, ikm: Uint8Array, info: Uint8Array, len: number): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', ikm, salt, info, len));
}

/** RFC 5869 §2.2 with node's HMAC: an empty salt is HashLen zero bytes. */
function nodeExtract(salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac('sha256', salt.length === 0 ? new Uint8Array(32) : salt).update(ikm).digest());
}

/** RFC 5869 §2.3 with node's HMAC, written independently of src/crypto/hkdf.ts. */
function nodeExpand(prk: Uint8Array, info: Uint8Array, len: number): Uint8Array {
  const blocks: Buffer[] = [];
  let prev = Buffer.alloc(0);
  for (let i = 1; blocks.length * 32 < len; i++) {
    prev = createHmac('sha256', prk).update(prev).update(info).update(Buffer.of(i)).digest();
    blocks.push(prev);
  }
  return new Uint8Array(Buffer.concat(blocks).subarray(0, len));
}

test('Wycheproof HKDF-SHA256 through hkdf, hkdfExtract and hkdfExpand, and node hkdfSync', () => {
  const data = loadWycheproof<HkdfTest, HkdfGroup>(FILE, 'HKDF-SHA-256');
  const tally = new Tally();
  let emptySalt = 0;
  for (const g of data.testGroups) {
    for (const t of g.tests) {
      const where = label(FILE, t);
      const ikm = hex(t.ikm);
      const salt = hex(t.salt);
      const info = hex(t.info);
      if (salt.length === 0) emptySalt++;
      const prk = hkdfExtract(salt, ikm);
      assert.deepEqual(prk, nodeExtract(salt, ikm), `${where}: extract vs node HMAC`);
      switch (t.result) {
        case 'valid': {
          const okm = hex(t.okm);
          assert.equal(okm.length, t.size, `${where}: vector size`);
          assert.deepEqual(hkdf(salt, ikm, info, t.size), okm, `${where}: hkdf`);
          assert.deepEqual(hkdfExpand(prk, info, t.size), okm, `${where}: expand(extract)`);
          assert.deepEqual(nodeHkdf(salt, ikm, info, t.size), okm, `${where}: node hkdfSync`);
          assert.deepEqual(hkdfExpand(prk, info, t.size), nodeExpand(prk, info, t.size), `${where}: expand vs node HMAC`);
          break;
        }
        case 'invalid': {
          // The only invalid cases ask for more than 255 * HashLen bytes.
          assert.ok(t.size > 255 * 32, `${where}: expected SizeTooLarge`);
          assert.throws(() => hkdf(salt, ikm, info, t.size), RangeError, `${where}: hkdf must refuse`);
          assert.throws(() => hkdfExpand(prk, info, t.size), RangeError, `${where}: expand must refuse`);
          assert.throws(() => nodeHkdf(salt, ikm, info, t.size), `${where}: node refuses too`);
          break;
        }
        case 'acceptable':
          assert.fail(`${where}: unexpected acceptable case`);
      }
      tally.count(t.result);
    }
  }
  // 86 cases: 83 valid (23 with an empty salt), 3 invalid (size 8161 > 255 * 32).
  tally.expect({ valid: 83, invalid: 3, acceptable: 0, refused: 0 });
  assert.equal(emptySalt, 23);
});

test('RFC 5869 test cases 1 and 3 (PRK and OKM)', () => {
  // A.1: basic case.
  const ikm1 = hex('0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b');
  const salt1 = hex('000102030405060708090a0b0c');
  const info1 = hex('f0f1f2f3f4f5f6f7f8f9');
  const prk1 = hkdfExtract(salt1, ikm1);
  assert.equal(Buffer.from(prk1).toString('hex'), '077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5');
  assert.equal(
    Buffer.from(hkdfExpand(prk1, info1, 42)).toString('hex'),
    '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
  );
  // A.3: zero-length salt and info.
  const prk3 = hkdfExtract(new Uint8Array(0), ikm1);
  assert.equal(Buffer.from(prk3).toString('hex'), '19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04');
  assert.equal(
    Buffer.from(hkdf(new Uint8Array(0), ikm1, new Uint8Array(0), 42)).toString('hex'),
    '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8',
  );
});

test('hkdfExpand length limits', () => {
  const prk = hkdfExtract(utf8('salt'), utf8('ikm'));
  const info = utf8('info');
  assert.equal(hkdfExpand(prk, info, 0).length, 0);
  assert.equal(hkdfExpand(prk, info, 1).length, 1);
  const max = hkdfExpand(prk, info, 255 * 32);
  assert.equal(max.length, 8160);
  assert.deepEqual(max, nodeExpand(prk, info, 8160));
  assert.deepEqual(max, nodeHkdf(utf8('salt'), utf8('ikm'), info, 8160));
  // Every shorter output is a prefix of the longer one.
  assert.deepEqual(hkdfExpand(prk, info, 33), max.subarray(0, 33));
  for (const bad of [8161, 255 * 32 + 32, -1, 1.5, Number.NaN, Infinity, 2 ** 53]) {
    assert.throws(() => hkdfExpand(prk, info, bad), RangeError, `length ${bad}`);
    assert.throws(() => hkdf(utf8('salt'), utf8('ikm'), info, bad), RangeError, `hkdf length ${bad}`);
  }
  // RFC 5869 §2.3: PRK is at least HashLen bytes.
  assert.throws(() => hkdfExpand(new Uint8Array(31), info, 32), RangeError);
  assert.equal(hkdfExpand(new Uint8Array(64), info, 32).length, 32);
});

test('expandLabel is Expand with info = label || context', () => {
  const prk = hkdfExtract(utf8('s'), utf8('k'));
  const ctx = hex('0102');
  assert.deepEqual(expandLabel(prk, 'securechat test', ctx, 48), hkdfExpand(prk, concat(utf8('securechat test'), ctx), 48));
  assert.deepEqual(expandLabel(prk, 'securechat test', ctx, 48), nodeExpand(prk, concat(utf8('securechat test'), ctx), 48));
});
