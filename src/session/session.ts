/**
 * The record layer's state machine (docs/PROTOCOL.md §6): a pure, sans-I/O object in the
 * style of h11. The transport decodes frames and hands each RECORD to `receive`; it writes
 * whatever `sendApp`, `receive`, `tick` and `close` return. The clock (`now`, ms) and the
 * `RandomSource` are parameters; there are no sockets, timers or OS randomness in here.
 *
 * Session states:
 *
 * | state     | meaning                                           | sendApp | receive          |
 * |-----------|---------------------------------------------------|---------|------------------|
 * | `open`    | conversation running                              | yes     | yes              |
 * | `closing` | we sent CLOSE, waiting for the peer's             | no      | yes (sends none) |
 * | `closed`  | the peer's CLOSE was received and checked (§6.5)  | no      | no               |
 * | `failed`  | a fatal error happened; every key is wiped        | no      | no               |
 *
 * Rekey sub-state (§6.4) and what each received control record does in it:
 *
 * | rekey       | REKEY_INIT                                  | REKEY_REPLY         | REKEY_DONE          |
 * |-------------|---------------------------------------------|---------------------|---------------------|
 * | `idle`      | answer (REPLY, switch sending chain)        | UNEXPECTED_MESSAGE  | UNEXPECTED_MESSAGE  |
 * | `initiated` | I: ignore it. R: abandon ours, answer I's   | switch both, DONE   | UNEXPECTED_MESSAGE  |
 * | `replied`   | UNEXPECTED_MESSAGE                          | UNEXPECTED_MESSAGE  | switch receiving    |
 *
 * Failed input changes nothing: every check runs on copies and state is committed only after
 * all of them passed. Any error from `receive` is fatal (§3, §8): the session becomes
 * `failed`, wipes its keys and refuses everything after. Local refusals (`LIMIT_REACHED`,
 * `SESSION_CLOSED`, oversize data) leave the session as it was.
 *
 * Not safe for concurrent use (there is none in JS); one Session per connection.
 */
import type { SuiteId } from '../crypto/aead.js';
import { wipe } from '../crypto/bytes.js';
import type { RandomSource } from '../crypto/random.js';
import { localError, remoteError, SecureChatError } from '../errors.js';
import type { HandshakeResult, PeerIdentity, Role } from '../handshake/result.js';
import {
  COALESCE_RECORD_BYTES,
  MAX_RECORD_PLAINTEXT,
  MAX_SEQUENCE,
  PROTOCOL_VERSION,
  REJECT_AFTER_RECORDS,
  REKEY_AFTER_MS,
  REKEY_AFTER_RECORDS,
} from '../limits.js';
import { FrameType, type Frame } from '../wire/frame.js';
import { CHAIN_KEY_BYTES, ChainKeys } from './chain.js';
import { checkPeerClose, truncatedEnd, CloseReason, type PeerClose } from './close.js';
import { ContentType, decodeContent, encodeContentParts, type Content } from './content.js';
import { openRecord, recordSeq, sealRecord } from './record.js';
import { answerRekey, finishRekey, startRekey, wipePending, type Epoch, type PendingRekey } from './rekey.js';

export type SessionState = 'open' | 'closing' | 'closed' | 'failed';

export interface SessionOptions {
  /** The current time (ms) when the session starts: the time-based rekey counts from here. */
  readonly now: number;
  /** Start a rekey after this many records sent on one sending chain (default REKEY_AFTER_RECORDS). */
  readonly rekeyAfterRecords?: number;
  /** Start a rekey after this long on one sending chain (default REKEY_AFTER_MS). */
  readonly rekeyAfterMs?: number;
  /** Refuse application records past this many on one sending chain (default REJECT_AFTER_RECORDS). */
  readonly rejectAfterRecords?: number;
}

export interface SessionStats {
  readonly recordsSent: number;
  readonly recordsReceived: number;
  readonly appRecordsSent: number;
  readonly appRecordsReceived: number;
  /** Rekeys this side saw complete (as initiator on REKEY_REPLY, as answerer on REKEY_DONE). */
  readonly rekeysCompleted: number;
}

export interface ReceiveResult {
  /** Application data delivered by this record (zero or one entry). */
  readonly app: Uint8Array[];
  /** Frames to write to the peer now (REKEY_REPLY, REKEY_DONE or our answering CLOSE). */
  readonly send: Uint8Array[];
  /** Set when this record was the peer's valid CLOSE: the conversation ended cleanly. */
  readonly closed: PeerClose | null;
}

