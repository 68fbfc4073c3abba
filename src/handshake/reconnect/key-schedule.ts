/**
 * Keys of a reconnect (docs/PROTOCOL.md §10.4), label for label, and the first per-contact
 * secrets taken from a completed password login (§4.3, `contact`).
 */
import { concat, utf8, wipe } from '../../crypto/bytes.js';
import { hkdfExpand, hkdfExtract } from '../../crypto/hkdf.js';
import { split, type SymmetricState } from '../../crypto/noise.js';
import type { TrafficKeys } from '../key-schedule.js';

export interface ReconnectKeys extends TrafficKeys {
  /** The per-contact secret for the next reconnect in this direction (epoch + 1). */
  readonly next: Uint8Array;
}

/**
 * master = Extract(salt = h, ikm = k1 || k2 [|| kem_ss]) from Noise's final state; then root,
 * both chains, the session id and the next per-contact secret.
 */
export function reconnectKeys(final: SymmetricState, kemSs: Uint8Array | null): ReconnectKeys {
  const { k1, k2 } = split(final);
  const ikm = kemSs === null ? concat(k1, k2) : concat(k1, k2, kemSs);
  const master = hkdfExtract(final.h, ikm);
  wipe(k1, k2, ikm);
  const out: ReconnectKeys = {
    root: hkdfExpand(master, utf8('sc1r root'), 32),
    chainI2R: hkdfExpand(master, utf8('sc1r chain i2r'), 32),
    chainR2I: hkdfExpand(master, utf8('sc1r chain r2i'), 32),
    sessionId: hkdfExpand(master, utf8('sc1r session id'), 16),
    next: hkdfExpand(master, utf8('sc1r next secret'), 32),
  };
  wipe(master);
  return out;
}

/**
 * The two chains' first secrets (epoch 0) from a password login's `contact` secret: `i2r` for
 * reconnects from that login's initiator to its responder, `r2i` for the other direction.
 */
export function initialContactSecrets(contact: Uint8Array): { readonly i2r: Uint8Array; readonly r2i: Uint8Array } {
  return { i2r: hkdfExpand(contact, utf8('sc1 contact i2r'), 32), r2i: hkdfExpand(contact, utf8('sc1 contact r2i'), 32) };
}
