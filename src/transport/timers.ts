/**
 * The clock and timers of the transport adapters, as a parameter: deadlines under test are
 * driven by an injected implementation (test/transport/_manual-timers.ts), never by waiting.
 */
export interface TimerHandle {
  cancel(): void;
}

export interface Timers {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `fn` once after `ms`; the timer never keeps the process alive. */
  after(ms: number, fn: () => void): TimerHandle;
}

export const realTimers: Timers = {
  now: () => Date.now(),
  after(ms, fn) {
    const t = setTimeout(fn, ms);
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
};
