/**
 * An established, authenticated connection: the pure `Session` (record layer) driven by a
 * `FramedSocket`, with the timers the core must not own (idle timeout, time-based rekey).
 *
 * Closing: `close()` sends our authenticated CLOSE and waits for the peer's; a peer's CLOSE is
 * answered by the session itself. An end of stream without the peer's CLOSE is `TRUNCATED`.
 */
import { Session } from '../session/session.js';
import type { HandshakeResult, PeerIdentity } from '../handshake/result.js';
import type { FramedSocket } from './framed-socket.js';
import { FrameType, type Frame } from '../wire/frame.js';
import { decodeAlert } from '../handshake/alert.js';
import type { RandomSource } from '../crypto/random.js';
import type { SuiteId } from '../crypto/aead.js';
import { COALESCE_RECORD_BYTES, IDLE_TIMEOUT_MS, MAX_RECORD_PLAINTEXT, REKEY_TICK_MS } from '../limits.js';
import { isSecureChatError, localError, type SecureChatError } from '../errors.js';

export interface SecureConnectionOptions {
  readonly random: RandomSource;
  readonly now?: () => number;
  readonly idleTimeoutMs?: number;
  /** How often to ask the session whether a time-based rekey is due. */
  readonly tickMs?: number;
  /** Session limits, for tests. */
  readonly rekeyAfterRecords?: number;
  readonly rekeyAfterMs?: number;
  readonly rejectAfterRecords?: number;
}

export interface SecureConnectionHandlers {
  onApp(data: Uint8Array): void;
  /** Exactly once. `error` null: a clean, authenticated close (by `by`). */
  onClose(error: SecureChatError | null, by: 'local' | 'peer'): void;
  onRekey?(): void;
}

import { CLOSE_WAIT_MS } from '../limits.js';

function flushOutbox(c: SecureConnection): void {
  c.flush();
}

export class SecureConnection {
  readonly peer: PeerIdentity;
  readonly suite: SuiteId;
  readonly sessionId: Uint8Array;
  readonly remoteAddress: string;
  readonly remotePort: number;

  readonly #fs: FramedSocket;
  readonly #session: Session;
  readonly #random: RandomSource;
  readonly #now: () => number;
  #handlers: SecureConnectionHandlers | null = null;
  readonly #early: (Frame | { close: SecureChatError | null })[] = [];
  #done = false;
  #closingBy: 'local' | 'peer' | null = null;
  #closeWaiters: (() => void)[] = [];
  #tick: NodeJS.Timeout | null = null;
  #rekeys = 0;
  /** Payloads queued this turn, sealed together by `flush`. */
  readonly #outbox: Uint8Array[] = [];
  #outboxBytes = 0;

