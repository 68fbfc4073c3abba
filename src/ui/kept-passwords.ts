/**
 * Passwords of connections that stopped at a changed key, kept so that "trust new key" can
 * make the connection again (docs/UI.md step 9): one per peer, wiped when taken and used, when
 * the person chooses "do not trust", or after UI_KEYCHANGE_RETRY_TIMEOUT_MS, whichever is
 * first. JavaScript gives no guarantee that no copy remains; these bytes are wiped.
 */
import { wipe } from '../crypto/bytes.js';
import type { Target } from '../app/target.js';
import { UI_KEYCHANGE_RETRY_TIMEOUT_MS } from '../limits.js';

export interface Kept {
  readonly target: Target;
  readonly password: Uint8Array;
}

export class KeptPasswords {
  readonly #kept = new Map<string, Kept & { readonly timer: NodeJS.Timeout }>();

  /** Keeps `password` (owned from now on) for `target.account`, replacing (and wiping) an older one. */
  keep(target: Target, password: Uint8Array): void {
    this.drop(target.account);
    const timer = setTimeout(() => this.drop(target.account), UI_KEYCHANGE_RETRY_TIMEOUT_MS);
    timer.unref();
    this.#kept.set(target.account, { target, password, timer });
  }

  /** Hands over the kept password for `peer` (the caller wipes it), or undefined. */
  take(peer: string): Kept | undefined {
    const k = this.#kept.get(peer);
    if (k === undefined) return undefined;
    this.#kept.delete(peer);
    clearTimeout(k.timer);
    return { target: k.target, password: k.password };
  }

  /** Wipes the kept password for `peer`, if any. */
  drop(peer: string): void {
    const k = this.take(peer);
    if (k !== undefined) wipe(k.password);
  }

  /** Wipes them all. */
  clear(): void {
    for (const peer of [...this.#kept.keys()]) this.drop(peer);
  }
}
