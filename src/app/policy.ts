/**
 * The chat layer's `PeerPolicy` over the identity module's known peers (trust on first use).
 *
 * `check` runs inside the handshake and is synchronous: it decides on an in-memory snapshot
 * of known_peers.json, refreshed after each `commit`. A changed key is refused
 * (`PEER_KEY_CHANGED`), and the refused key is recorded as the name's pending key in the
 * background (so `securechat trust NAME` can accept it later); `settle()` waits for that.
 * A users-file entry with a `"fingerprint"` pins that key too: a different key is refused.
 */
import { isSecureChatError, localError, type SecureChatError } from '../errors.js';
import {
  checkPeer,
  formatFingerprint,
  isChanged,
  keyFingerprint,
  loadKnownPeers,
  peerKeyChangedError,
  pinPeer,
  type Direction,
  type KnownPeers,
  type UsersFile,
} from '../identity/index.js';
import type { PeerIdentity } from '../handshake/result.js';
import type { KsfParams } from '../crypto/opaque.js';
import { loadKsfPins, pinKsf, type KsfPins } from '../identity/ksf-pins.js';
import type { PeerKeyState, PeerPolicy } from '../chat/types.js';

export interface KeyChange {
  readonly peer: string;
  readonly oldFingerprint: string;
  readonly newFingerprint: string;
}

export class KnownPeersPolicy implements PeerPolicy {
  private snapshot: KnownPeers;
  private ksfPins: KsfPins = new Map();
  private readonly pending = new Set<Promise<unknown>>();

  private constructor(
    private readonly userDir: string,
    snapshot: KnownPeers,
    private readonly users: UsersFile | undefined,
    private readonly onKeyChange: (c: KeyChange) => void,
  ) {
    this.snapshot = snapshot;
  }

  static async load(userDir: string, users: UsersFile | undefined, onKeyChange: (c: KeyChange) => void = () => undefined): Promise<KnownPeersPolicy> {
    const p = new KnownPeersPolicy(userDir, await loadKnownPeers(userDir), users, onKeyChange);
    p.ksfPins = await loadKsfPins(userDir);
    return p;
  }

  ksfPin(account: string): KsfParams | undefined {
    return this.ksfPins.get(account);
  }

  async commitKsf(account: string, ksf: KsfParams): Promise<void> {
    this.ksfPins = await pinKsf(this.userDir, account, ksf);
  }

  check(peer: PeerIdentity, direction: Direction = 'outbound'): { state: PeerKeyState } | SecureChatError {
    const c = checkPeer(this.snapshot, peer.name, peer.identityKey, direction);
    if (isChanged(c)) {
      const old = this.snapshot.peers.get(peer.name);
      this.recordRefused(peer, direction);
      this.onKeyChange({ peer: peer.name, oldFingerprint: c.changed.oldFingerprint, newFingerprint: c.changed.newFingerprint });
      return old === undefined
        ? localError('PEER_KEY_CHANGED', `the identity key of "${peer.name}" changed`)
        : peerKeyChangedError(peer.name, old.key, peer.identityKey);
    }
    const listed = this.users?.users.find((u) => u.username === peer.name)?.fingerprint;
    if (listed !== undefined) {
      const fp = keyFingerprint(peer.identityKey);
      if (fp !== listed) {
        return localError(
          'PEER_KEY_CHANGED',
          `the identity key of "${peer.name}" (${formatFingerprint(fp)}) is not the one the users file ${this.users?.path ?? ''} pins (${formatFingerprint(listed)}); check with ${peer.name} which is right, then fix the file's "fingerprint"`,
        );
      }
    }
    return { state: c };
  }

  async commit(peer: PeerIdentity, _state: PeerKeyState, direction: Direction = 'outbound'): Promise<void> {
    this.snapshot = await pinPeer(this.userDir, peer.name, peer.identityKey, Date.now(), direction);
  }

  /** Keeps the refused key as the pending key (pinPeer does exactly that, then throws). */
  private recordRefused(peer: PeerIdentity, direction: Direction): void {
    const p = pinPeer(this.userDir, peer.name, Uint8Array.from(peer.identityKey), Date.now(), direction).then(
      (k) => {
        this.snapshot = k;
      },
      (e: unknown) => {
        if (!isSecureChatError(e) || e.code !== 'PEER_KEY_CHANGED') return;
      },
    );
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  /** Waits until background writes (refused keys) are on disk. */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }
}
