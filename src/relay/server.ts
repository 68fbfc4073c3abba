/**
 * The relay's TCP listener (docs/RELAY.md §2, §6): the I/O adapter around the pure pieces.
 * Per connection: the frame codec (`FramedSocket`, PROTOCOL §3), the Noise NK handshake
 * (`noise-nk.ts`) within RELAY_HELLO_TIMEOUT_MS, then the record layer (`SecureConnection`,
 * PROTOCOL §6) carrying commands to the `RelayEngine`.
 *
 * A hostile client only ever fails its own connection: framing errors, a wrong first frame, a
 * hello that does not authenticate, a late hello each end it with an ALERT naming the class
 * of error; memory per connection is bounded by one frame (MAX_FRAME_PAYLOAD) plus
 * MAX_RELAY_PENDING_COMMANDS commands in flight and what one socket read brings (past those,
 * the socket is no longer read).
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { RandomSource } from '../crypto/random.js';
import { isSecureChatError, localError, remoteError, type SecureChatError } from '../errors.js';
import { alertFor } from '../handshake/alert.js';
import { ALERT_LINGER_MS, LISTEN_BACKLOG, MAX_RELAY_CONNECTIONS, MAX_RELAY_CONNECTIONS_PER_SOURCE, MAX_RELAY_PENDING_COMMANDS, RELAY_FRAME_TIMEOUT_MS, RELAY_HELLO_TIMEOUT_MS, RELAY_IDLE_TIMEOUT_MS } from '../limits.js';
import { FramedSocket, netError } from '../transport/framed-socket.js';
import { SecureConnection } from '../transport/secure-connection.js';
import { sourceOf } from '../transport/source.js';
import { realTimers, type TimerHandle, type Timers } from '../transport/timers.js';
import { encodeFrame, FrameType, type Frame } from '../wire/frame.js';
import type { RelayConnection, RelayEngine } from './engine.js';
import { encodeError } from './bodies.js';
import { keyPairFrom, relayReply, type KeyPair } from './noise-nk.js';
import { corrOf, encodeReply, Status } from './wire.js';

export type RelayServerEvent =
  | { readonly type: 'refused'; readonly remoteAddress: string; readonly code: 'TOO_MANY_CONNECTIONS' }
  | { readonly type: 'handshake-failed'; readonly remoteAddress: string; readonly error: SecureChatError }
  | { readonly type: 'connected'; readonly remoteAddress: string }
  | { readonly type: 'command-refused'; readonly remoteAddress: string; readonly error: SecureChatError }
  /** A reply could not be sent on an open connection (a bug): the command was answered RELAY_UNAVAILABLE. */
  | { readonly type: 'reply-failed'; readonly remoteAddress: string; readonly error: SecureChatError }
  | { readonly type: 'closed'; readonly remoteAddress: string; readonly error: SecureChatError | null };

export interface RelayServerOptions {
  readonly host?: string;
  readonly port: number;
  /** The relay's static X25519 key pair (clients pin its public half). */
  readonly key: KeyPair;
  readonly engine: RelayEngine;
  readonly random: RandomSource;
  readonly now?: () => number;
  readonly helloTimeoutMs?: number;
  readonly idleTimeoutMs?: number;
  /** After the handshake, a frame must complete this long after its first byte (capped by the idle timeout). */
  readonly frameTimeoutMs?: number;
  /** Timers of the frame deadline (tests inject theirs). */
  readonly timers?: Timers;
  readonly maxConnections?: number;
  readonly maxConnectionsPerSource?: number;
  readonly onEvent?: (e: RelayServerEvent) => void;
}

export class RelayServer {
  readonly #server: Server;
  readonly #o: RelayServerOptions;
  readonly #sockets = new Set<Socket>();
  readonly #bySource = new Map<string, number>();

  private constructor(o: RelayServerOptions) {
    this.#o = o;
    this.#server = createServer({ noDelay: true }, (s) => this.#accept(s));
  }