  constructor(fs: FramedSocket, result: HandshakeResult, opts: SecureConnectionOptions) {
    this.#fs = fs;
    this.#random = opts.random;
    this.#now = opts.now ?? Date.now;
    this.peer = result.peer;
    this.suite = result.suite;
    this.sessionId = result.sessionId.slice();
    this.remoteAddress = fs.remoteAddress;
    this.remotePort = fs.remotePort;
    this.#session = Session.fromHandshake(result, {
      now: this.#now(),
      ...(opts.rekeyAfterRecords === undefined ? {} : { rekeyAfterRecords: opts.rekeyAfterRecords }),
      ...(opts.rekeyAfterMs === undefined ? {} : { rekeyAfterMs: opts.rekeyAfterMs }),
      ...(opts.rejectAfterRecords === undefined ? {} : { rejectAfterRecords: opts.rejectAfterRecords }),
    });
    const idle = opts.idleTimeoutMs ?? IDLE_TIMEOUT_MS;
    fs.socket.setTimeout(idle, () => this.#idle());
    const tickMs = opts.tickMs ?? REKEY_TICK_MS;
    this.#tick = setInterval(() => this.#onTick(), tickMs);
    this.#tick.unref();
  }

  /**
   * Attaches the handlers. Frames that arrived between the end of the handshake and now are
   * delivered first, in order.
   */
  start(handlers: SecureConnectionHandlers): void {
    this.#handlers = handlers;
    const early = this.#early.splice(0);
    for (const e of early) {
      if ('close' in e) {
        this.onSocketClose(e.close);
        continue;
      }
      // Outside the socket's data handler: a failing frame must fail this connection only.
      try {
        this.onFrame(e);
      } catch (err) {
        this.#fs.fail(isSecureChatError(err) ? err : localError('INTERNAL', 'unexpected failure while processing a frame', err));
      }
    }
  }

  get stats(): { recordsSent: number; recordsReceived: number; rekeys: number } {
    const s = this.#session.stats;
    return { recordsSent: s.recordsSent, recordsReceived: s.recordsReceived, rekeys: this.#rekeys };
  }

  get open(): boolean {
    return !this.#done && this.#session.state === 'open';
  }

  /**
   * Queues one application payload; throws SESSION_CLOSED / LIMIT_REACHED (nothing queued).
   * Payloads queued in the same turn of the event loop are sealed together at the end of it
   * (process.nextTick), sharing APP_BATCH records up to 16 KiB (§6.3); a lone payload goes
   * out alone, in that same turn.
   */
  sendApp(data: Uint8Array): void {
    if (this.#done) throw localError('SESSION_CLOSED', 'the conversation has ended');
    if (data.length > MAX_RECORD_PLAINTEXT) throw localError('INTERNAL', `application payload of ${data.length} bytes exceeds ${MAX_RECORD_PLAINTEXT}`);
    this.#session.checkSend(this.#outbox.length + 1, this.#now());
    this.#outbox.push(data);
    this.#outboxBytes += data.length;
    // A full record's worth is sealed at once: the queue never holds more than one record.
    if (this.#outboxBytes >= COALESCE_RECORD_BYTES) this.flush();
    else if (this.#outbox.length === 1) process.nextTick(flushOutbox, this);
  }

  /** Seals and writes every queued payload now (before CLOSE, and at the end of the turn). */
  flush(): void {
    if (this.#outbox.length === 0 || this.#done) return;
    const batch = this.#outbox.splice(0);
    this.#outboxBytes = 0;
    try {
      for (const f of this.#session.sendApps(batch, this.#now(), this.#random)) this.#fs.write(f);
    } catch (e) {
      // checkSend ran for each payload: only a broken invariant lands here.
      this.#fs.fail(isSecureChatError(e) ? e : localError('INTERNAL', 'sealing queued messages failed', e));
    }
  }

  /**
   * Receive-side backpressure (issue 10, finding 4): stop reading from the socket until
   * `resumeReading`. Frames of a chunk already read are still delivered; nothing more is read,
   * so the peer's writes back up into its own buffers, not our memory.
   */
  pauseReading(): void {
    if (!this.#done) this.#fs.socket.pause();
  }

  resumeReading(): void {
    if (!this.#done) this.#fs.socket.resume();
  }

  /**
   * Resolves when the socket's buffer drained: await it between bulk sends. Seals what is
   * queued first, so that the write buffer it measures includes it (a loop of sendApp and
   * drained() runs in microtasks, before any nextTick flush).
   */
  drained(): Promise<void> {
    this.flush();
    return this.#fs.drained();
  }

  /** Authenticated close: sends CLOSE, waits (bounded) for the peer's CLOSE, then ends. */
  close(): Promise<void> {
    if (this.#done) return Promise.resolve();
    const p = new Promise<void>((resolve) => this.#closeWaiters.push(resolve));
    if (this.#closingBy === null && this.#session.state === 'open') {
      this.#closingBy = 'local';
      this.flush(); // queued messages go before CLOSE, which counts them
      try {
        this.#fs.write(this.#session.close());
      } catch (e) {
        this.#finish(isSecureChatError(e) ? e : localError('INTERNAL', 'close failed', e), 'local');
        return p;
      }
      const t = setTimeout(() => {
        this.#fs.fail(localError('CONNECTION_LOST', 'the peer did not answer our close'));
      }, CLOSE_WAIT_MS);
      t.unref();
    }
    return p;
  }

  /**
   * Drops the connection at once, without an authenticated close. A connection never started
   * (its owner gave up first, e.g. a pin that could not be written) is finished here: nobody
   * will replay the socket's close parked in the early queue, and its rekey timer would keep
   * it and its session keys reachable (issue 10 review, F6).
   */
  destroy(error: SecureChatError): void {
    if (this.#handlers === null && !this.#done) {
      this.#done = true;
      this.#early.length = 0;
      this.#outbox.length = 0;
      this.#outboxBytes = 0;
      if (this.#tick !== null) clearInterval(this.#tick);
      this.#tick = null;
      this.#fs.socket.setTimeout(0);
      // Ending a session whose peer never closed fails it, which wipes every key it holds.
      try {
        this.#session.end();
      } catch {
        // expected: TRUNCATED (or SESSION_CLOSED, already wiped)
      }
      for (const w of this.#closeWaiters.splice(0)) w();
    }
    this.#fs.fail(error);
  }

  /** Called by the owner's FramedSocket handlers. */
  onFrame(frame: Frame): void {
    if (this.#done) return;
    if (this.#handlers === null) {
      this.#early.push(frame);
      return;
    }
    // The initiator can still refuse our ServerFinish (e.g. its pinned key for us differs):
    // until its first record arrives, an ALERT is its answer (docs/PROTOCOL.md §4.6).
    if (frame.type === FrameType.ALERT && this.#session.stats.recordsReceived === 0) throw decodeAlert(frame.payload);
    const before = this.#session.stats.rekeysCompleted;
    const r = this.#session.receive(frame, this.#now(), this.#random); // throws SecureChatError → socket fails
    for (const f of r.send) this.#fs.write(f);
    if (this.#session.stats.rekeysCompleted !== before) {
      this.#rekeys++;
      this.#handlers.onRekey?.();
    }
    for (const a of r.app) this.#handlers.onApp(a);
    if (r.closed !== null) {
      this.#closingBy ??= 'peer';
      this.#fs.end();
      this.#finish(null, this.#closingBy);
    }
  }

  /** Called by the owner's FramedSocket handlers. */
  onSocketClose(error: SecureChatError | null): void {
    if (this.#done) return;
    if (this.#handlers === null) {
      this.#early.push({ close: error });
      return;
    }
    if (error === null) {
      try {
        this.#session.end();
      } catch (e) {
        this.#finish(isSecureChatError(e) ? e : localError('INTERNAL', 'end failed', e), 'peer');
        return;
      }
      this.#finish(null, this.#closingBy ?? 'peer');
      return;
    }
    this.#finish(error, 'peer');
  }

  #idle(): void {
    if (this.#done) return;
    if (this.#session.state === 'open') {
      this.flush();
      try {
        this.#fs.write(this.#session.close(2));
      } catch {
        // the session refused: we drop the connection below anyway
      }
    }
    this.#fs.fail(localError('IDLE_TIMEOUT', 'the conversation was idle for too long'));
  }

  #onTick(): void {
    if (this.#done || this.#session.state !== 'open') return;
    try {
      for (const f of this.#session.tick(this.#now(), this.#random)) this.#fs.write(f);
    } catch (e) {
      this.#fs.fail(isSecureChatError(e) ? e : localError('INTERNAL', 'rekey failed', e));
    }
  }

  #finish(error: SecureChatError | null, by: 'local' | 'peer'): void {
    if (this.#done) return;
    this.#done = true;
    if (this.#tick !== null) clearInterval(this.#tick);
    this.#fs.socket.setTimeout(0);
    if (error !== null) this.#fs.fail(error);
    const waiters = this.#closeWaiters.splice(0);
    for (const w of waiters) w();
    this.#handlers?.onClose(error, by);
  }
}
