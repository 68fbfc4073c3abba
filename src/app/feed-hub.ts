/**
 * Fans one local user's feed (listening.ts `Feed`: status lines, warnings, message lines, each
 * with its JSON fact) out to every in-process watcher of that user, e.g. the agent's page.
 */
import type { JsonEvent } from './host.js';
import type { Feed } from './listening.js';

export type FeedLevel = 'status' | 'warn' | 'line';
export type FeedWatcher = (level: FeedLevel, text: string, e: JsonEvent | undefined) => void;

export class FeedHub {
  readonly #watchers = new Map<string, Set<FeedWatcher>>();

  /** Watches `user`; returns the function that stops it. */
  watch(user: string, fn: FeedWatcher): () => void {
    let set = this.#watchers.get(user);
    if (set === undefined) {
      set = new Set();
      this.#watchers.set(user, set);
    }
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0 && this.#watchers.get(user) === set) this.#watchers.delete(user);
    };
  }

  /** The feed of `user` (give it to the messenger); `also` receives every line too. */
  feed(user: string, also?: Feed): Feed {
    const tell = (level: FeedLevel, text: string, e?: JsonEvent): void => {
      for (const fn of this.#watchers.get(user) ?? []) {
        try {
          fn(level, text, e);
        } catch {
          // one broken watcher must not stop the others
        }
      }
    };
    return {
      status: (t, e) => {
        also?.status(t, e);
        tell('status', t, e);
      },
      warn: (t, e) => {
        also?.warn(t, e);
        tell('warn', t, e);
      },
      line: (t, e) => {
        also?.line(t, e);
        tell('line', t, e);
      },
    };
  }
}
