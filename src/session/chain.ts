/**
 * The per-direction KDF chain (docs/PROTOCOL.md §6.2), the symmetric-key ratchet of the
 * Signal Double Ratchet (KDF_CK with HMAC constants 0x01 / 0x02):
 *
 *   mk       = HMAC(ck, 0x01)
 *   material = Expand(mk, "sc1 record" || u8(suite), K)
 *   ck'      = HMAC(ck, 0x02)
 *
 * `stepChain` is pure: it never touches `ck`. The caller commits `next` once the record was
 * accepted and then wipes the old chain key and the material (`wipe`).
 */
import { SUITE_KEY_MATERIAL, type SuiteId } from '../crypto/aead.js';
import { u8, wipe } from '../crypto/bytes.js';
import { hmacSha256 } from '../crypto/hash.js';
import { expandLabel } from '../crypto/hkdf.js';

/** Length of a chain key and of a root key (bytes). */
export const CHAIN_KEY_BYTES = 32;

const MESSAGE_KEY_CONSTANT = Uint8Array.of(0x01);
const CHAIN_KEY_CONSTANT = Uint8Array.of(0x02);

export interface ChainStep {
  /** Key material for exactly one record (SUITE_KEY_MATERIAL[suite] bytes). */
  readonly material: Uint8Array;
  /** The chain key for the following record. */
  readonly next: Uint8Array;
}

/** One step of the chain; `ck` is left unchanged (the caller wipes it when committing). */
export function stepChain(ck: Uint8Array, suite: SuiteId): ChainStep {
  if (ck.length !== CHAIN_KEY_BYTES) throw new RangeError('chain key must be 32 bytes');
  const mk = hmacSha256(ck, MESSAGE_KEY_CONSTANT);
  const material = expandLabel(mk, 'sc1 record', u8(suite), SUITE_KEY_MATERIAL[suite]);
  wipe(mk);
  return { material, next: hmacSha256(ck, CHAIN_KEY_CONSTANT) };
}
