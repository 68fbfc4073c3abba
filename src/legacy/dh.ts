/**
 * The v0 Diffie–Hellman exchange over node:crypto (OpenSSL), and `dhsk`.
 *
 * - Our listener uses the well-known RFC 2409 §6.2 "Second Oakley Group" (1024-bit MODP safe
 *   prime, generator 2), node's `modp2`, instead of generating a group at start-up as the
 *   original does (the original sender reads the group from the key).
 * - As a sender we take the group from the receiver's key, after checking it: a prime of
 *   1024..2048 bits that is a safe prime (node's `checkPrimeSync` on p and (p-1)/2), with
 *   generator 2 or 5 (the only ones the original's library generates).
 * - A peer's public value must satisfy 1 < y < p-1 (SP 800-56A r3 §5.6.2.3.1 partial check;
 *   v0 groups carry no q, so no subgroup check is possible beyond that).
 * - `shared` is left-padded to the prime's length; `dhsk` = HKDF-SHA256(salt = none,
 *   ikm = shared, info = "handshake data", L = 32) (RFC 5869).
 */
import { checkPrimeSync, createDiffieHellman, getDiffieHellman, type DiffieHellman } from 'node:crypto';
import { remoteError } from '../errors.js';
import { hkdf } from '../crypto/hkdf.js';
import { utf8, wipe } from '../crypto/bytes.js';
import type { RandomSource } from '../crypto/random.js';
import type { DhPublicKey } from './dh-pem.js';
import { LEGACY_MAX_PRIME_BITS, LEGACY_MIN_PRIME_BITS } from './limits.js';

export interface DhGroup {
  readonly p: Uint8Array;
  readonly g: Uint8Array;
}

/** RFC 2409 §6.2 Oakley Group 2 (node's `modp2`): 1024-bit safe prime, generator 2. */
export function oakleyGroup2(): DhGroup {
  return { p: new Uint8Array(getDiffieHellman('modp2').getPrime()), g: Uint8Array.of(2) };
}

import { MAX_CACHED_DH_GROUPS as MAX_CACHED } from './limits.js';

const toBig = (b: Uint8Array): bigint => (b.length === 0 ? 0n : BigInt('0x' + Buffer.from(b).toString('hex')));

function bitLength(b: Uint8Array): number {
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  if (i === b.length) return 0;
  return (b.length - i - 1) * 8 + (32 - Math.clz32(b[i] ?? 0));
}

/** Checks a group received from a peer. Throws `DECODE_ERROR` (remote). */
export function checkGroup(group: DhGroup): void {
  const bits = bitLength(group.p);
  if (bits < LEGACY_MIN_PRIME_BITS || bits > LEGACY_MAX_PRIME_BITS) {
    throw remoteError('DECODE_ERROR', `DH group: prime of ${bits} bits (accepted: ${LEGACY_MIN_PRIME_BITS}..${LEGACY_MAX_PRIME_BITS})`);
  }
  const g = toBig(group.g);
  if (g !== 2n && g !== 5n) throw remoteError('DECODE_ERROR', 'DH group: generator is not 2 or 5');
  const id = Buffer.from(group.p).toString('hex');
  if (safePrimes.has(id)) return;
  const p = toBig(group.p);
  if (!checkPrimeSync(p) || !checkPrimeSync((p - 1n) >> 1n)) throw remoteError('DECODE_ERROR', 'DH group: prime is not a safe prime');
  if (safePrimes.size >= MAX_CACHED) safePrimes.clear();
  safePrimes.add(id);
}

/** Primes already found to be safe primes (the check costs tens of milliseconds). */
const safePrimes = new Set<string>();

/** Checks 1 < y < p-1. Throws `DECODE_ERROR` (remote). */
export function checkPublicValue(group: DhGroup, y: Uint8Array): void {
  const v = toBig(y);
  if (v <= 1n || v >= toBig(group.p) - 1n) throw remoteError('DECODE_ERROR', 'DH public value out of range');
}

/** A private exponent of bitlen(p)-1 bits from `random` (as OpenSSL picks for a group without q). */
export function dhPrivateKey(group: DhGroup, random: RandomSource): Uint8Array {
  const bits = bitLength(group.p) - 1;
  const len = Math.ceil(bits / 8);
  const x = random(len);
  const extra = len * 8 - bits;
  x[0] = (x[0] ?? 0) & (0xff >>> extra);
  if (toBig(x) < 2n) x[len - 1] = 2; // practically unreachable; keeps x in [2, p-2]
  return x;
}

/**
 * node's `createDiffieHellman(p, g)` runs OpenSSL's DH_check (primality tests) on every
 * call, so we keep one object per group and set our private key right before each use; the
 * calls are synchronous, so no other use can interleave.
 */
const dhObjects = new Map<string, DiffieHellman>();

function dhFor(group: DhGroup): DiffieHellman {
  const id = Buffer.from(group.p).toString('hex') + '/' + Buffer.from(group.g).toString('hex');
  let dh = dhObjects.get(id);
  if (dh === undefined) {
    if (dhObjects.size >= MAX_CACHED) dhObjects.clear();
    dh = createDiffieHellman(Buffer.from(group.p), Buffer.from(group.g));
    dhObjects.set(id, dh);
  }
  return dh;
}

/** Our key pair in `group` for the private exponent `x` (copied; wiped after `secret`). */
export function dhKeyPair(group: DhGroup, x: Uint8Array): { publicKey: DhPublicKey; secret: (peerY: Uint8Array) => Uint8Array } {
  const priv = Buffer.from(x);
  const dh = dhFor(group);
  dh.setPrivateKey(priv);
  const y = new Uint8Array(dh.generateKeys());
  return {
    publicKey: { p: group.p, g: group.g, y: stripZeros(y) },
    secret: (peerY) => {
      checkPublicValue(group, peerY);
      dh.setPrivateKey(priv);
      const s = new Uint8Array(dh.computeSecret(Buffer.from(peerY)));
      priv.fill(0);
      const out = new Uint8Array(group.p.length);
      out.set(s, out.length - s.length);
      wipe(s);
      return out;
    },
  };
}

/** `dhsk` = HKDF-SHA256(salt = none, ikm = shared, info = "handshake data", 32). */
export function deriveDhsk(shared: Uint8Array): Uint8Array {
  return hkdf(new Uint8Array(0), shared, utf8('handshake data'), 32);
}

function stripZeros(b: Uint8Array): Uint8Array {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}
