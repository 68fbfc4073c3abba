/**
 * How the outbox reaches a contact: the `DeliveryRoute` interface, and the direct route over
 * the messenger (a conversation that is open now, such as one the contact opened to us, or a
 * reconnect by keys to the contact's listener). The relay route (store and forward to an offline
 * contact, src/app/relay-route.ts) implements the same interface around this one.
 */
import { fromHex } from '../crypto/bytes.js';
import { localError } from '../errors.js';
import type { Reporter } from './host.js';
import type { Messenger } from './messenger.js';
import type { OutboxEntry } from './outbox.js';
import type { Target } from './target.js';

/** A way to one contact, open for a few deliveries. */
export interface RouteSession {
  /**
   * Sends `e` (as TEXT_ID with its message id, PROTOCOL §7); resolves once its receipt arrived,
   * or with 'relayed' once it is stored at the contact's relay (the receipt comes later, to
   * `OutboxRunner.receipted`; src/app/relay-route.ts).
   */
  deliver(e: OutboxEntry): Promise<void | 'relayed'>;
  close(): Promise<void>;
}

export interface DeliveryRoute {
  /** Opens the way to `to` as local user `as` (a contact: no password); rejects when it cannot be reached. */
  open(as: string, to: Target, report: Reporter): Promise<RouteSession>;
}

/** Direct delivery over the messenger's conversations. */
export class DirectRoute implements DeliveryRoute {
  readonly #m: Messenger;

  constructor(m: Messenger) {
    this.#m = m;
  }

  async open(as: string, to: Target, report: Reporter): Promise<RouteSession> {
    const m = this.#m;
    let held = false;
    // A conversation the contact opened to us is used as it is (it may be the only way to
    // them); our own is held (joined, or opened by keys) so that no other sender's release
    // closes it under this delivery.
    if (!m.hasInbound(as, to.account)) {
      await m.hold({ as, target: to }, report, { established: false });
      held = true;
    }
    return {
      async deliver(e) {
        if (!m.hasOpen(as, to.account)) throw localError('CONNECTION_LOST', `the conversation with ${to.account} ended`);
        await m.say(as, to.account, e.text, report, { established: false }, fromHex(e.id));
      },
      async close() {
        if (held) await m.release(as, to);
        held = false;
      },
    };
  }
}
