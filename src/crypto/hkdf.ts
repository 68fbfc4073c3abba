/**
 * HKDF with SHA-256 (RFC 5869), split into Extract and Expand because the key schedule
 * (docs/PROTOCOL.md §4) uses them separately. Built on node:crypto's HMAC; checked against
 * Wycheproof's hkdf_sha256 vectors and node's own `hkdfSync`.
 */
import { hmacSha256, hmacSha256One } from './hash.js';
import { concat, utf8, wipe } from './bytes.js';

const HASH_LEN = 32;

/** RFC 5869 §2.2. An empty salt means HashLen zero bytes. */
export function hkdfExtract(salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return hmacSha256(salt.length === 0 ? new Uint8Array(HASH_LEN) : salt, ikm);
}

/** RFC 5869 §2.3. `length` at most 255 * 32. */
export function hkdfExpand(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0 || length > 255 * HASH_LEN) throw new RangeError('HKDF length out of range');
  if (prk.length < HASH_LEN) throw new RangeError('HKDF PRK too short');
  const out = new Uint8Array(length);
  if (length === 0) return out;
  // T(i) = HMAC(prk, T(i-1) || info || i), fed as one message built in `msg`:
  // [T(i-1) (32, absent for i = 1) | info | i].
  const msg = new Uint8Array(HASH_LEN + info.length + 1);
  msg.set(info, HASH_LEN);
  let t: Uint8Array | null = null;
  for (let i = 1, o = 0; o < length; i++) {
    msg[HASH_LEN + info.length] = i;
    t = hmacSha256One(prk, t === null ? msg.subarray(HASH_LEN) : msg);
    out.set(t.subarray(0, Math.min(HASH_LEN, length - o)), o);
    o += HASH_LEN;
    if (o < length) msg.set(t, 0);
    wipe(t);
  }
  wipe(msg);
  return out;
}

export function hkdf(salt: Uint8Array, ikm: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  return hkdfExpand(hkdfExtract(salt, ikm), info, length);
}

/** Expand with an ASCII label and optional context: info = label || context. */
export function expandLabel(prk: Uint8Array, label: string, context: Uint8Array, length: number): Uint8Array {
  return hkdfExpand(prk, concat(utf8(label), context), length);
}
