/**
 * The standard Ed25519 → X25519 conversion (RFC 7748 §4.1's birational map; libsodium's
 * crypto_sign_ed25519_{pk,sk}_to_curve25519), so an identity's one Ed25519 key also serves as
 * its Noise static key for reconnects (docs/PROTOCOL.md §10.1).
 *
 * - Secret: X25519's scalar is the first half of SHA-512(seed), as Ed25519 itself derives it
 *   (RFC 8032 §5.1.5), clamped (RFC 7748 §5). Computed with node:crypto, and checked by a test
 *   against @noble/curves' `ed25519.utils.toMontgomerySecret`.
 * - Public (a peer's): @noble/curves (audited) `ed25519.utils.toMontgomery`, loaded only when
 *   a contact is created, never on a reconnect.
 */
import { sha512 } from './hash.js';
import { x25519PublicFromPrivate } from './ecc.js';
import { remoteError } from '../errors.js';

export function x25519SecretFromEd25519Seed(seed: Uint8Array): Uint8Array {
  if (seed.length !== 32) throw new RangeError('Ed25519 seed must be 32 bytes');
  const h = sha512(seed);
  const s = h.slice(0, 32);
  h.fill(0);
  // RFC 7748 §5 clamping (X25519 applies it anyway; stored clamped like libsodium and noble)
  s[0] = (s[0] ?? 0) & 248;
  s[31] = ((s[31] ?? 0) & 127) | 64;
  return s;
}

/** Our own static key pair, from our identity seed. */
export function staticKeyFromSeed(seed: Uint8Array): { readonly priv: Uint8Array; readonly pub: Uint8Array } {
  const priv = x25519SecretFromEd25519Seed(seed);
  return { priv, pub: x25519PublicFromPrivate(priv) };
}

/** A peer's X25519 static key from its Ed25519 identity key; an invalid point is DECODE_ERROR. */
export async function x25519PublicFromEd25519(pub: Uint8Array): Promise<Uint8Array> {
  const { ed25519 } = await import('@noble/curves/ed25519.js');
  try {
    return Uint8Array.from(ed25519.utils.toMontgomery(pub));
  } catch (e) {
    throw remoteError('DECODE_ERROR', 'the identity key is not a valid Ed25519 point', e);
  }
}
