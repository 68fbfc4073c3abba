/**
 * The initiator's handshake state machine (docs/PROTOCOL.md §4). Sans I/O: frames in, frame
 * bytes and a result out; randomness comes from the `random` parameter (OPAQUE itself draws
 * from `globalThis.crypto.getRandomValues`, see test/vectors/README.md).
 *
 *   start        --start()-->         wait_sh   (sends ClientHello)
 *   wait_sh      --ServerHello-->     wait_sf   (sends ClientFinish)
 *   wait_sf      --ServerFinish-->    done      (result)
 *   any          --error-->           failed    (forever; every later call throws the same error)
 *
 * Each step computes on local values and commits the new state only after every check passed.
 */
import { wipe } from '../crypto/bytes.js';
import { isSuiteId, type SuiteId } from '../crypto/aead.js';
import { mlkemDecapsulate, mlkemKeygen, MLKEM768_SEED_BYTES } from '../crypto/mlkem.js';
import { checkKsfParams, clientFinishLogin, clientStartLogin, type KsfParams } from '../crypto/opaque.js';
import type { RandomSource } from '../crypto/random.js';
import { localError, remoteError, type SecureChatError } from '../errors.js';
import { MAX_KSF_ITERATIONS, MAX_KSF_MEMORY_KIB, PROTOCOL_VERSION } from '../limits.js';
import { encodeFrame, FrameType, type Frame } from '../wire/frame.js';
import { handshakeKeys, trafficKeys, wipeHandshakeKeys, type HandshakeKeys } from './key-schedule.js';
import { openIdentityBlock, sealIdentityBlock, type LocalIdentity } from './identity-block.js';
import { gate, runPeerCheck, typed, type PeerCheck, type StepOutput } from './machine.js';
import { decodeServerFinish, decodeServerHello, encodeClientFinish, encodeClientHello, isWireUsername, MAX_LIST, NONCE_BYTES } from './messages.js';
import { initiatorIdPrefix, Transcript } from './transcript.js';
import type { HandshakeResult } from './result.js';

export interface InitiatorOptions {
  /** The responder's account (the username being logged into). */
  readonly account: string;
  /** The responder's password, as bytes. Copied; the copy is wiped once OPAQUE is done. */
  readonly password: Uint8Array;
  readonly identity: LocalIdentity;
  /** Suites offered, most preferred first. */
  readonly suites: readonly SuiteId[];
  /** Versions offered, most preferred first; default [1]. */
  readonly versions?: readonly number[];
  readonly random: RandomSource;
  /** TOFU pinning of the responder's identity (§4.7); return a PEER_KEY_CHANGED error to refuse. */
  readonly checkPeer: PeerCheck;
  /**
   * An invitation (§11): the ClientHello goes out as INVITE_HELLO and `password` is the
   * invitation's one-time code. Default: a password login.
   */
  readonly invitation?: boolean;
  /** Largest key-stretching cost accepted from the listener; default MAX_KSF_* of limits.ts. */
  readonly maxKsf?: { readonly memoryKiB: number; readonly iterations: number };
  /**
   * The parameters pinned for this account at the first successful login (issue 10, finding
   * 7): more in any dimension is refused with KSF_PARAMS_REFUSED before any Argon2id work.
   */
  readonly pinnedKsf?: KsfParams;
  /** Told the parameters ServerHello asked for once they passed the checks (to pin them after success). */
  readonly onKsf?: (ksf: KsfParams) => void;
}

export type InitiatorState = 'start' | 'wait_sh' | 'wait_sf' | 'done' | 'failed';

interface AfterHello {
  readonly transcript: Transcript;
  readonly opaqueState: string;
  readonly decapsulationKey: Uint8Array;
}

interface AfterServerHello {
  readonly transcript: Transcript;
  readonly version: number;
  readonly suite: SuiteId;
  readonly keys: HandshakeKeys;
}

const EXPECT: Readonly<Record<InitiatorState, FrameType | null>> = {
  start: null,
  wait_sh: FrameType.SERVER_HELLO,
  wait_sf: FrameType.SERVER_FINISH,
  done: null,
  failed: null,
};

export class Initiator {
  #state: InitiatorState = 'start';
  #error: SecureChatError | null = null;
  readonly #o: InitiatorOptions;
  readonly #versions: readonly number[];
  readonly #password: Uint8Array;
  #hello: AfterHello | null = null;
  #sh: AfterServerHello | null = null;

  constructor(o: InitiatorOptions) {
    const versions = o.versions ?? [PROTOCOL_VERSION];
    if (!isWireUsername(o.account)) throw localError('USAGE', 'the account is not a valid username');
    if (!isWireUsername(o.identity.name)) throw localError('USAGE', 'our own name is not a valid username');
    if (o.suites.length < 1 || o.suites.length > MAX_LIST || !o.suites.every(isSuiteId)) throw localError('USAGE', 'suites must list 1..16 known suites');
    if (versions.length < 1 || versions.length > MAX_LIST || !versions.every((v) => v === PROTOCOL_VERSION)) throw localError('USAGE', 'only protocol version 1 is implemented');
    this.#o = o;
    this.#versions = versions;
    this.#password = o.password.slice();
  }

  get state(): InitiatorState {
    return this.#state;
  }

  /** The error that failed this machine, if any. */
  get error(): SecureChatError | null {
    return this.#error;
  }