  static listen(o: RelayServerOptions): Promise<RelayServer> {
    const s = new RelayServer(o);
    return new Promise((resolve, reject) => {
      s.#server.once('error', (e) => reject(netError(e)));
      s.#server.listen({ host: o.host ?? '127.0.0.1', port: o.port, backlog: LISTEN_BACKLOG }, () => resolve(s));
    });
  }

  get port(): number {
    const a = this.#server.address();
    return typeof a === 'object' && a !== null ? a.port : 0;
  }

  get connections(): number {
    return this.#sockets.size;
  }

  /** Stops accepting and drops every connection. */
  close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    return new Promise((r) => this.#server.close(() => r()));
  }

  #accept(socket: Socket): void {
    const addr = socket.remoteAddress ?? 'unknown';
    const source = sourceOf(socket.remoteAddress);
    const perSource = this.#bySource.get(source) ?? 0;
    if (this.#sockets.size >= (this.#o.maxConnections ?? MAX_RELAY_CONNECTIONS) || perSource >= (this.#o.maxConnectionsPerSource ?? MAX_RELAY_CONNECTIONS_PER_SOURCE)) {
      this.#o.onEvent?.({ type: 'refused', remoteAddress: addr, code: 'TOO_MANY_CONNECTIONS' });
      socket.on('error', () => undefined);
      socket.end(alertFor(remoteError('TOO_MANY_CONNECTIONS', 'busy')) ?? new Uint8Array(0));
      setTimeout(() => socket.destroy(), ALERT_LINGER_MS).unref();
      return;
    }
    this.#sockets.add(socket);
    this.#bySource.set(source, perSource + 1);
    socket.once('close', () => {
      this.#sockets.delete(socket);
      const n = (this.#bySource.get(source) ?? 1) - 1;
      if (n <= 0) this.#bySource.delete(source);
      else this.#bySource.set(source, n);
    });
    this.#serve(socket, addr);
  }

