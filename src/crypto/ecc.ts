/**
 * X25519 (RFC 7748) and Ed25519 (RFC 8032) from node:crypto, on raw 32-byte keys.
 * Raw keys are wrapped in the fixed PKCS#8 / SPKI DER prefixes that OpenSSL expects.
 */
import { createPrivateKey, createPublicKey, diffieHellman, hash, sign, verify, type KeyObject } from 'node:crypto';
import { concat, ctEqual, wipe } from './bytes.js';
import { remoteError } from '../errors.js';

const X25519_PKCS8 = Uint8Array.from(Buffer.from('302e020100300506032b656e04220420', 'hex'));
const X25519_SPKI = Uint8Array.from(Buffer.from('302a300506032b656e032100', 'hex'));
const ED25519_PKCS8 = Uint8Array.from(Buffer.from('302e020100300506032b657004220420', 'hex'));
const ED25519_SPKI = Uint8Array.from(Buffer.from('302a300506032b6570032100', 'hex'));

function rawPublic(k: KeyObject, prefix: Uint8Array): Uint8Array {
  const der = new Uint8Array(k.export({ format: 'der', type: 'spki' }));
  return der.slice(prefix.length);
}

function need32(b: Uint8Array, what: string): void {
  if (b.length !== 32) throw new RangeError(`${what} must be 32 bytes`);
}

// ---- X25519 ----

const b64u = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64url');
const ZERO_X = b64u(new Uint8Array(32));

/**
 * A private X25519 KeyObject from 32 raw bytes. Imported as a JWK, not PKCS#8 DER: with
 * OpenSSL 3, Node's DER import costs ~2 ms here against ~0.1 ms for a JWK, and a reconnect
 * imports several keys. Node builds an OKP private key from `d` alone (the `x` member is
 * required by its parser but not used; the public half is derived from `d`), so `x` is a
 * placeholder; should a Node version check it, the DER import below is used instead. The
 * Wycheproof x25519 vectors (test/crypto/x25519.test.ts) run through this path.
 */
function importX25519Private(priv: Uint8Array): KeyObject {
  try {
    return createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: b64u(priv), x: ZERO_X }, format: 'jwk' });
  } catch {
    return createPrivateKey({ key: Buffer.from(concat(X25519_PKCS8, priv)), format: 'der', type: 'pkcs8' });
  }
}

/**
 * Imported private keys, keyed by the private key's buffer itself (identity, not contents),
 * as for the signing keys below: an import computes the public point (a scalar
 * multiplication, as costly as the DH itself), and a reconnect uses each private key twice
 * (the listener's static key in every handshake, an ephemeral key for `ee` and `se`). An
 * entry lives only as long as its buffer (WeakMap), holds no copy of the key, and is used
 * only while the buffer still holds the same bytes (checked through a SHA-256 of them), so a
 * wiped or overwritten key is never used under its old value.
 */
const x25519Keys = new WeakMap<Uint8Array, { readonly check: Uint8Array; readonly key: KeyObject }>();

/** SHA-256(label || secret) in one native call (`crypto.hash`); the concatenation is wiped. */
function keyCheck(label: string, secret: Uint8Array): Uint8Array {
  const m = Buffer.alloc(label.length + secret.length);
  m.write(label, 0, 'latin1');
  m.set(secret, label.length);
  const out = hash('sha256', m, 'buffer');
  m.fill(0);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

function x25519PrivateKey(priv: Uint8Array): KeyObject {
  const check = keyCheck('securechat x25519 key cache', priv);
  const hit = x25519Keys.get(priv);
  if (hit !== undefined && ctEqual(hit.check, check)) return hit.key;
  const key = importX25519Private(priv);
  x25519Keys.set(priv, { check, key });
  return key;
}

/**
 * Imported public keys, keyed by buffer like the private ones, used only while the buffer
 * still holds the bytes that were imported (public: compared as is). A responder uses each
 * of the initiator's two keys in two DHs.
 */
const x25519Publics = new WeakMap<Uint8Array, { readonly bytes: Uint8Array; readonly key: KeyObject }>();

function x25519PublicKey(pub: Uint8Array): KeyObject {
  const hit = x25519Publics.get(pub);
  if (hit !== undefined && Buffer.compare(hit.bytes, pub) === 0) return hit.key;
  let key: KeyObject;
  try {
    key = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64u(pub) }, format: 'jwk' });
  } catch (e) {
    throw remoteError('AUTH_FAILED', 'X25519 public key not accepted', e);
  }
  x25519Publics.set(pub, { bytes: pub.slice(), key });
  return key;
}

