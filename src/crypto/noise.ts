/**
 * The Noise Protocol Framework's CipherState and SymmetricState (revision 34, §5.1 and §5.2)
 * for the one suite SecureChat uses: `25519_ChaChaPoly_SHA256`. Every function returns a new
 * state and never mutates its argument, so a handshake can compute on copies and commit only
 * when every check passed. Checked against cacophony's published vectors
 * (test/vectors/noise-ikpsk2-cacophony.json).
 *
 * Primitives: ChaCha20-Poly1305 (RFC 8439) with Noise's nonce (32 zero bits, then the 64-bit
 * counter little-endian, §12.3), SHA-256, and Noise's HKDF (§4.3), which is HKDF-SHA256
 * (RFC 5869) with `ck` as salt and an empty info.
 */
import { chachaOpen, chachaSeal } from './aead.js';
import { utf8 } from './bytes.js';
import { hmacSha256One, sha256, sha256Two } from './hash.js';
import { hkdfExtract } from './hkdf.js';
import { remoteError } from '../errors.js';

export const NOISE_HASHLEN = 32;
export const NOISE_DHLEN = 32;
export const NOISE_TAGLEN = 16;
import { NOISE_MAX_NONCE as MAX_NONCE } from '../limits.js';

export interface SymmetricState {
  readonly ck: Uint8Array;
  readonly h: Uint8Array;
  /** null: no key yet (EncryptAndHash passes the plaintext through). */
  readonly k: Uint8Array | null;
  readonly n: number;
}

/** §5.2 InitializeSymmetric: h = name padded to HASHLEN, or HASH(name) if longer; ck = h. */
export function initializeSymmetric(protocolName: string): SymmetricState {
  const name = utf8(protocolName);
  let h: Uint8Array;
  if (name.length <= NOISE_HASHLEN) {
    h = new Uint8Array(NOISE_HASHLEN);
    h.set(name);
  } else {
    h = sha256(name);
  }
  return { ck: h.slice(), h, k: null, n: 0 };
}

/**
 * Noise's HKDF(ck, ikm, num_outputs) (§4.3): temp_key = HMAC(ck, ikm), output1 =
 * HMAC(temp_key, 0x01), output_i = HMAC(temp_key, output_{i-1} || i). `outputs` = 1 computes
 * only the first (the new chaining key), for a MixKey whose `k` the pattern replaces before
 * any use (`mixChainingKey`).
 */
export function noiseHkdf(ck: Uint8Array, ikm: Uint8Array, outputs: 1 | 2 | 3): Uint8Array[] {
  const tempKey = hkdfExtract(ck, ikm);
  const out: Uint8Array[] = [];
  const msg = new Uint8Array(NOISE_HASHLEN + 1);
  msg[NOISE_HASHLEN] = 1;
  let prev = hmacSha256One(tempKey, msg.subarray(NOISE_HASHLEN));
  out.push(prev);
  for (let i = 2; i <= outputs; i++) {
    msg.set(prev, 0);
    msg[NOISE_HASHLEN] = i;
    prev = hmacSha256One(tempKey, msg);
    out.push(prev);
  }
  msg.fill(0);
  tempKey.fill(0);
  return out;
}

export function mixHash(s: SymmetricState, data: Uint8Array): SymmetricState {
  return { ck: s.ck, h: sha256Two(s.h, data), k: s.k, n: s.n };
}

export function mixKey(s: SymmetricState, ikm: Uint8Array): SymmetricState {
  const [ck, k] = noiseHkdf(s.ck, ikm, 2) as [Uint8Array, Uint8Array];
  return { ck, h: s.h, k, n: 0 };
}

/**
 * A key that must never be used: the `k` of `mixChainingKey`. Zero bytes long, so a cipher
 * keyed with it would throw; EncryptAndHash and DecryptAndHash refuse it first.
 */
const UNUSED_K = new Uint8Array(0);

