/**
 * The three record-protection suites, all from node:crypto (OpenSSL).
 *
 * Every record is sealed under its own key material derived from the KDF chain
 * (docs/PROTOCOL.md §6), so a (key, nonce) pair is never used twice by construction.
 *
 * - AES-256-GCM (NIST SP 800-38D), 96-bit nonce, 128-bit tag.
 * - ChaCha20-Poly1305 (RFC 8439), 96-bit nonce, 128-bit tag.
 * - AES-256-CBC + HMAC-SHA256, encrypt-then-MAC following the composition of RFC 7518
 *   §5.2.2.1 (MAC over AAD || IV || ciphertext || AAD bit length as u64), instantiated with
 *   AES-256, independent 32-byte keys and the full 32-byte HMAC-SHA256 tag. The MAC is
 *   checked (in constant time) before anything is decrypted.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { concat, ctEqual, u64be } from './bytes.js';
import { hmacSha256 } from './hash.js';
import { remoteError } from '../errors.js';

export const SuiteId = {
  AES_256_GCM: 0x01,
  CHACHA20_POLY1305: 0x02,
  AES_256_CBC_HMAC_SHA256: 0x03,
} as const;
export type SuiteId = (typeof SuiteId)[keyof typeof SuiteId];

/**
 * One row per suite: everything else about suites (`isSuiteId`, names, key sizes, the default
 * offer list, the bench's and the tests' suite lists) derives from this table, so adding a
 * suite touches this table, its seal/open code below, and nothing else.
 */
export interface SuiteDescriptor {
  readonly id: SuiteId;
  /** Stable name, as printed and as accepted by `suiteFromName`. */
  readonly name: string;
  /** Bytes of per-record key material (key || nonce, or enc || mac || iv). */
  readonly keyMaterial: number;
  /** Bytes a sealed record adds to its plaintext at most (tag, CBC padding). */
  readonly overhead: number;
  /** Offered by default, in preference order (position in SUITES). */
  readonly offeredByDefault: boolean;
  /** Length of the sealed output for `n` bytes of plaintext. */
  readonly sealedLength: (n: number) => number;
  /** Seals the concatenation of `pt` into `out` (exactly `sealedLength(total)` bytes); returns the bytes written. */
  readonly sealInto: (material: Uint8Array, aad: Uint8Array, pt: readonly Uint8Array[], out: Uint8Array) => number;
  /** The plaintext, or `null` when authentication fails. */
  readonly open: (material: Uint8Array, aad: Uint8Array, sealed: Uint8Array) => Uint8Array | null;
}

/** Every suite, in the default preference order. */
export const SUITES: readonly SuiteDescriptor[] = [
  {
    id: SuiteId.AES_256_GCM, name: 'aes-256-gcm', keyMaterial: 32 + 12, overhead: 16, offeredByDefault: true,
    sealedLength: (n) => n + 16,
    sealInto: (m, aad, pt, out) => aeadSealInto('aes-256-gcm', m, aad, pt, out),
    open: (m, aad, sealed) => aesGcmOpen(m.subarray(0, 32), m.subarray(32, 44), aad, sealed),
  },
  {
    id: SuiteId.CHACHA20_POLY1305, name: 'chacha20-poly1305', keyMaterial: 32 + 12, overhead: 16, offeredByDefault: true,
    sealedLength: (n) => n + 16,
    sealInto: (m, aad, pt, out) => aeadSealInto('chacha20-poly1305', m, aad, pt, out),
    open: (m, aad, sealed) => chachaOpen(m.subarray(0, 32), m.subarray(32, 44), aad, sealed),
  },
  {
    id: SuiteId.AES_256_CBC_HMAC_SHA256, name: 'aes-256-cbc-hmac-sha256', keyMaterial: 32 + 32 + 16, overhead: 16 + 32, offeredByDefault: true,
    sealedLength: (n) => (Math.floor(n / 16) + 1) * 16 + 32,
    sealInto: (m, aad, pt, out) => cbcHmacSealInto(m, aad, pt, out),
    open: (m, aad, sealed) => cbcHmacOpen(m.subarray(0, 32), m.subarray(32, 64), m.subarray(64, 80), aad, sealed),
  },
];

const BY_ID = new Map<number, SuiteDescriptor>(SUITES.map((d) => [d.id, d]));

function byId<T>(f: (d: SuiteDescriptor) => T): Readonly<Record<SuiteId, T>> {
  return Object.fromEntries(SUITES.map((d) => [d.id, f(d)])) as Record<SuiteId, T>;
}

/** Every suite id, in preference order. */
export const ALL_SUITE_IDS: readonly SuiteId[] = SUITES.map((d) => d.id);

