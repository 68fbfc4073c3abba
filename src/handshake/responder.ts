/**
 * The responder's handshake state machine (docs/PROTOCOL.md §4). Sans I/O, like the initiator.
 *
 *   wait_ch   --ClientHello-->    wait_cf   (sends ServerHello; progress 'hello')
 *   wait_cf   --ClientFinish-->   done      (sends ServerFinish; result)
 *   any       --error-->          failed    (forever; every later call throws the same error)
 *
 * An unknown account is answered exactly like a wrong password: with OPAQUE's fake record
 * (RFC 9807 §10.9) and the same KSF parameters, so nothing reveals whether it exists.
 */
import { wipe } from '../crypto/bytes.js';
import { type SuiteId } from '../crypto/aead.js';
import { mlkemEncapsulate, MLKEM768_ENCAPS_RANDOM_BYTES } from '../crypto/mlkem.js';
import { serverFinishLogin, serverStartLogin, type KsfParams } from '../crypto/opaque.js';
import type { RandomSource } from '../crypto/random.js';
import { localError, remoteError, type SecureChatError } from '../errors.js';
import { PROTOCOL_VERSION } from '../limits.js';
import { encodeFrame, FrameType, type Frame } from '../wire/frame.js';
import { handshakeKeys, trafficKeys, wipeHandshakeKeys } from './key-schedule.js';
import { openIdentityBlock, sealIdentityBlock, type LocalIdentity } from './identity-block.js';
import { gate, runPeerCheck, typed, type PeerCheck, type StepOutput } from './machine.js';
import { decodeClientFinish, decodeClientHello, encodeServerFinish, encodeServerHello, isWireUsername, NONCE_BYTES } from './messages.js';
import { initiatorIdPrefix, Transcript } from './transcript.js';
import type { HandshakeResult } from './result.js';

export interface ResponderOptions {
  /** Our own account: the name ClientHello must ask for. */
  readonly account: string;
  /** The OPAQUE server setup (secret). */
  readonly serverSetup: string;
  /** The account's OPAQUE registration record (null: answer every login with the fake record). */
  readonly record: Uint8Array | null;
  /** The record's key-stretching parameters, sent in ServerHello. */
  readonly ksf: KsfParams;
  /** Our identity; `identity.name` is what we sign and must equal `account` (§4.5). */
  readonly identity: LocalIdentity;
  /** Suites we allow (the initiator's order decides among them). */
  readonly suites: readonly SuiteId[];
  /** Versions we support; default [1]. */
  readonly versions?: readonly number[];
  readonly random: RandomSource;
  /** TOFU pinning of the initiator's identity (§4.7); return a PEER_KEY_CHANGED error to refuse. */
  readonly checkPeer: PeerCheck;
  /**
   * The failed-attempt limiter (§4.8), asked with the requested account right after ClientHello
   * decoded and before any OPAQUE or ML-KEM work: return e.g. RATE_LIMITED to refuse (ALERT busy).
   */
  readonly admit?: (account: string) => SecureChatError | null;
  /** Serve an invitation (§11): the hello must be INVITE_HELLO and `record` is the invitation's. */
  readonly invitation?: boolean;
}

export type ResponderState = 'wait_ch' | 'wait_cf' | 'done' | 'failed';

interface AfterHello {
  readonly transcript: Transcript;
  readonly version: number;
  readonly suite: SuiteId;
  readonly opaqueState: string;
  readonly mlkemSs: Uint8Array;
}

const EXPECT: Readonly<Record<ResponderState, FrameType | null>> = {
  wait_ch: FrameType.CLIENT_HELLO,
  wait_cf: FrameType.CLIENT_FINISH,
  done: null,
  failed: null,
};

export class Responder {
  #state: ResponderState = 'wait_ch';
  #error: SecureChatError | null = null;
  readonly #o: ResponderOptions;
  readonly #versions: readonly number[];
  #hello: AfterHello | null = null;
  #account: string | null = null;
  #sentHello = false;

  constructor(o: ResponderOptions) {
    if (!isWireUsername(o.account) || !isWireUsername(o.identity.name)) throw localError('USAGE', 'not a valid username');
    if (o.suites.length < 1) throw localError('USAGE', 'no suite allowed');
    this.#o = o;
    this.#versions = o.versions ?? [PROTOCOL_VERSION];
  }

  get state(): ResponderState {
    return this.#state;
  }

  get error(): SecureChatError | null {
    return this.#error;
  }

  /** True once ServerHello went out: a failure from now on is a failed attempt (§4.8). */
  get sentHello(): boolean {
    return this.#sentHello;
  }

