/** SHA-2 and HMAC-SHA256 from node:crypto (OpenSSL). */
import { createHash, createHmac, hash } from 'node:crypto';

export function sha256(...parts: readonly Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/**
 * SHA-256(a || b) through node's one-shot `crypto.hash` (one native call and no Hash object:
 * ~2.8 µs against ~4.4 for createHash + two updates + digest here), as Noise's MixHash needs.
 * The concatenation is wiped afterwards.
 */
export function sha256Two(a: Uint8Array, b: Uint8Array): Uint8Array {
  const m = Buffer.allocUnsafe(a.length + b.length);
  m.set(a, 0);
  m.set(b, a.length);
  const out = view(hash('sha256', m, 'buffer'));
  m.fill(0);
  return out;
}

export function sha512(...parts: readonly Uint8Array[]): Uint8Array {
  const h = createHash('sha512');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/** HMAC-SHA256 (RFC 2104) over the concatenation of `parts`. */
export function hmacSha256(key: Uint8Array, ...parts: readonly Uint8Array[]): Uint8Array {
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return view(h.digest());
}

/** HMAC-SHA256 of one message (one native update: each extra `update` is a JS↔native round trip). */
export function hmacSha256One(key: Uint8Array, msg: Uint8Array): Uint8Array {
  return view(createHmac('sha256', key).update(msg).digest());
}

/** A Buffer's bytes as a plain Uint8Array, without copying. */
function view(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** HMAC-SHA256 truncated to `len` bytes (Wycheproof tests truncated tags). */
export function hmacSha256Truncated(key: Uint8Array, msg: Uint8Array, len: number): Uint8Array {
  return hmacSha256(key, msg).subarray(0, len);
}
