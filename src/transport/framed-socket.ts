/**
 * The I/O edge between a `net.Socket` and the pure cores: bytes in → frames out, frames in →
 * bytes out, with a bounded write buffer. Every failure reaches `onClose` exactly once, as a
 * typed error or `null` for a clean end of stream at a frame boundary.
 */
import type { Socket } from 'node:net';
import { FrameDecoder, type Frame } from '../wire/frame.js';
import { ALERT_LINGER_MS, MAX_WRITE_BUFFER, WRITE_BUFFER_TARGET } from '../limits.js';
import { isSecureChatError, localError, remoteError, type SecureChatError } from '../errors.js';

export interface FramedSocketHandlers {
  /** One whole frame. Throwing a SecureChatError here closes the connection with that error. */
  onFrame(frame: Frame): void;
  /** Called once: `null` for a clean EOF at a frame boundary, else why the connection ended. */
  onClose(error: SecureChatError | null): void;
  /**
   * The byte stream broke the framing rules (docs/PROTOCOL.md §3). May return a last frame to
   * send (an ALERT) before the connection is dropped.
   */
  onFramingError?(error: SecureChatError): Uint8Array | null;
}

/** Maps a node:net error to our codes. */
export function netError(e: unknown): SecureChatError {
  const code = typeof e === 'object' && e !== null && 'code' in e ? String((e).code) : '';
  switch (code) {
    case 'ECONNREFUSED':
      return remoteError('CONNECTION_REFUSED', 'nobody is listening at that address', e);
    case 'EADDRINUSE':
      return localError('ADDRESS_IN_USE', 'the port is already in use', e);
    case 'ECONNRESET':
    case 'EPIPE':
      return remoteError('CONNECTION_LOST', 'the connection was reset', e);
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return remoteError('NETWORK_ERROR', `the network failed (${code})`, e);
    default:
      return remoteError('NETWORK_ERROR', `network error${code ? ` (${code})` : ''}`, e);
  }
}

function uncork(fs: FramedSocket): void {
  fs.uncork();
}

export class FramedSocket {
  readonly socket: Socket;
  readonly #decoder = new FrameDecoder();
  #handlers: FramedSocketHandlers | null;
  #closed = false;
  readonly #maxWriteBuffer: number;
  readonly #writeTarget: number;
  #pendingError: SecureChatError | null = null;
  /** True from the first write of a tick until the socket is uncorked on the next tick. */
  #corked = false;

  /** `handlers` receive every frame from the first byte on; swap behaviour inside them, not here. */
  constructor(socket: Socket, handlers: FramedSocketHandlers, opts: { maxWriteBuffer?: number; writeBufferTarget?: number } = {}) {
    this.socket = socket;
    this.#handlers = handlers;
    this.#maxWriteBuffer = opts.maxWriteBuffer ?? MAX_WRITE_BUFFER;
    this.#writeTarget = Math.min(opts.writeBufferTarget ?? WRITE_BUFFER_TARGET, this.#maxWriteBuffer);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('end', () => this.#onEnd());
    socket.on('error', (e) => {
      this.#pendingError ??= netError(e);
    });
    socket.on('close', () => this.#finish(this.#pendingError ?? remoteError('CONNECTION_LOST', 'the connection closed')));
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Bytes held for an incomplete frame (issue 10, finding 5: at most the announced frame's size, whatever the chunking). */
  get retainedBytes(): number {
    return this.#decoder.retainedBytes;
  }

  /** Bytes of a frame not yet complete (0 at a frame boundary). */
  get partialBytes(): number {
    return this.#decoder.buffered;
  }

  get remoteAddress(): string {
    return this.socket.remoteAddress ?? 'unknown';
  }

  get remotePort(): number {
    return this.socket.remotePort ?? 0;
  }

  /**
   * Queues bytes. Past the write-buffer cap the peer is not reading: the connection is dropped.
   * Writes made in one tick are corked and leave together on the next (one writev, one
   * syscall, instead of one per record); `writableLength` counts corked bytes, so the cap
   * applies exactly as before.
   */
  write(bytes: Uint8Array): void {
    if (this.#closed) return;
    if (this.socket.writableLength + bytes.length > this.#maxWriteBuffer) {
      this.fail(localError('CONNECTION_LOST', 'the peer stopped reading (write buffer full)'));
      return;
    }
    if (!this.#corked) {
      this.#corked = true;
      this.socket.cork();
      process.nextTick(uncork, this);
    }
    this.socket.write(bytes);
  }

  /** Flushes the writes corked in this tick (end() and destroy() flush or drop them anyway). */
  uncork(): void {
    if (!this.#corked) return;
    this.#corked = false;
    this.socket.uncork();
  }

  /**
   * Backpressure for bulk senders: resolves at once while less than WRITE_BUFFER_TARGET bytes
   * are queued, else when the socket's buffer has drained. Letting a sender queue about 1 MiB
   * before it waits keeps the kernel's socket buffer full between wake-ups (measured in
   * docs/PERFORMANCE.md); the hard cap (`maxWriteBuffer`) still applies to every write.
   */
  drained(): Promise<void> {
    if (this.#closed || this.socket.writableLength < this.#writeTarget) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  /** Sends what is queued, then half-closes; the close is reported when the peer ends too. */
  end(): void {
    if (!this.#closed) this.socket.end();
  }

  /** Ends the connection now with `error` (reported through onClose). */
  fail(error: SecureChatError): void {
    this.#pendingError ??= error;
    this.socket.destroy();
    this.#finish(error);
  }

  #onData(chunk: Buffer): void {
    if (this.#closed) return;
    try {
      const frames = this.#decoder.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      for (const f of frames) {
        if (this.#closed) return;
        this.#handlers?.onFrame(f);
      }
    } catch (e) {
      const err = isSecureChatError(e) ? e : localError('INTERNAL', 'unexpected failure while processing a frame', e);
      const last = err.code.startsWith('FRAME_') ? this.#handlers?.onFramingError?.(err) ?? null : null;
      if (last !== null) this.#failAfter(err, last);
      else this.fail(err);
    }
  }

  /** Sends `last`, half-closes, reports `error` now, and drops the socket shortly after. */
  #failAfter(error: SecureChatError, last: Uint8Array): void {
    this.#pendingError ??= error;
    this.socket.end(last);
    setTimeout(() => this.socket.destroy(), ALERT_LINGER_MS).unref();
    this.#finish(error, false);
  }

  #onEnd(): void {
    if (this.#closed) return;
    try {
      this.#decoder.end();
    } catch (e) {
      const err = isSecureChatError(e) ? e : localError('INTERNAL', 'unexpected failure at end of stream', e);
      const last = this.#handlers?.onFramingError?.(err) ?? null;
      if (last !== null) this.#failAfter(err, last);
      else this.fail(err);
      return;
    }
    this.#pendingError = null;
    this.socket.end();
    this.#finish(null);
  }

  #finish(error: SecureChatError | null, destroy = true): void {
    if (this.#closed) return;
    this.#closed = true;
    if (destroy && !this.socket.destroyed && error !== null) this.socket.destroy();
    const h = this.#handlers;
    this.#handlers = null;
    h?.onClose(error);
  }
}
