/** What the two reconnect machines share (docs/PROTOCOL.md §10). */
import { utf8 } from '../../crypto/bytes.js';

/** The Noise prologue: binds the handshake to this protocol and its version (§10.2). */
export const RECONNECT_PROLOGUE = utf8('SecureChat reconnect v1');

/**
 * ML-KEM-768 as the machines need it, passed in by the adapter (src/crypto/mlkem.ts in the
 * product, loaded only when a post-quantum step is due on the initiator's side).
 */
export interface KemFunctions {
  keygen(seed: Uint8Array): { readonly encapsulationKey: Uint8Array; readonly decapsulationKey: Uint8Array };
  encapsulate(ek: Uint8Array, m: Uint8Array): { readonly ciphertext: Uint8Array; readonly sharedSecret: Uint8Array };
  decapsulate(ct: Uint8Array, dk: Uint8Array): Uint8Array;
}
