/**
 * Safety numbers: 60 decimal digits both parties compare out of band.
 *
 * The construction is Signal's NumericFingerprintGenerator ("version 0" hash, as published in
 * libsignal: java/src/main/java/org/signal/libsignal/protocol/fingerprint/
 * NumericFingerprintGenerator.java and DisplayableFingerprint.java; described in Signal's
 * blog post "Safety number updates", 2016):
 *
 *   h_0     = u16be(0) || publicKey || identifier
 *   h_{i+1} = SHA-512(h_i || publicKey)            for 5200 iterations
 *   half    = for each of the first 6 chunks of 5 bytes of h: (big-endian value mod 100000),
 *             written as 5 digits → 30 digits
 *   number  = the two halves concatenated, the (string-)smaller first, so both sides agree.
 *
 * Here `publicKey` is the raw 32-byte Ed25519 identity key (Signal uses its 33-byte
 * type-prefixed Curve25519 key; the known-answer test runs Signal's own vector through
 * `numericFingerprintHalf`) and `identifier` is the UTF-8 username.
 */
import { sha512 } from '../crypto/hash.js';
import { concat, toHex, u16be, utf8 } from '../crypto/bytes.js';

/** Iterations of SHA-512, as in Signal. */
export const SAFETY_NUMBER_ITERATIONS = 5200;
/** Signal's fingerprint hash version. */
const FINGERPRINT_VERSION = 0;

/** The iterated hash for one party (64 bytes). Exposed for the known-answer test. */
export function numericFingerprintHash(publicKey: Uint8Array, identifier: Uint8Array, iterations: number = SAFETY_NUMBER_ITERATIONS): Uint8Array {
  let h = concat(u16be(FINGERPRINT_VERSION), publicKey, identifier);
  for (let i = 0; i < iterations; i++) h = sha512(h, publicKey);
  return h;
}

/** 30 digits from the first 30 bytes of `hash` (six 5-byte big-endian chunks, mod 100000). */
export function displayDigits(hash: Uint8Array): string {
  if (hash.length < 30) throw new RangeError('fingerprint hash too short');
  let s = '';
  for (let off = 0; off < 30; off += 5) {
    let v = 0;
    for (let j = 0; j < 5; j++) v = v * 256 + (hash[off + j] ?? 0); // < 2^40: exact in a double
    s += String(v % 100_000).padStart(5, '0');
  }
  return s;
}

/** One party's 30 digits. */
export function numericFingerprintHalf(publicKey: Uint8Array, identifier: Uint8Array, iterations: number = SAFETY_NUMBER_ITERATIONS): string {
  return displayDigits(numericFingerprintHash(publicKey, identifier, iterations));
}

export interface Party {
  readonly name: string;
  /** Raw 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
}

export interface SafetyNumber {
  /** 60 digits. */
  readonly digits: string;
  /** 12 groups of 5 digits. */
  readonly groups: readonly string[];
  /** The groups in 3 lines of 4, for a terminal. */
  readonly display: string;
  /**
   * Text to encode in a QR code: `securechat-sn:0:` + hex of the first 32 bytes of each
   * party's hash, in the same order as the digits. Identical on both sides; a scanner
   * compares it with its own.
   */
  readonly qr: string;
}

/** The safety number of a conversation between `a` and `b` (symmetric in `a`, `b`). */
export function safetyNumber(a: Party, b: Party): SafetyNumber {
  const ha = numericFingerprintHash(a.publicKey, utf8(a.name));
  const hb = numericFingerprintHash(b.publicKey, utf8(b.name));
  const da = displayDigits(ha);
  const db = displayDigits(hb);
  const aFirst = da <= db;
  const digits = aFirst ? da + db : db + da;
  const groups = digits.match(/\d{5}/g) ?? [];
  const lines: string[] = [];
  for (let i = 0; i < groups.length; i += 4) lines.push(groups.slice(i, i + 4).join(' '));
  const [first, second] = aFirst ? [ha, hb] : [hb, ha];
  return {
    digits,
    groups,
    display: lines.join('\n'),
    qr: `securechat-sn:0:${toHex(first.subarray(0, 32))}:${toHex(second.subarray(0, 32))}`,
  };
}

/** Compares a safety number someone typed (spaces and line breaks ignored) with ours. */
export function safetyNumberMatches(sn: SafetyNumber, typed: string): boolean {
  return typed.replace(/\s/g, '') === sn.digits;
}
