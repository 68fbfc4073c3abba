/**
 * The SecureChat v0 bridge over TCP (node:net): a thin adapter around the pure receiver and
 * sender state machines. Opt-in only, and loud about it: every call emits `LEGACY_WARNING`
 * first (the CLI must print it).
 *
 * - `runLegacyListener` serves one sender after another, like the original: further
 *   connections wait their turn (at most `LEGACY_MAX_QUEUED`), each connection has a deadline
 *   and a per-message size limit, and a misbehaving sender only ends its own connection.
 * - `legacySend` is the original's sender side: one connection, one text, one ack.
 */
import { createServer, connect, type Socket } from 'node:net';
import { appendFile } from 'node:fs/promises';
import { SecureChatError, localError, remoteError } from '../errors.js';
import { utf8 } from '../crypto/bytes.js';
import { systemRandom, type RandomSource } from '../crypto/random.js';
import { drive, socketError } from './_drive.js';
import type { DhGroup } from './dh.js';
import type { LegacyEvent } from './net-events.js';
import { formatLogLine } from './log-line.js';
import { LEGACY_DEADLINE_MS, LEGACY_MAX_QUEUED, LEGACY_SETTLE_MS } from './limits.js';
import { newLegacyReceiver } from './receiver.js';
import { LegacySender, checkLegacyText } from './sender.js';
import { LEGACY_WARNING } from './warning.js';

export { LEGACY_WARNING } from './warning.js';
export type { LegacyEvent } from './net-events.js';

/** After a session ends we half-close and wait this long for the peer to close. */
import { LEGACY_LINGER_MS as LINGER_MS } from './limits.js';

export interface LegacyListenerOptions {
  /** Address to bind; default `127.0.0.1`. */
  readonly host?: string;
  /** Port to bind; 0 picks a free one (reported by the `listening` event). */
  readonly port: number;
  /** The receiver's password (from the users file). Kept as bytes. */
  readonly password: string | Uint8Array;
  readonly onEvent?: (e: LegacyEvent) => void;
  /** Stops the listener; the connection being served is dropped. */
  readonly signal?: AbortSignal;
  /** Append the original's log line for every received message to this file (0600). */
  readonly logPath?: string;
  /** Per-connection deadline; default `LEGACY_DEADLINE_MS`. */
  readonly deadlineMs?: number;
  /** Stop after serving this many connections (e.g. 1 for "receive one message"). */
  readonly maxConnections?: number;
  /** Connections waiting their turn; default `LEGACY_MAX_QUEUED`. More are dropped. */
  readonly maxQueued?: number;
  /** Pause between two messages we send back to back; default `LEGACY_SETTLE_MS`. */
  readonly settleMs?: number;
  /** Default: the OS CSPRNG. For tests. */
  readonly random?: RandomSource;
  /** Clock for log lines and `receivedAt` (ms since the epoch); default `Date.now`. */
  readonly now?: () => number;
  /** DH group; default RFC 2409 Oakley Group 2. */
  readonly group?: DhGroup;
}

export interface LegacyListenerResult {
  /** Connections served to the end (successfully or not). */
  readonly connections: number;
  /** Text messages received and acknowledged. */
  readonly messages: number;
  /** Connections that ended with an error. */
  readonly failures: number;
}

/**
 * Listens for original SecureChat senders until `signal` aborts (or `maxConnections` were
 * served). Resolves with counts; rejects only if it cannot listen (`ADDRESS_IN_USE`,
 * `NETWORK_ERROR`) or on bad options (`USAGE`).
 */
