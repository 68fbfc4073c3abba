/**
 * AES-256-CMAC (NIST SP 800-38B; RFC 4493 with AES-256) and the KDF in counter mode of
 * NIST SP 800-108r1 §4.1 with CMAC-AES-256 as the PRF, built only from node:crypto's AES.
 *
 * SP 800-108r1 §4.1, with r = 32 and the counter before the fixed input data:
 *
 *   K(i)  = CMAC(K_IN, [i]_32 || Label || 0x00 || Context || [L]_32),  i = 1 .. n
 *   K_OUT = the leftmost L bits of K(1) || ... || K(n),                  n = ceil(L / 128)
 *
 * This is the encoding OpenSSL's KBKDF uses by default (`openssl kdf -kdfopt mac:CMAC
 * -kdfopt cipher:AES-256-CBC ... KBKDF` reproduces `kbkdfCmac`), and test/vectors pins it.
 *
 * When the whole PRF input is exactly one block (`4 + |Label| + 1 + |Context| + 4 = 16`),
 * CMAC of a complete single block M is AES_K(M xor K1) (SP 800-38B §6.2, steps 3–6), so all n
 * blocks are one AES-ECB pass over n independent blocks: that is what makes a batch of record
 * keys cost a fraction of a microsecond per key. Any other length takes the general path.
 */
import { createCipheriv } from 'node:crypto';
import { wipe } from './bytes.js';

const BLOCK = 16;
const ZERO_BLOCK = new Uint8Array(BLOCK);
/** R_128 of SP 800-38B §5.3. */
const RB = 0x87;

/** An AES-256-ECB context; `final()` must be called when done so OpenSSL cleanses the key schedule at once. */
function ecb(key: Uint8Array): { update(b: Uint8Array): Buffer; final(): Buffer } {
  if (key.length !== 32) throw new RangeError('CMAC-AES-256 key must be 32 bytes');
  const c = createCipheriv('aes-256-ecb', key, null);
  c.setAutoPadding(false);
  return c;
}

/** Doubling in GF(2^128) (SP 800-38B §6.1 step 2–3): `b` << 1, xor R_128 if the top bit was set. */
function dbl(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(BLOCK);
  let carry = 0;
  for (let i = BLOCK - 1; i >= 0; i--) {
    const x = b[i] ?? 0;
    out[i] = ((x << 1) | carry) & 0xff;
    carry = x >>> 7;
  }
  if (carry !== 0) out[BLOCK - 1] = (out[BLOCK - 1] ?? 0) ^ RB;
  return out;
}

/** The subkeys K1 and K2 of SP 800-38B §6.1; the caller wipes them. */
function subkeys(c: { update(b: Uint8Array): Buffer }): { k1: Uint8Array; k2: Uint8Array } {
  const l = c.update(ZERO_BLOCK);
  const k1 = dbl(l);
  const k2 = dbl(k1);
  l.fill(0);
  return { k1, k2 };
}

/** AES-256-CMAC of `msg` (SP 800-38B §6.2), a 16-byte tag. */
export function cmacAes256(key: Uint8Array, msg: Uint8Array): Uint8Array {
  const c = ecb(key);
  const { k1, k2 } = subkeys(c);
  const n = Math.max(1, Math.ceil(msg.length / BLOCK));
  const complete = msg.length > 0 && msg.length % BLOCK === 0;
  let x: Uint8Array = new Uint8Array(BLOCK);
  for (let b = 0; b < n; b++) {
    const block = new Uint8Array(BLOCK);
    const part = msg.subarray(b * BLOCK, (b + 1) * BLOCK);
    block.set(part);
    if (b === n - 1) {
      if (complete) xorInto(block, k1);
      else {
        block[part.length] = 0x80;
        xorInto(block, k2);
      }
    }
    xorInto(block, x);
    x = c.update(block);
  }
  c.final(); // frees and cleanses the OpenSSL context (its key schedule holds the key) now, not at GC
  wipe(k1, k2);
  return Uint8Array.from(x);
}

function xorInto(a: Uint8Array, b: Uint8Array): void {
  for (let i = 0; i < BLOCK; i++) a[i] = (a[i] ?? 0) ^ (b[i] ?? 0);
}

/**
 * SP 800-108r1 §4.1 counter-mode KDF, PRF = CMAC-AES-256, r = 32, counter first, [L]_32 in
 * bits at the end of the fixed input. Returns `outBytes` bytes (1 .. 2^28 - 1).
 */
