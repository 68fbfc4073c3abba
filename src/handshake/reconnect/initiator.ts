/**
 * The reconnect initiator (docs/PROTOCOL.md §10): Noise IKpsk2 with the contact's static key
 * and the current per-contact secret as PSK. Sans I/O: frames in, frame bytes and a result
 * out; randomness is the `random` parameter; the ML-KEM functions are a parameter too (null
 * when no post-quantum step is due), so a plain reconnect never loads the ML-KEM library.
 *
 *   start      --start()-->             wait_reply   (sends RECONNECT_HELLO)
 *   wait_reply --RECONNECT_REPLY-->     done         (result; the initiator may send at once)
 *   any        --error-->               failed       (forever; every later call throws it)
 */
import { isSuiteId, type SuiteId } from '../../crypto/aead.js';
import { wipe } from '../../crypto/bytes.js';
import { x25519PublicFromPrivate } from '../../crypto/ecc.js';
import type { RandomSource } from '../../crypto/random.js';
import { localError, remoteError, type SecureChatError } from '../../errors.js';
import { PROTOCOL_VERSION } from '../../limits.js';
import { encodeFrame, FrameType, type Frame } from '../../wire/frame.js';
import { gate, typed, type StepOutput } from '../machine.js';
import type { HandshakeResult } from '../result.js';
import { initialize, readMessage2, writeMessage1, type KeyPair } from './ikpsk2.js';
import { reconnectKeys } from './key-schedule.js';
import { decodeReplyPayload, encodeHelloPayload } from './messages.js';
import type { Accepted, EpochSecret } from './ratchet.js';
import { RECONNECT_PROLOGUE, type KemFunctions } from './common.js';
import type { SymmetricState } from '../../crypto/noise.js';

export interface ReconnectInitiatorOptions {
  /** The contact we reconnect to: its name and pinned Ed25519 key (for the result)... */
  readonly peerName: string;
  readonly peerIdentityKey: Uint8Array;
  /** ...and its X25519 static key (Noise `rs`). */
  readonly peerStatic: Uint8Array;
  /** Our X25519 static key pair. */
  readonly staticKey: KeyPair;
  /** The per-contact secret to use as PSK. */
  readonly secret: EpochSecret;
  readonly suites: readonly SuiteId[];
  readonly random: RandomSource;
  /** X25519(staticKey.priv, peerStatic) for `ss`, e.g. a memo (static-dh.ts); default: computed. */
  readonly staticDh?: (peerStatic: Uint8Array) => Uint8Array;
  /** Present when the post-quantum step is due (§10.6). */
  readonly kem: KemFunctions | null;
}

export type ReconnectInitiatorState = 'start' | 'wait_reply' | 'done' | 'failed';

/** A completed reconnect: the record layer's keys plus what the ratchet must persist. */
export interface ReconnectResult extends HandshakeResult {
  readonly accepted: Accepted;
}

export interface ReconnectStep extends StepOutput {
  readonly result?: ReconnectResult;
}

interface Pending {
  readonly state: SymmetricState;
  readonly e: KeyPair;
  readonly kemDk: Uint8Array | null;
}

export class ReconnectInitiator {
  #state: ReconnectInitiatorState = 'start';
  #error: SecureChatError | null = null;
  readonly #o: ReconnectInitiatorOptions;
  #pending: Pending | null = null;

  constructor(o: ReconnectInitiatorOptions) {
    if (o.suites.length < 1 || o.suites.length > 16 || !o.suites.every(isSuiteId)) throw localError('USAGE', 'suites must list 1..16 known suites');
    if (o.peerStatic.length !== 32 || o.secret.secret.length !== 32) throw localError('USAGE', 'a reconnect needs a 32-byte static key and secret');
    this.#o = o;
  }

  get state(): ReconnectInitiatorState {
    return this.#state;
  }

  get error(): SecureChatError | null {
    return this.#error;
  }

