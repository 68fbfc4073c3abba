/**
 * The listener-wide budget for received messages not yet handled (issue 10, finding 4): the
 * bytes of text queued in every conversation's inbox, added up. Over the budget, every
 * conversation pauses its socket; each resumes once the total is back under half of it (and
 * its own inbox under its own low-water mark). Not safe for concurrent use from workers (there
 * are none); the zero state is ready.
 */
import { LISTENER_INBOX_BUDGET } from '../limits.js';

export class InboxBudget {
  readonly limit: number;
  #used = 0;
  #peak = 0;
  readonly #waiting = new Set<() => void>();

  constructor(limit: number = LISTENER_INBOX_BUDGET) {
    this.limit = limit;
  }

  get used(): number {
    return this.#used;
  }

  /** The highest `used` ever reached. */
  get peak(): number {
    return this.#peak;
  }

  /** True while new input must wait. */
  get over(): boolean {
    return this.#used > this.limit;
  }

  /** True once the total is low enough for paused conversations to resume. */
  get relieved(): boolean {
    return this.#used <= this.limit / 2;
  }

  take(bytes: number): void {
    this.#used += bytes;
    if (this.#used > this.#peak) this.#peak = this.#used;
  }

  give(bytes: number): void {
    this.#used = Math.max(0, this.#used - bytes);
    if (this.relieved && this.#waiting.size > 0) {
      const w = [...this.#waiting];
      this.#waiting.clear();
      for (const f of w) f();
    }
  }

  /** Calls `fn` once, the next time the budget is relieved. */
  whenRelieved(fn: () => void): void {
    this.#waiting.add(fn);
  }

  forget(fn: () => void): void {
    this.#waiting.delete(fn);
  }
}
