/**
 * The reconnect responder (docs/PROTOCOL.md §10). Sans I/O, like the initiator. The allow
 * list is the `lookup` parameter (the adapter's contacts store, like `authorized_keys`).
 *
 *   wait_hello --RECONNECT_HELLO-->  done    (sends RECONNECT_REPLY; result)
 *   any        --error-->            failed  (forever; every later call throws it)
 *
 * The responder's handshake ends when it sends message 2. Its ratchet is *not* advanced then:
 * the result's `accepted` is committed by the adapter once the initiator's first record
 * arrived (`advanceInbound`), so a replayed or forged message 1 can never move the chain.
 */
import { isSuiteId, type SuiteId } from '../../crypto/aead.js';
import { ctEqual, wipe } from '../../crypto/bytes.js';
import { x25519PublicFromPrivate } from '../../crypto/ecc.js';
import type { RandomSource } from '../../crypto/random.js';
import { localError, remoteError, type SecureChatError } from '../../errors.js';
import { PROTOCOL_VERSION } from '../../limits.js';
import { encodeFrame, FrameType, type Frame } from '../../wire/frame.js';
import { gate, typed } from '../machine.js';
import { initialize, readMessage1, writeMessage2, type KeyPair } from './ikpsk2.js';
import { reconnectKeys } from './key-schedule.js';
import { decodeHelloPayload, encodeReplyPayload } from './messages.js';
import { pqOverdue, type InboundChain } from './ratchet.js';
import { RECONNECT_PROLOGUE, type KemFunctions } from './common.js';
import type { ReconnectResult, ReconnectStep } from './initiator.js';

/** One allow-list entry: who the static key belongs to, and its inbound chain. */
export interface ReconnectContact {
  readonly name: string;
  readonly identityKey: Uint8Array;
  readonly inbound: InboundChain;
}

export interface ReconnectResponderOptions {
  /** Our X25519 static key pair (the contacts know its public half). */
  readonly staticKey: KeyPair;
  /** Suites we allow (the initiator's order decides among them). */
  readonly suites: readonly SuiteId[];
  readonly random: RandomSource;
  readonly kem: KemFunctions;
  /** The allow list: the contact whose X25519 static key this is, or null. */
  readonly lookup: (initiatorStatic: Uint8Array) => ReconnectContact | null;
  /** X25519(staticKey.priv, rs) for `ss`, e.g. a memo (static-dh.ts); default: computed each time. */
  readonly staticDh?: (peerStatic: Uint8Array) => Uint8Array;
  /** Admission once the contact is known (per-source limits); return an error to refuse. */
  readonly admit?: (contact: string) => SecureChatError | null;
}

export type ReconnectResponderState = 'wait_hello' | 'done' | 'failed';

export class ReconnectResponder {
  #state: ReconnectResponderState = 'wait_hello';
  #error: SecureChatError | null = null;
  readonly #o: ReconnectResponderOptions;
  #contact: string | null = null;

  constructor(o: ReconnectResponderOptions) {
    if (o.suites.length < 1) throw localError('USAGE', 'no suite allowed');
    this.#o = o;
  }

  get state(): ReconnectResponderState {
    return this.#state;
  }

  get error(): SecureChatError | null {
    return this.#error;
  }

  /** The contact that message 1 authenticated as, once known. */
  get contact(): string | null {
    return this.#contact;
  }

  receive(frame: Frame): ReconnectStep {
    if (this.#error !== null) throw this.#error;
    try {
      gate(this.#state, this.#state === 'wait_hello' ? FrameType.RECONNECT_HELLO : null, frame);
      return this.#onHello(frame);
    } catch (err) {
      throw this.#fail(typed(err));
    }
  }

  /** §10.3, the responder's checks in order. */
  #onHello(frame: Frame): ReconnectStep {
    const o = this.#o;
    const m1 = readMessage1(initialize(RECONNECT_PROLOGUE, o.staticKey.pub), { s: o.staticKey, message: frame.payload, ...(o.staticDh === undefined ? {} : { staticDh: o.staticDh }) });
    if (ctEqual(m1.rs, o.staticKey.pub)) throw remoteError('AUTH_FAILED', 'reflected: the hello carries our own static key');
    const hello = decodeHelloPayload(m1.payload);
    const contact = o.lookup(m1.rs.slice());
    if (contact === null) throw remoteError('NOT_A_CONTACT', 'this static key is not on the contacts list');
    this.#contact = contact.name;
    const refusal = o.admit?.(contact.name) ?? null;
    if (refusal !== null) throw refusal;
    const chain = contact.inbound;
    if (chain.seen.some((e) => ctEqual(e, m1.re))) throw remoteError('RECONNECT_REPLAY', `a recorded reconnect from ${contact.name} was played again`);
    const oldest = chain.previous?.epoch ?? chain.current.epoch;
    if (hello.epoch < oldest) throw remoteError('RECONNECT_REPLAY', `a reconnect from ${contact.name} under a secret already replaced (epoch ${hello.epoch})`);
    if (hello.epoch > chain.current.epoch) throw remoteError('RECONNECT_STALE', `${contact.name} uses epoch ${hello.epoch}, ours is ${chain.current.epoch}`);
    const psk = hello.epoch === chain.current.epoch ? chain.current.secret : chain.previous?.secret;
    if (psk === undefined) throw localError('INTERNAL', 'no secret for an accepted epoch');
    if (!hello.versions.includes(PROTOCOL_VERSION)) throw remoteError('UNSUPPORTED_VERSION', 'no common reconnect version');
    const allowed: readonly number[] = o.suites;
    const suite = hello.suites.find((s): s is SuiteId => isSuiteId(s) && allowed.includes(s));
    if (suite === undefined) throw remoteError('NO_COMMON_SUITE', 'no common suite');
    if (hello.kemEk.length === 0 && pqOverdue(chain, hello.epoch)) throw remoteError('UNSUPPORTED_VERSION', 'the post-quantum step is overdue and the hello has no ML-KEM key');
    let kemCt: Uint8Array = new Uint8Array(0);
    let kemSs: Uint8Array | null = null;
    if (hello.kemEk.length !== 0) {
      const m = o.random(32);
      try {
        const k = o.kem.encapsulate(hello.kemEk, m);
        kemCt = k.ciphertext;
        kemSs = k.sharedSecret;
      } finally {
        wipe(m);
      }
    }
    const priv = o.random(32);
    const e: KeyPair = { priv, pub: x25519PublicFromPrivate(priv) };
    try {
      const m2 = writeMessage2(m1.state, { e, re: m1.re, rs: m1.rs, psk, payload: encodeReplyPayload({ version: PROTOCOL_VERSION, suite, kemCt }) });
      const reply = encodeFrame(FrameType.RECONNECT_REPLY, m2.message);
      const keys = reconnectKeys(m2.state, kemSs);
      // commit
      this.#state = 'done';
      const result: ReconnectResult = {
        role: 'responder',
        version: PROTOCOL_VERSION,
        suite,
        peer: { name: contact.name, identityKey: contact.identityKey.slice() },
        root: keys.root,
        chainI2R: keys.chainI2R,
        chainR2I: keys.chainR2I,
        sessionId: keys.sessionId,
        transcriptHash: m2.state.h.slice(),
        accepted: { epoch: hello.epoch, ephemeral: m1.re.slice(), next: keys.next, pq: kemSs !== null },
      };
      return { send: [reply.raw], result };
    } finally {
      wipe(priv, kemSs ?? undefined);
    }
  }

  #fail(e: SecureChatError): SecureChatError {
    if (this.#error === null) this.#error = e;
    this.#state = 'failed';
    return this.#error;
  }
}
