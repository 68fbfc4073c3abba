/**
 * Shared runner for the Wycheproof AEAD files (AES-GCM, ChaCha20-Poly1305) against our
 * wrappers in src/crypto/aead.ts: the raw seal/open pair and the suite dispatch (`seal`/`open`).
 */
import assert from 'node:assert/strict';
import { open, seal, type SuiteId } from '../../src/crypto/aead.js';
import { concat } from '../../src/crypto/bytes.js';
import { isSecureChatError } from '../../src/errors.js';
import { hex, label, loadWycheproof, Tally, type WycheproofGroup, type WycheproofTest } from './_wycheproof.js';

export interface AeadTest extends WycheproofTest {
  readonly key: string;
  readonly iv: string;
  readonly aad: string;
  readonly msg: string;
  readonly ct: string;
  readonly tag: string;
}

export interface AeadGroup extends WycheproofGroup<AeadTest> {
  readonly ivSize: number;
  readonly keySize: number;
  readonly tagSize: number;
}

export interface AeadUnderTest {
  readonly file: string;
  readonly algorithm: string;
  readonly suite: SuiteId;
  readonly sealFn: (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array) => Uint8Array;
  readonly openFn: (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array) => Uint8Array | null;
}

/** Our AEAD suites take exactly a 256-bit key, a 96-bit nonce and produce a 128-bit tag. */
export function supported(g: AeadGroup, t: AeadTest): boolean {
  return g.keySize === 256 && g.ivSize === 96 && g.tagSize === 128 && t.key.length === 64 && t.iv.length === 24 && t.tag.length === 32;
}

function isAuthFailed(e: unknown): boolean {
  return isSecureChatError(e) && e.code === 'AUTH_FAILED';
}

export function runAeadVectors(u: AeadUnderTest): Tally {
  const data = loadWycheproof<AeadTest, AeadGroup>(u.file, u.algorithm);
  const tally = new Tally();
  for (const g of data.testGroups) {
    for (const t of g.tests) {
      const where = label(u.file, t);
      const key = hex(t.key);
      const iv = hex(t.iv);
      const aad = hex(t.aad);
      const msg = hex(t.msg);
      const sealed = concat(hex(t.ct), hex(t.tag));

      if (!supported(g, t)) {
        // Parameters we deliberately do not support must be refused, never processed.
        assert.throws(() => u.sealFn(key, iv, aad, msg), RangeError, `${where}: seal must refuse`);
        assert.throws(() => u.openFn(key, iv, aad, sealed), RangeError, `${where}: open must refuse`);
        tally.refused++;
        continue;
      }

      const material = concat(key, iv);
      switch (t.result) {
        case 'valid': {
          assert.deepEqual(u.sealFn(key, iv, aad, msg), sealed, `${where}: seal`);
          assert.deepEqual(u.openFn(key, iv, aad, sealed), msg, `${where}: open`);
          assert.deepEqual(seal(u.suite, material, aad, msg), sealed, `${where}: suite seal`);
          assert.deepEqual(open(u.suite, material, aad, sealed), msg, `${where}: suite open`);
          break;
        }
        case 'invalid': {
          assert.equal(u.openFn(key, iv, aad, sealed), null, `${where}: open must fail`);
          assert.throws(() => open(u.suite, material, aad, sealed), isAuthFailed, `${where}: suite open must be AUTH_FAILED`);
          assert.notDeepEqual(u.sealFn(key, iv, aad, msg), sealed, `${where}: seal must not produce the invalid tag`);
          break;
        }
        case 'acceptable':
          // Neither AEAD file has acceptable cases; the tally assertion in the caller pins that.
          assert.fail(`${where}: unexpected acceptable case`);
      }
      tally.count(t.result);
    }
  }
  return tally;
}