export function kbkdfCmac(key: Uint8Array, label: Uint8Array, context: Uint8Array, outBytes: number): Uint8Array {
  if (!Number.isSafeInteger(outBytes) || outBytes < 1 || outBytes * 8 > 0xffff_ffff) throw new RangeError('bad KBKDF output length');
  const n = Math.ceil(outBytes / BLOCK);
  const fixedLen = 4 + label.length + 1 + context.length + 4;
  const input = new Uint8Array(fixedLen);
  input.set(label, 4);
  input[4 + label.length] = 0x00;
  input.set(context, 5 + label.length);
  new DataView(input.buffer).setUint32(fixedLen - 4, outBytes * 8, false);
  if (fixedLen !== BLOCK) {
    const out = new Uint8Array(n * BLOCK);
    const dv = new DataView(input.buffer);
    for (let i = 1; i <= n; i++) {
      dv.setUint32(0, i, false);
      out.set(cmacAes256(key, input), (i - 1) * BLOCK);
    }
    return out.subarray(0, outBytes);
  }
  // One block per counter value: K(i) = AES_K(M_i xor K1), all n in one ECB pass.
  const c = ecb(key);
  const { k1, k2 } = subkeys(c);
  xorInto(input, k1); // the counter bytes (0 .. 3) get xored in below
  const blocks = new Uint8Array(n * BLOCK);
  for (let i = 1; i <= n; i++) {
    const o = (i - 1) * BLOCK;
    blocks.set(input, o);
    blocks[o] = (input[0] ?? 0) ^ (i >>> 24);
    blocks[o + 1] = (input[1] ?? 0) ^ ((i >>> 16) & 0xff);
    blocks[o + 2] = (input[2] ?? 0) ^ ((i >>> 8) & 0xff);
    blocks[o + 3] = (input[3] ?? 0) ^ (i & 0xff);
  }
  const enc = c.update(blocks);
  c.final(); // frees and cleanses the OpenSSL context (its key schedule holds ck_j) now, not at GC
  wipe(k1, k2, input, blocks);
  const out = new Uint8Array(enc.buffer, enc.byteOffset, outBytes);
  enc.fill(0, outBytes);
  return out;
}

/**
 * `kbkdfCmac(key, label, contexts[j], outBytes)` for every j, back to back (`outBytes` each),
 * computed with one AES-ECB pass over all their blocks when each PRF input is exactly one
 * block (`4 + |Label| + 1 + |Context| + 4 = 16`, every context of the same length): that is
 * what lets a log commit derive the keys of all its entries at once (docs/LOG-FORMAT.md §3).
 * Other lengths fall back to one `kbkdfCmac` per context. The caller wipes the result.
 */
export function kbkdfCmacMany(key: Uint8Array, label: Uint8Array, contexts: readonly Uint8Array[], outBytes: number): Uint8Array {
  if (!Number.isSafeInteger(outBytes) || outBytes < 1 || outBytes * 8 > 0xffff_ffff) throw new RangeError('bad KBKDF output length');
  const out = new Uint8Array(contexts.length * outBytes);
  const ctxLen = contexts[0]?.length ?? 0;
  if (4 + label.length + 1 + ctxLen + 4 !== BLOCK || contexts.some((c) => c.length !== ctxLen)) {
    contexts.forEach((c, j) => {
      const one = kbkdfCmac(key, label, c, outBytes);
      out.set(one, j * outBytes);
      wipe(one);
    });
    return out;
  }
  const n = Math.ceil(outBytes / BLOCK);
  const c = ecb(key);
  const { k1, k2 } = subkeys(c);
  const input = new Uint8Array(BLOCK);
  input.set(label, 4);
  new DataView(input.buffer).setUint32(BLOCK - 4, outBytes * 8, false);
  const blocks = new Uint8Array(contexts.length * n * BLOCK);
  let o = 0;
  for (const ctx of contexts) {
    input.set(ctx, 5 + label.length);
    for (let i = 1; i <= n; i++, o += BLOCK) {
      blocks.set(input, o);
      blocks[o] = i >>> 24;
      blocks[o + 1] = (i >>> 16) & 0xff;
      blocks[o + 2] = (i >>> 8) & 0xff;
      blocks[o + 3] = i & 0xff;
      for (let b = 0; b < BLOCK; b++) blocks[o + b] = (blocks[o + b] ?? 0) ^ (k1[b] ?? 0);
    }
  }
  const enc = c.update(blocks);
  c.final(); // frees and cleanses the OpenSSL context now, not at GC
  wipe(k1, k2, input, blocks);
  const whole = n * BLOCK;
  for (let j = 0; j < contexts.length; j++) out.set(enc.subarray(j * whole, j * whole + outBytes), j * outBytes);
  enc.fill(0);
  return out;
}
