/**
 * ML-KEM-768 (FIPS 203) through src/crypto/mlkem.ts.
 *
 * External known answers: the C2SP/CCTV "accumulated" vectors (github.com/C2SP/CCTV,
 * ML-KEM/README.md, CC0), FIPS 203 final (G(d || k)) variant. A single SHAKE-128 over the empty
 * input supplies, per case, d, z, m and a random (invalid) ciphertext; ek, dk, ct, K from
 * Encaps and K from Decaps of the random ciphertext are absorbed into a running SHAKE-128
 * whose 32-byte output is compared. Published: 10 000 cases →
 * f959d18d3d1180121433bf0e05f11e7908cf9d03edc150b2b07cb90bef5bc1c1. The 100-case value
 * (8d65b902…) is the prefix run used by other implementations' test suites; both were checked
 * to match our wrapper. The 10 000-case run takes ~40 s in pure JS, so it runs only with
 * SECURECHAT_SLOW_TESTS=1.
 *
 * Plus: structure of dk, implicit rejection checked against its definition
 * (K̄ = SHAKE256(z || c, 32)), the modulus check (§7.2) and length refusals, and a
 * self-generated regression vector (test/vectors/mlkem768-kat.json).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  MLKEM768_CT_BYTES,
  MLKEM768_EK_BYTES,
  mlkemDecapsulate,
  mlkemEncapsulate,
  mlkemKeygen,
} from '../../src/crypto/mlkem.js';
import { isSecureChatError } from '../../src/errors.js';
import { hex, toHexStr, vectorPath } from './_wycheproof.js';

const DK_BYTES = 2400;
const isDecodeError = (e: unknown): boolean => isSecureChatError(e) && e.code === 'DECODE_ERROR';
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** Runs the CCTV accumulated procedure for `n` cases; returns the hex digest and the cases run. */
function accumulated(n: number): { digest: string; cases: number } {
  const per = 32 + 32 + 32 + MLKEM768_CT_BYTES;
  const rng = new Uint8Array(createHash('shake128', { outputLength: n * per }).digest());
  assert.equal(toHexStr(rng.subarray(0, 16)), '7f9c2ba4e88f827d616045507605853e', 'CCTV RNG stream prefix');
  const acc = createHash('shake128', { outputLength: 32 });
  let off = 0;
  let cases = 0;
  const take = (len: number): Uint8Array => rng.subarray(off, (off += len));
  for (let i = 0; i < n; i++) {
    const seed = take(64); // d || z
    const m = take(32);
    const ctRandom = take(MLKEM768_CT_BYTES);
    const { encapsulationKey: ek, decapsulationKey: dk } = mlkemKeygen(seed);
    const { ciphertext, sharedSecret } = mlkemEncapsulate(ek, m);
    assert.deepEqual(mlkemDecapsulate(ciphertext, dk), sharedSecret, `case ${i}: Decaps(Encaps)`);
    acc.update(ek).update(dk).update(ciphertext).update(sharedSecret).update(mlkemDecapsulate(ctRandom, dk));
    cases++;
  }
  return { digest: acc.digest('hex'), cases };
}

test('C2SP CCTV accumulated ML-KEM-768 vectors, first 100 cases', () => {
  const r = accumulated(100);
  assert.equal(r.cases, 100);
  assert.equal(r.digest, '8d65b902f28edc683cebee2872962fd165a4d197c9e24ec74caa4470270df0b7');
});

test(
  'C2SP CCTV accumulated ML-KEM-768 vectors, 10 000 cases (published value)',
  { skip: process.env['SECURECHAT_SLOW_TESTS'] === '1' ? false : 'slow (~40 s): set SECURECHAT_SLOW_TESTS=1' },
  () => {
    const r = accumulated(10_000);
    assert.equal(r.cases, 10_000);
    assert.equal(r.digest, 'f959d18d3d1180121433bf0e05f11e7908cf9d03edc150b2b07cb90bef5bc1c1');
  },
);

