/**
 * Test harness for the reconnect handshake: two contacts (alice connects to bob's listener)
 * with fixed identities and a fixed first secret, machines built on copies of the chains, and
 * a helper running one reconnect through real frame decoders. Not a test file itself.
 */
import { crc32 } from 'node:zlib';
import { ed25519PublicFromSeed } from '../../../src/crypto/ecc.js';
import { staticKeyFromSeed } from '../../../src/crypto/x25519-from-ed25519.js';
import { deterministicRandom, type RandomSource } from '../../../src/crypto/random.js';
import { u32be } from '../../../src/crypto/bytes.js';
import { SuiteId } from '../../../src/crypto/aead.js';
import { mlkemDecapsulate, mlkemEncapsulate, mlkemKeygen } from '../../../src/crypto/mlkem.js';
import { isSecureChatError, type SecureChatError } from '../../../src/errors.js';
import { decodeOneFrame } from '../../../src/wire/frame.js';
import {
  advanceInbound, advanceOutbound, ReconnectInitiator, ReconnectResponder,
  type InboundChain, type KemFunctions, type KeyPair, type OutboundChain, type ReconnectResult,
} from '../../../src/handshake/reconnect/index.js';

export const SUITES: readonly SuiteId[] = [SuiteId.AES_256_GCM, SuiteId.CHACHA20_POLY1305, SuiteId.AES_256_CBC_HMAC_SHA256];
export const KEM: KemFunctions = { keygen: mlkemKeygen, encapsulate: mlkemEncapsulate, decapsulate: mlkemDecapsulate };

export interface Party {
  readonly name: string;
  readonly seed: Uint8Array;
  readonly identityKey: Uint8Array;
  readonly staticKey: KeyPair;
}

export function party(name: string, seedByte: number): Party {
  const seed = new Uint8Array(32).fill(seedByte);
  return { name, seed, identityKey: ed25519PublicFromSeed(seed), staticKey: staticKeyFromSeed(seed) };
}

export const ALICE = party('alice', 0xa1);
export const BOB = party('bob', 0xb0);
export const MALLORY = party('mallory', 0x66);
export const FIRST_SECRET = new Uint8Array(32).fill(0x5c);

/** Both sides' chains in one place, as the two stores would hold them. */
export interface Pair {
  out: OutboundChain; // alice's, toward bob
  in: InboundChain | null; // bob's allow-list entry for alice (null: removed)
}

export function freshPair(): Pair {
  return {
    out: { current: { epoch: 0, secret: FIRST_SECRET.slice() }, previous: null, pqEpoch: 0, pqAtMs: 0 },
    in: { current: { epoch: 0, secret: FIRST_SECRET.slice() }, previous: null, seen: [], pqEpoch: 0 },
  };
}

export function initiatorFor(p: Pair, o: { random?: RandomSource; usePrevious?: boolean; kem?: boolean; staticKey?: KeyPair; peerStatic?: Uint8Array } = {}): ReconnectInitiator {
  const secret = o.usePrevious === true && p.out.previous !== null ? p.out.previous : p.out.current;
  return new ReconnectInitiator({
    peerName: BOB.name, peerIdentityKey: BOB.identityKey, peerStatic: o.peerStatic ?? BOB.staticKey.pub,
    staticKey: o.staticKey ?? ALICE.staticKey, secret, suites: SUITES, random: o.random ?? deterministicRandom('ri'),
    kem: o.kem === true ? KEM : null,
  });
}

export function responderFor(p: Pair, o: { random?: RandomSource; staticKey?: KeyPair } = {}): ReconnectResponder {
  const inbound = p.in;
  return new ReconnectResponder({
    staticKey: o.staticKey ?? BOB.staticKey, suites: SUITES, random: o.random ?? deterministicRandom('rr'), kem: KEM,
    lookup: (s) => (inbound !== null && Buffer.from(s).equals(Buffer.from(ALICE.staticKey.pub)) ? { name: ALICE.name, identityKey: ALICE.identityKey, inbound } : null),
  });
}

export interface Run {
  readonly hello: Uint8Array;
  readonly reply: Uint8Array | null;
  readonly i: ReconnectResult | null;
  readonly r: ReconnectResult | null;
  readonly error: SecureChatError | null;
}

/** One reconnect: hello → responder → reply → initiator. Throws anything not a SecureChatError. */
export function reconnect(i: ReconnectInitiator, r: ReconnectResponder): Run {
  const hello = i.start();
  let reply: Uint8Array | null = null;
  let rr: ReconnectResult | null = null;
  try {
    const out = r.receive(decodeOneFrame(hello));
    reply = out.send[0] ?? null;
    rr = out.result ?? null;
    if (reply === null) throw new Error('no reply');
    const io = i.receive(decodeOneFrame(reply));
    return { hello, reply, i: io.result ?? null, r: rr, error: null };
  } catch (e) {
    if (!isSecureChatError(e)) throw e;
    return { hello, reply, i: null, r: rr, error: e };
  }
}

/** Both sides persist what a completed run says (the initiator used `used`). */
export function commit(p: Pair, run: Run, usedPrevious = false, nowMs = 0): void {
  if (run.i === null || run.r === null) throw new Error('cannot commit an incomplete run');
  const used = usedPrevious && p.out.previous !== null ? p.out.previous : p.out.current;
  p.out = advanceOutbound(used, run.i.accepted, nowMs, p.out);
  if (p.in !== null) p.in = advanceInbound(p.in, run.r.accepted) ?? p.in;
}

export function fixCrc(frame: Uint8Array): Uint8Array {
  const f = frame.slice();
  f.set(u32be(crc32(f.subarray(0, f.length - 4)) >>> 0), f.length - 4);
  return f;
}
