/**
 * The static-static DH of IKpsk2's `ss` token, X25519(s, rs), depends only on the two static
 * keys, so it is the same in every reconnect between two parties. WireGuard computes it once
 * per peer (`precomputedStaticStatic`, device/noise-protocol.go); so do we: `memoStaticDh`
 * keeps the results for the last MAX_STATIC_DH_CACHE peer keys (least recently used first
 * out), which saves one of the responder's five X25519 operations. The bytes on the wire are
 * unchanged (the vectors run through both paths).
 *
 * A kept result is a secret of the same standing as our static private key (whoever holds
 * that key computes it), held as long as the key. The peer key is not authenticated when the
 * responder computes `ss` (message 1's payload tag comes after), so any sender can add an
 * entry: the cache is bounded, and an entry costs that sender a handshake message.
 * `clear()` wipes every entry (best effort: JavaScript gives no guarantee).
 */
import { x25519 } from '../../crypto/ecc.js';
import { MAX_STATIC_DH_CACHE } from '../../limits.js';

/** X25519 of our static private key with a peer's static public key. */
export interface StaticDh {
  (peerStatic: Uint8Array): Uint8Array;
}

export interface MemoStaticDh extends StaticDh {
  clear(): void;
}

/** A StaticDh over `priv` that remembers its results; each call returns a fresh copy. */
export function memoStaticDh(priv: Uint8Array, max: number = MAX_STATIC_DH_CACHE): MemoStaticDh {
  const kept = new Map<string, Uint8Array>();
  const dh = (peerStatic: Uint8Array): Uint8Array => {
    const k = Buffer.from(peerStatic.buffer, peerStatic.byteOffset, peerStatic.byteLength).toString('base64');
    const hit = kept.get(k);
    if (hit !== undefined) {
      kept.delete(k); // most recently used goes last
      kept.set(k, hit);
      return hit.slice();
    }
    const out = x25519(priv, peerStatic); // throws for a bad key: nothing is kept
    kept.set(k, out.slice());
    if (kept.size > max) {
      const [oldest] = kept;
      if (oldest !== undefined) {
        oldest[1].fill(0);
        kept.delete(oldest[0]);
      }
    }
    return out;
  };
  return Object.assign(dh, {
    clear(): void {
      for (const v of kept.values()) v.fill(0);
      kept.clear();
    },
  });
}