interface RegressionVector {
  readonly algorithm: string;
  readonly seed: string;
  readonly m: string;
  readonly ek_sha256: string;
  readonly dk_sha256: string;
  readonly ct_sha256: string;
  readonly ek_prefix: string;
  readonly ct_prefix: string;
  readonly shared_secret: string;
  readonly rejected_byte0_xor01: string;
  readonly rejected_byte1087_xor80: string;
}

test('regression vector test/vectors/mlkem768-kat.json (self-generated, not external)', () => {
  const v = JSON.parse(readFileSync(vectorPath('mlkem768-kat.json'), 'utf8')) as RegressionVector;
  assert.equal(v.algorithm, 'ML-KEM-768');
  const { encapsulationKey: ek, decapsulationKey: dk } = mlkemKeygen(hex(v.seed));
  assert.equal(sha256(ek), v.ek_sha256);
  assert.equal(sha256(dk), v.dk_sha256);
  assert.equal(toHexStr(ek.subarray(0, 32)), v.ek_prefix);
  const { ciphertext, sharedSecret } = mlkemEncapsulate(ek, hex(v.m));
  assert.equal(sha256(ciphertext), v.ct_sha256);
  assert.equal(toHexStr(ciphertext.subarray(0, 32)), v.ct_prefix);
  assert.equal(toHexStr(sharedSecret), v.shared_secret);
  assert.equal(toHexStr(mlkemDecapsulate(ciphertext, dk)), v.shared_secret);
  const bad0 = ciphertext.slice();
  bad0[0]! ^= 0x01;
  assert.equal(toHexStr(mlkemDecapsulate(bad0, dk)), v.rejected_byte0_xor01);
  const badLast = ciphertext.slice();
  badLast[1087]! ^= 0x80;
  assert.equal(toHexStr(mlkemDecapsulate(badLast, dk)), v.rejected_byte1087_xor80);
});

test('keygen is deterministic in the seed and dk has the FIPS 203 layout', () => {
  const seed = new Uint8Array(createHash('sha512').update('securechat mlkem keygen').digest());
  const a = mlkemKeygen(seed);
  const b = mlkemKeygen(seed.slice());
  assert.deepEqual(a, b);
  assert.equal(a.encapsulationKey.length, MLKEM768_EK_BYTES);
  assert.equal(a.decapsulationKey.length, DK_BYTES);
  // dk = dk_PKE (1152) || ek (1184) || H(ek) (32) || z (32), FIPS 203 Algorithm 16.
  const dk = a.decapsulationKey;
  assert.deepEqual(dk.subarray(1152, 2336), a.encapsulationKey);
  assert.equal(toHexStr(dk.subarray(2336, 2368)), createHash('sha3-256').update(a.encapsulationKey).digest('hex'));
  assert.deepEqual(dk.subarray(2368, 2400), seed.subarray(32, 64));
  // A different seed gives a different key.
  const other = seed.slice();
  other[0]! ^= 1;
  assert.notDeepEqual(mlkemKeygen(other).encapsulationKey, a.encapsulationKey);
});

test('encapsulate/decapsulate round trip; encapsulation is deterministic in m', () => {
  const { encapsulationKey: ek, decapsulationKey: dk } = mlkemKeygen(new Uint8Array(64).fill(0x11));
  const m = new Uint8Array(32).fill(0x22);
  const e1 = mlkemEncapsulate(ek, m);
  const e2 = mlkemEncapsulate(ek, m.slice());
  assert.deepEqual(e1, e2);
  assert.equal(e1.ciphertext.length, MLKEM768_CT_BYTES);
  assert.equal(e1.sharedSecret.length, 32);
  assert.deepEqual(mlkemDecapsulate(e1.ciphertext, dk), e1.sharedSecret);
  const e3 = mlkemEncapsulate(ek, new Uint8Array(32).fill(0x23));
  assert.notDeepEqual(e3.sharedSecret, e1.sharedSecret);
  assert.deepEqual(mlkemDecapsulate(e3.ciphertext, dk), e3.sharedSecret);
});

