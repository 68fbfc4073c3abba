/**
 * What the messenger tells whoever watches it in the same process (the agent's page server,
 * the agent's echo to other clients): conversations as they start, and messages a local user
 * wrote, with who asked for them, so a message typed in one client shows in the others, and
 * messages received, once each.
 */
import type { Conversation } from '../chat/conversation.js';
import type { IncomingMessage } from '../chat/types.js';

export interface MessengerObserver {
  /** A conversation of local user `user` is established ('in': to their listener; 'out': they opened it). */
  conversation?(user: string, conv: Conversation, origin: 'in' | 'out'): void;
  /** `user` wrote `text` as message `id` on `conv`; `by` is whoever asked (an opaque token, e.g. the client). */
  sent?(user: string, conv: Conversation, id: number, text: string, by: unknown): void;
  /** `user` received `m` on `conv`, logged durably; a retry of a message already logged (PROTOCOL §7) is not told again. */
  received?(user: string, conv: Conversation, m: IncomingMessage): void;
}

/** Calls `fn` on every observer; one that throws does not stop the others or the messenger. */
export function tellObservers(observers: Iterable<MessengerObserver>, fn: (o: MessengerObserver) => void): void {
  for (const o of observers) {
    try {
      fn(o);
    } catch {
      // a broken watcher must not break a conversation
    }
  }
}