export function x25519PublicFromPrivate(priv: Uint8Array): Uint8Array {
  need32(priv, 'X25519 private key');
  const k = x25519PrivateKey(priv);
  const x = createPublicKey(k).export({ format: 'jwk' }).x;
  if (typeof x !== 'string') return rawPublic(createPublicKey(k), X25519_SPKI);
  return new Uint8Array(Buffer.from(x, 'base64url'));
}

/**
 * X25519(priv, peerPub). A peer key that yields the all-zero output (a small-order point,
 * RFC 7748 §6.1) is refused with `AUTH_FAILED`.
 */
export function x25519(priv: Uint8Array, peerPub: Uint8Array): Uint8Array {
  need32(priv, 'X25519 private key');
  if (peerPub.length !== 32) throw remoteError('DECODE_ERROR', 'X25519 public key must be 32 bytes');
  const privateKey = x25519PrivateKey(priv);
  const publicKey = x25519PublicKey(peerPub);
  let out: Uint8Array;
  try {
    out = new Uint8Array(diffieHellman({ privateKey, publicKey }));
  } catch (e) {
    throw remoteError('AUTH_FAILED', 'X25519 with a small-order public key', e);
  }
  if (out.every((b) => b === 0)) throw remoteError('AUTH_FAILED', 'X25519 produced the all-zero value');
  return out;
}

// ---- Ed25519 ----

export function ed25519PublicFromSeed(seed: Uint8Array): Uint8Array {
  need32(seed, 'Ed25519 seed');
  // Through the signing-key cache, exported as a JWK (an SPKI DER export costs ~60 µs more).
  const k = createPublicKey(signingKey(seed));
  const x = k.export({ format: 'jwk' }).x;
  return typeof x === 'string' ? new Uint8Array(Buffer.from(x, 'base64url')) : rawPublic(k, ED25519_SPKI);
}

/**
 * Private KeyObjects of the seeds signed with, keyed by the seed buffer itself (identity, not
 * contents): building one from DER costs ~0.6 ms, more than the signature. An entry lives only
 * as long as its seed buffer (WeakMap), holds no copy of the seed, and is used only while the
 * buffer still holds the same bytes (checked through a SHA-256 of them), so a seed that was
 * wiped or overwritten is never signed with under its old key.
 */
const signingKeys = new WeakMap<Uint8Array, { readonly check: Uint8Array; readonly key: KeyObject }>();

function seedCheck(seed: Uint8Array): Uint8Array {
  return keyCheck('securechat ed25519 key cache', seed);
}

function signingKey(seed: Uint8Array): KeyObject {
  const check = seedCheck(seed);
  const hit = signingKeys.get(seed);
  if (hit !== undefined && ctEqual(hit.check, check)) return hit.key;
  const der = concat(ED25519_PKCS8, seed);
  const key = createPrivateKey({ key: Buffer.from(der.buffer, der.byteOffset, der.byteLength), format: 'der', type: 'pkcs8' });
  wipe(der);
  signingKeys.set(seed, { check, key });
  return key;
}

export function ed25519Sign(seed: Uint8Array, msg: Uint8Array): Uint8Array {
  need32(seed, 'Ed25519 seed');
  return new Uint8Array(sign(null, msg, signingKey(seed)));
}

/** Returns false (never throws) for a malformed key or signature. */
export function ed25519Verify(pub: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
  if (pub.length !== 32 || sig.length !== 64) return false;
  try {
    const k = createPublicKey({ key: Buffer.from(concat(ED25519_SPKI, pub)), format: 'der', type: 'spki' });
    return verify(null, msg, k, sig);
  } catch {
    return false;
  }
}
