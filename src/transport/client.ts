/**
 * Connecting side: opens a TCP connection, runs the pure `Initiator` over it within the
 * handshake deadline, and hands back an established `SecureConnection`.
 */
import { connect as netConnect } from 'node:net';
import { Initiator, alertFor, type InitiatorOptions, type StepOutput } from '../handshake/index.js';
import { ReconnectInitiator, type ReconnectInitiatorOptions, type ReconnectResult } from '../handshake/reconnect/index.js';
import type { HandshakeResult } from '../handshake/result.js';
import { FramedSocket, netError } from './framed-socket.js';
import { SecureConnection, type SecureConnectionOptions } from './secure-connection.js';
import { CLIENT_ALERT_LINGER_MS, HANDSHAKE_TIMEOUT_MS } from '../limits.js';
import { isSecureChatError, localError, remoteError, type SecureChatError } from '../errors.js';
import type { Frame } from '../wire/frame.js';

export type ClientStep = 'connected' | 'hello-sent' | 'hello-received' | 'established';

export interface ClientOptions extends SecureConnectionOptions {
  readonly host: string;
  readonly port: number;
  /** Local address to connect from (tests use 127.0.0.x as "another source"). */
  readonly localAddress?: string;
  readonly handshake: Omit<InitiatorOptions, 'random'>;
  readonly handshakeTimeoutMs?: number;
  readonly onStep?: (step: ClientStep) => void;
}

/** What both initiators (password login, reconnect) offer the socket driver. */
interface InitiatorMachine {
  start(): Uint8Array;
  receive(frame: Frame): StepOutput;
}

export function connectSecure(opts: ClientOptions): Promise<SecureConnection> {
  return connectLogin(opts).then((r) => r.conn);
}

/** The password login, with the handshake's result (its `contact` secret, §4.3). */
export function connectLogin(opts: ClientOptions): Promise<{ conn: SecureConnection; result: HandshakeResult }> {
  return drive(opts, new Initiator({ ...opts.handshake, random: opts.random }));
}

export interface ReconnectClientOptions extends Omit<ClientOptions, 'handshake'> {
  readonly handshake: Omit<ReconnectInitiatorOptions, 'random'>;
}

/** Reconnect by keys (docs/PROTOCOL.md §10): one round trip, then an established connection. */
export function connectReconnect(opts: ReconnectClientOptions): Promise<{ conn: SecureConnection; result: ReconnectResult }> {
  return drive(opts, new ReconnectInitiator({ ...opts.handshake, random: opts.random })).then((r) => ({ conn: r.conn, result: r.result as ReconnectResult }));
}

function drive(opts: Omit<ClientOptions, 'handshake'>, initiator: InitiatorMachine): Promise<{ conn: SecureConnection; result: HandshakeResult }> {
  return new Promise((resolve, reject) => {
    let result: HandshakeResult | null = null;
    let conn: SecureConnection | null = null;
    let settled = false;
    const settle = (e: SecureChatError | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      if (e !== null) reject(e);
      else if (conn !== null && result !== null) resolve({ conn, result });
    };

    const socket = netConnect({ host: opts.host, port: opts.port, ...(opts.localAddress === undefined ? {} : { localAddress: opts.localAddress }) });
    const fs = new FramedSocket(socket, {
      onFrame(frame: Frame): void {
        if (conn !== null) {
          conn.onFrame(frame);
          return;
        }
        let out;
        try {
          out = initiator.receive(frame);
        } catch (e) {
          const err = isSecureChatError(e) ? e : localError('INTERNAL', 'handshake failed', e);
          const alert = alertFor(err);
          if (alert !== null && err.code !== 'PEER_ALERT') fs.write(alert);
          fs.end();
          settle(err);
          setTimeout(() => fs.fail(err), CLIENT_ALERT_LINGER_MS).unref();
          return;
        }
        if (frame.type === 0x02) opts.onStep?.('hello-received');
        for (const f of out.send) fs.write(f);
        if (out.result !== undefined) {
          result = out.result;
          conn = new SecureConnection(fs, out.result, opts);
          opts.onStep?.('established');
          settle(null);
        }
      },
      onClose(error: SecureChatError | null): void {
        if (conn !== null) {
          conn.onSocketClose(error);
          return;
        }
        settle(error ?? remoteError('CONNECTION_LOST', 'the listener closed the connection during the handshake'));
      },
      onFramingError: (error: SecureChatError) => (conn === null ? alertFor(error) : null),
    });

    const deadline = setTimeout(() => {
      const err = localError('HANDSHAKE_TIMEOUT', 'the handshake did not finish in time');
      const alert = alertFor(err);
      if (alert !== null) fs.write(alert);
      fs.fail(err);
      settle(err);
    }, opts.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS);
    deadline.unref();

    socket.once('connect', () => {
      opts.onStep?.('connected');
      try {
        fs.write(initiator.start());
        opts.onStep?.('hello-sent');
      } catch (e) {
        const err = isSecureChatError(e) ? e : localError('INTERNAL', 'could not start the handshake', e);
        fs.fail(err);
        settle(err);
      }
    });
    socket.once('error', (e) => settle(netError(e)));
  });
}