  /** Builds RECONNECT_HELLO (§10.2) and returns the complete frame. */
  start(): Uint8Array {
    if (this.#state !== 'start') throw this.#fail(this.#error ?? localError('INTERNAL', 'start() called twice'));
    try {
      const o = this.#o;
      const priv = o.random(32);
      const e: KeyPair = { priv, pub: x25519PublicFromPrivate(priv) };
      let kemEk: Uint8Array = new Uint8Array(0);
      let kemDk: Uint8Array | null = null;
      if (o.kem !== null) {
        const seed = o.random(64);
        const kp = o.kem.keygen(seed);
        wipe(seed);
        kemEk = kp.encapsulationKey;
        kemDk = kp.decapsulationKey;
      }
      const payload = encodeHelloPayload({ versions: [PROTOCOL_VERSION], suites: o.suites, epoch: o.secret.epoch, kemEk });
      const m1 = writeMessage1(initialize(RECONNECT_PROLOGUE, o.peerStatic), { e, s: o.staticKey, rs: o.peerStatic, payload, ...(o.staticDh === undefined ? {} : { staticDh: o.staticDh }) });
      const frame = encodeFrame(FrameType.RECONNECT_HELLO, m1.message);
      this.#pending = { state: m1.state, e, kemDk };
      this.#state = 'wait_reply';
      return frame.raw;
    } catch (err) {
      throw this.#fail(typed(err));
    }
  }

  /** Processes one received frame. Throws SecureChatError only. */
  receive(frame: Frame): ReconnectStep {
    if (this.#error !== null) throw this.#error;
    try {
      gate(this.#state, this.#state === 'wait_reply' ? FrameType.RECONNECT_REPLY : null, frame);
      return this.#onReply(frame);
    } catch (err) {
      throw this.#fail(typed(err));
    }
  }

  /** §10.3: message 2 authenticates the responder (ee, se, psk); then the keys. */
  #onReply(frame: Frame): ReconnectStep {
    const p = this.#pending;
    if (p === null) throw localError('INTERNAL', 'no hello state');
    const o = this.#o;
    const m2 = readMessage2(p.state, { e: p.e, s: o.staticKey, psk: o.secret.secret, message: frame.payload });
    const reply = decodeReplyPayload(m2.payload);
    if (reply.version !== PROTOCOL_VERSION) throw remoteError('UNSUPPORTED_VERSION', 'the responder chose a version we did not offer');
    const suite = reply.suite;
    if (!isSuiteId(suite) || !o.suites.includes(suite)) throw remoteError('NO_COMMON_SUITE', 'the responder chose a suite we did not offer');
    let kemSs: Uint8Array | null = null;
    if (p.kemDk !== null) {
      if (reply.kemCt.length === 0) throw remoteError('DECODE_ERROR', 'the responder skipped the post-quantum step we asked for');
      kemSs = o.kem?.decapsulate(reply.kemCt, p.kemDk) ?? null;
    } else if (reply.kemCt.length !== 0) {
      throw remoteError('DECODE_ERROR', 'an ML-KEM ciphertext we did not ask for');
    }
    const keys = reconnectKeys(m2.state, kemSs);
    wipe(kemSs ?? undefined, p.kemDk ?? undefined, p.e.priv);
    this.#pending = null;
    this.#state = 'done';
    const result: ReconnectResult = {
      role: 'initiator',
      version: PROTOCOL_VERSION,
      suite,
      peer: { name: o.peerName, identityKey: o.peerIdentityKey.slice() },
      root: keys.root,
      chainI2R: keys.chainI2R,
      chainR2I: keys.chainR2I,
      sessionId: keys.sessionId,
      transcriptHash: m2.state.h.slice(),
      accepted: { epoch: o.secret.epoch, ephemeral: p.e.pub.slice(), next: keys.next, pq: kemSs !== null },
    };
    return { send: [], result };
  }

  #fail(e: SecureChatError): SecureChatError {
    if (this.#error === null) this.#error = e;
    this.#state = 'failed';
    if (this.#pending !== null) wipe(this.#pending.e.priv, this.#pending.kemDk ?? undefined);
    this.#pending = null;
    return this.#error;
  }
}