  /** The account ClientHello asked for (for the per-account limiter), once known. */
  get requestedAccount(): string | null {
    return this.#account;
  }

  /** Processes one received frame (already through the frame decoder). Throws SecureChatError only. */
  receive(frame: Frame): StepOutput {
    if (this.#error !== null) throw this.#error;
    try {
      const expected = this.#state === 'wait_ch' && this.#o.invitation === true ? FrameType.INVITE_HELLO : EXPECT[this.#state];
      gate(this.#state, expected, frame);
      if (this.#state === 'wait_ch') return this.#onClientHello(frame);
      return this.#onClientFinish(frame);
    } catch (e) {
      throw this.#fail(typed(e));
    }
  }

  /** §4.1 checks in order, then ServerHello (§4.2). */
  #onClientHello(frame: Frame): StepOutput {
    const ch = decodeClientHello(frame.payload);
    this.#account = ch.account;
    const refusal = this.#o.admit?.(ch.account) ?? null;
    if (refusal !== null) throw refusal;
    const version = ch.versions.find((v) => this.#versions.includes(v));
    if (version === undefined) throw remoteError('UNSUPPORTED_VERSION', 'no common protocol version');
    const allowed: readonly number[] = this.#o.suites;
    const suite = ch.suites.find((s): s is SuiteId => allowed.includes(s));
    if (suite === undefined) throw remoteError('NO_COMMON_SUITE', 'no common suite');
    const record = ch.account === this.#o.account ? this.#o.record : null;
    const nonce = this.#o.random(NONCE_BYTES);
    const m = this.#o.random(MLKEM768_ENCAPS_RANDOM_BYTES);
    let kem: { ciphertext: Uint8Array; sharedSecret: Uint8Array };
    try {
      kem = mlkemEncapsulate(ch.mlkemEk, m);
    } finally {
      wipe(m);
    }
    let login;
    try {
      login = serverStartLogin(this.#o.serverSetup, ch.account, record, ch.ke1);
    } catch (e) {
      wipe(kem.sharedSecret);
      throw e;
    }
    const k = this.#o.ksf;
    const sh = encodeFrame(FrameType.SERVER_HELLO, encodeServerHello({
      version, suite, nonce, ksfMemoryKiB: k.memoryKiB, ksfIterations: k.iterations, ksfParallelism: k.parallelism,
      ke2: login.ke2, mlkemCt: kem.ciphertext,
    }));
    // commit
    this.#hello = { transcript: new Transcript().with(frame.raw).with(sh.raw), version, suite, opaqueState: login.state, mlkemSs: kem.sharedSecret };
    this.#state = 'wait_cf';
    this.#sentHello = true;
    return { send: [sh.raw], progress: 'hello' };
  }

  /** §4.4 checks in order, then ServerFinish (§4.5) and the traffic keys. */
  #onClientFinish(frame: Frame): StepOutput {
    const h = this.#hello;
    if (h === null) throw localError('INTERNAL', 'no ClientHello state');
    const cf = decodeClientFinish(frame.payload);
    const opaqueSk = serverFinishLogin(h.opaqueState, cf.ke3);
    const thSh = h.transcript.hash();
    const keys = handshakeKeys(h.suite, thSh, opaqueSk, h.mlkemSs);
    wipe(opaqueSk);
    try {
      const peer = openIdentityBlock('initiator', cf.sealed, {
        suite: h.suite, sealKey: keys.iHs, confirmKey: keys.iConfirm, aad: thSh, prefix: initiatorIdPrefix(h.transcript, cf.ke3),
      });
      runPeerCheck(this.#o.checkPeer, peer);
      const t3 = h.transcript.with(frame.raw);
      const sealed = sealIdentityBlock('responder', this.#o.identity, {
        suite: h.suite, sealKey: keys.rHs, confirmKey: keys.rConfirm, aad: t3.hash(), prefix: t3.bytes(),
      });
      const sf = encodeFrame(FrameType.SERVER_FINISH, encodeServerFinish({ sealed }));
      const transcriptHash = t3.with(sf.raw).hash();
      const traffic = trafficKeys(transcriptHash, keys.hsPrk);
      // commit
      wipe(h.mlkemSs);
      this.#hello = null;
      this.#state = 'done';
      const result: HandshakeResult = { role: 'responder', version: h.version, suite: h.suite, peer, ...traffic, transcriptHash };
      return { send: [sf.raw], result };
    } finally {
      wipeHandshakeKeys(keys);
    }
  }

  #fail(e: SecureChatError): SecureChatError {
    if (this.#error === null) this.#error = e;
    this.#state = 'failed';
    wipe(this.#hello?.mlkemSs);
    this.#hello = null;
    return this.#error;
  }
}
