/**
 * The part the v0 receiver and sender share: buffering, framing per state, the size limit,
 * and turning every failure into a step with a typed error (never another exception).
 */
import { SecureChatError, localError, remoteError } from '../errors.js';
import { concat, utf8, wipe } from '../crypto/bytes.js';
import type { ChapValues } from './chap.js';
import type { LegacyCoreEvent, LegacyStep } from './events.js';
import { frame, type Shape } from './framing.js';
import { LEGACY_MAX_MESSAGE_BYTES } from './limits.js';

/** A failure with the v0 answer to send before closing (if the original sends one). */
export class Refusal extends Error {
  constructor(
    readonly error: SecureChatError,
    readonly reply?: string,
  ) {
    super(error.message);
  }
}

export abstract class Machine<S extends string> {
  protected abstract state: S;
  private buf: Uint8Array = new Uint8Array(0);
  private out: Uint8Array[] = [];
  private events: LegacyCoreEvent[] = [];
  private finished = false;

  /** Shapes expected in `state`; none for a state that does not read. */
  protected abstract shapes(state: S): readonly Shape[];
  /** The v0 answer when a message in `state` is malformed or too large. */
  protected abstract malformedReply(state: S): string | undefined;
  /** Handles one complete message (`shape` = matched shape index, -1 for none). */
  protected abstract handle(msg: Uint8Array, shape: number): void;
  /** The peer closed its side in `state`. */
  protected abstract peerEnded(state: S): void;

  get isDone(): boolean {
    return this.finished;
  }

  protected send(msg: string): void {
    this.out.push(utf8(msg));
  }
  protected emit(e: LegacyCoreEvent): void {
    this.events.push(e);
  }
  protected finish(): void {
    this.finished = true;
  }

  /** Feeds the bytes available now. */
  receive(chunk: Uint8Array): LegacyStep {
    if (this.finished) return this.flush();
    return this.guard(() => {
      this.buf = concat(this.buf, chunk);
      while (!this.finished && this.buf.length > 0) {
        const shapes = this.shapes(this.state);
        if (shapes.length === 0) throw new Refusal(remoteError('UNEXPECTED_MESSAGE', `data received while ${this.state}`));
        const f = frame(this.buf, shapes);
        if (f.kind === 'more') {
          if (this.buf.length >= LEGACY_MAX_MESSAGE_BYTES) {
            throw new Refusal(remoteError('FRAME_TOO_LARGE', `message longer than ${LEGACY_MAX_MESSAGE_BYTES} bytes`), this.malformedReply(this.state));
          }
          break;
        }
        if (f.length > LEGACY_MAX_MESSAGE_BYTES) {
          throw new Refusal(remoteError('FRAME_TOO_LARGE', `message longer than ${LEGACY_MAX_MESSAGE_BYTES} bytes`), this.malformedReply(this.state));
        }
        const msg = this.buf.slice(0, f.length);
        this.buf = this.buf.slice(f.length);
        this.handle(msg, f.shape);
      }
    });
  }

  /** The peer closed its side (EOF). A partial message is handled as the bytes available. */
  end(): LegacyStep {
    if (this.finished) return this.flush();
    return this.guard(() => {
      if (this.buf.length > 0 && this.shapes(this.state).length > 0) {
        const msg = this.buf;
        this.buf = new Uint8Array(0);
        const f = frame(msg, this.shapes(this.state));
        this.handle(msg, f.kind === 'message' && f.length === msg.length ? f.shape : -1);
        if (this.finished) return;
      }
      this.peerEnded(this.state);
      this.finished = true;
    });
  }

  private guard(body: () => void): LegacyStep {
    try {
      body();
      return this.flush();
    } catch (e) {
      let refusal: Refusal;
      if (e instanceof Refusal) refusal = e;
      else if (e instanceof SecureChatError) refusal = new Refusal(e, this.malformedReply(this.state));
      else refusal = new Refusal(localError('INTERNAL', 'unexpected failure in the v0 state machine', e));
      this.finished = true;
      this.buf = new Uint8Array(0);
      this.onFailure();
      if (refusal.reply === undefined) return { ...this.flush(), error: refusal.error };
      this.out.push(utf8(refusal.reply));
      return { ...this.flush(), error: refusal.error, reply: refusal.reply };
    }
  }

  /** Called once when the session fails: wipe secrets, move to the failed state. */
  protected abstract onFailure(): void;

  private flush(): LegacyStep {
    const step: LegacyStep = { out: this.out, events: this.events, done: this.finished };
    this.out = [];
    this.events = [];
    return step;
  }
}

/** What both v0 parties hold: the receiver's password and, after the DH step, the derived keys. */
export abstract class KeyedMachine<S extends string> extends Machine<S> {
  protected readonly password: Uint8Array;
  protected keys: (ChapValues & { dhsk: Uint8Array }) | undefined;

  /** `password` is copied; the copy is wiped when the machine ends. */
  constructor(password: Uint8Array) {
    super();
    this.password = password.slice();
  }

  protected wipeKeys(): void {
    if (this.keys !== undefined) wipe(this.keys.dhsk);
    wipe(this.password);
  }

  protected mustKeys(): ChapValues & { dhsk: Uint8Array } {
    if (this.keys === undefined) throw remoteError('UNEXPECTED_MESSAGE', 'message before the key exchange');
    return this.keys;
  }
}