test('implicit rejection: a modified ciphertext gives K̄ = SHAKE256(z || c), deterministically', () => {
  const seed = new Uint8Array(64).fill(0x33);
  const { encapsulationKey: ek, decapsulationKey: dk } = mlkemKeygen(seed);
  const { ciphertext, sharedSecret } = mlkemEncapsulate(ek, new Uint8Array(32).fill(0x44));
  const z = dk.subarray(2368, 2400);
  for (const pos of [0, 1, 500, 959, 960, 1087]) {
    const bad = ciphertext.slice();
    bad[pos]! ^= 0x01;
    const k = mlkemDecapsulate(bad, dk);
    assert.notDeepEqual(k, sharedSecret, `pos ${pos}: differs`);
    assert.deepEqual(mlkemDecapsulate(bad, dk), k, `pos ${pos}: deterministic`);
    const expected = createHash('shake256', { outputLength: 32 }).update(z).update(bad).digest('hex');
    assert.equal(toHexStr(k), expected, `pos ${pos}: J(z || c)`);
  }
});

test('the modulus check (FIPS 203 §7.2) refuses unreduced coefficients with DECODE_ERROR', () => {
  const { encapsulationKey: ek } = mlkemKeygen(new Uint8Array(64).fill(0x55));
  const m = new Uint8Array(32).fill(0x66);
  /** Sets 12-bit coefficient `i` (little-endian packing, ByteEncode12) of t̂ to `v`. */
  const withCoefficient = (i: number, v: number): Uint8Array => {
    const out = ek.slice();
    const o = (i >> 1) * 3;
    if (i % 2 === 0) {
      out[o] = v & 0xff;
      out[o + 1] = (out[o + 1]! & 0xf0) | (v >> 8);
    } else {
      out[o + 1] = (out[o + 1]! & 0x0f) | ((v & 0x0f) << 4);
      out[o + 2] = v >> 4;
    }
    return out;
  };
  let refused = 0;
  for (const i of [0, 1, 255, 256, 511, 767]) {
    for (const v of [3329, 3330, 4095]) {
      assert.throws(() => mlkemEncapsulate(withCoefficient(i, v), m), isDecodeError, `coefficient ${i} = ${v}`);
      refused++;
    }
    // The largest reduced value is fine.
    assert.doesNotThrow(() => mlkemEncapsulate(withCoefficient(i, 3328), m), `coefficient ${i} = 3328`);
  }
  assert.equal(refused, 18);
  // The 32-byte ρ at the end is not range-checked: any value is a valid key.
  const rho = ek.slice();
  rho.fill(0xff, 1152);
  assert.doesNotThrow(() => mlkemEncapsulate(rho, m));
});

test('wrong lengths are refused', () => {
  const { encapsulationKey: ek, decapsulationKey: dk } = mlkemKeygen(new Uint8Array(64).fill(0x77));
  const m = new Uint8Array(32);
  const { ciphertext } = mlkemEncapsulate(ek, m);
  for (const n of [0, 32, 63, 65]) assert.throws(() => mlkemKeygen(new Uint8Array(n)), RangeError, `seed ${n}`);
  for (const n of [0, 31, 33, 64]) assert.throws(() => mlkemEncapsulate(ek, new Uint8Array(n)), RangeError, `m ${n}`);
  for (const n of [0, 1183, 1185, 1568]) {
    assert.throws(() => mlkemEncapsulate(new Uint8Array(n), m), isDecodeError, `ek ${n}`);
  }
  for (const n of [0, 1087, 1089, 768]) {
    assert.throws(() => mlkemDecapsulate(new Uint8Array(n), dk), isDecodeError, `ct ${n}`);
  }
  assert.throws(() => mlkemDecapsulate(ciphertext, dk.subarray(0, 2399)), 'short dk');
  // FIPS 203 §7.3 input check: a dk whose H(ek) does not match is refused, not used.
  const badDk = dk.slice();
  badDk[2340]! ^= 1;
  assert.throws(() => mlkemDecapsulate(ciphertext, badDk), 'dk hash check');
});
