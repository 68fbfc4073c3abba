/**
 * Test harness for the handshake: fixed accounts and identities, a fake link joining an
 * Initiator and a Responder through real frame decoders, and an attacker hook on the link.
 * Not a test file itself (no tests); shared by the handshake tests.
 */
import { crc32 } from 'node:zlib';
import { createServerSetup, opaqueReady, registerLocally, KSF_TEST, type KsfParams } from '../../src/crypto/opaque.js';
import { ed25519PublicFromSeed } from '../../src/crypto/ecc.js';
import { deterministicRandom, type RandomSource } from '../../src/crypto/random.js';
import { utf8, u32be } from '../../src/crypto/bytes.js';
import type { SuiteId } from '../../src/crypto/aead.js';
import { ALL_SUITE_IDS } from '../../src/crypto/aead.js';
import { isSecureChatError, remoteError, type SecureChatError } from '../../src/errors.js';
import { FrameDecoder } from '../../src/wire/frame.js';
import { Initiator, type InitiatorOptions } from '../../src/handshake/initiator.js';
import { Responder, type ResponderOptions } from '../../src/handshake/responder.js';
import { alertFor } from '../../src/handshake/alert.js';
import type { LocalIdentity } from '../../src/handshake/identity-block.js';
import type { HandshakeResult, PeerIdentity } from '../../src/handshake/result.js';

export const ALL_SUITES: readonly SuiteId[] = ALL_SUITE_IDS;
export const PASSWORD = utf8('correct horse battery staple');

export function identity(name: string, seedByte: number): LocalIdentity {
  const seed = new Uint8Array(32).fill(seedByte);
  return { seed, publicKey: ed25519PublicFromSeed(seed), name };
}

export interface World {
  readonly serverSetup: string;
  readonly record: Uint8Array;
  readonly alice: LocalIdentity; // the responder (account "alice")
  readonly bob: LocalIdentity; // the initiator
}

let world: Promise<World> | null = null;
/** One registration for the whole test file (KSF_TEST: cheap Argon2id). */
export function getWorld(): Promise<World> {
  world ??= (async () => {
    await opaqueReady;
    const serverSetup = createServerSetup();
    const record = registerLocally(serverSetup, 'alice', PASSWORD, KSF_TEST);
    return { serverSetup, record, alice: identity('alice', 0xa1), bob: identity('bob', 0xb0) };
  })();
  return world;
}

export const acceptAll = (_p: PeerIdentity): SecureChatError | null => null;

export function makeInitiator(w: World, over: Partial<InitiatorOptions> = {}, random: RandomSource = deterministicRandom('i')): Initiator {
  return new Initiator({ account: 'alice', password: PASSWORD, identity: w.bob, suites: ALL_SUITES, random, checkPeer: acceptAll, ...over });
}

export function makeResponder(w: World, over: Partial<ResponderOptions> = {}, random: RandomSource = deterministicRandom('r')): Responder {
  return new Responder({
    account: 'alice', serverSetup: w.serverSetup, record: w.record, ksf: KSF_TEST, identity: w.alice,
    suites: ALL_SUITES, random, checkPeer: acceptAll, ...over,
  });
}

/** Recomputes the CRC-32 trailer of a whole frame in place (what an attacker does). */
export function fixCrc(frame: Uint8Array): Uint8Array {
  const body = frame.subarray(0, frame.length - 4);
  frame.set(u32be(crc32(body) >>> 0), frame.length - 4);
  return frame;
}

export type Dir = 'i2r' | 'r2i';
/** The attacker on the link: returns the chunks to deliver instead (none = drop). */
export type Tamper = (dir: Dir, bytes: Uint8Array, index: number) => Uint8Array[];

export interface Side {
  result?: HandshakeResult;
  error?: SecureChatError;
  /** Frames this side wrote (including its ALERT). */
  sent: Uint8Array[];
  sentHello?: boolean;
  /** Frames that arrived after this side's result (the record layer's business, not the handshake's). */
  after: Uint8Array[];
  /**
   * A framing error in bytes that arrived after this side's result: the established
   * connection fails (no ALERT), but the handshake itself did not.
   */
  afterError?: SecureChatError;
}

export interface Outcome {
  readonly i: Side;
  readonly r: Side;
  /** Everything that went on the link, before tampering. */
  readonly wire: { dir: Dir; bytes: Uint8Array }[];
}

/**
 * Runs the handshake to quiescence. A party that fails sends alertFor(error) (if any) and
 * stops reading; every error must be a SecureChatError (anything else is rethrown). With
 * `endStreams`, each decoder is told the stream ended once the link is idle.
 */
export function run(i: Initiator, r: Responder, tamper: Tamper = (_d, b) => [b], endStreams = false): Outcome {
  const out: Outcome = { i: { sent: [], after: [] }, r: { sent: [], after: [] }, wire: [] };
  const dec = { i: new FrameDecoder(), r: new FrameDecoder() };
  const queue: { dir: Dir; bytes: Uint8Array }[] = [];
  let n = 0;
  const fail = (side: Side, dir: Dir, e: unknown): void => {
    if (!isSecureChatError(e)) throw e;
    if (side.result !== undefined) {
      side.afterError = e;
      return;
    }
    side.error = e;
    const a = alertFor(e);
    if (a !== null) {
      side.sent.push(a);
      queue.push({ dir, bytes: a });
    }
  };
  const send = (side: Side, dir: Dir, frames: Uint8Array[]): void => {
    for (const f of frames) {
      side.sent.push(f);
      queue.push({ dir, bytes: f });
    }
  };
  try {
    send(out.i, 'i2r', [i.start()]);
  } catch (e) {
    fail(out.i, 'i2r', e);
  }
  while (queue.length > 0) {
    const m = queue.shift()!;
    out.wire.push(m);
    const chunks = tamper(m.dir, m.bytes.slice(), n++);
    const to = m.dir === 'i2r' ? out.r : out.i;
    const back: Dir = m.dir === 'i2r' ? 'r2i' : 'i2r';
    for (const c of chunks) {
      if (to.error !== undefined || to.afterError !== undefined) break;
      try {
        const frames = (m.dir === 'i2r' ? dec.r : dec.i).push(c);
        for (const f of frames) {
          if (to.error !== undefined) break;
          if (to.result !== undefined) {
            to.after.push(f.raw);
            continue;
          }
          const o = m.dir === 'i2r' ? r.receive(f) : i.receive(f);
          if (o.result !== undefined) to.result = o.result;
          if (o.progress === 'hello') to.sentHello = true;
          send(to, back, o.send);
        }
      } catch (e) {
        fail(to, back, e);
      }
    }
  }
  if (endStreams) {
    for (const [side, d, dir] of [[out.i, dec.i, 'i2r'], [out.r, dec.r, 'r2i']] as const) {
      if (side.error !== undefined || side.result !== undefined) continue;
      try {
        d.end();
      } catch (e) {
        fail(side, dir, e);
      }
    }
  }
  return out;
}

/** Runs a step and returns the SecureChatError it threw (fails if it threw anything else or nothing). */
export function errorOf(f: () => unknown): SecureChatError {
  try {
    f();
  } catch (e) {
    if (isSecureChatError(e)) return e;
    throw e;
  }
  throw remoteError('INTERNAL', 'expected an error, got none');
}

export const KSF: KsfParams = KSF_TEST;
