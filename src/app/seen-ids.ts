/**
 * The receiver's record of message ids already logged per peer (docs/PROTOCOL.md §7, TEXT_ID):
 * a retry of a message that is already in the log is answered with a receipt but neither shown
 * nor logged again.
 *
 * The log is the only source of truth: a peer's window is read from it the first time that
 * peer sends a TEXT_ID (and again after the window was forgotten), then kept up to date in
 * memory as messages are logged. So a restart, or a crash between the log append and anything
 * else, never makes the record and the log disagree. Bounded: the last `perPeer` ids of each
 * peer, for the `peers` most recently active peers.
 *
 * Not safe to share between processes; within one, `admit` calls for one peer run one at a
 * time (check, log, remember), so two copies of one message arriving at once on two
 * conversations are logged once.
 */
import { EventKind } from '../log/event.js';
import { logRecords } from './log-events.js';
import { DEDUPE_IDS_PER_PEER, DEDUPE_PEERS } from '../limits.js';

/** The ids logged from `peer`, oldest first (the loader may return more than the window). */
export type SeenLoader = (peer: string) => Promise<readonly string[]>;

/** One peer's window: the last `max` ids, oldest first. Pure. */
export class SeenWindow {
  readonly #ids = new Set<string>();
  readonly #order: string[] = [];
  constructor(readonly max: number, ids: readonly string[] = []) {
    for (const id of ids) this.add(id);
  }

  has(id: string): boolean {
    return this.#ids.has(id);
  }

  add(id: string): void {
    if (this.#ids.has(id)) return;
    this.#ids.add(id);
    this.#order.push(id);
    while (this.#order.length > this.max) {
      const old = this.#order.shift();
      if (old !== undefined) this.#ids.delete(old);
    }
  }

  get size(): number {
    return this.#order.length;
  }
}

export class SeenIds {
  readonly #load: SeenLoader;
  readonly #perPeer: number;
  readonly #maxPeers: number;
  /** Most recently used last. */
  readonly #windows = new Map<string, SeenWindow>();
  readonly #chains = new Map<string, Promise<unknown>>();

  constructor(load: SeenLoader, perPeer = DEDUPE_IDS_PER_PEER, maxPeers = DEDUPE_PEERS) {
    this.#load = load;
    this.#perPeer = perPeer;
    this.#maxPeers = maxPeers;
  }

  /**
   * Runs `store` (the durable log append) unless `messageId` from `peer` is already logged;
   * resolves true when it stored, false for a duplicate. A failed `store` is not remembered.
   */
  admit(peer: string, messageId: string, store: () => Promise<unknown>): Promise<boolean> {
    const prev = this.#chains.get(peer) ?? Promise.resolve();
    const run = prev.catch(() => undefined).then(async () => {
      const w = await this.#window(peer);
      if (w.has(messageId)) return false;
      await store();
      w.add(messageId);
      return true;
    });
    this.#chains.set(peer, run);
    void run.finally(() => {
      if (this.#chains.get(peer) === run) this.#chains.delete(peer);
    }).catch(() => undefined);
    return run;
  }

  /** Peers whose window is in memory now (for tests). */
  get peers(): number {
    return this.#windows.size;
  }

  async #window(peer: string): Promise<SeenWindow> {
    let w = this.#windows.get(peer);
    if (w !== undefined) {
      this.#windows.delete(peer);
    } else {
      const ids = await this.#load(peer);
      w = new SeenWindow(this.#perPeer, ids.slice(-this.#perPeer));
    }
    this.#windows.set(peer, w);
    while (this.#windows.size > this.#maxPeers) {
      const oldest = this.#windows.keys().next();
      if (oldest.done === true) break;
      this.#windows.delete(oldest.value);
    }
    return w;
  }
}

const LOGGED_ID = /^[0-9a-f]{32}$/;

/** A loader reading the TEXT_ID message ids received from a peer out of the user's (verified) log. */
export function logSeenLoader(userDir: string): SeenLoader {
  return async (peer) => {
    const ids: string[] = [];
    for (const o of await logRecords(userDir, peer)) {
      if (o['kind'] === EventKind.MESSAGE_RECEIVED && typeof o['id'] === 'string' && LOGGED_ID.test(o['id'])) ids.push(o['id']);
    }
    return ids;
  };
}
