/**
 * Listening side: accepts TCP connections and runs one pure `Responder` per connection,
 * isolated from every other. Enforced here, before any expensive work where possible
 * (docs/PROTOCOL.md §4.8, docs/SECURITY.md "Listener limits"):
 *
 * - at accept, `Admission`: per-source and global caps on unfinished handshakes, random early
 *   drop near the global cap, penalties for sources that time out or send garbage;
 * - a short deadline for the first whole frame, and the whole-handshake deadline;
 * - right after ClientHello, before OPAQUE: the online-guessing budget (`FailureLimiter`),
 *   which counts an attempt from the moment it is admitted;
 * - the cap on sessions.
 *
 * A misbehaving connection only ever fails itself. Clock and timers are a parameter.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { Responder, alertFor, type ResponderOptions, type StepOutput } from '../handshake/index.js';
import { ReconnectResponder, type ReconnectResponderOptions, type ReconnectResult } from '../handshake/reconnect/index.js';
import { FramedSocket, netError } from './framed-socket.js';
import { SecureConnection, type SecureConnectionOptions } from './secure-connection.js';
import { FailureLimiter, type Attempt, type HandshakeKind } from './limiter.js';
import { Admission, type AdmissionOptions, type HandshakeOutcome } from './admission.js';
import { sourceOf } from './source.js';
import { realTimers, type TimerHandle, type Timers } from './timers.js';
import { ALERT_LINGER_MS, FIRST_FRAME_TIMEOUT_MS, HANDSHAKE_TIMEOUT_MS, LISTEN_BACKLOG, MAX_SESSIONS, MAX_SESSIONS_PER_SOURCE, SILENT_EVICT_AFTER_MS } from '../limits.js';
import { isSecureChatError, localError, remoteError, type SecureChatError } from '../errors.js';
import { FrameType, type Frame } from '../wire/frame.js';
import type { HandshakeResult } from '../handshake/result.js';

export type RefusedBy = 'source' | 'full' | 'early-drop' | 'penalty' | 'sessions' | 'address' | 'account';

/** Which handshake made a connection (its first frame, docs/PROTOCOL.md §10.2). */
export type ConnectionVia = 'login' | 'reconnect' | 'invitation';

export type ServerEvent =
  | { readonly type: 'handshake-failed'; readonly remoteAddress: string; readonly error: SecureChatError; readonly counted: boolean }
  | { readonly type: 'refused'; readonly remoteAddress: string; readonly code: 'TOO_MANY_CONNECTIONS' | 'RATE_LIMITED'; readonly by: RefusedBy }
  | { readonly type: 'hello'; readonly remoteAddress: string };

export interface ServerOptions extends SecureConnectionOptions {
  readonly host?: string;
  readonly port: number;
  readonly handshake: Omit<ResponderOptions, 'random' | 'admit'>;
  readonly onConnection: (conn: SecureConnection, result: HandshakeResult, via: ConnectionVia) => void;
  /** Reconnects by keys (docs/PROTOCOL.md §10); absent: a RECONNECT_HELLO is refused like any unexpected frame. */
  readonly reconnect?: Omit<ReconnectResponderOptions, 'random' | 'admit'>;
  /**
   * The pending invitation (§11), asked when an INVITE_HELLO arrives: the responder options for
   * its one-time record and `consume`, called once ServerHello went out (one online guess), or
   * null (no valid invitation: INVITATION_INVALID).
   */
  readonly invitation?: () => { readonly handshake: Omit<ResponderOptions, 'random' | 'admit' | 'invitation'>; consume(): void } | null;
  /** A reconnect's initiator sent its first record: the responder's ratchet may advance now (§10.5). */
  readonly onReconnectConfirmed?: (result: ReconnectResult) => void;
  readonly onEvent?: (e: ServerEvent) => void;
  readonly limiter?: FailureLimiter;
  /** Caps and penalties at accept; an `Admission` instance or its options. */
  readonly admission?: Admission | AdmissionOptions;
  /**
   * Which kind of handshake a first frame starts: a password login is charged against the
   * guessing budget, a reconnect by pinned keys (issue 12, PROTOCOL §10) is not. Default:
   * RECONNECT_HELLO starts a reconnect, anything else a password login. (The reconnect
   * responder itself is not dispatched from here yet: that is issue 12's wiring.)
   */
  readonly handshakeKind?: (first: Frame) => HandshakeKind;
  readonly handshakeTimeoutMs?: number;
  readonly firstFrameTimeoutMs?: number;
  /** When every slot is taken, a connection silent this long gives its slot to a newcomer; default SILENT_EVICT_AFTER_MS. */
  readonly silentEvictAfterMs?: number;
  readonly maxSessions?: number;
  /** Established conversations per source (an IPv4 address or an IPv6 /64); default MAX_SESSIONS_PER_SOURCE. */
  readonly maxSessionsPerSource?: number;
  /** Clock and timers (tests inject their own to drive deadlines). */
  readonly timers?: Timers;
}