/** The suites an initiator offers when the caller names none, in preference order. */
export const DEFAULT_SUITE_IDS: readonly SuiteId[] = SUITES.filter((d) => d.offeredByDefault).map((d) => d.id);

export const SUITE_NAMES: Readonly<Record<SuiteId, string>> = byId((d) => d.name);

export function isSuiteId(n: number): n is SuiteId {
  return BY_ID.has(n);
}

export function suiteFromName(name: string): SuiteId | undefined {
  return SUITES.find((d) => d.name === name)?.id;
}

/** Bytes of per-record key material each suite consumes (key || nonce, or enc || mac || iv). */
export const SUITE_KEY_MATERIAL: Readonly<Record<SuiteId, number>> = byId((d) => d.keyMaterial);

/** Bytes a sealed record adds to its plaintext at most (tag, CBC padding). */
export const SUITE_OVERHEAD: Readonly<Record<SuiteId, number>> = byId((d) => d.overhead);

const TAG = 16;

/** A view of a Buffer's bytes as a plain Uint8Array (no copy). */
function view(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** update() || final(): the final block is empty for GCM and ChaCha20-Poly1305, so usually no copy. */
function joined(a: Buffer, b: Buffer): Uint8Array {
  return b.length === 0 ? view(a) : concat(a, b);
}

// ---- raw primitives (exported for the Wycheproof tests) ----

export function aesGcmSeal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array): Uint8Array {
  checkLen(key, 32, nonce, 12);
  const c = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG });
  c.setAAD(aad);
  return concat(c.update(pt), c.final(), c.getAuthTag());
}

/** Returns the plaintext, or `null` when the tag does not verify. */
export function aesGcmOpen(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | null {
  checkLen(key, 32, nonce, 12);
  if (sealed.length < TAG) return null;
  const d = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG });
  d.setAAD(aad);
  d.setAuthTag(sealed.subarray(sealed.length - TAG));
  let p: Buffer | undefined;
  try {
    p = d.update(sealed.subarray(0, sealed.length - TAG));
    return joined(p, d.final());
  } catch {
    p?.fill(0); // unauthenticated plaintext: never handed out
    return null;
  }
}

export function chachaSeal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array): Uint8Array {
  checkLen(key, 32, nonce, 12);
  const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG });
  c.setAAD(aad, { plaintextLength: pt.length });
  return concat(c.update(pt), c.final(), c.getAuthTag());
}

export function chachaOpen(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | null {
  checkLen(key, 32, nonce, 12);
  if (sealed.length < TAG) return null;
  const d = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG });
  d.setAAD(aad, { plaintextLength: sealed.length - TAG });
  d.setAuthTag(sealed.subarray(sealed.length - TAG));
  let p: Buffer | undefined;
  try {
    p = d.update(sealed.subarray(0, sealed.length - TAG));
    return joined(p, d.final());
  } catch {
    p?.fill(0); // unauthenticated plaintext: never handed out
    return null;
  }
}

export function aesCbcEncrypt(key: Uint8Array, iv: Uint8Array, pt: Uint8Array): Uint8Array {
  checkLen(key, 32, iv, 16);
  const c = createCipheriv('aes-256-cbc', key, iv);
  return concat(c.update(pt), c.final());
}

/** Returns the plaintext, or `null` on bad padding. Only called after the MAC verified. */
export function aesCbcDecrypt(key: Uint8Array, iv: Uint8Array, ct: Uint8Array): Uint8Array | null {
  checkLen(key, 32, iv, 16);
  if (ct.length === 0 || ct.length % 16 !== 0) return null;
  const d = createDecipheriv('aes-256-cbc', key, iv);
  let p: Buffer | undefined;
  try {
    p = d.update(ct);
    return joined(p, d.final());
  } catch {
    p?.fill(0);
    return null;
  }
}

function cbcHmacTag(macKey: Uint8Array, aad: Uint8Array, iv: Uint8Array, ct: Uint8Array): Uint8Array {
  return hmacSha256(macKey, aad, iv, ct, u64be(aad.length * 8));
}

export function cbcHmacSeal(encKey: Uint8Array, macKey: Uint8Array, iv: Uint8Array, aad: Uint8Array, pt: Uint8Array): Uint8Array {
  const ct = aesCbcEncrypt(encKey, iv, pt);
  return concat(ct, cbcHmacTag(macKey, aad, iv, ct));
}

