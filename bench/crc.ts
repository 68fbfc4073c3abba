/**
 * CRC-32 per frame, measured (issue 13): node's zlib.crc32 (zlib's native code, one call per
 * frame) against a table-driven slice-by-8 CRC-32 in JavaScript, the usual alternative when
 * no native one is at hand, on frame sizes the record layer sends. Both must agree on every
 * input before anything is timed. Not part of `npm run bench`'s table:
 *   npm run build && node dist/bench/crc.js
 */
import { crc32 } from 'node:zlib';
import { randomBytes } from 'node:crypto';

/** Slice-by-8 tables for the reflected polynomial 0xEDB88320 (the CRC-32 of zlib and §3). */
const T: Uint32Array[] = Array.from({ length: 8 }, () => new Uint32Array(256));
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  T[0]![n] = c >>> 0;
}
for (let n = 0; n < 256; n++) {
  for (let t = 1; t < 8; t++) T[t]![n] = (T[0]![T[t - 1]![n]! & 0xff]! ^ (T[t - 1]![n]! >>> 8)) >>> 0;
}

function crc32Slice8(b: Uint8Array): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = T as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
  let c = 0xffffffff;
  let i = 0;
  const n8 = b.length - (b.length % 8);
  for (; i < n8; i += 8) {
    const lo = (c ^ (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24))) >>> 0;
    c = t7[lo & 0xff]! ^ t6[(lo >>> 8) & 0xff]! ^ t5[(lo >>> 16) & 0xff]! ^ t4[lo >>> 24]! ^
      t3[b[i + 4]!]! ^ t2[b[i + 5]!]! ^ t1[b[i + 6]!]! ^ t0[b[i + 7]!]!;
  }
  for (; i < b.length; i++) c = t0[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const SIZES = [100 + 24, 1024 + 24, 16 * 1024 + 24, 64 * 1024 + 24];
for (const size of SIZES) {
  const buf = new Uint8Array(randomBytes(size));
  if ((crc32(buf) >>> 0) !== crc32Slice8(buf)) throw new Error('CRC implementations disagree');
  const iters = Math.max(200, Math.floor((64 * 1024 * 1024) / size));
  const time = (f: (b: Uint8Array) => number): number => {
    let x = 0;
    for (let i = 0; i < Math.min(iters, 1000); i++) x ^= f(buf); // warm-up
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iters; i++) x ^= f(buf);
    const ns = Number(process.hrtime.bigint() - t0) / iters;
    if (x === 0.5) process.stdout.write('');
    return ns;
  };
  const z = time((b) => crc32(b));
  const j = time(crc32Slice8);
  process.stdout.write(`${String(size).padStart(6)} B frame: zlib.crc32 ${(z / 1000).toFixed(2)} µs (${(size / z).toFixed(2)} GB/s), JS slice-by-8 ${(j / 1000).toFixed(2)} µs (${(size / j).toFixed(2)} GB/s), ×${(j / z).toFixed(1)}\n`);
}
