/**
 * Generator and replayer of test/vectors/reconnect-v1.json: every byte of a reconnect for
 * fixed keys and randomness (a plain one and one with the post-quantum step), and negative
 * vectors naming the error code they expect. `npm run build && node -e` on this module's
 * `generateReconnectVectors` writes the same file; the test checks it byte for byte.
 */
import { fileURLToPath } from 'node:url';
import { fromHex, toHex } from '../../../src/crypto/bytes.js';
import { ed25519PublicFromSeed } from '../../../src/crypto/ecc.js';
import { staticKeyFromSeed } from '../../../src/crypto/x25519-from-ed25519.js';
import type { RandomSource } from '../../../src/crypto/random.js';
import { isSecureChatError } from '../../../src/errors.js';
import { decodeOneFrame, encodeFrame, FrameType } from '../../../src/wire/frame.js';
import { advanceInbound, ReconnectInitiator, ReconnectResponder, type InboundChain } from '../../../src/handshake/reconnect/index.js';
import { KEM, SUITES } from './_pair.js';
import { fixCrc } from './_pair.js';

export const RECONNECT_VECTOR_PATH = fileURLToPath(new URL('../../../../test/vectors/reconnect-v1.json', import.meta.url));

export interface ReconnectCase {
  readonly name: string;
  readonly epoch: number;
  readonly secret: string;
  /** The initiator's random draws, in order: ephemeral (32) [, ML-KEM seed (64)]. */
  readonly initiator_random: readonly string[];
  /** The responder's random draws, in order: [ML-KEM m (32),] ephemeral (32). */
  readonly responder_random: readonly string[];
  readonly pq: boolean;
  readonly frames: { readonly hello: string; readonly reply: string };
  readonly keys: { readonly root: string; readonly chain_i2r: string; readonly chain_r2i: string; readonly session_id: string; readonly transcript_hash: string; readonly next_secret: string };
}

export interface ReconnectNegative {
  readonly name: string;
  readonly to: 'responder' | 'initiator';
  /** responder: 'contact' (alice allowed at the case's epoch), 'removed', 'committed' (after the case completed); initiator: ignored. */
  readonly state: 'contact' | 'removed' | 'committed' | 'wrong_listener';
  readonly frame: string;
  readonly error: string;
}

export interface ReconnectVectorFile {
  readonly description: string;
  readonly protocol: string;
  readonly prologue: string;
  readonly initiator: { readonly name: string; readonly identity_seed: string; readonly identity_public: string; readonly static_public: string };
  readonly responder: { readonly name: string; readonly identity_seed: string; readonly identity_public: string; readonly static_public: string };
  readonly suites: readonly number[];
  readonly cases: readonly ReconnectCase[];
  readonly negative: readonly ReconnectNegative[];
}

const A_SEED = new Uint8Array(32).fill(0xa1);
const B_SEED = new Uint8Array(32).fill(0xb0);
export const A = { seed: A_SEED, identityKey: ed25519PublicFromSeed(A_SEED), staticKey: staticKeyFromSeed(A_SEED) };
export const B = { seed: B_SEED, identityKey: ed25519PublicFromSeed(B_SEED), staticKey: staticKeyFromSeed(B_SEED) };

export function queue(hexes: readonly string[]): RandomSource {
  const q = hexes.map(fromHex);
  return (n) => {
    const v = q.shift();
    if (v === undefined || v.length !== n) throw new Error(`vector randomness: wanted ${n} bytes`);
    return v;
  };
}

function bytes(n: number, b: number): string {
  return toHex(new Uint8Array(n).fill(b));
}

function inbound(c: { epoch: number; secret: string }): InboundChain {
  return { current: { epoch: c.epoch, secret: fromHex(c.secret) }, previous: null, seen: [], pqEpoch: c.epoch };
}

export function buildInitiator(c: Pick<ReconnectCase, 'epoch' | 'secret' | 'initiator_random' | 'pq'>): ReconnectInitiator {
  return new ReconnectInitiator({
    peerName: 'bob', peerIdentityKey: B.identityKey, peerStatic: B.staticKey.pub, staticKey: A.staticKey,
    secret: { epoch: c.epoch, secret: fromHex(c.secret) }, suites: SUITES, random: queue(c.initiator_random), kem: c.pq ? KEM : null,
  });
}

export function buildResponder(c: Pick<ReconnectCase, 'responder_random'>, chain: InboundChain | null, wrongListener = false): ReconnectResponder {
  return new ReconnectResponder({
    staticKey: wrongListener ? A.staticKey : B.staticKey, suites: SUITES, random: queue(c.responder_random), kem: KEM,
    lookup: (s) => (chain !== null && toHex(s) === toHex(A.staticKey.pub) ? { name: 'alice', identityKey: A.identityKey, inbound: chain } : null),
  });
}

function makeCase(name: string, epoch: number, pq: boolean, tag: number): ReconnectCase {
  const secret = bytes(32, 0x5c + tag);
  const initiator_random = pq ? [bytes(32, 0x11 + tag), bytes(64, 0x22 + tag)] : [bytes(32, 0x11 + tag)];
  const responder_random = pq ? [bytes(32, 0x33 + tag), bytes(32, 0x44 + tag)] : [bytes(32, 0x44 + tag)];
  const base = { epoch, secret, initiator_random, responder_random, pq };
  const i = buildInitiator(base);
  const hello = i.start();
  const r = buildResponder(base, inbound(base));
  const ro = r.receive(decodeOneFrame(hello));
  const reply = ro.send[0]!;
  const k = i.receive(decodeOneFrame(reply)).result!;
  return {
    name, ...base, frames: { hello: toHex(hello), reply: toHex(reply) },
    keys: { root: toHex(k.root), chain_i2r: toHex(k.chainI2R), chain_r2i: toHex(k.chainR2I), session_id: toHex(k.sessionId), transcript_hash: toHex(k.transcriptHash), next_secret: toHex(k.accepted.next) },
  };
}

