/**
 * Internal: runs one v0 state machine over one socket. Each protocol message goes out in its
 * own single `socket.write`, with a short pause between messages sent back to back (the
 * peer reads each with one `recv`); a deadline covers the whole connection; every failure ends
 * as a typed error, never an exception.
 */
import type { Socket } from 'node:net';
import { remoteError, localError, type SecureChatError } from '../errors.js';
import type { LegacyCoreEvent, LegacyStep } from './events.js';
import type { LegacyEvent } from './net-events.js';

export interface Core {
  receive(chunk: Uint8Array): LegacyStep;
  end(): LegacyStep;
  readonly isDone: boolean;
}

export interface DriveOptions {
  readonly peer: string;
  readonly deadlineMs: number;
  readonly settleMs: number;
  readonly lingerMs: number;
  readonly emit: (e: LegacyEvent) => void;
  /** Called for a received text before the step's answer (the ack) is written. */
  readonly onCoreEvent?: (e: LegacyCoreEvent) => Promise<void>;
  /** A first step to apply once connected (the sender's hello). */
  readonly first?: () => LegacyStep;
  readonly signal?: AbortSignal | undefined;
}

export interface DriveResult {
  readonly completed: boolean;
  readonly error?: SecureChatError;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function socketError(e: unknown): SecureChatError {
  const code = (e as { code?: unknown } | null)?.code;
  if (code === 'ECONNREFUSED') return remoteError('CONNECTION_REFUSED', 'connection refused', e);
  if (code === 'ECONNRESET' || code === 'EPIPE') return remoteError('CONNECTION_LOST', 'connection reset by the peer', e);
  if (code === 'EADDRINUSE') return localError('ADDRESS_IN_USE', 'address already in use', e);
  return remoteError('NETWORK_ERROR', `network error${typeof code === 'string' ? ` (${code})` : ''}`, e);
}

export function drive(socket: Socket, core: Core, o: DriveOptions): Promise<DriveResult> {
  return new Promise((resolve) => {
    let chain: Promise<void> = Promise.resolve();
    let error: SecureChatError | undefined;
    let settled = false;
    let linger: NodeJS.Timeout | undefined;

    // After a clean finish, a late socket error (the peer resetting after our last write) is
    // not a failure of the session.
    let finishedCleanly = false;
    const fail = (e: SecureChatError, reply?: string): void => {
      if (error !== undefined || finishedCleanly) return;
      error = e;
      o.emit({ type: 'error', peer: o.peer, code: e.code, side: e.side, detail: e.detail, ...(reply === undefined ? {} : { reply }) });
    };

    // Resolves when written, or when the socket closes first (a write callback is not
    // guaranteed to run for a socket that never connected).
    const write = (b: Uint8Array): Promise<void> =>
      new Promise((r) => {
        if (socket.destroyed || socket.writableEnded) return r();
        const done = (): void => {
          socket.off('close', done);
          r();
        };
        socket.once('close', done);
        socket.write(b, () => done());
      });

    const apply = async (st: LegacyStep): Promise<void> => {
      for (const e of st.events) {
        if (o.onCoreEvent !== undefined) await o.onCoreEvent(e);
        if (e.type === 'step' || e.type === 'closed') o.emit({ type: e.type, peer: o.peer, text: e.text });
      }
      if (st.error !== undefined) fail(st.error, st.reply);
      for (let i = 0; i < st.out.length; i++) {
        if (i > 0 && o.settleMs > 0) await sleep(o.settleMs);
        await write(st.out[i] ?? new Uint8Array(0));
      }
      if (st.done && !socket.destroyed) {
        if (st.error === undefined) finishedCleanly = true;
        socket.end();
        linger ??= setTimeout(() => socket.destroy(), o.lingerMs);
      }
    };
    const enqueue = (make: () => LegacyStep): void => {
      chain = chain
        .then(() => apply(make()))
        .catch((e: unknown) => {
          fail(localError('INTERNAL', 'the v0 adapter failed', e));
          socket.destroy();
        });
    };

    const deadline = setTimeout(() => {
      if (!core.isDone) fail(remoteError('HANDSHAKE_TIMEOUT', `the v0 session did not finish within ${o.deadlineMs} ms`));
      socket.destroy();
    }, o.deadlineMs);
    const onAbort = (): void => {
      if (!core.isDone) fail(localError('CANCELLED', 'cancelled'));
      socket.destroy();
    };
    o.signal?.addEventListener('abort', onAbort, { once: true });

    socket.on('data', (chunk: Buffer) => {
      if (!core.isDone) enqueue(() => core.receive(new Uint8Array(chunk)));
    });
    socket.on('end', () => {
      if (!core.isDone) enqueue(() => core.end());
    });
    socket.on('error', (e) => fail(socketError(e)));
    socket.on('close', () => {
      clearTimeout(deadline);
      if (linger !== undefined) clearTimeout(linger);
      o.signal?.removeEventListener('abort', onAbort);
      void chain.then(() => {
        if (settled) return;
        settled = true;
        if (!core.isDone && error === undefined) fail(remoteError('CONNECTION_LOST', 'the connection closed before the session finished'));
        resolve(error === undefined ? { completed: core.isDone } : { completed: false, error });
      });
    });
    const first = o.first;
    if (first !== undefined) {
      if (socket.connecting) socket.once('connect', () => enqueue(first));
      else enqueue(first);
    }
    if (o.signal?.aborted === true) onAbort();
  });
}