export function runLegacyListener(opts: LegacyListenerOptions): Promise<LegacyListenerResult> {
  const emit = safeEmit(opts.onEvent);
  const password = typeof opts.password === 'string' ? utf8(opts.password) : opts.password.slice();
  const deadlineMs = opts.deadlineMs ?? LEGACY_DEADLINE_MS;
  const maxQueued = opts.maxQueued ?? LEGACY_MAX_QUEUED;
  const settleMs = opts.settleMs ?? LEGACY_SETTLE_MS;
  const random = opts.random ?? systemRandom;
  const now = opts.now ?? Date.now;
  const host = opts.host ?? '127.0.0.1';
  emit({ type: 'warning', text: LEGACY_WARNING });
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) return Promise.reject(localError('USAGE', 'invalid port'));
  if (password.length === 0) return Promise.reject(localError('USAGE', 'empty password'));

  return new Promise((resolve, reject) => {
    const counts = { connections: 0, messages: 0, failures: 0 };
    const queue: Socket[] = [];
    let active: Socket | undefined;
    let stopping = false;
    let listening = false;
    const server = createServer({ pauseOnConnect: true });

    const stop = (): void => {
      if (stopping) return;
      stopping = true;
      server.close();
      for (const s of queue.splice(0)) s.destroy();
      if (active === undefined) finish();
    };
    const finish = (): void => {
      opts.signal?.removeEventListener('abort', stop);
      resolve({ ...counts });
    };

    const serveNext = (): void => {
      if (active !== undefined) return;
      const socket = queue.shift();
      if (socket === undefined) return;
      active = socket;
      void serve(socket).then(() => {
        active = undefined;
        counts.connections++;
        if (opts.maxConnections !== undefined && counts.connections >= opts.maxConnections) stop();
        if (stopping) finish();
        else serveNext();
      });
    };

    const serve = async (socket: Socket): Promise<void> => {
      const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
      emit({ type: 'connection', peer });
      let receiver;
      try {
        receiver = newLegacyReceiver({ password, random, ...(opts.group === undefined ? {} : { group: opts.group }) });
      } catch (e) {
        const err = e instanceof SecureChatError ? e : localError('INTERNAL', 'cannot start a v0 session', e);
        emit({ type: 'error', peer, code: err.code, side: err.side, detail: err.detail });
        counts.failures++;
        socket.destroy();
        return;
      }
      socket.resume();
      const r = await drive(socket, receiver, {
        peer,
        deadlineMs,
        settleMs,
        lingerMs: LINGER_MS,
        emit,
        signal: opts.signal,
        onCoreEvent: async (e) => {
          if (e.type !== 'message') return;
          const receivedAt = now();
          counts.messages++;
          emit({ type: 'message', peer, text: e.text, timestamp: e.timestamp, receivedAt });
          if (opts.logPath !== undefined) await appendLog(opts.logPath, formatLogLine(e.text, password, receivedAt), emit, peer);
        },
      });
      if (r.error !== undefined) counts.failures++;
    };

    server.on('connection', (socket) => {
      socket.on('error', () => undefined); // reported by drive() once served
      if (stopping || queue.length >= maxQueued) {
        emit({ type: 'error', peer: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`, code: 'TOO_MANY_CONNECTIONS', side: 'remote', detail: 'too many senders waiting; connection dropped' });
        socket.destroy();
        return;
      }
      queue.push(socket);
      serveNext();
    });
    server.on('error', (e) => {
      const err = socketError(e);
      if (!listening) {
        opts.signal?.removeEventListener('abort', stop);
        reject(err);
        return;
      }
      emit({ type: 'error', code: err.code, side: err.side, detail: err.detail });
    });
    server.listen({ host, port: opts.port }, () => {
      listening = true;
      const a = server.address();
      emit({ type: 'listening', host, port: typeof a === 'object' && a !== null ? a.port : opts.port });
      if (opts.signal?.aborted === true) stop();
    });
    opts.signal?.addEventListener('abort', stop, { once: true });
  });
}

export interface LegacySendOptions {
  readonly host: string;
  readonly port: number;
  /** The receiver's password (from the users file). Kept as bytes. */
  readonly password: string | Uint8Array;
  readonly text: string;
  readonly onEvent?: (e: LegacyEvent) => void;
  /** Deadline for the whole exchange, connect included; default `LEGACY_DEADLINE_MS`. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Append the original's sender log line (`clientlogging.txt`) once acknowledged. */
  readonly logPath?: string;
  /** Pause between two messages we send back to back; default `LEGACY_SETTLE_MS`. */
  readonly settleMs?: number;
  /** Default: the OS CSPRNG. For tests. */
  readonly random?: RandomSource;
  /** Clock (ms since the epoch) for the message timestamp and the log line; default `Date.now`. */
  readonly now?: () => number;
}

export interface LegacySendResult {
  /** The timestamp sent in the message (seconds since the epoch, as a float). */
  readonly timestamp: number;
  /** The sender's log line (also appended to `logPath` if given). */
  readonly logLine: string;
}

/**
 * Sends one text to an original SecureChat receiver. Resolves once the receiver acknowledged
 * it; rejects with a `SecureChatError`: `USAGE` (text too long for v0, bad options),
 * `CONNECTION_REFUSED`, `AUTH_FAILED` (the receiver refused the password, or its Auth did not
 * match), `HANDSHAKE_TIMEOUT`, `DECODE_ERROR`, `PEER_ALERT`, `CONNECTION_LOST`, ...
 */
export async function legacySend(opts: LegacySendOptions): Promise<LegacySendResult> {
  const emit = safeEmit(opts.onEvent);
  emit({ type: 'warning', text: LEGACY_WARNING });
  const password = typeof opts.password === 'string' ? utf8(opts.password) : opts.password.slice();
  const now = opts.now ?? Date.now;
  const timestamp = now() / 1000;
  if (!Number.isInteger(opts.port) || opts.port < 1 || opts.port > 65535) throw localError('USAGE', 'invalid port');
  checkLegacyText(opts.text, timestamp);
  const sender = new LegacySender({ password, text: opts.text, timestamp, random: opts.random ?? systemRandom });
  const peer = `${opts.host}:${opts.port}`;
  const socket = connect({ host: opts.host, port: opts.port });
  socket.on('connect', () => emit({ type: 'connection', peer }));
  let delivered = false;
  const r = await drive(socket, sender, {
    peer,
    deadlineMs: opts.timeoutMs ?? LEGACY_DEADLINE_MS,
    settleMs: opts.settleMs ?? LEGACY_SETTLE_MS,
    lingerMs: LINGER_MS,
    emit,
    signal: opts.signal,
    first: () => sender.start(),
    onCoreEvent: (e) => {
      if (e.type === 'closed') delivered = true;
      return Promise.resolve();
    },
  });
  if (r.error !== undefined) throw r.error;
  if (!delivered) throw remoteError('CONNECTION_LOST', 'the receiver did not acknowledge the message');
  emit({ type: 'delivered', peer, timestamp });
  const logLine = formatLogLine(opts.text, password, now());
  if (opts.logPath !== undefined) await appendLog(opts.logPath, logLine, emit, peer);
  return { timestamp, logLine };
}

async function appendLog(path: string, line: string, emit: (e: LegacyEvent) => void, peer: string): Promise<void> {
  try {
    await appendFile(path, line + '\n', { mode: 0o600 });
    emit({ type: 'logged', path });
  } catch (e) {
    const err = localError('STORAGE_ERROR', `cannot append to the log file ${path}`, e);
    emit({ type: 'error', peer, code: err.code, side: err.side, detail: err.detail });
  }
}

/** An event callback that never throws into the adapter. */
function safeEmit(cb: ((e: LegacyEvent) => void) | undefined): (e: LegacyEvent) => void {
  return (e) => {
    try {
      cb?.(e);
    } catch {
      // a failing observer must not break a session
    }
  };
}
