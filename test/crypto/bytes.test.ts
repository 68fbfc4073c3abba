/** ctEqual and the integer encoders/decoders of src/crypto/bytes.ts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ctEqual, readU16, readU32, readU64, u16be, u32be, u64be, u8 } from '../../src/crypto/bytes.js';
import { hex } from './_wycheproof.js';

test('ctEqual: equal, different, different lengths, empty, views', () => {
  assert.equal(ctEqual(hex('00112233'), hex('00112233')), true);
  assert.equal(ctEqual(hex('00112233'), hex('00112234')), false);
  assert.equal(ctEqual(hex('80112233'), hex('00112233')), false);
  assert.equal(ctEqual(hex('001122'), hex('00112233')), false);
  assert.equal(ctEqual(hex('00112233'), hex('001122')), false);
  assert.equal(ctEqual(new Uint8Array(0), new Uint8Array(0)), true);
  assert.equal(ctEqual(new Uint8Array(0), hex('00')), false);
  // Views into larger buffers compare only their own bytes.
  const big = hex('ff00112233ff');
  assert.equal(ctEqual(big.subarray(1, 5), hex('00112233')), true);
  assert.equal(ctEqual(big.subarray(0, 4), hex('00112233')), false);
  // Every single-bit difference in a 32-byte tag is detected.
  const tag = new Uint8Array(32).map((_, i) => i * 7);
  for (let i = 0; i < 256; i++) {
    const t = tag.slice();
    t[i >> 3]! ^= 1 << (i & 7);
    assert.equal(ctEqual(tag, t), false, `bit ${i}`);
  }
});

test('u8/u16be/u32be: encodings and range checks', () => {
  assert.deepEqual(u8(0), hex('00'));
  assert.deepEqual(u8(255), hex('ff'));
  assert.deepEqual(u16be(0x0102), hex('0102'));
  assert.deepEqual(u16be(0xffff), hex('ffff'));
  assert.deepEqual(u32be(0x01020304), hex('01020304'));
  assert.deepEqual(u32be(0xffff_ffff), hex('ffffffff'));
  for (const bad of [-1, 256, 1.5, Number.NaN]) assert.throws(() => u8(bad), RangeError, `u8 ${bad}`);
  for (const bad of [-1, 0x1_0000, 0.5]) assert.throws(() => u16be(bad), RangeError, `u16 ${bad}`);
  for (const bad of [-1, 2 ** 32, 0.5, Infinity]) assert.throws(() => u32be(bad), RangeError, `u32 ${bad}`);
  assert.equal(readU16(hex('000102'), 1), 0x0102);
  assert.equal(readU32(hex('ffffffffff'), 1), 0xffff_ffff);
  assert.throws(() => readU32(hex('010203'), 0), RangeError);
});

test('u64be: exact up to 2^53-1, refuses anything larger or not a safe non-negative integer', () => {
  assert.deepEqual(u64be(0), hex('0000000000000000'));
  assert.deepEqual(u64be(1), hex('0000000000000001'));
  assert.deepEqual(u64be(0x0102_0304_0506), hex('0000010203040506'));
  assert.deepEqual(u64be(2 ** 32), hex('0000000100000000'));
  assert.deepEqual(u64be(Number.MAX_SAFE_INTEGER), hex('001fffffffffffff'));
  for (const bad of [Number.MAX_SAFE_INTEGER + 1, 2 ** 53, 2 ** 64, -1, 1.5, Number.NaN, Infinity, -0.5]) {
    assert.throws(() => u64be(bad), RangeError, `u64 ${bad}`);
  }
});

test('readU64: exact up to 2^53-1, Infinity above, at any offset of a view', () => {
  assert.equal(readU64(hex('0000000000000000'), 0), 0);
  assert.equal(readU64(hex('001fffffffffffff'), 0), Number.MAX_SAFE_INTEGER);
  assert.equal(readU64(hex('0020000000000000'), 0), Infinity);
  assert.equal(readU64(hex('0020000000000001'), 0), Infinity);
  assert.equal(readU64(hex('ffffffffffffffff'), 0), Infinity);
  assert.equal(readU64(hex('8000000000000000'), 0), Infinity);
  assert.equal(readU64(hex('aa0000010203040506'), 1), 0x0102_0304_0506);
  const view = hex('ee0000000000000007ee').subarray(1, 9);
  assert.equal(readU64(view, 0), 7);
  assert.throws(() => readU64(view, 1), RangeError);
  // Round trip over the safe range's edges.
  for (const n of [0, 1, 255, 256, 2 ** 31, 2 ** 32 - 1, 2 ** 52, Number.MAX_SAFE_INTEGER - 1, Number.MAX_SAFE_INTEGER]) {
    assert.equal(readU64(u64be(n), 0), n);
  }
});