/**
 * MixKey when the pattern's next token is another MixKey or MixKeyAndHash (`e` then `es` with
 * a PSK pattern, `ee` then `se`, `se` then `psk`): that token replaces `k` before anything
 * could use it (§5.2: only EncryptAndHash/DecryptAndHash read `k`), so only HKDF's first
 * output, the new `ck`, is computed — one HMAC fewer, the same bytes on the wire and the same
 * keys (the vectors run through it).
 */
export function mixChainingKey(s: SymmetricState, ikm: Uint8Array): SymmetricState {
  const [ck] = noiseHkdf(s.ck, ikm, 1) as [Uint8Array];
  return { ck, h: s.h, k: UNUSED_K, n: 0 };
}

export function mixKeyAndHash(s: SymmetricState, ikm: Uint8Array): SymmetricState {
  const [ck, th, k] = noiseHkdf(s.ck, ikm, 3) as [Uint8Array, Uint8Array, Uint8Array];
  const h = sha256Two(s.h, th);
  th.fill(0);
  return { ck, h, k, n: 0 };
}

/** Noise's ChaChaPoly nonce: 4 zero bytes, then n as 64-bit little-endian (§12.3). */
function nonce(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0 || n >= MAX_NONCE) throw new RangeError('Noise nonce exhausted');
  const b = new Uint8Array(12);
  new DataView(b.buffer).setBigUint64(4, BigInt(n), true);
  return b;
}

/** CipherState EncryptWithAd (§5.1). */
export function encryptWithAd(k: Uint8Array, n: number, ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  return chachaSeal(k, nonce(n), ad, plaintext);
}

/** CipherState DecryptWithAd (§5.1); a tag that does not verify is `AUTH_FAILED`. */
export function decryptWithAd(k: Uint8Array, n: number, ad: Uint8Array, ciphertext: Uint8Array, what: string): Uint8Array {
  const p = chachaOpen(k, nonce(n), ad, ciphertext);
  if (p === null) throw remoteError('AUTH_FAILED', `${what} does not authenticate`);
  return p;
}

function usable(k: Uint8Array): Uint8Array {
  if (k === UNUSED_K) throw new RangeError('Noise: a key skipped by mixChainingKey was used');
  return k;
}

export function encryptAndHash(s: SymmetricState, plaintext: Uint8Array): { state: SymmetricState; ciphertext: Uint8Array } {
  if (s.k === null) return { state: mixHash(s, plaintext), ciphertext: plaintext.slice() };
  const ciphertext = encryptWithAd(usable(s.k), s.n, s.h, plaintext);
  return { state: { ...mixHash(s, ciphertext), n: s.n + 1 }, ciphertext };
}

/** `what` names the field for the local detail of an `AUTH_FAILED`. */
export function decryptAndHash(s: SymmetricState, ciphertext: Uint8Array, what: string): { state: SymmetricState; plaintext: Uint8Array } {
  if (s.k === null) return { state: mixHash(s, ciphertext), plaintext: ciphertext.slice() };
  const plaintext = decryptWithAd(usable(s.k), s.n, s.h, ciphertext, what);
  return { state: { ...mixHash(s, ciphertext), n: s.n + 1 }, plaintext };
}

/** §5.2 Split: the two transport keys (initiator→responder, responder→initiator). */
export function split(s: SymmetricState): { readonly k1: Uint8Array; readonly k2: Uint8Array } {
  const [k1, k2] = noiseHkdf(s.ck, new Uint8Array(0), 2) as [Uint8Array, Uint8Array];
  return { k1, k2 };
}

/**
 * Wipes the secret parts of a state (best effort: JavaScript gives no guarantee). States derived
 * from one another share buffers (`mixHash` keeps `ck` and `k`), so wipe only a final state.
 */
export function wipeSymmetric(s: SymmetricState | null): void {
  if (s === null) return;
  s.ck.fill(0);
  s.k?.fill(0);
}