  #serve(socket: Socket, addr: string): void {
    const o = this.#o;
    const now = o.now ?? Date.now;
    let conn: SecureConnection | null = null;
    let failed = false;
    const refuse = (fs: FramedSocket, err: SecureChatError): void => {
      if (failed) return;
      failed = true;
      clearTimeout(deadline);
      o.onEvent?.({ type: 'handshake-failed', remoteAddress: addr, error: err });
      const alert = alertFor(err);
      if (alert !== null) {
        fs.write(alert);
        fs.uncork();
      }
      fs.end();
      setTimeout(() => fs.fail(err), ALERT_LINGER_MS).unref();
    };
    // After the handshake: a frame started must complete in time (R3). The idle timeout alone
    // is reset by every byte, so one byte of a never-finished frame now and then held the
    // connection and its frame buffer for ever.
    const timers = o.timers ?? realTimers;
    const frameMs = Math.min(o.frameTimeoutMs ?? RELAY_FRAME_TIMEOUT_MS, o.idleTimeoutMs ?? RELAY_IDLE_TIMEOUT_MS);
    let frameDeadline: TimerHandle | null = null;
    const fs = new FramedSocket(socket, {
      onFrame: (frame: Frame): void => {
        if (conn !== null) {
          frameDeadline?.cancel();
          frameDeadline = null;
          conn.onFrame(frame);
          return;
        }
        if (failed) return;
        if (frame.type !== FrameType.RELAY_HELLO) {
          refuse(fs, remoteError('UNEXPECTED_MESSAGE', `a relay connection must start with RELAY_HELLO, not frame type ${frame.type}`));
          return;
        }
        let reply;
        try {
          reply = relayReply(o.key, keyPairFrom(o.random(32)), frame.payload);
        } catch (e) {
          refuse(fs, isSecureChatError(e) ? e : localError('INTERNAL', 'relay handshake failed', e));
          return;
        }
        clearTimeout(deadline);
        fs.write(encodeFrame(FrameType.RELAY_REPLY, reply.message).raw);
        conn = new SecureConnection(fs, reply.result, { random: o.random, now, idleTimeoutMs: o.idleTimeoutMs ?? RELAY_IDLE_TIMEOUT_MS });
        this.#run(conn, reply.result.sessionId, addr, sourceOf(socket.remoteAddress));
      },
      onClose: (error: SecureChatError | null): void => {
        clearTimeout(deadline);
        frameDeadline?.cancel();
        frameDeadline = null;
        if (conn !== null) conn.onSocketClose(error);
        else if (!failed && error !== null && error.code !== 'CONNECTION_LOST') o.onEvent?.({ type: 'handshake-failed', remoteAddress: addr, error });
      },
      onFramingError: (error: SecureChatError): Uint8Array | null => {
        if (conn === null && !failed) {
          failed = true;
          clearTimeout(deadline);
          o.onEvent?.({ type: 'handshake-failed', remoteAddress: addr, error });
          return alertFor(error);
        }
        return null;
      },
    });
    // Runs after FramedSocket's own 'data' listener (registered first): the chunk's whole frames are handled.
    socket.on('data', () => {
      if (conn === null || fs.closed || frameDeadline !== null || fs.partialBytes === 0) return;
      const c = conn;
      frameDeadline = timers.after(frameMs, () => {
        frameDeadline = null;
        if (fs.partialBytes > 0) c.destroy(localError('IDLE_TIMEOUT', 'a frame did not complete in time'));
      });
    });
    const deadline = setTimeout(() => refuse(fs, localError('HANDSHAKE_TIMEOUT', 'the relay hello did not arrive in time')), o.helloTimeoutMs ?? RELAY_HELLO_TIMEOUT_MS);
    deadline.unref();
  }

  /**
   * Commands of one connection: up to MAX_RELAY_PENDING_COMMANDS run at once (each reply goes
   * out when its command is done, matched by `corr`); past that the socket is not read until
   * half of them finished, so a client that floods costs a bounded amount of memory.
   */
  #run(conn: SecureConnection, sessionId: Uint8Array, addr: string, source: string): void {
    const o = this.#o;
    const waiting: Uint8Array[] = [];
    let inflight = 0;
    let paused = false;
    let rc: RelayConnection | null = null;
    const send = (payload: Uint8Array): void => {
      try {
        conn.sendApp(payload);
      } catch (e) {
        if (!conn.open) return; // the connection is closing: its onClose cleans up
        const error = isSecureChatError(e) ? e : localError('INTERNAL', 'a relay reply could not be sent', e);
        o.onEvent?.({ type: 'reply-failed', remoteAddress: addr, error });
        try {
          conn.sendApp(encodeReply({ corr: corrOf(payload), status: Status.ERROR, body: encodeError('RELAY_UNAVAILABLE') }));
        } catch (e2) {
          conn.destroy(isSecureChatError(e2) ? e2 : localError('INTERNAL', 'a relay error reply could not be sent', e2));
        }
      }
    };
    rc = o.engine.connection(sessionId, send, source);
    const refused = (error: SecureChatError): void => o.onEvent?.({ type: 'command-refused', remoteAddress: addr, error });
    const startOne = (p: Uint8Array): void => {
      if (rc === null) return;
      inflight++;
      void o.engine
        .handle(rc, p, refused)
        .then((reply) => {
          inflight--;
          if (rc === null) return;
          send(reply);
          const next = waiting.shift();
          if (next !== undefined) startOne(next);
          if (paused && waiting.length === 0 && inflight <= MAX_RELAY_PENDING_COMMANDS / 2) {
            paused = false;
            conn.resumeReading();
          }
        });
    };
    o.onEvent?.({ type: 'connected', remoteAddress: addr });
    conn.start({
      onApp: (data: Uint8Array): void => {
        if (rc === null) return;
        // The source's budget is charged on arrival: past it the command is refused now, not queued.
        const limited = o.engine.admit(rc, data, refused);
        if (limited !== null) {
          send(limited);
          return;
        }
        if (inflight < MAX_RELAY_PENDING_COMMANDS) {
          startOne(data);
          return;
        }
        waiting.push(data);
        if (!paused) {
          paused = true;
          conn.pauseReading();
        }
      },
      onClose: (error: SecureChatError | null): void => {
        waiting.length = 0;
        rc?.close();
        rc = null;
        o.onEvent?.({ type: 'closed', remoteAddress: addr, error });
      },
    });
  }
}
