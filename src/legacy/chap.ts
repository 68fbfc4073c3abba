/**
 * v0's password checks (legacy-v0.md steps 5–9): the challenge response and the "chap" chain.
 *
 * Nothing here is a sound construction; it is reproduced bit for bit for interoperability.
 */
import { concat, toHex, utf8 } from '../crypto/bytes.js';
import { hmacSha256, sha256 } from '../crypto/hash.js';
import type { RandomSource } from '../crypto/random.js';
import { pyBytesRepr } from './py-bytes-repr.js';

/** A fresh challenge: the decimal string of a uniformly random 256-bit integer. */
export function newChallenge(random: RandomSource): string {
  return BigInt('0x' + toHex(random(32))).toString(10);
}

/** Step 6: hex(SHA-256(UTF-8(C + password))). */
export function challengeResponse(challenge: string, password: Uint8Array): string {
  return toHex(sha256(concat(utf8(challenge), password)));
}

export interface ChapValues {
  /** UTF-8 of Python's `str(dhsk)`: the HMAC key of `enc`. */
  readonly k: string;
  /** hex(HMAC-SHA256(k, password)). */
  readonly enc: string;
  /** The AES-CBC IV: the first 16 hex characters of SHA-256(enc), as 16 ASCII bytes. */
  readonly iv: Uint8Array;
  /** hex(SHA-256(ASCII(iv))): sent in the clear as `hmac_val`. */
  readonly hmacKey: string;
  /** hex(SHA-256(ASCII(hmac_key))). */
  readonly chap: string;
}

/** Step 8: the chain from `dhsk` and the password. */
export function deriveChap(dhsk: Uint8Array, password: Uint8Array): ChapValues {
  const k = pyBytesRepr(dhsk);
  const enc = toHex(hmacSha256(utf8(k), password));
  const ivAscii = toHex(sha256(utf8(enc))).slice(0, 16);
  const hmacKey = toHex(sha256(utf8(ivAscii)));
  const chap = toHex(sha256(utf8(hmacKey)));
  return { k, enc, iv: utf8(ivAscii), hmacKey, chap };
}

/** Step 8: the value after `Auth:`, hex(SHA-256(UTF-8(C + chap))). */
export function authValue(challenge: string, chap: string): string {
  return toHex(sha256(utf8(challenge + chap)));
}
