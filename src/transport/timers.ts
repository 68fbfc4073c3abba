/**
 * The clock and timers of the transport adapters, as a parameter: deadlines under test are
 * driven by an injected implementation (test/transport/_manual-timers.ts), never by waiting.
 */
export interface TimerHandle {
  cancel(): void;
}

export interface Timers {
  /**
   * Milliseconds on a monotonic clock (the real one: performance.now() from the process's time
   * origin), so a step of the wall clock neither refills a guessing bucket nor lifts a penalty.
   */
  now(): number;
  /** Runs `fn` once after `ms`; the timer never keeps the process alive. */
  after(ms: number, fn: () => void): TimerHandle;
}

export const realTimers: Timers = {
  now: () => performance.timeOrigin + performance.now(),
  after(ms, fn) {
    const t = setTimeout(fn, ms);
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
};
