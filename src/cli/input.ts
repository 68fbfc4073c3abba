/**
 * Standard input, shared by every prompt, the password and the chat loop, so that piped input
 * ("users file, port, r, ..., password, message, more lines") is read in order and no line is
 * lost between two readers.
 *
 * - `readLine()`: the next line (without its line break), or `null` at end of input. On a
 *   terminal in normal (cooked) mode the terminal itself echoes and edits the line.
 * - `readSecretLine()`: the next line as bytes, never as a string. On a terminal the terminal
 *   is put in raw mode with no echo at all (not even stars); Backspace edits; Ctrl-C and
 *   Ctrl-D (on an empty line) cancel with `CANCELLED`. Off a terminal, it is the next line.
 *
 * Secret bytes are wiped from the internal buffers as soon as they are handed out (best
 * effort: JavaScript gives no guarantee that no copy remains).
 */
import { localError } from '../errors.js';
import { wipe } from '../crypto/bytes.js';

import { MAX_INPUT_LINE_BYTES } from '../limits.js';
export { MAX_INPUT_LINE_BYTES };

type Waiter = { resolve: (line: Uint8Array | null) => void; reject: (e: unknown) => void };

export interface InputStream extends NodeJS.ReadableStream {
  isTTY?: boolean;
  setRawMode?: (mode: boolean) => unknown;
}

export class Input {
  readonly isTTY: boolean;
  private readonly stream: InputStream;
  private buf: Uint8Array = new Uint8Array(0);
  private ended = false;
  private waiter: Waiter | undefined;
  private secret = false;
  private started = false;
  private readonly onData = (chunk: Buffer | string): void => this.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
  private readonly onEnd = (): void => {
    this.ended = true;
    if (this.secret) {
      const w = this.waiter;
      this.finishSecret();
      w?.resolve(null);
      return;
    }
    this.drain();
  };

  constructor(stream: InputStream = process.stdin) {
    this.stream = stream;
    this.isTTY = stream.isTTY === true;
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    this.stream.on('data', this.onData);
    this.stream.on('end', this.onEnd);
    this.stream.resume();
  }

  /** Stops reading (lets the process exit). Pending readers get `null`. */
  close(): void {
    if (this.started) {
      this.stream.off('data', this.onData);
      this.stream.off('end', this.onEnd);
      this.stream.pause();
      this.started = false;
    }
    if (this.secret) this.setRaw(false);
    const w = this.waiter;
    this.waiter = undefined;
    w?.resolve(null);
  }

  /** Lets another reader (a line editor) take over: hands back what was read but not used. */
  detach(): Uint8Array {
    if (this.started) {
      this.stream.off('data', this.onData);
      this.stream.off('end', this.onEnd);
      this.started = false;
    }
    const rest = this.buf;
    this.buf = new Uint8Array(0);
    return rest;
  }

  get atEnd(): boolean {
    return this.ended && this.buf.length === 0;
  }

  private push(chunk: Uint8Array): void {
    if (this.secret) {
      this.pushSecret(chunk);
      return;
    }
    const n = new Uint8Array(this.buf.length + chunk.length);
    n.set(this.buf, 0);
    n.set(chunk, this.buf.length);
    wipe(this.buf);
    this.buf = n;
    this.drain();
  }

  private drain(): void {
    const w = this.waiter;
    if (w === undefined) return;
    const nl = this.buf.indexOf(0x0a);
    if (nl >= 0) {
      let end = nl;
      if (end > 0 && this.buf[end - 1] === 0x0d) end--;
      const line = this.buf.slice(0, end);
      const rest = this.buf.slice(nl + 1);
      wipe(this.buf);
      this.buf = rest;
      this.waiter = undefined;
      w.resolve(line);
      return;
    }
    if (this.buf.length > MAX_INPUT_LINE_BYTES) {
      this.waiter = undefined;
      wipe(this.buf);
      this.buf = new Uint8Array(0);
      w.reject(localError('USAGE', `an input line is longer than ${MAX_INPUT_LINE_BYTES} bytes`));
      return;
    }
    if (this.ended) {
      this.waiter = undefined;
      if (this.buf.length > 0) {
        const line = this.buf.slice();
        wipe(this.buf);
        this.buf = new Uint8Array(0);
        w.resolve(line);
      } else {
        w.resolve(null);
      }
    }
  }

  private nextRaw(): Promise<Uint8Array | null> {
    if (this.waiter !== undefined) return Promise.reject(localError('INTERNAL', 'two readers on standard input at once'));
    this.start();
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
      this.drain();
    });
  }

  /** The next line as text, or `null` at end of input. */
  async readLine(): Promise<string | null> {
    const b = await this.nextRaw();
    if (b === null) return null;
    return Buffer.from(b).toString('utf8');
  }

  // ---- secret input ----

  private secretBuf: number[] = [];

  private setRaw(on: boolean): void {
    if (this.stream.setRawMode !== undefined) this.stream.setRawMode(on);
  }

  private pushSecret(chunk: Uint8Array): void {
    for (const c of chunk) {
      const w = this.waiter;
      if (w === undefined) return;
      if (c === 0x03 || (c === 0x04 && this.secretBuf.length === 0)) {
        this.finishSecret();
        w.reject(localError('CANCELLED', 'cancelled at the password prompt'));
        return;
      }
      if (c === 0x0d || c === 0x0a || c === 0x04) {
        const out = Uint8Array.from(this.secretBuf);
        this.finishSecret();
        w.resolve(out);
        return;
      }
      if (c === 0x7f || c === 0x08) {
        // Remove one whole UTF-8 character: continuation bytes, then its lead byte.
        while (this.secretBuf.length > 0 && ((this.secretBuf[this.secretBuf.length - 1] ?? 0) & 0xc0) === 0x80) this.secretBuf.pop();
        this.secretBuf.pop();
        continue;
      }
      if (c === 0x15) {
        // Ctrl-U: erase the line.
        this.secretBuf.fill(0);
        this.secretBuf = [];
        continue;
      }
      if (c < 0x20) continue; // other control keys are ignored
      if (this.secretBuf.length < MAX_INPUT_LINE_BYTES) this.secretBuf.push(c);
    }
  }

  private finishSecret(): void {
    this.secretBuf.fill(0);
    this.secretBuf = [];
    this.secret = false;
    this.waiter = undefined;
    this.setRaw(false);
  }

  /**
   * The next line as bytes: hidden on a terminal (raw mode, no echo), else the next line.
   * `null` at end of input (off a terminal). `ready` is called once echo is off (it shows
   * the prompt).
   */
  async readSecretLine(ready: () => void = () => undefined): Promise<Uint8Array | null> {
    if (!this.isTTY || this.stream.setRawMode === undefined) {
      ready();
      return this.nextRaw();
    }
    if (this.waiter !== undefined) throw localError('INTERNAL', 'two readers on standard input at once');
    // Echo goes off BEFORE the prompt is shown, so nothing typed after the prompt is echoed.
    this.setRaw(true);
    this.secret = true;
    ready();
    // Typed-ahead bytes already buffered belong to the secret line.
    const pending = this.buf;
    this.buf = new Uint8Array(0);
    this.start();
    return new Promise((resolve, reject) => {
      this.waiter = {
        resolve,
        reject,
      };
      if (pending.length > 0) {
        this.pushSecret(pending);
        wipe(pending);
      }
    });
  }
}
