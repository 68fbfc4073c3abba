/**
 * A listener answers "busy" when the connecting address has too many handshakes in progress or
 * is throttled (docs/SECURITY.md "Listener limits"). That costs it nothing, so both a password
 * login (connect.ts) and a reconnect by keys (reconnect.ts) retry it a few times with jittered
 * exponential backoff before giving up: a wait in [b/2, b], b starting at
 * CONNECT_BUSY_BACKOFF_MS and doubling up to CONNECT_BUSY_BACKOFF_MAX_MS. A busy answer comes
 * before the handshake is evaluated (no guess, no contact secret spent); a try that needs
 * inputs it may consume builds them afresh in `once`.
 */
import { CONNECT_BUSY_BACKOFF_MAX_MS, CONNECT_BUSY_BACKOFF_MS, CONNECT_BUSY_RETRIES } from '../limits.js';
import { PeerAlertError } from '../handshake/alert.js';

/** Whether `e` is the listener's "busy" answer. */
export function isBusy(e: unknown): boolean {
  return e instanceof PeerAlertError && e.alert === 'busy';
}

/** The wait before retry number `attempt` (0-based), given a uniform draw in [0, 1). */
export function busyBackoffMs(attempt: number, draw: number): number {
  const ceiling = Math.min(CONNECT_BUSY_BACKOFF_MAX_MS, CONNECT_BUSY_BACKOFF_MS * 2 ** attempt);
  return ceiling / 2 + draw * (ceiling / 2);
}

/** Runs `once`, and again after each "busy" answer, at most `retries` more times; any other outcome is final. */
export async function retryBusy<T>(once: () => Promise<T>, retries: number = CONNECT_BUSY_RETRIES): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await once();
    } catch (e) {
      if (attempt >= retries || !isBusy(e)) throw e;
      // Math.random: the jitter only spreads retries, it protects nothing.
      await new Promise((r) => setTimeout(r, busyBackoffMs(attempt, Math.random())));
    }
  }
}