export interface ServerStats {
  readonly pendingHandshakes: number;
  readonly sessions: number;
  readonly handshakesCompleted: number;
  readonly handshakesFailed: number;
  readonly refusedByLimiter: number;
  readonly refusedTooMany: number;
  readonly failuresCounted: number;
  /** Silent connections that gave their slot to a newcomer (F3). */
  readonly evictedSilent: number;
  readonly refusedBy: Readonly<Record<RefusedBy, number>>;
}

const FIRST_FRAME = 'the first frame did not arrive in time';

const defaultKind = (first: Frame): HandshakeKind => (first.type === FrameType.RECONNECT_HELLO ? 'key' : 'password');

/** Error codes that mean the peer sent bytes breaking the framing or the handshake encoding. */
/** The peer left before the handshake completed: penalised as `abandoned` (OpenSSH's noauth). */
const LEFT = new Set(['CONNECTION_LOST', 'CONNECTION_RESET']);
const GARBAGE = new Set(['FRAME_MALFORMED', 'FRAME_TOO_LARGE', 'FRAME_TRUNCATED', 'FRAME_CORRUPT', 'DECODE_ERROR', 'UNEXPECTED_MESSAGE', 'UNSUPPORTED_VERSION']);

export class SecureServer {
  readonly #server: Server;
  readonly #opts: ServerOptions;
  readonly #limiter: FailureLimiter;
  readonly #admission: Admission;
  readonly #timers: Timers;
  readonly #sockets = new Set<Socket>();
  /** Admitted connections whose first frame has not arrived, oldest first (F3). */
  readonly #silent = new Map<Socket, { readonly since: number; readonly source: string; readonly evict: () => void }>();
  #sessions = 0;
  readonly #sessionsBySource = new Map<string, number>();
  #completed = 0;
  #failed = 0;
  readonly #refusedBy: Record<RefusedBy, number> = { source: 0, full: 0, 'early-drop': 0, penalty: 0, sessions: 0, address: 0, account: 0 };

  private constructor(opts: ServerOptions) {
    this.#opts = opts;
    this.#limiter = opts.limiter ?? new FailureLimiter();
    this.#admission = opts.admission instanceof Admission ? opts.admission : new Admission(opts.admission ?? {});
    this.#timers = opts.timers ?? realTimers;
    this.#server = createServer({ noDelay: true }, (s) => this.#accept(s));
  }

