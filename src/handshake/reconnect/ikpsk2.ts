/**
 * The Noise handshake pattern IKpsk2 (Noise Protocol Framework revision 34, §7.5 and §9),
 * token by token, over `crypto/noise.ts`. This is exactly the pattern WireGuard uses:
 *
 *   IKpsk2:
 *     <- s
 *     ...
 *     -> e, es, s, ss
 *     <- e, ee, se, psk
 *
 * With a PSK in the pattern, every `e` token is followed by MixKey(e.public_key) (§9.2).
 * Pure functions: each takes a SymmetricState and returns a new one, the caller commits.
 */
import { x25519 } from '../../crypto/ecc.js';
import { decryptAndHash, encryptAndHash, initializeSymmetric, mixChainingKey, mixHash, mixKey, mixKeyAndHash, NOISE_DHLEN, NOISE_TAGLEN, type SymmetricState } from '../../crypto/noise.js';
import { concat } from '../../crypto/bytes.js';
import { remoteError } from '../../errors.js';

export const IKPSK2_PROTOCOL_NAME = 'Noise_IKpsk2_25519_ChaChaPoly_SHA256';

export interface KeyPair {
  readonly priv: Uint8Array;
  readonly pub: Uint8Array;
}

/** `ss` = X25519(s.priv, rs), through `staticDh` when given (a memo, static-dh.ts). */
function ssOf(s: KeyPair, rs: Uint8Array, staticDh: ((rs: Uint8Array) => Uint8Array) | undefined): Uint8Array {
  return staticDh === undefined ? x25519(s.priv, rs) : staticDh(rs);
}

/** Length of message 1 without its payload: e, encrypted s (+ tag), and the payload tag. */
export const MSG1_OVERHEAD = NOISE_DHLEN + NOISE_DHLEN + NOISE_TAGLEN + NOISE_TAGLEN;
/** Length of message 2 without its payload: e and the payload tag. */
export const MSG2_OVERHEAD = NOISE_DHLEN + NOISE_TAGLEN;

/**
 * The last initial state computed, by its inputs: a listener always starts from its own
 * static key, an initiator from its contact's, so InitializeSymmetric and the two MixHash
 * calls (three SHA-256) are done once, not per handshake. Public values only.
 */
let lastInitial: { readonly prologue: Uint8Array; readonly rs: Uint8Array; readonly state: SymmetricState } | null = null;

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);

/** InitializeSymmetric, MixHash(prologue), then the pre-message `<- s` (both sides hash rs). */
export function initialize(prologue: Uint8Array, responderStatic: Uint8Array): SymmetricState {
  const c = lastInitial;
  if (c === null || !sameBytes(c.prologue, prologue) || !sameBytes(c.rs, responderStatic)) {
    const state = mixHash(mixHash(initializeSymmetric(IKPSK2_PROTOCOL_NAME), prologue), responderStatic);
    lastInitial = { prologue: prologue.slice(), rs: responderStatic.slice(), state };
    return copyState(state);
  }
  return copyState(c.state);
}

/** A fresh copy, so that wiping a handshake's state never reaches the kept one. */
function copyState(s: SymmetricState): SymmetricState {
  return { ck: s.ck.slice(), h: s.h.slice(), k: null, n: 0 };
}

/**
 * The `e` token with a PSK pattern: MixHash(e.pub), then MixKey(e.pub) (§9.2). In IKpsk2 the
 * next token is always a DH (`es` in message 1, `ee` in message 2), whose MixKey replaces `k`
 * before any use, so only the chaining key is computed (`mixChainingKey`).
 */
function withE(s: SymmetricState, ePub: Uint8Array): SymmetricState {
  return mixChainingKey(mixHash(s, ePub), ePub);
}

/** Initiator: `-> e, es, s, ss` then the payload. */
export function writeMessage1(st: SymmetricState, o: { readonly e: KeyPair; readonly s: KeyPair; readonly rs: Uint8Array; readonly payload: Uint8Array; readonly staticDh?: (rs: Uint8Array) => Uint8Array }): { state: SymmetricState; message: Uint8Array } {
  let s = withE(st, o.e.pub);
  s = mixKey(s, x25519(o.e.priv, o.rs));
  const encS = encryptAndHash(s, o.s.pub);
  s = mixKey(encS.state, ssOf(o.s, o.rs, o.staticDh));
  const encP = encryptAndHash(s, o.payload);
  return { state: encP.state, message: concat(o.e.pub, encS.ciphertext, encP.ciphertext) };
}

/** Responder: reads message 1; returns the initiator's ephemeral and static keys and the payload. */
export function readMessage1(st: SymmetricState, o: { readonly s: KeyPair; readonly message: Uint8Array; readonly staticDh?: (rs: Uint8Array) => Uint8Array }): { state: SymmetricState; re: Uint8Array; rs: Uint8Array; payload: Uint8Array } {
  const m = o.message;
  if (m.length < MSG1_OVERHEAD) throw remoteError('DECODE_ERROR', 'reconnect hello is too short');
  const re = m.slice(0, NOISE_DHLEN);
  let s = withE(st, re);
  s = mixKey(s, x25519(o.s.priv, re));
  const decS = decryptAndHash(s, m.subarray(NOISE_DHLEN, NOISE_DHLEN * 2 + NOISE_TAGLEN), 'the initiator static key');
  const rs = decS.plaintext;
  s = mixKey(decS.state, ssOf(o.s, rs, o.staticDh));
  const decP = decryptAndHash(s, m.subarray(NOISE_DHLEN * 2 + NOISE_TAGLEN), 'the reconnect hello payload');
  return { state: decP.state, re, rs, payload: decP.plaintext };
}

/** Responder: `<- e, ee, se, psk` then the payload. */
export function writeMessage2(st: SymmetricState, o: { readonly e: KeyPair; readonly re: Uint8Array; readonly rs: Uint8Array; readonly psk: Uint8Array; readonly payload: Uint8Array }): { state: SymmetricState; message: Uint8Array } {
  let s = withE(st, o.e.pub);
  s = mixChainingKey(s, x25519(o.e.priv, o.re)); // ee, then se replaces k
  s = mixChainingKey(s, x25519(o.e.priv, o.rs)); // se, then psk replaces k
  s = mixKeyAndHash(s, o.psk);
  const encP = encryptAndHash(s, o.payload);
  return { state: encP.state, message: concat(o.e.pub, encP.ciphertext) };
}

/** Initiator: reads message 2 with its ephemeral and static keys and the PSK. */
export function readMessage2(st: SymmetricState, o: { readonly e: KeyPair; readonly s: KeyPair; readonly psk: Uint8Array; readonly message: Uint8Array }): { state: SymmetricState; payload: Uint8Array } {
  const m = o.message;
  if (m.length < MSG2_OVERHEAD) throw remoteError('DECODE_ERROR', 'reconnect reply is too short');
  const re = m.slice(0, NOISE_DHLEN);
  let s = withE(st, re);
  s = mixChainingKey(s, x25519(o.e.priv, re)); // ee, then se replaces k
  s = mixChainingKey(s, x25519(o.s.priv, re)); // se, then psk replaces k
  s = mixKeyAndHash(s, o.psk);
  const decP = decryptAndHash(s, m.subarray(NOISE_DHLEN), 'the reconnect reply');
  return { state: decP.state, payload: decP.plaintext };
}
