/**
 * Key fingerprints: lowercase hex of SHA-256 over the raw 32-byte Ed25519 public key,
 * shown in 16 groups of 4 hex digits. Used in `peers`, in the users file's optional
 * `"fingerprint"` field, and in "key changed" messages.
 */
import { sha256 } from '../crypto/hash.js';
import { toHex } from '../crypto/bytes.js';

/** 64 lowercase hex digits. */
export type Fingerprint = string & { readonly __brand: 'Fingerprint' };

export function keyFingerprint(publicKey: Uint8Array): Fingerprint {
  return toHex(sha256(publicKey)) as Fingerprint;
}

/** `ab12 cd34 ...`: 16 groups of 4. */
export function formatFingerprint(fp: string): string {
  return (fp.match(/.{1,4}/g) ?? []).join(' ');
}

/**
 * Reads a fingerprint as a person may have written it: hex, any case, with optional spaces
 * or colons between digits. `undefined` if it is not 64 hex digits.
 */
export function parseFingerprint(text: string): Fingerprint | undefined {
  const compact = text.replace(/[\s:]/g, '').toLowerCase();
  return /^[0-9a-f]{64}$/.test(compact) ? (compact as Fingerprint) : undefined;
}