  /** Starts listening; rejects with ADDRESS_IN_USE or NETWORK_ERROR. */
  static listen(opts: ServerOptions): Promise<SecureServer> {
    const s = new SecureServer(opts);
    return new Promise((resolve, reject) => {
      const onError = (e: Error): void => reject(netError(e));
      s.#server.once('error', onError);
      s.#server.listen({ host: opts.host ?? '127.0.0.1', port: opts.port, backlog: LISTEN_BACKLOG }, () => {
        s.#server.off('error', onError);
        s.#server.on('error', () => undefined);
        resolve(s);
      });
    });
  }

  get port(): number {
    const a = this.#server.address();
    return typeof a === 'object' && a !== null ? a.port : 0;
  }

  stats(): ServerStats {
    const r = this.#refusedBy;
    return {
      pendingHandshakes: this.#admission.stats().pending,
      sessions: this.#sessions,
      handshakesCompleted: this.#completed,
      handshakesFailed: this.#failed,
      refusedByLimiter: r.address + r.account,
      refusedTooMany: r.source + r.full + r['early-drop'] + r.penalty + r.sessions,
      failuresCounted: this.#limiter.stats().failures,
      evictedSilent: this.#admission.stats().evicted,
      refusedBy: { ...r },
    };
  }

  /** Stops accepting and drops every connection still open. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      for (const s of this.#sockets) s.destroy();
    });
  }

  /** Whether some admitted connection has said nothing for long enough that the slots look held (F3). */
  #stuck(now: number): boolean {
    const first = this.#silent.values().next();
    return first.done !== true && now - first.value.since >= (this.#opts.silentEvictAfterMs ?? SILENT_EVICT_AFTER_MS);
  }

  /**
   * Which silent connection gives its slot (issue 10 review): by source, not by age alone, so
   * an attacker keeping its own connections young cannot make a slow legitimate client the
   * victim. A penalised source first, then the source with the most silent connections, then
   * one that sent no byte before one with part of a frame, then the youngest (the attacker's
   * own churn is youngest; a client that waited longest is closest to speaking).
   */
  #victim(now: number): { readonly evict: () => void } | null {
    const count = new Map<string, number>();
    for (const v of this.#silent.values()) count.set(v.source, (count.get(v.source) ?? 0) + 1);
    let best: { readonly rank: readonly number[]; readonly evict: () => void } | null = null;
    for (const [socket, v] of this.#silent) {
      const rank = [this.#admission.isPenalised(v.source, now) ? 1 : 0, count.get(v.source) ?? 0, socket.bytesRead === 0 ? 1 : 0, v.since];
      if (best === null || compare(rank, best.rank) >= 0) best = { rank, evict: v.evict };
    }
    return best;
  }

  #refuse(socket: Socket, address: string, by: RefusedBy): void {
    this.#refusedBy[by]++;
    this.#opts.onEvent?.({ type: 'refused', remoteAddress: address, code: 'TOO_MANY_CONNECTIONS', by });
    const alert = alertFor(localError('TOO_MANY_CONNECTIONS', 'busy'));
    // One small write, then the connection is gone: a refused source costs no timer and no state.
    if (alert !== null) socket.end(alert);
    else socket.end();
    socket.destroySoon();
  }

  #accept(socket: Socket): void {
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
    socket.on('error', () => undefined);
    const address = socket.remoteAddress ?? 'unknown';
    const source = sourceOf(socket.remoteAddress);
    const o = this.#opts;
    const t = this.#timers;
    if (this.#sessions >= (o.maxSessions ?? MAX_SESSIONS)) return this.#refuse(socket, address, 'sessions');
    // One source (one holder of the password, say) cannot hold every session slot and its memory.
    if ((this.#sessionsBySource.get(source) ?? 0) >= (o.maxSessionsPerSource ?? MAX_SESSIONS_PER_SOURCE)) return this.#refuse(socket, address, 'sessions');
    // When the slots are all taken and some connection has said nothing for a while, a silent
    // one gives its slot to this one (issue 10, F3): holding slots silently no longer works.
    const verdict = this.#admission.admit(source, t.now(), this.#stuck(t.now()));
    if (!verdict.ok) return this.#refuse(socket, address, verdict.by);
    if (verdict.evict !== true) return this.#start(socket, address, source);
    // Decide after this turn's pending input is read (as deadlines do): a connection whose
    // first frame already arrived is no longer silent and is never the victim.
    setImmediate(() => {
      const victim = this.#victim(t.now());
      if (victim === null || socket.destroyed) {
        this.#admission.release(source, 'completed', t.now()); // no penalty: it did nothing wrong
        if (!socket.destroyed) this.#refuse(socket, address, 'full');
        return;
      }
      victim.evict();
      this.#start(socket, address, source);
    });
  }

  /** Runs the handshake of an admitted connection. */
  #start(socket: Socket, address: string, source: string): void {
    const o = this.#opts;
    const t = this.#timers;
    let attempt: Attempt | null = null;
    let kind: HandshakeKind = 'password';
    let conn: SecureConnection | null = null;
    let over = false;
    let firstDeadline: TimerHandle | null = null;
    let deadline: TimerHandle | null = null;

    const end = (outcome: HandshakeOutcome): void => {
      over = true;
      this.#silent.delete(socket);
      firstDeadline?.cancel();
      deadline?.cancel();
      const now = t.now();
      this.#admission.release(source, outcome, now);
      if (attempt !== null) this.#limiter.finish(attempt, outcome === 'completed', now);
    };

    const fail = (err: SecureChatError, fs: FramedSocket, sendAlert: boolean, evicted = false): void => {
      if (over) return;
      const outcome: HandshakeOutcome = evicted ? 'evicted' : err.code === 'HANDSHAKE_TIMEOUT' ? 'timeout' : GARBAGE.has(err.code) ? 'garbage' : LEFT.has(err.code) ? 'abandoned' : 'failed';
      const counted = attempt !== null;
      end(outcome);
      this.#failed++;
      o.onEvent?.({ type: 'handshake-failed', remoteAddress: address, error: err, counted });
      const alert = sendAlert && err.code !== 'PEER_ALERT' ? alertFor(err) : null;
      if (alert !== null) {
        fs.write(alert);
        fs.end();
        t.after(ALERT_LINGER_MS, () => fs.fail(err));
      } else {
        fs.fail(err);
      }
    };

    let via: ConnectionVia = 'login';
    let confirmPending: ReconnectResult | null = null;
    let consumeInvitation: (() => void) | null = null;
    // Every name a peer asks for, our account's and made-up ones alike, is charged to one
    // bucket per listener (issue 10, F2 and its review): made-up names can neither fill the
    // limiter's table nor get a burst of their own, and no bucket state answers the real
    // name differently from another, so the answer never tells whether the account exists
    // (docs/PROTOCOL.md §4.8). Known sources and reconnects by keys keep their own budgets.
    const bucket = `account:${o.handshake.account}`;
    const admit = (): SecureChatError | null => {
        const v = this.#limiter.begin(source, bucket, kind, t.now());
        if (v.ok) {
          attempt = v.attempt;
          return null;
        }
        this.#refusedBy[v.by]++;
        o.onEvent?.({ type: 'refused', remoteAddress: address, code: 'RATE_LIMITED', by: v.by });
        return localError('RATE_LIMITED', `too many password attempts for this ${v.by === 'address' ? 'address' : 'account'}`);
    };
    // The first frame decides the handshake (§10.2): a password login, a reconnect by keys
    // (not charged to the account's guessing budget) or an invitation (§11).
    let responder: { receive(frame: Frame): StepOutput } | null = null;
    const machineFor = (frame: Frame): { receive(frame: Frame): StepOutput } => {
      if (frame.type === FrameType.RECONNECT_HELLO && o.reconnect !== undefined) {
        via = 'reconnect';
        return new ReconnectResponder({ ...o.reconnect, random: o.random, admit });
      }
      if (frame.type === FrameType.INVITE_HELLO && o.invitation !== undefined) {
        via = 'invitation';
        const inv = o.invitation();
        if (inv === null) return { receive: () => { throw remoteError('INVITATION_INVALID', 'no valid invitation (wrong, used or expired)'); } };
        consumeInvitation = () => inv.consume();
        return new Responder({ ...inv.handshake, invitation: true, random: o.random, admit });
      }
      return new Responder({ ...o.handshake, random: o.random, admit });
    };

    const fs: FramedSocket = new FramedSocket(socket, {
      onFrame: (frame: Frame) => {
        if (conn !== null) {
          conn.onFrame(frame);
          if (confirmPending !== null && conn.stats.recordsReceived > 0) {
            const r = confirmPending;
            confirmPending = null;
            o.onReconnectConfirmed?.(r);
          }
          return;
        }
        if (over) return;
        if (firstDeadline !== null) {
          firstDeadline.cancel();
          firstDeadline = null;
          this.#silent.delete(socket);
          kind = (o.handshakeKind ?? defaultKind)(frame);
        }
        let out;
        try {
          responder ??= machineFor(frame);
          out = responder.receive(frame);
        } catch (e) {
          fail(isSecureChatError(e) ? e : localError('INTERNAL', 'handshake failed', e), fs, true);
          return;
        }
        for (const f of out.send) fs.write(f);
        if (out.progress === 'hello') {
          consumeInvitation?.(); // one online guess per invitation (§11)
          consumeInvitation = null;
          o.onEvent?.({ type: 'hello', remoteAddress: address });
        }
        if (out.result !== undefined) {
          end('completed');
          this.#completed++;
          this.#sessions++;
          this.#sessionsBySource.set(source, (this.#sessionsBySource.get(source) ?? 0) + 1);
          const c = new SecureConnection(fs, out.result, o);
          conn = c;
          if (via === 'reconnect' && 'accepted' in out.result) confirmPending = out.result as ReconnectResult;
          socket.once('close', () => {
            this.#sessions--;
            const left = (this.#sessionsBySource.get(source) ?? 1) - 1;
            if (left <= 0) this.#sessionsBySource.delete(source);
            else this.#sessionsBySource.set(source, left);
          });
          o.onConnection(c, out.result, via);
        }
      },
      onClose: (error: SecureChatError | null) => {
        if (conn !== null) {
          conn.onSocketClose(error);
          return;
        }
        fail(error ?? remoteError('CONNECTION_LOST', 'the peer left during the handshake'), fs, false);
      },
      onFramingError: (error: SecureChatError) => (conn === null && !over ? alertFor(error) : null),
    });

    // When a deadline fires, input that already arrived may still wait for the poll phase of
    // this loop turn (a busy listener runs its timers first): decide after it, so a peer that
    // was on time is never dropped for our own lateness.
    const timeout = (what: string) => (): void => {
      setImmediate(() => {
        if (what === FIRST_FRAME && firstDeadline === null) return;
        fail(localError('HANDSHAKE_TIMEOUT', what), fs, true);
      });
    };
    firstDeadline = t.after(o.firstFrameTimeoutMs ?? FIRST_FRAME_TIMEOUT_MS, timeout(FIRST_FRAME));
    this.#silent.set(socket, { since: t.now(), source, evict: () => fail(localError('TOO_MANY_CONNECTIONS', 'every handshake slot is taken: a connection that said nothing gave its slot to a newcomer'), fs, true, true) });
    deadline = t.after(o.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS, timeout('the handshake did not finish in time'));
  }
}

/** Lexicographic comparison of two ranks of the same length. */
function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}