type RekeyState =
  | { readonly kind: 'idle' }
  | { readonly kind: 'initiated'; readonly pending: PendingRekey }
  | { readonly kind: 'replied'; readonly nextRecv: Uint8Array };

const IDLE: RekeyState = { kind: 'idle' };

export class Session {
  readonly role: Role;
  readonly suite: SuiteId;
  readonly peer: PeerIdentity;
  readonly sessionId: Uint8Array;

  readonly #rekeyAfterRecords: number;
  readonly #rekeyAfterMs: number;
  readonly #rejectAfterRecords: number;

  #state: SessionState = 'open';
  #failure: SecureChatError | null = null;
  #root: Uint8Array;
  #send: ChainKeys;
  #recv: ChainKeys;
  #sendSeq = 0;
  #recvSeq = 0;
  /** Records sent on the current sending chain, and since when (ms) it is in use. */
  #sentOnChain = 0;
  #chainSince: number;
  #rekey: RekeyState = IDLE;
  #peerClose: PeerClose | null = null;
  #recordsSent = 0;
  #recordsReceived = 0;
  #appSent = 0;
  #appReceived = 0;
  #rekeys = 0;

  private constructor(r: HandshakeResult, opts: SessionOptions) {
    this.role = r.role;
    this.suite = r.suite;
    this.peer = r.peer;
    this.sessionId = r.sessionId.slice();
    this.#root = r.root.slice();
    const i2r = r.chainI2R.slice();
    const r2i = r.chainR2I.slice();
    this.#send = new ChainKeys(r.role === 'initiator' ? i2r : r2i, r.suite);
    this.#recv = new ChainKeys(r.role === 'initiator' ? r2i : i2r, r.suite);
    this.#chainSince = opts.now;
    this.#rekeyAfterRecords = opts.rekeyAfterRecords ?? REKEY_AFTER_RECORDS;
    this.#rekeyAfterMs = opts.rekeyAfterMs ?? REKEY_AFTER_MS;
    this.#rejectAfterRecords = opts.rejectAfterRecords ?? REJECT_AFTER_RECORDS;
  }

  /**
   * Starts the record layer from a completed handshake. The session takes ownership of the
   * key buffers: it copies them and wipes `r.root`, `r.chainI2R` and `r.chainR2I`.
   */
  static fromHandshake(r: HandshakeResult, opts: SessionOptions = { now: 0 }): Session {
    if (r.version !== PROTOCOL_VERSION) throw localError('INTERNAL', `record layer speaks version ${PROTOCOL_VERSION} only`);
    for (const k of [r.root, r.chainI2R, r.chainR2I]) {
      if (k.length !== CHAIN_KEY_BYTES) throw localError('INTERNAL', 'handshake keys must be 32 bytes');
    }
    const rekeyRecords = opts.rekeyAfterRecords ?? REKEY_AFTER_RECORDS;
    const rejectRecords = opts.rejectAfterRecords ?? REJECT_AFTER_RECORDS;
    const rekeyMs = opts.rekeyAfterMs ?? REKEY_AFTER_MS;
    if (!Number.isSafeInteger(rekeyRecords) || rekeyRecords < 1 || !Number.isSafeInteger(rejectRecords) || rejectRecords <= rekeyRecords) {
      throw localError('INTERNAL', 'need 1 <= rekeyAfterRecords < rejectAfterRecords');
    }
    if (!(rekeyMs > 0) || !Number.isFinite(opts.now)) throw localError('INTERNAL', 'bad rekeyAfterMs or now');
    const s = new Session(r, opts);
    wipe(r.root, r.chainI2R, r.chainR2I);
    return s;
  }

  get state(): SessionState {
    return this.#state;
  }

  get stats(): SessionStats {
    return {
      recordsSent: this.#recordsSent,
      recordsReceived: this.#recordsReceived,
      appRecordsSent: this.#appSent,
      appRecordsReceived: this.#appReceived,
      rekeysCompleted: this.#rekeys,
    };
  }

  /** True while a rekey this side started or answered is not finished. */
  get rekeyPending(): boolean {
    return this.#rekey.kind !== 'idle';
  }

