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
import { SUITE_KEY_MATERIAL, SuiteId } from '../crypto/aead.js';
import { concat, u8, utf8, wipe } from '../crypto/bytes.js';
import { hmacSha256One } from '../crypto/hash.js';
import { hkdfExpand } from '../crypto/hkdf.js';

/** Length of a chain key and of a root key (bytes). */
export const CHAIN_KEY_BYTES = 32;

const MESSAGE_KEY_CONSTANT = Uint8Array.of(0x01);
const CHAIN_KEY_CONSTANT = Uint8Array.of(0x02);

/** info = "sc1 record" || u8(suite), built once per suite (what expandLabel would build per call). */
const RECORD_INFO: Readonly<Record<SuiteId, Uint8Array>> = {
  [SuiteId.AES_256_GCM]: concat(utf8('sc1 record'), u8(SuiteId.AES_256_GCM)),
  [SuiteId.CHACHA20_POLY1305]: concat(utf8('sc1 record'), u8(SuiteId.CHACHA20_POLY1305)),
  [SuiteId.AES_256_CBC_HMAC_SHA256]: concat(utf8('sc1 record'), u8(SuiteId.AES_256_CBC_HMAC_SHA256)),
};

export interface ChainStep {
  /** Key material for exactly one record (SUITE_KEY_MATERIAL[suite] bytes). */
  readonly material: Uint8Array;
  /** The chain key for the following record. */
  readonly next: Uint8Array;
}

/** One step of the chain; `ck` is left unchanged (the caller wipes it when committing). */
export function stepChain(ck: Uint8Array, suite: SuiteId): ChainStep {
  if (ck.length !== CHAIN_KEY_BYTES) throw new RangeError('chain key must be 32 bytes');
  const mk = hmacSha256One(ck, MESSAGE_KEY_CONSTANT);
  const material = hkdfExpand(mk, RECORD_INFO[suite], SUITE_KEY_MATERIAL[suite]);
  wipe(mk);
  return { material, next: hmacSha256One(ck, CHAIN_KEY_CONSTANT) };
}
