/**
 * The relay channel's handshake (docs/RELAY.md §2): the Noise pattern NK (Noise Protocol
 * Framework revision 34, §7.4) over `crypto/noise.ts`, with the relay's static key pinned by
 * the client beforehand, as a contact's key is for a reconnect:
 *
 *   NK:
 *     <- s
 *     ...
 *     -> e, es
 *     <- e, ee
 *
 * The client sends no static key: the relay authenticates itself, never the client (clients
 * prove, command by command, that they hold a queue's key: §4). Pure functions; the caller
 * passes the ephemeral key pairs (from its RandomSource) and commits the returned state.
 */
import { x25519, x25519PublicFromPrivate } from '../crypto/ecc.js';
import { decryptAndHash, encryptAndHash, initializeSymmetric, mixHash, mixKey, NOISE_DHLEN, NOISE_TAGLEN, split, type SymmetricState } from '../crypto/noise.js';
import { concat, utf8, wipe } from '../crypto/bytes.js';
import { hkdfExpand, hkdfExtract } from '../crypto/hkdf.js';
import { SuiteId } from '../crypto/aead.js';
import { remoteError } from '../errors.js';
import { PROTOCOL_VERSION } from '../limits.js';
import type { HandshakeResult, Role } from '../handshake/result.js';

export const NK_PROTOCOL_NAME = 'Noise_NK_25519_ChaChaPoly_SHA256';
/** The prologue both sides hash first: binds the handshake to this protocol and version. */
export const RELAY_PROLOGUE = utf8('SecureChat relay v1');
/** Payload of both messages: the relay protocol version (one byte). */
export const RELAY_VERSION = 1;
/** Message 1 and 2 with their one-byte payload: e (32) + encrypted payload (1 + 16). */
export const NK_MESSAGE_BYTES = NOISE_DHLEN + 1 + NOISE_TAGLEN;

export interface KeyPair {
  readonly priv: Uint8Array;
  readonly pub: Uint8Array;
}

/** An X25519 key pair from 32 random bytes. */
export function keyPairFrom(priv: Uint8Array): KeyPair {
  return { priv, pub: x25519PublicFromPrivate(priv) };
}

function initialize(prologue: Uint8Array, responderStatic: Uint8Array): SymmetricState {
  return mixHash(mixHash(initializeSymmetric(NK_PROTOCOL_NAME), prologue), responderStatic);
}

/** Initiator, message 1: `-> e, es`, then the payload. */
export function writeNk1(prologue: Uint8Array, rs: Uint8Array, e: KeyPair, payload: Uint8Array): { state: SymmetricState; message: Uint8Array } {
  let st = mixHash(initialize(prologue, rs), e.pub);
  st = mixKey(st, x25519(e.priv, rs));
  const p = encryptAndHash(st, payload);
  return { state: p.state, message: concat(e.pub, p.ciphertext) };
}

/** Responder, message 1 (at least 32 + 16 bytes): the initiator's ephemeral key and the payload. */
export function readNk1(prologue: Uint8Array, s: KeyPair, message: Uint8Array): { state: SymmetricState; re: Uint8Array; payload: Uint8Array } {
  if (message.length < NOISE_DHLEN + NOISE_TAGLEN) throw remoteError('DECODE_ERROR', 'Noise NK message 1 is too short');
  const re = message.slice(0, NOISE_DHLEN);
  let st = mixHash(initialize(prologue, s.pub), re);
  st = mixKey(st, x25519(s.priv, re));
  const d = decryptAndHash(st, message.subarray(NOISE_DHLEN), 'the relay hello');
  return { state: d.state, re, payload: d.plaintext };
}

/** Responder, message 2: `<- e, ee`, then the payload. */
export function writeNk2(state: SymmetricState, e: KeyPair, re: Uint8Array, payload: Uint8Array): { state: SymmetricState; message: Uint8Array } {
  let st = mixHash(state, e.pub);
  st = mixKey(st, x25519(e.priv, re));
  const p = encryptAndHash(st, payload);
  return { state: p.state, message: concat(e.pub, p.ciphertext) };
}

