/**
 * The relay route (docs/RELAY.md §10.2): the direct route first; when the contact cannot be
 * reached directly (the errors after which the outbox queues a message) and they gave us a
 * mailbox, the message is sealed for them and left at their relay. Such a delivery resolves
 * 'relayed': the outbox keeps the message, as waiting for its receipt, which comes back through
 * our own relay queue (RelayMailboxes → OutboxRunner.receipted).
 */
import type { Reporter } from './host.js';
import type { OutboxEntry } from './outbox.js';
import type { DeliveryRoute, RouteSession } from './outbox-route.js';
import { isUnreachable } from './outbox-runner.js';
import type { Target } from './target.js';

/** What the route needs of the mailboxes (RelayMailboxes). */
export interface RelaySender {
  knows(as: string, peer: string): Promise<boolean>;
  sendText(as: string, e: OutboxEntry): Promise<'stored' | 'duplicate'>;
}

export class RelayRoute implements DeliveryRoute {
  readonly #direct: DeliveryRoute;
  readonly #relay: RelaySender;

  constructor(direct: DeliveryRoute, relay: RelaySender) {
    this.#direct = direct;
    this.#relay = relay;
  }

  async open(as: string, to: Target, report: Reporter): Promise<RouteSession> {
    const relay = this.#relay;
    const viaRelay = async (e: OutboxEntry, why: unknown): Promise<'relayed'> => {
      if (!isUnreachable(why) || !(await relay.knows(as, to.account))) throw why;
      try {
        await relay.sendText(as, e);
      } catch {
        throw why; // the relay is down too: the direct failure is what the user reads
      }
      return 'relayed';
    };
    let direct: RouteSession;
    try {
      direct = await this.#direct.open(as, to, report);
    } catch (e) {
      if (!isUnreachable(e) || !(await relay.knows(as, to.account))) throw e;
      return { deliver: (x) => viaRelay(x, e), close: () => Promise.resolve() };
    }
    return {
      async deliver(x) {
        try {
          return await direct.deliver(x);
        } catch (e) {
          return viaRelay(x, e);
        }
      },
      close: () => direct.close(),
    };
  }
}
