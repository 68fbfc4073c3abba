/**
 * ML-KEM-768 (FIPS 203) from @noble/post-quantum (audited, pure TypeScript). Node 20 has no
 * ML-KEM in node:crypto; noble's deterministic API (explicit seeds) keeps our cores pure.
 */
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { remoteError } from '../errors.js';

export const MLKEM768_EK_BYTES = 1184;
export const MLKEM768_CT_BYTES = 1088;
export const MLKEM768_SEED_BYTES = 64;
export const MLKEM768_ENCAPS_RANDOM_BYTES = 32;

export interface MlKemKeyPair {
  readonly encapsulationKey: Uint8Array;
  readonly decapsulationKey: Uint8Array;
}

/** Key generation from a 64-byte seed (d || z, FIPS 203 §7.1). */
export function mlkemKeygen(seed: Uint8Array): MlKemKeyPair {
  if (seed.length !== MLKEM768_SEED_BYTES) throw new RangeError('ML-KEM seed must be 64 bytes');
  const { publicKey, secretKey } = ml_kem768.keygen(seed);
  return { encapsulationKey: publicKey, decapsulationKey: secretKey };
}

/** Encapsulation with 32 bytes of randomness `m`. A malformed key is the peer's fault. */
export function mlkemEncapsulate(ek: Uint8Array, m: Uint8Array): { ciphertext: Uint8Array; sharedSecret: Uint8Array } {
  if (m.length !== MLKEM768_ENCAPS_RANDOM_BYTES) throw new RangeError('ML-KEM randomness must be 32 bytes');
  if (ek.length !== MLKEM768_EK_BYTES) throw remoteError('DECODE_ERROR', 'ML-KEM encapsulation key has the wrong length');
  try {
    const { cipherText, sharedSecret } = ml_kem768.encapsulate(ek, m);
    return { ciphertext: cipherText, sharedSecret };
  } catch (e) {
    // FIPS 203 §7.2 input check (modulus check) failed.
    throw remoteError('DECODE_ERROR', 'ML-KEM encapsulation key is not valid', e);
  }
}

/** Decapsulation. ML-KEM decapsulation never fails on a well-sized ciphertext (implicit rejection). */
export function mlkemDecapsulate(ct: Uint8Array, dk: Uint8Array): Uint8Array {
  if (ct.length !== MLKEM768_CT_BYTES) throw remoteError('DECODE_ERROR', 'ML-KEM ciphertext has the wrong length');
  return ml_kem768.decapsulate(ct, dk);
}
