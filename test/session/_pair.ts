/**
 * Test helpers: two Sessions from a synthetic HandshakeResult pair, joined by an in-memory
 * link that runs every byte through a real FrameDecoder (like h11's tests).
 */
import type { SuiteId } from '../../src/crypto/aead.js';
import { ALL_SUITE_IDS } from '../../src/crypto/aead.js';
import { deterministicRandom, type RandomSource } from '../../src/crypto/random.js';
import type { HandshakeResult, Role } from '../../src/handshake/result.js';
import { Session, type ReceiveResult, type SessionOptions } from '../../src/session/session.js';
import { FrameDecoder } from '../../src/wire/frame.js';
import { crc32 } from 'node:zlib';
import { u32be } from '../../src/crypto/bytes.js';
import { ChainKeys } from '../../src/session/chain.js';
import { sealRecord } from '../../src/session/record.js';

export const SUITES: readonly SuiteId[] = ALL_SUITE_IDS;

export interface Keys {
  readonly root: Uint8Array;
  readonly chainI2R: Uint8Array;
  readonly chainR2I: Uint8Array;
}

export function randomKeys(random: RandomSource): Keys {
  return { root: random(32), chainI2R: random(32), chainR2I: random(32) };
}

export function handshakeResult(role: Role, suite: SuiteId, k: Keys): HandshakeResult {
  return {
    role,
    version: 1,
    suite,
    peer: { name: role === 'initiator' ? 'bob' : 'alice', identityKey: new Uint8Array(32) },
    root: k.root.slice(),
    chainI2R: k.chainI2R.slice(),
    chainR2I: k.chainR2I.slice(),
    sessionId: new Uint8Array(16),
    transcriptHash: new Uint8Array(32),
  };
}

export type PairOptions = Omit<SessionOptions, 'now'>;

/** One side of the link: its Session, its randomness and its incoming byte stream. */
export class End {
  readonly decoder = new FrameDecoder();
  readonly received: Uint8Array[] = [];
  readonly inbox: Uint8Array[] = [];
  constructor(
    readonly name: 'I' | 'R',
    readonly session: Session,
    readonly random: RandomSource,
  ) {}
}

export class Pair {
  readonly i: End;
  readonly r: End;
  now = 0;
  readonly keys: Keys;
  constructor(suite: SuiteId, opts: PairOptions = {}, seed = 'pair') {
    const keys = randomKeys(deterministicRandom(`${seed} keys`));
    this.keys = keys;
    this.i = new End('I', Session.fromHandshake(handshakeResult('initiator', suite, keys), { now: 0, ...opts }), deterministicRandom(`${seed} I`));
    this.r = new End('R', Session.fromHandshake(handshakeResult('responder', suite, keys), { now: 0, ...opts }), deterministicRandom(`${seed} R`));
  }

  other(e: End): End {
    return e === this.i ? this.r : this.i;
  }

  /** `from` sends one app payload; the frames go to the peer's inbox. */
  send(from: End, data: Uint8Array): Uint8Array[] {
    const frames = from.session.sendApp(data, this.now, from.random);
    this.other(from).inbox.push(...frames);
    return frames;
  }

  tick(from: End): Uint8Array[] {
    const frames = from.session.tick(this.now, from.random);
    this.other(from).inbox.push(...frames);
    return frames;
  }

  /** Delivers up to `max` queued frames to `to`; its replies go to the other inbox. */
  deliver(to: End, max = Infinity): ReceiveResult[] {
    const out: ReceiveResult[] = [];
    while (to.inbox.length > 0 && out.length < max) {
      const bytes = to.inbox.shift()!;
      for (const f of to.decoder.push(bytes)) {
        const res = to.session.receive(f, this.now, to.random);
        to.received.push(...res.app);
        this.other(to).inbox.push(...res.send);
        out.push(res);
      }
    }
    return out;
  }

  /** Delivers in both directions until both inboxes are empty. */
  flush(): void {
    while (this.i.inbox.length > 0 || this.r.inbox.length > 0) {
      this.deliver(this.r);
      this.deliver(this.i);
    }
  }
}

/** Runs `f` and returns the code of the SecureChatError it throws (fails on anything else). */
export function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof Error && e.name === 'SecureChatError') return (e as Error & { code: string }).code;
    throw e;
  }
  return 'NO_ERROR';
}

export const bytes = (n: number, fill = 0x61): Uint8Array => new Uint8Array(n).fill(fill);

/**
 * Forges a RECORD as the holder of the initial chain key `ck0` would (before any rekey): the
 * attacker's view when it knows a chain key, or an honest-but-buggy peer's.
 */
export function forgeRecord(ck0: Uint8Array, suite: SuiteId, seq: number, inner: Uint8Array): Uint8Array {
  const chain = new ChainKeys(ck0.slice(), suite);
  for (let k = 0; k < seq; k++) {
    chain.current();
    chain.advance();
  }
  return sealRecord(suite, chain.current(), seq, inner);
}

/** Recomputes the CRC-32 of a frame in place (what an attacker does after a bit flip). */
export function fixCrc(frame: Uint8Array): Uint8Array {
  const body = frame.subarray(0, frame.length - 4);
  frame.set(u32be(crc32(body) >>> 0), frame.length - 4);
  return frame;
}

export function flipBit(frame: Uint8Array, bit: number): Uint8Array {
  const out = frame.slice();
  out[bit >> 3]! ^= 1 << (bit & 7);
  return out;
}

/** Feeds raw bytes to `end` through its FrameDecoder; returns the app data delivered. */
export function feed(e: End, raw: Uint8Array, now = 0): Uint8Array[] {
  const app: Uint8Array[] = [];
  for (const f of e.decoder.push(raw)) app.push(...e.session.receive(f, now, e.random).app);
  return app;
}