function badCrc(hex: string): string {
  const b = fromHex(hex);
  b[b.length - 1]! ^= 0x01;
  return toHex(b);
}

function flip(hex: string, at: number): string {
  const b = fromHex(hex);
  b[at]! ^= 0x01;
  return toHex(fixCrc(b));
}

export function generateReconnectVectors(): ReconnectVectorFile {
  const plain = makeCase('plain', 0, false, 0);
  const pq = makeCase('post-quantum step', 16, true, 1);
  const ahead = makeCase('one epoch ahead (for the stale vector)', 1, false, 0);
  const h = plain.frames.hello;
  const negative: ReconnectNegative[] = [
    { name: 'hello: ephemeral key altered', to: 'responder', state: 'contact', frame: flip(h, 6 + 3), error: 'AUTH_FAILED' },
    { name: 'hello: encrypted static key altered', to: 'responder', state: 'contact', frame: flip(h, 6 + 40), error: 'AUTH_FAILED' },
    { name: 'hello: payload altered', to: 'responder', state: 'contact', frame: flip(h, 6 + 90), error: 'AUTH_FAILED' },
    { name: 'hello: truncated Noise message', to: 'responder', state: 'contact', frame: toHex(encodeFrame(FrameType.RECONNECT_HELLO, fromHex(h).subarray(6, 6 + 60)).raw), error: 'DECODE_ERROR' },
    { name: 'hello: the contact was removed', to: 'responder', state: 'removed', frame: h, error: 'NOT_A_CONTACT' },
    { name: 'hello: replay of a committed reconnect', to: 'responder', state: 'committed', frame: h, error: 'RECONNECT_REPLAY' },
    { name: 'hello: an epoch ahead of the responder', to: 'responder', state: 'contact', frame: ahead.frames.hello, error: 'RECONNECT_STALE' },
    { name: 'hello: sent to another listener (reflection to alice)', to: 'responder', state: 'wrong_listener', frame: h, error: 'AUTH_FAILED' },
    { name: 'reply: reflected to the responder', to: 'responder', state: 'contact', frame: plain.frames.reply, error: 'UNEXPECTED_MESSAGE' },
    { name: 'hello: reflected to the initiator', to: 'initiator', state: 'contact', frame: h, error: 'UNEXPECTED_MESSAGE' },
    { name: 'reply: ephemeral key altered', to: 'initiator', state: 'contact', frame: flip(plain.frames.reply, 6 + 1), error: 'AUTH_FAILED' },
    { name: 'reply: payload altered', to: 'initiator', state: 'contact', frame: flip(plain.frames.reply, 6 + 33), error: 'AUTH_FAILED' },
    { name: 'reply: made with another per-contact secret', to: 'initiator', state: 'contact', frame: makeCase('other secret', 0, false, 7).frames.reply, error: 'AUTH_FAILED' },
    { name: 'reply: bad CRC', to: 'initiator', state: 'contact', frame: badCrc(plain.frames.reply), error: 'FRAME_CORRUPT' },
  ];
  return {
    description: 'SecureChat reconnect handshake (docs/PROTOCOL.md §10): Noise_IKpsk2_25519_ChaChaPoly_SHA256 with the prologue below, fixed keys and randomness; frames are complete (header, payload, CRC). Negative vectors name the error code the receiving machine reports.',
    protocol: 'Noise_IKpsk2_25519_ChaChaPoly_SHA256',
    prologue: toHex(new TextEncoder().encode('SecureChat reconnect v1')),
    initiator: { name: 'alice', identity_seed: toHex(A_SEED), identity_public: toHex(A.identityKey), static_public: toHex(A.staticKey.pub) },
    responder: { name: 'bob', identity_seed: toHex(B_SEED), identity_public: toHex(B.identityKey), static_public: toHex(B.staticKey.pub) },
    suites: [...SUITES],
    cases: [plain, pq],
    negative,
  };
}

/** Replays one negative vector against the first case's machines; returns the code reported. */
export function replayNegative(file: ReconnectVectorFile, n: ReconnectNegative): string {
  const c = file.cases[0]!;
  try {
    if (n.to === 'initiator') {
      const i = buildInitiator(c);
      i.start();
      i.receive(decodeOneFrame(fromHex(n.frame)));
      return 'none';
    }
    let chain: InboundChain | null = inbound(c);
    if (n.state === 'removed') chain = null;
    if (n.state === 'committed') {
      const start = inbound(c);
      const out = buildResponder(c, start).receive(decodeOneFrame(fromHex(c.frames.hello)));
      chain = advanceInbound(start, out.result!.accepted);
    }
    buildResponder(c, chain, n.state === 'wrong_listener').receive(decodeOneFrame(fromHex(n.frame)));
    return 'none';
  } catch (e) {
    return isSecureChatError(e) ? e.code : 'untyped';
  }
}
