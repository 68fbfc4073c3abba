/**
 * What every part of the page's server side shares (controller.ts composes them): the agent's
 * messenger and feeds, the local user and users file in use (the latest `securechat ui` may
 * switch the file), and the page's event stream. A new part of the page (a group view, say)
 * takes a `PageContext` and emits its own events through it.
 */
import type { UsersFile } from '../identity/index.js';
import type { FeedHub } from '../app/feed-hub.js';
import type { Messenger } from '../app/messenger.js';
import type { Self } from '../app/self.js';
import type { ServerEvent } from './protocol.js';

/** What the page runs on: the agent's messenger and its users' feeds. */
export interface PageCore {
  readonly messenger: Messenger;
  readonly feeds: FeedHub;
}

export interface PageContext {
  readonly core: PageCore;
  /** The local user (read it each time: it is reloaded when the users file changes). */
  self(): Self;
  users(): UsersFile | undefined;
  /** Sends `e` to every open page. */
  emit(e: ServerEvent): void;
  /** Something the state shows changed: every open page gets the new state. */
  changed(): void;
}

/** The page's event receivers: a broken one never stops the others. */
export class PageEvents {
  readonly #subscribers = new Set<(e: ServerEvent) => void>();

  /** Registers a receiver of events; returns the function that removes it. */
  subscribe(fn: (e: ServerEvent) => void): () => void {
    this.#subscribers.add(fn);
    return () => this.#subscribers.delete(fn);
  }

  emit(e: ServerEvent): void {
    for (const fn of this.#subscribers) {
      try {
        fn(e);
      } catch {
        // one broken page must not stop the others or the chat machinery
      }
    }
  }

  clear(): void {
    this.#subscribers.clear();
  }
}
