/**
 * src/crypto/kbkdf.ts: AES-256-CMAC against the AES-256 examples of NIST SP 800-38B
 * (Appendix D.3, the same as RFC 4493's message with a 256-bit key), and the SP 800-108r1
 * counter-mode KDF against outputs of an independent implementation, OpenSSL's KBKDF
 * (`openssl kdf -keylen N -kdfopt mac:CMAC -kdfopt cipher:AES-256-CBC -kdfopt hexkey:K
 * -kdfopt hexsalt:LABEL -kdfopt hexinfo:CONTEXT KBKDF`, OpenSSL 3.0.19), on both code paths
 * (one-block PRF input and longer), plus a property: the one-pass path equals the per-counter
 * definition.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { cmacAes256, kbkdfCmac } from '../../src/crypto/kbkdf.js';
import { concat, fromHex, toHex, u32be, u8 } from '../../src/crypto/bytes.js';

const SP800_38B_KEY = fromHex('603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4');
const SP800_38B_MSG = fromHex('6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710');

test('CMAC-AES-256: SP 800-38B D.3 examples (0, 16, 40 and 64 bytes)', () => {
  const cases: [number, string][] = [
    [0, '028962f61b7bf89efc6b551f4667d983'],
    [16, '28a7023f452e8f82bd4bf28d8c37c35c'],
    [40, 'aaf3d8f1de5640c232f5b169b9c911e6'],
    [64, 'e1992190549f6ed5696a2c056c315410'],
  ];
  for (const [n, tag] of cases) assert.equal(toHex(cmacAes256(SP800_38B_KEY, SP800_38B_MSG.subarray(0, n))), tag, `Mlen ${n}`);
});

test('CMAC-AES-256: a one-bit change in key or message changes the tag', () => {
  const tag = toHex(cmacAes256(SP800_38B_KEY, SP800_38B_MSG));
  const k = SP800_38B_KEY.slice();
  k[31]! ^= 1;
  const m = SP800_38B_MSG.slice();
  m[0]! ^= 0x80;
  assert.notEqual(toHex(cmacAes256(k, SP800_38B_MSG)), tag);
  assert.notEqual(toHex(cmacAes256(SP800_38B_KEY, m)), tag);
  assert.throws(() => cmacAes256(new Uint8Array(16), m), RangeError);
});

const KEY = fromHex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');

test('KBKDF counter mode, CMAC-AES-256: outputs of OpenSSL KBKDF', () => {
  const cases: [number, string, string, string][] = [
    // one-block PRF input (|label| + |context| = 7): the one-pass path
    [208, '73633220726b', '01', 'c9cffaf1a53ad797b8cd989340e58d33069a394d50128dd304ebcd421d725185507cba3767e45534c3997d0189ee7067946f9859146dceafd79cdc822153d0b1a0153a8d6a4e6ef80192d3707f506340b1dc7c93fe5e34234cd5e4533eb9f7b1217c448487ad6c420c53790427e46e60264028242d053d5d4c7b0a9f58d28fa9e6486e59c60695d1ecf9c9ff05cbd558b3c229255431544777ff14defdaa3c5d700ab1e0088f2e9ee462a2bf11a2dfc967fc84b76f2d18de8bf45058ccd1dc0d5d9ff20dd9bd5dcea763c97efd81de86'],
    [1, '73633220726b', '02', '07'],
    [17, '73633220726b', '03', '500334ca3c7b57f01e295b2c3661b90cea'],
    [48, '736332207266', '01', '40101ed544595d35f238ad016ece95fe683b53440248dc707e17353229c6fe8effed22dc234cdc24b9d5d02ab542c3fc'],
    // shorter and longer PRF inputs: the general path
    [48, '7363322072', '01', 'e199832e4e3497497b136008c795dee715c61fd523545de9b78b892db4279a9a1a8d644745b067d3363d51a1daed656d'],
    [100, '6c6f6e67206c6162656c206f766572206f6e6520626c6f636b', '0102030405', '7fb4b8c8645f8be99b4e1a305e88ab12a73a1a10a0ddca35cd6fca83af6021f468b5396767619a2c9f7d506fa5050e7b82a93edd20f570f0744d01f4f3e37184a164097425361aae6c9f51b52c40be14ef39ee8c2a4a28c92407eac0f8a79ff6958f0353'],
  ];
  for (const [n, label, context, out] of cases) assert.equal(toHex(kbkdfCmac(KEY, fromHex(label), fromHex(context), n)), out, `L=${n * 8}`);
});

test('KBKDF: the one-pass path equals the per-counter definition K(i) = CMAC(K, [i] || Label || 0x00 || Context || [L])', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 6, maxLength: 6 }), fc.integer({ min: 1, max: 600 }), (key, label, n) => {
      const context = u8(label[0] ?? 0);
      const want: Uint8Array[] = [];
      for (let i = 1; i <= Math.ceil(n / 16); i++) want.push(cmacAes256(key, concat(u32be(i), label, u8(0), context, u32be(n * 8))));
      assert.equal(toHex(kbkdfCmac(key, label, context, n)), toHex(concat(...want)).slice(0, 2 * n));
    }),
    { numRuns: 100 },
  );
});

test('KBKDF: refuses a bad key or output length', () => {
  assert.throws(() => kbkdfCmac(new Uint8Array(31), u8(1), u8(1), 16), RangeError);
  assert.throws(() => kbkdfCmac(KEY, u8(1), u8(1), 0), RangeError);
  assert.throws(() => kbkdfCmac(KEY, u8(1), u8(1), 2 ** 29), RangeError);
});