  /**
   * Frames to write for one application payload (0..65 536 bytes). Prepends a REKEY_INIT
   * when a rekey is due (§6.4). Throws `LIMIT_REACHED` (local, state unchanged) when the
   * peer has not answered a rekey for REJECT_AFTER_RECORDS records.
   */
  sendApp(data: Uint8Array, now: number, random: RandomSource): Uint8Array[] {
    this.#mustBeOpen();
    if (data.length > MAX_RECORD_PLAINTEXT) throw localError('INTERNAL', `application payload of ${data.length} bytes exceeds ${MAX_RECORD_PLAINTEXT}`);
    const rekey = this.#rekeyDue(now);
    if (this.#sentOnChain + (rekey ? 1 : 0) >= this.#rejectAfterRecords) {
      throw localError('LIMIT_REACHED', `${this.#sentOnChain} records on one key and the peer has not answered a rekey`);
    }
    this.#needSequence(rekey ? 2 : 1);
    const out: Uint8Array[] = [];
    if (rekey) out.push(this.#initiate(now, random));
    out.push(this.#seal({ type: ContentType.APP, data }));
    this.#appSent++;
    return out;
  }

  /**
   * Frames for several application payloads queued together (§6.3 coalescing): consecutive
   * payloads share an APP_BATCH record while it stays within COALESCE_RECORD_BYTES; a payload
   * alone in its record goes as APP. Prepends a REKEY_INIT when a rekey is due. All or
   * nothing: every limit is checked before the first record is sealed (`LIMIT_REACHED`,
   * `SESSION_CLOSED`, local, state unchanged).
   */
  sendApps(datas: readonly Uint8Array[], now: number, random: RandomSource): Uint8Array[] {
    if (datas.length === 1 && datas[0] !== undefined) return this.sendApp(datas[0], now, random);
    this.#mustBeOpen();
    const groups = coalesce(datas);
    const rekey = this.#rekeyDue(now);
    if (this.#sentOnChain + (rekey ? 1 : 0) + groups.length > this.#rejectAfterRecords) {
      throw localError('LIMIT_REACHED', `${this.#sentOnChain} records on one key and the peer has not answered a rekey`);
    }
    this.#needSequence(groups.length + (rekey ? 1 : 0));
    const out: Uint8Array[] = [];
    if (rekey) out.push(this.#initiate(now, random));
    for (const g of groups) {
      out.push(this.#seal(g.length === 1 && g[0] !== undefined ? { type: ContentType.APP, data: g[0] } : { type: ContentType.APP_BATCH, items: g }));
      this.#appSent += g.length;
    }
    return out;
  }

  /** Throws what `sendApp` would throw for `n` more payloads now, without changing anything. */
  checkSend(n: number, now: number): void {
    this.#mustBeOpen();
    const rekey = this.#rekeyDue(now);
    if (this.#sentOnChain + (rekey ? 1 : 0) + n > this.#rejectAfterRecords) {
      throw localError('LIMIT_REACHED', `${this.#sentOnChain} records on one key and the peer has not answered a rekey`);
    }
    this.#needSequence(n + (rekey ? 1 : 0));
  }

  /** Time passed: returns a REKEY_INIT if a rekey is due, else nothing. */
  tick(now: number, random: RandomSource): Uint8Array[] {
    if (this.#state !== 'open' || !this.#rekeyDue(now)) return [];
    this.#needSequence(1);
    return [this.#initiate(now, random)];
  }

  /** The CLOSE record (§6.5) carrying our APP count; nothing can be sent after it. */
  close(reason: CloseReason = CloseReason.NORMAL): Uint8Array {
    this.#mustBeOpen();
    this.#needSequence(1);
    const frame = this.#seal({ type: ContentType.CLOSE, appRecords: this.#appSent, reason });
    this.#state = 'closing';
    // Nothing is sent after CLOSE: the sending chain is spent. (A pending rekey's secrets stay
    // until the REPLY arrives, because the peer's next records use the chain they derive.)
    this.#send.wipe();
    return frame;
  }

  /** The transport saw EOF: throws `TRUNCATED` unless the peer's valid CLOSE was received. */
  end(): void {
    if (this.#state === 'failed') throw this.#refused();
    if (this.#peerClose !== null) return;
    const e = truncatedEnd();
    this.#fail(e);
    throw e;
  }

  /** Processes one received RECORD frame. Any error is fatal and leaves the session `failed`. */
  receive(frame: Frame, now: number, random: RandomSource): ReceiveResult {
    if (this.#state === 'failed') throw this.#refused();
    if (this.#state === 'closed') throw remoteError('UNEXPECTED_MESSAGE', 'record after the peer closed');
    try {
      return this.#receive(frame, now, random);
    } catch (e) {
      const err = e instanceof SecureChatError ? e : localError('INTERNAL', 'record processing failed', e);
      this.#fail(err);
      throw err;
    }
  }

  // ---- receiving ----

  #receive(frame: Frame, now: number, random: RandomSource): ReceiveResult {
    if (frame.type !== FrameType.RECORD) throw remoteError('UNEXPECTED_MESSAGE', `frame type ${frame.type} after the handshake`);
    const seq = recordSeq(frame.payload);
    const expected = BigInt(this.#recvSeq);
    if (seq < expected) throw remoteError('RECORD_REPLAY', `record ${seq} replayed (expected ${expected})`);
    if (seq > expected) throw remoteError('RECORD_GAP', `record ${seq} arrived, ${expected} expected (records deleted)`);
    // A failure below fails the session, which wipes every key (deriving a batch in current()
    // changes which keys are held, never which keys the chain produces).
    const content = decodeContent(openRecord(this.suite, this.#recv.current(), frame.payload));
    // Everything below either throws before the first commit or cannot fail.
    const plan = this.#plan(content, random);
    if (plan.needSeals > 0 && this.#state === 'open') this.#needSequence(plan.needSeals);

    // ---- commit ----
    this.#recv.advance();
    if (plan.nextRecv !== null) {
      // The peer's old chain ended with this record: switch to the new one.
      this.#recv.wipe();
      this.#recv = new ChainKeys(plan.nextRecv, this.suite);
    }
    this.#recvSeq++;
    this.#recordsReceived++;
    return plan.commit(now);
  }

  /** Decides what `content` does, computing every fallible step without touching state. */
  #plan(content: Content, random: RandomSource): { nextRecv: Uint8Array | null; needSeals: number; commit: (now: number) => ReceiveResult } {
    const none = (extra: Partial<ReceiveResult> = {}): ReceiveResult => ({ app: [], send: [], closed: null, ...extra });
    const sending = this.#state === 'open';
    switch (content.type) {
      case ContentType.APP:
        return {
          nextRecv: null,
          needSeals: 0,
          commit: () => {
            this.#appReceived++;
            return none({ app: [content.data] });
          },
        };

      case ContentType.APP_BATCH:
        return {
          nextRecv: null,
          needSeals: 0,
          commit: () => {
            this.#appReceived += content.items.length;
            return none({ app: [...content.items] });
          },
        };

      case ContentType.REKEY_INIT: {
        const r = this.#rekey;
        if (r.kind === 'replied') throw remoteError('UNEXPECTED_MESSAGE', 'REKEY_INIT while answering another');
        // §6.4 tie-break: the initiator's INIT wins; I ignores R's, R abandons its own.
        // A closing party sends nothing more, so it cannot answer: it ignores the INIT too.
        if ((r.kind === 'initiated' && this.role === 'initiator') || !sending) {
          return { nextRecv: null, needSeals: 0, commit: () => none() };
        }
        const ans = answerRekey(this.#root, this.role, content.x25519Pub, content.mlkemEk, random);
        return {
          nextRecv: null,
          needSeals: 1,
          commit: (now) => {
            if (r.kind === 'initiated') wipePending(r.pending);
            // REPLY is the last record of our old sending chain; then we switch (§6.4).
            const reply = this.#seal({ type: ContentType.REKEY_REPLY, x25519Pub: ans.x25519Pub, mlkemCt: ans.mlkemCt });
            this.#switchSending(ans.epoch, now);
            this.#rekey = { kind: 'replied', nextRecv: ans.epoch.recv };
            return none({ send: [reply] });
          },
        };
      }

      case ContentType.REKEY_REPLY: {
        const r = this.#rekey;
        if (r.kind !== 'initiated') throw remoteError('UNEXPECTED_MESSAGE', 'REKEY_REPLY without an outstanding REKEY_INIT');
        const epoch = finishRekey(this.#root, this.role, r.pending, content.x25519Pub, content.mlkemCt);
        return {
          nextRecv: epoch.recv,
          needSeals: 1,
          commit: (now) => {
            wipePending(r.pending);
            this.#rekeys++;
            this.#rekey = IDLE;
            if (!sending) {
              wipe(this.#root, epoch.send);
              this.#root = epoch.root;
              return none();
            }
            // DONE is the last record of our old sending chain.
            const done = this.#seal({ type: ContentType.REKEY_DONE });
            this.#switchSending(epoch, now);
            return none({ send: [done] });
          },
        };
      }

      case ContentType.REKEY_DONE: {
        const r = this.#rekey;
        if (r.kind !== 'replied') throw remoteError('UNEXPECTED_MESSAGE', 'REKEY_DONE when none is expected');
        return {
          nextRecv: r.nextRecv,
          needSeals: 0,
          commit: () => {
            this.#rekey = IDLE;
            this.#rekeys++;
            return none();
          },
        };
      }

      case ContentType.CLOSE: {
        checkPeerClose(content.appRecords, this.#appReceived);
        const closed: PeerClose = { appRecords: content.appRecords, reason: content.reason };
        return {
          nextRecv: null,
          needSeals: 1,
          commit: () => {
            const send = sending ? [this.#seal({ type: ContentType.CLOSE, appRecords: this.#appSent, reason: CloseReason.NORMAL })] : [];
            this.#peerClose = closed;
            this.#state = 'closed';
            this.#wipeAll();
            return none({ send, closed });
          },
        };
      }
    }
  }

  // ---- sending ----

  #rekeyDue(now: number): boolean {
    return this.#rekey.kind === 'idle' && (this.#sentOnChain >= this.#rekeyAfterRecords || now - this.#chainSince >= this.#rekeyAfterMs);
  }

  #initiate(_now: number, random: RandomSource): Uint8Array {
    const { pending, x25519Pub, mlkemEk } = startRekey(random);
    const frame = this.#seal({ type: ContentType.REKEY_INIT, x25519Pub, mlkemEk });
    this.#rekey = { kind: 'initiated', pending };
    return frame;
  }

  /** Seals one record on the sending chain and commits the step. Preconditions checked by callers. */
  #seal(content: Content): Uint8Array {
    const frame = sealRecord(this.suite, this.#send.current(), this.#sendSeq, encodeContentParts(content));
    this.#send.advance();
    this.#sendSeq++;
    this.#sentOnChain++;
    this.#recordsSent++;
    return frame;
  }

  #switchSending(epoch: Epoch, now: number): void {
    this.#send.wipe();
    wipe(this.#root);
    this.#send = new ChainKeys(epoch.send, this.suite);
    this.#root = epoch.root;
    this.#sentOnChain = 0;
    this.#chainSince = now;
  }

  #needSequence(n: number): void {
    if (this.#sendSeq + n - 1 > MAX_SEQUENCE) throw localError('LIMIT_REACHED', 'record sequence numbers exhausted');
  }

  #mustBeOpen(): void {
    if (this.#state === 'failed') throw this.#refused();
    if (this.#state !== 'open') throw localError('SESSION_CLOSED', `session is ${this.#state}`);
  }

  #refused(): SecureChatError {
    return localError('SESSION_CLOSED', `session failed earlier (${this.#failure?.code ?? 'unknown'})`, this.#failure ?? undefined);
  }

  #fail(e: SecureChatError): void {
    this.#state = 'failed';
    this.#failure = e;
    this.#wipeAll();
  }

  #wipeAll(): void {
    wipe(this.#root);
    this.#send.wipe();
    this.#recv.wipe();
    const r = this.#rekey;
    if (r.kind === 'initiated') wipePending(r.pending);
    if (r.kind === 'replied') wipe(r.nextRecv);
    this.#rekey = IDLE;
  }
}

/**
 * Groups consecutive payloads into records (§6.3): a group grows while its APP_BATCH content
 * stays within COALESCE_RECORD_BYTES; a payload too large to share goes alone (as APP).
 */
function coalesce(datas: readonly Uint8Array[]): Uint8Array[][] {
  const groups: Uint8Array[][] = [];
  let cur: Uint8Array[] = [];
  let bytes = 0;
  for (const d of datas) {
    if (d.length > MAX_RECORD_PLAINTEXT) throw localError('INTERNAL', `application payload of ${d.length} bytes exceeds ${MAX_RECORD_PLAINTEXT}`);
    const cost = 2 + d.length;
    if (cur.length > 0 && bytes + cost > COALESCE_RECORD_BYTES) {
      groups.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(d);
    bytes += cost;
  }
  if (cur.length > 0) groups.push(cur);
  return groups;
}
