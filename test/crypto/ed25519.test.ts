/**
 * Wycheproof ed25519_test.json through ed25519Verify (valid → true, invalid → false, never
 * throws). Wycheproof's v1 EdDSA files carry no private keys; for the groups whose public
 * key belongs to a published seed (RFC 8032 §7.1 TEST 1, 2, 3 and 1024, and the key of the
 * original Wycheproof eddsa_test.json), the valid signatures are also re-created with
 * ed25519Sign (deterministic) and the seed is checked to derive that public key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ed25519PublicFromSeed, ed25519Sign, ed25519Verify } from '../../src/crypto/ecc.js';
import { hex, label, loadWycheproof, Tally, toHexStr, type WycheproofGroup, type WycheproofTest } from './_wycheproof.js';

interface EddsaTest extends WycheproofTest {
  readonly msg: string;
  readonly sig: string;
}
interface EddsaGroup extends WycheproofGroup<EddsaTest> {
  readonly publicKey: { readonly curve: string; readonly pk: string };
}

const FILE = 'ed25519_test.json';

/** Public key (hex) → seed (hex), from published sources; each is checked by derivation. */
const KNOWN_SEEDS: ReadonlyMap<string, string> = new Map([
  // RFC 8032 §7.1 TEST 1, TEST 2, TEST 3, TEST 1024.
  ['d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60'],
  ['3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c', '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb'],
  ['fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025', 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7'],
  ['278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e', 'f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5'],
  // Wycheproof eddsa_test.json (pre-v1), first group's "sk".
  ['7d4d0e7f6153a69b6242b522abbee685fda4420f8834b108c3bdae369ef549fa', 'add4bb8103785baf9ac534258e8aaf65f5f1adb5ef5f3df19bb80ab989c4d64b'],
]);

test('Wycheproof Ed25519 through ed25519Verify, and ed25519Sign where the seed is known', () => {
  const data = loadWycheproof<EddsaTest, EddsaGroup>(FILE, 'EDDSA');
  const tally = new Tally();
  let signed = 0;
  for (const g of data.testGroups) {
    assert.equal(g.publicKey.curve, 'edwards25519');
    const pk = hex(g.publicKey.pk);
    const seedHex = KNOWN_SEEDS.get(g.publicKey.pk);
    const seed = seedHex === undefined ? undefined : hex(seedHex);
    if (seed !== undefined) assert.equal(toHexStr(ed25519PublicFromSeed(seed)), g.publicKey.pk, `seed for ${g.publicKey.pk}`);
    for (const t of g.tests) {
      const where = label(FILE, t);
      const msg = hex(t.msg);
      const sig = hex(t.sig);
      let ok: boolean | undefined;
      assert.doesNotThrow(() => {
        ok = ed25519Verify(pk, msg, sig);
      }, `${where}: verify must not throw`);
      switch (t.result) {
        case 'valid':
          assert.equal(ok, true, `${where}: must verify`);
          if (seed !== undefined) {
            assert.equal(toHexStr(ed25519Sign(seed, msg)), t.sig, `${where}: sign`);
            signed++;
          }
          break;
        case 'invalid':
          assert.equal(ok, false, `${where}: must not verify`);
          break;
        case 'acceptable':
          assert.fail(`${where}: unexpected acceptable case`);
      }
      tally.count(t.result);
    }
  }
  // 151 cases: 88 valid, 63 invalid (malleable/non-canonical S, bad encodings, truncated or
  // padded signatures, wrong lengths). 13 valid signatures re-created by signing.
  tally.expect({ valid: 88, invalid: 63, acceptable: 0, refused: 0 });
  assert.equal(signed, 13);
});

test('Ed25519 verify returns false (never throws) on malformed keys and signatures', () => {
  const seed = new Uint8Array(32).fill(3);
  const pk = ed25519PublicFromSeed(seed);
  const msg = new TextEncoder().encode('hello');
  const sig = ed25519Sign(seed, msg);
  assert.equal(ed25519Verify(pk, msg, sig), true);
  assert.equal(ed25519Verify(pk.subarray(0, 31), msg, sig), false);
  assert.equal(ed25519Verify(new Uint8Array(33), msg, sig), false);
  assert.equal(ed25519Verify(pk, msg, sig.subarray(0, 63)), false);
  assert.equal(ed25519Verify(pk, msg, new Uint8Array(65)), false);
  // y = 2 does not decode to a curve point.
  const notOnCurve = new Uint8Array(32);
  notOnCurve[0] = 2;
  assert.equal(ed25519Verify(notOnCurve, msg, sig), false);
  assert.equal(ed25519Verify(new Uint8Array(32).fill(0xff), msg, sig), false);
  assert.throws(() => ed25519Sign(new Uint8Array(31), msg), RangeError);
  assert.throws(() => ed25519PublicFromSeed(new Uint8Array(64)), RangeError);
});
