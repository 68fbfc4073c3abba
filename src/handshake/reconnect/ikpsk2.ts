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
import { decryptAndHash, encryptAndHash, initializeSymmetric, mixHash, mixKey, mixKeyAndHash, NOISE_DHLEN, NOISE_TAGLEN, type SymmetricState } from '../../crypto/noise.js';
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

/** InitializeSymmetric, MixHash(prologue), then the pre-message `<- s` (both sides hash rs). */
export function initialize(prologue: Uint8Array, responderStatic: Uint8Array): SymmetricState {
  return mixHash(mixHash(initializeSymmetric(IKPSK2_PROTOCOL_NAME), prologue), responderStatic);
}

function withE(s: SymmetricState, ePub: Uint8Array): SymmetricState {
  return mixKey(mixHash(s, ePub), ePub);
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
  s = mixKey(s, x25519(o.e.priv, o.re));
  s = mixKey(s, x25519(o.e.priv, o.rs));
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
  s = mixKey(s, x25519(o.e.priv, re));
  s = mixKey(s, x25519(o.s.priv, re));
  s = mixKeyAndHash(s, o.psk);
  const decP = decryptAndHash(s, m.subarray(NOISE_DHLEN), 'the reconnect reply');
  return { state: decP.state, payload: decP.plaintext };
}
