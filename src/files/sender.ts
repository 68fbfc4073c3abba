/**
 * The sending side of one transfer, sans I/O (docs/FILES.md §5): which chunk to read next,
 * how a sealed chunk splits into CHUNK fragments, and the window of chunks sent but not yet
 * acknowledged (at most SEND_WINDOW_CHUNKS), so that neither side holds more than a few
 * chunks whatever the file size. An ACK that goes backwards or past what was sent is
 * FILE_CHUNK_ORDER.
 */
import { remoteError } from '../errors.js';
import { MAX_FRAGMENT_BYTES, SEND_WINDOW_CHUNKS } from './limits.js';
import type { Manifest } from './manifest.js';
import type { Position } from './messages.js';
import { TransferPlan } from './plan.js';

export class SendMachine {
  readonly plan: TransferPlan;
  readonly #window: number;
  #next: Position;
  #acked: number;

  constructor(manifest: Manifest, start: Position, window = SEND_WINDOW_CHUNKS) {
    this.plan = new TransferPlan(manifest);
    this.#acked = this.plan.ordinal(start);
    this.#next = start;
    this.#window = window;
  }

  /** The next chunk to seal and send, or null when the window is full or everything was sent. */
  nextChunk(): Position | null {
    if (this.#next.file === this.plan.manifest.entries.length) return null;
    if (this.plan.ordinal(this.#next) - this.#acked >= this.#window) return null;
    const p = this.#next;
    this.#next = this.plan.next(p);
    return p;
  }

  /** Everything acknowledged: the receiver stored and verified every file. */
  get done(): boolean {
    return this.#acked === this.plan.totalChunks;
  }

  get ackedPosition(): number {
    return this.#acked;
  }

  onAck(at: Position): void {
    const n = this.plan.ordinal(at);
    if (n < this.#acked || n > this.plan.ordinal(this.#next)) throw remoteError('FILE_CHUNK_ORDER', `an acknowledgement of chunk ${at.chunk} of file ${at.file} that was not sent`);
    this.#acked = n;
  }
}

/** Offsets and lengths of the fragments of a sealed chunk of `n` bytes. */
export function fragments(n: number, max = MAX_FRAGMENT_BYTES): { readonly offset: number; readonly length: number }[] {
  const out: { offset: number; length: number }[] = [];
  for (let o = 0; o < n; o += max) out.push({ offset: o, length: Math.min(max, n - o) });
  return out;
}