export function cbcHmacOpen(encKey: Uint8Array, macKey: Uint8Array, iv: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | null {
  if (sealed.length < 32 + 16) return null;
  const ct = sealed.subarray(0, sealed.length - 32);
  const tag = sealed.subarray(sealed.length - 32);
  if (!ctEqual(tag, cbcHmacTag(macKey, aad, iv, ct))) return null;
  return aesCbcDecrypt(encKey, iv, ct);
}

// ---- suite dispatch ----

function descriptor(suite: SuiteId): SuiteDescriptor {
  const d = BY_ID.get(suite);
  if (d === undefined) throw new RangeError(`unknown suite ${String(suite)}`);
  return d;
}

/** Length of the sealed output for `n` bytes of plaintext (CBC pads to the next block). */
export function sealedLength(suite: SuiteId, n: number): number {
  return descriptor(suite).sealedLength(n);
}

/** Seals `pt` under one record's key material (length SUITE_KEY_MATERIAL[suite]). */
export function seal(suite: SuiteId, material: Uint8Array, aad: Uint8Array, pt: Uint8Array): Uint8Array {
  const out = new Uint8Array(sealedLength(suite, pt.length));
  sealInto(suite, material, aad, pt, out);
  return out;
}

/** The plaintext as one buffer or as parts sealed as their concatenation (no copy to join them). */
export type Plaintext = Uint8Array | readonly Uint8Array[];

function partsOf(pt: Plaintext): readonly Uint8Array[] {
  return pt instanceof Uint8Array ? [pt] : pt;
}

/** Total length of a plaintext given as one buffer or as parts. */
export function plaintextLength(pt: Plaintext): number {
  if (pt instanceof Uint8Array) return pt.length;
  let n = 0;
  for (const p of pt) n += p.length;
  return n;
}

/**
 * `seal`, written into `out` (exactly `sealedLength(suite, pt.length)` bytes) instead of a new
 * buffer, so a record can be sealed in place inside its frame. Same bytes as `seal`. `pt` may
 * be given as parts (sealed as their concatenation, each fed to the cipher in turn: the same
 * bytes, without a copy to join them). `out` must not overlap `aad` or `pt`.
 */
export function sealInto(suite: SuiteId, material: Uint8Array, aad: Uint8Array, pt: Plaintext, out: Uint8Array): void {
  const d = descriptor(suite);
  if (material.length !== d.keyMaterial) throw new RangeError('wrong key material length');
  if (out.length !== d.sealedLength(plaintextLength(pt))) throw new RangeError('wrong output length');
  if (d.sealInto(material, aad, partsOf(pt), out) !== out.length) throw new RangeError('sealed length mismatch');
}

function aeadSealInto(cipher: 'aes-256-gcm' | 'chacha20-poly1305', material: Uint8Array, aad: Uint8Array, pt: readonly Uint8Array[], out: Uint8Array): number {
  const key = material.subarray(0, 32);
  const nonce = material.subarray(32, 44);
  checkLen(key, 32, nonce, 12);
  if (cipher === 'aes-256-gcm') {
    const c = createCipheriv(cipher, key, nonce, { authTagLength: TAG });
    c.setAAD(aad);
    let o = 0;
    for (const p of pt) o = put(out, c.update(p), o);
    o = put(out, c.final(), o);
    return put(out, c.getAuthTag(), o);
  }
  const c = createCipheriv(cipher, key, nonce, { authTagLength: TAG });
  c.setAAD(aad, { plaintextLength: plaintextLength(pt) });
  let o = 0;
  for (const p of pt) o = put(out, c.update(p), o);
  o = put(out, c.final(), o);
  return put(out, c.getAuthTag(), o);
}

function cbcHmacSealInto(material: Uint8Array, aad: Uint8Array, pt: readonly Uint8Array[], out: Uint8Array): number {
  const key = material.subarray(0, 32);
  const iv = material.subarray(64, 80);
  checkLen(key, 32, iv, 16);
  const c = createCipheriv('aes-256-cbc', key, iv);
  let o = 0;
  for (const p of pt) o = put(out, c.update(p), o);
  o = put(out, c.final(), o);
  return put(out, cbcHmacTag(material.subarray(32, 64), aad, iv, out.subarray(0, o)), o);
}

function put(out: Uint8Array, part: Uint8Array, o: number): number {
  if (o + part.length > out.length) throw new RangeError('sealed length mismatch');
  out.set(part, o);
  return o + part.length;
}

/** Opens a sealed record; any failure is `AUTH_FAILED` (remote), with no further detail. */
export function open(suite: SuiteId, material: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array {
  const d = descriptor(suite);
  if (material.length !== d.keyMaterial) throw new RangeError('wrong key material length');
  const pt = d.open(material, aad, sealed);
  if (pt === null) throw remoteError('AUTH_FAILED', 'record authentication failed');
  return pt;
}

function checkLen(key: Uint8Array, keyLen: number, nonce: Uint8Array, nonceLen: number): void {
  if (key.length !== keyLen) throw new RangeError(`key must be ${keyLen} bytes`);
  if (nonce.length !== nonceLen) throw new RangeError(`nonce/IV must be ${nonceLen} bytes`);
}