/** Initiator, message 2 (at least 32 + 16 bytes). */
export function readNk2(state: SymmetricState, e: KeyPair, message: Uint8Array): { state: SymmetricState; payload: Uint8Array } {
  if (message.length < NOISE_DHLEN + NOISE_TAGLEN) throw remoteError('DECODE_ERROR', 'Noise NK message 2 is too short');
  const re = message.slice(0, NOISE_DHLEN);
  let st = mixHash(state, re);
  st = mixKey(st, x25519(e.priv, re));
  const d = decryptAndHash(st, message.subarray(NOISE_DHLEN), 'the relay reply');
  return { state: d.state, payload: d.plaintext };
}

/** Client: message 1 with the version byte. Returns the state to keep and the message. */
export function clientHello(relayStatic: Uint8Array, e: KeyPair): { state: SymmetricState; message: Uint8Array } {
  return writeNk1(RELAY_PROLOGUE, relayStatic, e, Uint8Array.of(RELAY_VERSION));
}

function checkVersion(payload: Uint8Array): void {
  if (payload.length !== 1 || payload[0] !== RELAY_VERSION) throw remoteError('UNSUPPORTED_VERSION', `relay protocol version ${String(payload[0])} is not ${RELAY_VERSION}`);
}

/**
 * Relay: reads message 1 and writes message 2. A message 1 that does not authenticate (made
 * for another relay key, or altered) is `AUTH_FAILED`; a wrong length `DECODE_ERROR`; another
 * version `UNSUPPORTED_VERSION`.
 */
export function relayReply(s: KeyPair, e: KeyPair, message1: Uint8Array): { result: HandshakeResult; message: Uint8Array } {
  if (message1.length !== NK_MESSAGE_BYTES) throw remoteError('DECODE_ERROR', `relay hello of ${message1.length} bytes, not ${NK_MESSAGE_BYTES}`);
  const m1 = readNk1(RELAY_PROLOGUE, s, message1);
  checkVersion(m1.payload);
  const m2 = writeNk2(m1.state, e, m1.re, Uint8Array.of(RELAY_VERSION));
  return { result: resultOf(m2.state, 'responder', m1.re), message: m2.message };
}

/** Client: reads message 2 with the state `clientHello` returned and its ephemeral key. */
export function clientFinish(state: SymmetricState, e: KeyPair, relayStatic: Uint8Array, message2: Uint8Array): HandshakeResult {
  if (message2.length !== NK_MESSAGE_BYTES) throw remoteError('DECODE_ERROR', `relay reply of ${message2.length} bytes, not ${NK_MESSAGE_BYTES}`);
  const m2 = readNk2(state, e, message2);
  checkVersion(m2.payload);
  return resultOf(m2.state, 'initiator', relayStatic);
}

/**
 * The record layer's keys (docs/RELAY.md §2.2), as for a reconnect (PROTOCOL §10.4) under
 * relay labels: master = Extract(salt = h, ikm = k1 || k2), then root, both chains and the
 * session id. The session id is what every command signature covers (§4).
 */
function resultOf(final: SymmetricState, role: Role, peerKey: Uint8Array): HandshakeResult {
  const { k1, k2 } = split(final);
  const ikm = concat(k1, k2);
  const master = hkdfExtract(final.h, ikm);
  wipe(k1, k2, ikm);
  const r: HandshakeResult = {
    role,
    version: PROTOCOL_VERSION,
    suite: SuiteId.AES_256_GCM,
    peer: { name: role === 'initiator' ? 'relay' : 'client', identityKey: peerKey.slice() },
    root: hkdfExpand(master, utf8('sc1 relay root'), 32),
    chainI2R: hkdfExpand(master, utf8('sc1 relay chain i2r'), 32),
    chainR2I: hkdfExpand(master, utf8('sc1 relay chain r2i'), 32),
    sessionId: hkdfExpand(master, utf8('sc1 relay session id'), 16),
    transcriptHash: final.h.slice(),
  };
  wipe(master);
  return r;
}
