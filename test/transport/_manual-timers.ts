/**
 * Timers driven by the test (src/transport/timers.ts): nothing fires until `advance` moves
 * the clock past a deadline. A deadline under test is then an event the test causes, never a
 * wait on the wall clock.
 */
import type { TimerHandle, Timers } from '../../src/transport/timers.js';

export class ManualTimers implements Timers {
  #now: number;
  readonly #pending: { at: number; fn: () => void; live: boolean }[] = [];

  constructor(start = 1_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  after(ms: number, fn: () => void): TimerHandle {
    const t = { at: this.#now + ms, fn, live: true };
    this.#pending.push(t);
    return { cancel: () => (t.live = false) };
  }

  /** Timers still waiting. */
  get waiting(): number {
    return this.#pending.filter((t) => t.live).length;
  }

  /** Moves the clock by `ms` and runs every timer now due, in order of their deadlines. */
  advance(ms: number): void {
    this.#now += ms;
    const due = this.#pending.filter((t) => t.live && t.at <= this.#now).sort((a, b) => a.at - b.at);
    for (const t of due) {
      t.live = false;
      this.#pending.splice(this.#pending.indexOf(t), 1);
      t.fn();
    }
  }
}
