/**
 * Listening side: accepts TCP connections and runs one pure `Responder` per connection,
 * isolated from every other. Enforced here, before any expensive work where possible:
 * the cap on handshakes in progress, the cap on sessions, the handshake deadline, and the
 * failed-attempt limiter (docs/PROTOCOL.md §4.8). A misbehaving connection only ever fails
 * itself.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { Responder, alertFor, type ResponderOptions } from '../handshake/index.js';
import { FramedSocket, netError } from './framed-socket.js';
import { SecureConnection, type SecureConnectionOptions } from './secure-connection.js';
import { FailureLimiter } from './limiter.js';
import { HANDSHAKE_TIMEOUT_MS, MAX_PENDING_HANDSHAKES, MAX_SESSIONS } from '../limits.js';
import { isSecureChatError, localError, remoteError, type SecureChatError } from '../errors.js';
import type { Frame } from '../wire/frame.js';
import type { HandshakeResult } from '../handshake/result.js';

export type ServerEvent =
  | { readonly type: 'handshake-failed'; readonly remoteAddress: string; readonly error: SecureChatError; readonly counted: boolean }
  | { readonly type: 'refused'; readonly remoteAddress: string; readonly code: 'TOO_MANY_CONNECTIONS' | 'RATE_LIMITED' }
  | { readonly type: 'hello'; readonly remoteAddress: string };

export interface ServerOptions extends SecureConnectionOptions {
  readonly host?: string;
  readonly port: number;
  readonly handshake: Omit<ResponderOptions, 'random' | 'admit'>;
  readonly onConnection: (conn: SecureConnection, result: HandshakeResult) => void;
  readonly onEvent?: (e: ServerEvent) => void;
  readonly limiter?: FailureLimiter;
  readonly handshakeTimeoutMs?: number;
  readonly maxPendingHandshakes?: number;
  readonly maxSessions?: number;
}

export interface ServerStats {
  readonly pendingHandshakes: number;
  readonly sessions: number;
  readonly handshakesCompleted: number;
  readonly handshakesFailed: number;
  readonly refusedByLimiter: number;
  readonly refusedTooMany: number;
  readonly failuresCounted: number;
}

export class SecureServer {
  readonly #server: Server;
  readonly #opts: ServerOptions;
  readonly #limiter: FailureLimiter;
  readonly #sockets = new Set<Socket>();
  #pending = 0;
  #sessions = 0;
  #completed = 0;
  #failed = 0;
  #refusedLimiter = 0;
  #refusedTooMany = 0;

  private constructor(opts: ServerOptions) {
    this.#opts = opts;
    this.#limiter = opts.limiter ?? new FailureLimiter();
    this.#server = createServer({ noDelay: true }, (s) => this.#accept(s));
  }

  /** Starts listening; rejects with ADDRESS_IN_USE or NETWORK_ERROR. */
  static listen(opts: ServerOptions): Promise<SecureServer> {
    const s = new SecureServer(opts);
    return new Promise((resolve, reject) => {
      const onError = (e: Error): void => reject(netError(e));
      s.#server.once('error', onError);
      s.#server.listen({ host: opts.host ?? '127.0.0.1', port: opts.port }, () => {
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
    return {
      pendingHandshakes: this.#pending,
      sessions: this.#sessions,
      handshakesCompleted: this.#completed,
      handshakesFailed: this.#failed,
      refusedByLimiter: this.#refusedLimiter,
      refusedTooMany: this.#refusedTooMany,
      failuresCounted: this.#limiter.stats().failures,
    };
  }

  /** Stops accepting and drops every connection still open. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      for (const s of this.#sockets) s.destroy();
    });
  }

  #accept(socket: Socket): void {
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
    socket.on('error', () => undefined);
    const address = socket.remoteAddress ?? 'unknown';
    const o = this.#opts;
    if (this.#pending >= (o.maxPendingHandshakes ?? MAX_PENDING_HANDSHAKES) || this.#sessions >= (o.maxSessions ?? MAX_SESSIONS)) {
      this.#refusedTooMany++;
      o.onEvent?.({ type: 'refused', remoteAddress: address, code: 'TOO_MANY_CONNECTIONS' });
      const alert = alertFor(localError('TOO_MANY_CONNECTIONS', 'busy'));
      if (alert !== null) socket.end(alert);
      else socket.end();
      setTimeout(() => socket.destroy(), 1_000).unref();
      return;
    }
    this.#pending++;
    let account = '';
    let helloSent = false;
    let conn: SecureConnection | null = null;
    let over = false;

    const fail = (err: SecureChatError, fs: FramedSocket, sendAlert: boolean): void => {
      if (over) return;
      over = true;
      clearTimeout(deadline);
      this.#pending--;
      this.#failed++;
      if (helloSent) this.#limiter.recordFailure(address, account, Date.now());
      o.onEvent?.({ type: 'handshake-failed', remoteAddress: address, error: err, counted: helloSent });
      const alert = sendAlert && err.code !== 'PEER_ALERT' ? alertFor(err) : null;
      if (alert !== null) {
        fs.write(alert);
        fs.end();
        setTimeout(() => fs.fail(err), 1_000).unref();
      } else {
        fs.fail(err);
      }
    };

    const responder = new Responder({
      ...o.handshake,
      random: o.random,
      admit: (acct: string) => {
        account = acct;
        const v = this.#limiter.check(address, acct, Date.now());
        if (v.ok) return null;
        this.#refusedLimiter++;
        o.onEvent?.({ type: 'refused', remoteAddress: address, code: 'RATE_LIMITED' });
        return localError('RATE_LIMITED', `too many failed attempts from this ${v.by}`);
      },
    });

    const fs: FramedSocket = new FramedSocket(socket, {
      onFrame: (frame: Frame) => {
        if (conn !== null) {
          conn.onFrame(frame);
          return;
        }
        if (over) return;
        let out;
        try {
          out = responder.receive(frame);
        } catch (e) {
          fail(isSecureChatError(e) ? e : localError('INTERNAL', 'handshake failed', e), fs, true);
          return;
        }
        for (const f of out.send) fs.write(f);
        if (out.progress === 'hello') {
          helloSent = true;
          o.onEvent?.({ type: 'hello', remoteAddress: address });
        }
        if (out.result !== undefined) {
          over = true;
          clearTimeout(deadline);
          this.#pending--;
          this.#completed++;
          this.#sessions++;
          const c = new SecureConnection(fs, out.result, o);
          conn = c;
          socket.once('close', () => this.#sessions--);
          o.onConnection(c, out.result);
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

    const deadline = setTimeout(() => {
      fail(localError('HANDSHAKE_TIMEOUT', 'the handshake did not finish in time'), fs, true);
    }, o.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS);
    deadline.unref();
  }
}
