/**
 * The known-peers policy (policy.ts), reloadable: the page can mark a key verified
 * or trust a changed key while a listener is running, and the next handshake must see that.
 * `KnownPeersPolicy` decides on a snapshot it refreshes only on its own commits, so after the
 * page changed known_peers.json this adapter swaps in a freshly loaded one.
 */
import type { KsfParams } from '../crypto/opaque.js';
import type { PeerIdentity } from '../handshake/result.js';
import type { SecureChatError } from '../errors.js';
import type { PeerKeyState, PeerPolicy } from '../chat/types.js';
import type { UsersFile } from '../identity/index.js';
import { KnownPeersPolicy, type KeyChange } from './policy.js';

export class ReloadablePolicy implements PeerPolicy {
  #current: KnownPeersPolicy;
  readonly #old = new Set<KnownPeersPolicy>();

  private constructor(
    private readonly userDir: string,
    private readonly users: UsersFile | undefined,
    private readonly onKeyChange: (c: KeyChange) => void,
    current: KnownPeersPolicy,
  ) {
    this.#current = current;
  }

  static async load(userDir: string, users: UsersFile | undefined, onKeyChange: (c: KeyChange) => void): Promise<ReloadablePolicy> {
    return new ReloadablePolicy(userDir, users, onKeyChange, await KnownPeersPolicy.load(userDir, users, onKeyChange));
  }

  check(peer: PeerIdentity, direction?: 'inbound' | 'outbound'): { state: PeerKeyState } | SecureChatError {
    return this.#current.check(peer, direction);
  }

  commit(peer: PeerIdentity, state: PeerKeyState, direction?: 'inbound' | 'outbound'): Promise<void> {
    return this.#current.commit(peer, state, direction);
  }

  ksfPin(account: string): KsfParams | undefined {
    return this.#current.ksfPin(account);
  }

  commitKsf(account: string, ksf: KsfParams): Promise<void> {
    return this.#current.commitKsf(account, ksf);
  }

  /** Re-reads known_peers.json (after the page changed it). */
  async reload(): Promise<void> {
    await this.settle();
    this.#old.add(this.#current);
    this.#current = await KnownPeersPolicy.load(this.userDir, this.users, this.onKeyChange);
  }

  /** Waits until refused keys are recorded on disk. */
  async settle(): Promise<void> {
    await Promise.allSettled([this.#current, ...this.#old].map((p) => p.settle()));
    this.#old.clear();
  }
}
