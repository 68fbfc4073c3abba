/**
 * Refused connections, told at most once per source per window: a flood of refusals (a
 * thousand a second from one address) must not become a thousand lines a second on the
 * user's terminal, page or agent feed (OpenSSH logs MaxStartups drops as a summary too).
 * The first refusal from a source is told at once; the ones that follow within
 * `REFUSAL_NOTICE_WINDOW_MS` are counted and added to the next line told for that source.
 *
 * Pure: the clock is a parameter. Memory is bounded: at most `REFUSAL_NOTICE_SOURCES`
 * sources are remembered, the least recently told forgotten first.
 */
import { REFUSAL_NOTICE_SOURCES, REFUSAL_NOTICE_WINDOW_MS } from '../limits.js';

export type RefusalCode = 'TOO_MANY_CONNECTIONS' | 'RATE_LIMITED';

export class RefusalNotices {
  readonly #told = new Map<string, { at: number; quiet: number }>();
  readonly #now: () => number;
  readonly #windowMs: number;
  readonly #max: number;

  constructor(o: { readonly now?: () => number; readonly windowMs?: number; readonly maxSources?: number } = {}) {
    this.#now = o.now ?? Date.now;
    this.#windowMs = o.windowMs ?? REFUSAL_NOTICE_WINDOW_MS;
    this.#max = o.maxSources ?? REFUSAL_NOTICE_SOURCES;
  }

  /** The sentence to show for this refusal, or null when it is only counted. */
  line(address: string, code: RefusalCode): string | null {
    const now = this.#now();
    const t = this.#told.get(address);
    if (t !== undefined && now - t.at < this.#windowMs) {
      t.quiet++;
      return null;
    }
    const why = code === 'RATE_LIMITED' ? 'too many failed logins from there' : 'too many connections';
    const more = t !== undefined && t.quiet > 0 ? ` (and ${t.quiet} more from there since the last notice)` : '';
    this.#told.delete(address);
    this.#told.set(address, { at: now, quiet: 0 });
    while (this.#told.size > this.#max) {
      const oldest = this.#told.keys().next();
      if (oldest.done === true) break;
      this.#told.delete(oldest.value);
    }
    return `refused a connection from ${address}: ${why}${more}`;
  }
}
