/**
 * A listener answers "busy" when the connecting address has too many handshakes in progress or
 * is throttled (docs/SECURITY.md "Listener limits"). That costs it nothing, so both a password
 * login and a reconnect by keys retry a few times with jittered exponential backoff before
 * giving up. A busy answer comes before the handshake is evaluated: nothing was spent (no guess,
 * no contact secret), so retrying with the same inputs is safe.
 */
import { CONNECT_BUSY_BACKOFF_MAX_MS, CONNECT_BUSY_BACKOFF_MS, CONNECT_BUSY_RETRIES } from '../limits.js';
import { PeerAlertError } from '../handshake/alert.js';

/** Runs `once`, again after each "busy" answer, at most `retries` more times. */
export async function retryBusy<T>(once: () => Promise<T>, retries: number = CONNECT_BUSY_RETRIES): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await once();
    } catch (e) {
      if (attempt >= retries || !(e instanceof PeerAlertError) || e.alert !== 'busy') throw e;
      const ceiling = Math.min(CONNECT_BUSY_BACKOFF_MAX_MS, CONNECT_BUSY_BACKOFF_MS * 2 ** attempt);
      await new Promise((r) => setTimeout(r, ceiling / 2 + Math.random() * (ceiling / 2)));
    }
  }
}
