/**
 * In-band rekey (docs/PROTOCOL.md §6.4): fresh X25519 + ML-KEM-768 mixed into the root key.
 *
 *   prk'   = Extract(salt = root, ikm = x_ss || kem_ss)
 *   root'  = Expand(prk', "sc1 root", 32)
 *   ck_i2r = Expand(prk', "sc1 chain i2r", 32)
 *   ck_r2i = Expand(prk', "sc1 chain r2i", 32)
 *
 * Pure functions: randomness comes from the caller's RandomSource, nothing is mutated, and
 * each result says which secrets the caller must wipe once it has committed the new state.
 * The order of random draws is part of the vectors: INIT takes 32 bytes (X25519 private key)
 * then 64 (ML-KEM seed); REPLY takes 32 (X25519 private key) then 32 (encapsulation).
 */
import { concat, wipe } from '../crypto/bytes.js';
import { x25519, x25519PublicFromPrivate } from '../crypto/ecc.js';
import { expandLabel, hkdfExtract } from '../crypto/hkdf.js';
import {
  MLKEM768_ENCAPS_RANDOM_BYTES,
  MLKEM768_SEED_BYTES,
  mlkemDecapsulate,
  mlkemEncapsulate,
  mlkemKeygen,
} from '../crypto/mlkem.js';
import type { RandomSource } from '../crypto/random.js';
import type { Role } from '../handshake/result.js';
import { CHAIN_KEY_BYTES } from './chain.js';

const X25519_PRIVATE_BYTES = 32;
const EMPTY = new Uint8Array(0);

/** The secrets a party holds between sending REKEY_INIT and receiving REKEY_REPLY. */
export interface PendingRekey {
  readonly x25519Priv: Uint8Array;
  readonly mlkemDk: Uint8Array;
}

/** The keys of the next epoch. */
export interface Epoch {
  readonly root: Uint8Array;
  /** This party's new sending and receiving chain keys. */
  readonly send: Uint8Array;
  readonly recv: Uint8Array;
}

/** A fresh REKEY_INIT: the public values to send and the secrets to keep. */
export function startRekey(random: RandomSource): { pending: PendingRekey; x25519Pub: Uint8Array; mlkemEk: Uint8Array } {
  const x25519Priv = random(X25519_PRIVATE_BYTES);
  const seed = random(MLKEM768_SEED_BYTES);
  const kp = mlkemKeygen(seed);
  wipe(seed);
  return {
    pending: { x25519Priv, mlkemDk: kp.decapsulationKey },
    x25519Pub: x25519PublicFromPrivate(x25519Priv),
    mlkemEk: kp.encapsulationKey,
  };
}

/** B's side: answers A's INIT. Throws `AUTH_FAILED` (small-order key) or `DECODE_ERROR` (bad ML-KEM key). */
export function answerRekey(
  root: Uint8Array,
  role: Role,
  peerX25519Pub: Uint8Array,
  peerMlkemEk: Uint8Array,
  random: RandomSource,
): { epoch: Epoch; x25519Pub: Uint8Array; mlkemCt: Uint8Array } {
  const priv = random(X25519_PRIVATE_BYTES);
  const m = random(MLKEM768_ENCAPS_RANDOM_BYTES);
  let xss: Uint8Array | undefined;
  let kss: Uint8Array | undefined;
  try {
    xss = x25519(priv, peerX25519Pub);
    const { ciphertext, sharedSecret } = mlkemEncapsulate(peerMlkemEk, m);
    kss = sharedSecret;
    return { epoch: deriveEpoch(root, role, xss, kss), x25519Pub: x25519PublicFromPrivate(priv), mlkemCt: ciphertext };
  } finally {
    wipe(priv, m, xss, kss);
  }
}

/** A's side: completes its INIT with B's REPLY. Does not wipe `pending` (the caller does, on commit). */
export function finishRekey(root: Uint8Array, role: Role, pending: PendingRekey, peerX25519Pub: Uint8Array, mlkemCt: Uint8Array): Epoch {
  const xss = x25519(pending.x25519Priv, peerX25519Pub);
  const kss = mlkemDecapsulate(mlkemCt, pending.mlkemDk);
  const epoch = deriveEpoch(root, role, xss, kss);
  wipe(xss, kss);
  return epoch;
}

export function wipePending(p: PendingRekey | null): void {
  if (p !== null) wipe(p.x25519Priv, p.mlkemDk);
}

/** §6.4 key derivation; directions are named by handshake role, whoever started the rekey. */
export function deriveEpoch(root: Uint8Array, role: Role, xss: Uint8Array, kss: Uint8Array): Epoch {
  const ikm = concat(xss, kss);
  const prk = hkdfExtract(root, ikm);
  const i2r = expandLabel(prk, 'sc1 chain i2r', EMPTY, CHAIN_KEY_BYTES);
  const r2i = expandLabel(prk, 'sc1 chain r2i', EMPTY, CHAIN_KEY_BYTES);
  const next = expandLabel(prk, 'sc1 root', EMPTY, CHAIN_KEY_BYTES);
  wipe(ikm, prk);
  return role === 'initiator' ? { root: next, send: i2r, recv: r2i } : { root: next, send: r2i, recv: i2r };
}