  /** Builds ClientHello (§4.1) and returns the complete frame to send. */
  start(): Uint8Array {
    if (this.#state !== 'start') throw this.#fail(this.#error ?? localError('INTERNAL', 'start() called twice'));
    try {
      const nonce = this.#o.random(NONCE_BYTES);
      const seed = this.#o.random(MLKEM768_SEED_BYTES);
      const kp = mlkemKeygen(seed);
      wipe(seed);
      const login = clientStartLogin(this.#password);
      const frame = encodeFrame(this.#o.invitation === true ? FrameType.INVITE_HELLO : FrameType.CLIENT_HELLO, encodeClientHello({
        versions: this.#versions, suites: this.#o.suites, nonce, account: this.#o.account, ke1: login.ke1, mlkemEk: kp.encapsulationKey,
      }));
      this.#hello = { transcript: new Transcript().with(frame.raw), opaqueState: login.state, decapsulationKey: kp.decapsulationKey };
      this.#state = 'wait_sh';
      return frame.raw;
    } catch (e) {
      throw this.#fail(typed(e));
    }
  }

  /** Processes one received frame (already through the frame decoder). Throws SecureChatError only. */
  receive(frame: Frame): StepOutput {
    if (this.#error !== null) throw this.#error;
    try {
      gate(this.#state, EXPECT[this.#state], frame);
      if (this.#state === 'wait_sh') return this.#onServerHello(frame);
      return this.#onServerFinish(frame);
    } catch (e) {
      throw this.#fail(typed(e));
    }
  }

  /** §4.2, then ClientFinish (§4.4). */
  #onServerHello(frame: Frame): StepOutput {
    const hello = this.#hello;
    if (hello === null) throw localError('INTERNAL', 'no ClientHello state');
    const sh = decodeServerHello(frame.payload);
    if (!this.#versions.includes(sh.version)) throw remoteError('UNSUPPORTED_VERSION', 'the responder chose a version we did not offer');
    const suite = sh.suite;
    if (!isSuiteId(suite) || !this.#o.suites.includes(suite)) throw remoteError('NO_COMMON_SUITE', 'the responder chose a suite we did not offer');
    const ksf: KsfParams = { memoryKiB: sh.ksfMemoryKiB, iterations: sh.ksfIterations, parallelism: sh.ksfParallelism };
    checkKsfParams(ksf, this.#o.maxKsf ?? { memoryKiB: MAX_KSF_MEMORY_KIB, iterations: MAX_KSF_ITERATIONS });
    const pin = this.#o.pinnedKsf;
    if (pin !== undefined && (ksf.memoryKiB > pin.memoryKiB || ksf.iterations > pin.iterations || ksf.parallelism > pin.parallelism)) {
      throw localError('KSF_PARAMS_REFUSED', `the listener asked for more key stretching (${ksf.memoryKiB} KiB x ${ksf.iterations}) than at the first login with it (${pin.memoryKiB} KiB x ${pin.iterations})`);
    }
    this.#o.onKsf?.(ksf);
    let login;
    try {
      login = clientFinishLogin(hello.opaqueState, sh.ke2, this.#password, ksf);
    } finally {
      wipe(this.#password);
    }
    const mlkemSs = mlkemDecapsulate(sh.mlkemCt, hello.decapsulationKey);
    const t2 = hello.transcript.with(frame.raw);
    const thSh = t2.hash();
    const keys = handshakeKeys(suite, thSh, login.sessionKey, mlkemSs);
    wipe(login.sessionKey, mlkemSs);
    let cf: Frame;
    try {
      const sealed = sealIdentityBlock('initiator', this.#o.identity, {
        suite, sealKey: keys.iHs, confirmKey: keys.iConfirm, aad: thSh, prefix: initiatorIdPrefix(t2, login.ke3),
      });
      cf = encodeFrame(FrameType.CLIENT_FINISH, encodeClientFinish({ ke3: login.ke3, sealed }));
    } catch (e) {
      wipeHandshakeKeys(keys);
      throw e;
    }
    // commit
    wipe(hello.decapsulationKey);
    this.#hello = null;
    this.#sh = { transcript: t2.with(cf.raw), version: sh.version, suite, keys };
    this.#state = 'wait_sf';
    return { send: [cf.raw] };
  }

  /** §4.5 and §4.7, then the traffic keys. */
  #onServerFinish(frame: Frame): StepOutput {
    const s = this.#sh;
    if (s === null) throw localError('INTERNAL', 'no ServerHello state');
    const sf = decodeServerFinish(frame.payload);
    const peer = openIdentityBlock('responder', sf.sealed, {
      suite: s.suite, sealKey: s.keys.rHs, confirmKey: s.keys.rConfirm, aad: s.transcript.hash(), prefix: s.transcript.bytes(),
    });
    if (peer.name !== this.#o.account) throw remoteError('IDENTITY_MISMATCH', 'the responder signed for another account');
    runPeerCheck(this.#o.checkPeer, peer);
    const full = s.transcript.with(frame.raw);
    const transcriptHash = full.hash();
    const traffic = trafficKeys(transcriptHash, s.keys.hsPrk);
    // commit
    wipeHandshakeKeys(s.keys);
    this.#sh = null;
    this.#state = 'done';
    const result: HandshakeResult = { role: 'initiator', version: s.version, suite: s.suite, peer, ...traffic, transcriptHash };
    return { send: [], result };
  }

  #fail(e: SecureChatError): SecureChatError {
    if (this.#error === null) this.#error = e;
    this.#state = 'failed';
    wipe(this.#password, this.#hello?.decapsulationKey);
    if (this.#sh !== null) wipeHandshakeKeys(this.#sh.keys);
    this.#hello = null;
    this.#sh = null;
    return this.#error;
  }
}
