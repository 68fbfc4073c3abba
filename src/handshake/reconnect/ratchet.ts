/**
 * The per-contact secret and its one-way ratchet (docs/PROTOCOL.md §10.5), as plain data and
 * pure functions. Each direction of a contact (we connect to them / they connect to us) has
 * its own chain, so two reconnects in opposite directions never race on one secret.
 *
 * Crash consistency: both sides keep the previous secret next to the current one.
 *   - The initiator replaces its state only after it verified message 2 (the responder had
 *     the secret); the responder only after the initiator's first record arrived (the
 *     initiator had completed). A side that crashed before writing is one epoch behind, and
 *     the other side still accepts (or still offers) the previous epoch.
 *   - The responder keeps the previous epoch until a reconnect under the current one
 *     completes, and remembers the ephemeral keys of the reconnects it committed under the
 *     previous epoch: a recorded message 1 played again is `RECONNECT_REPLAY`.
 * Nothing here does I/O; the adapters persist what these functions return.
 */

/** One secret of a chain: the PSK for reconnects at `epoch`. */
export interface EpochSecret {
  readonly epoch: number;
  /** 32 bytes. */
  readonly secret: Uint8Array;
}

/** Our side of the chain for reconnects we initiate to a contact. */
export interface OutboundChain {
  readonly current: EpochSecret;
  readonly previous: EpochSecret | null;
  /** Epoch at which ML-KEM was last mixed in (the initial secret from the hybrid login counts). */
  readonly pqEpoch: number;
  /** When (ms since the epoch, our clock) ML-KEM was last mixed in. */
  readonly pqAtMs: number;
}

/** Our side of the chain for reconnects a contact initiates to us (the allow list entry). */
export interface InboundChain {
  readonly current: EpochSecret;
  readonly previous: EpochSecret | null;
  /** Ephemeral keys (32 bytes) of reconnects committed under `previous`: replays to refuse. */
  readonly seen: readonly Uint8Array[];
  readonly pqEpoch: number;
}

/** What one completed reconnect hands to the adapter to persist. */
export interface Accepted {
  /** The epoch whose secret was the PSK. */
  readonly epoch: number;
  /** The initiator's ephemeral public key (the replay marker). */
  readonly ephemeral: Uint8Array;
  /** The next secret (epoch + 1), from the session's key schedule. */
  readonly next: Uint8Array;
  /** Whether this reconnect mixed in an ML-KEM shared secret. */
  readonly pq: boolean;
}

import { RECONNECT_MAX_SEEN as MAX_SEEN } from '../../limits.js';
export { MAX_SEEN };

/** After a completed reconnect: current := next, previous := the secret just used. */
export function advanceOutbound(used: EpochSecret, a: Accepted, nowMs: number, before: OutboundChain): OutboundChain {
  return {
    current: { epoch: a.epoch + 1, secret: a.next },
    previous: { epoch: used.epoch, secret: used.secret },
    pqEpoch: a.pq ? a.epoch + 1 : before.pqEpoch,
    pqAtMs: a.pq ? nowMs : before.pqAtMs,
  };
}

/**
 * The responder's commit once the initiator confirmed (its first record arrived), applied to
 * the state as it is *now* (another reconnect may have committed meanwhile). Returns null
 * when the epoch is no longer current or previous (nothing to do).
 */
export function advanceInbound(state: InboundChain, a: Accepted): InboundChain | null {
  if (a.epoch === state.current.epoch) {
    return {
      current: { epoch: a.epoch + 1, secret: a.next },
      previous: state.current,
      seen: [a.ephemeral],
      pqEpoch: a.pq ? a.epoch + 1 : state.pqEpoch,
    };
  }
  if (state.previous !== null && a.epoch === state.previous.epoch) {
    // The initiator was one behind (it crashed before saving, or raced another reconnect):
    // re-derive the current secret from the previous one; the previous one stays.
    return {
      current: { epoch: a.epoch + 1, secret: a.next },
      previous: state.previous,
      seen: [...state.seen, a.ephemeral].slice(-MAX_SEEN),
      pqEpoch: a.pq ? a.epoch + 1 : state.pqEpoch,
    };
  }
  return null;
}

/** Post-quantum step policy (§10.6): every N reconnects or T hours, the initiator adds ML-KEM (src/limits.ts). */
import { PQ_EVERY_MS, PQ_EVERY_RECONNECTS, PQ_GRACE_RECONNECTS } from '../../limits.js';
export { PQ_EVERY_MS, PQ_EVERY_RECONNECTS, PQ_GRACE_RECONNECTS };

export function pqDue(chain: OutboundChain, epoch: number, nowMs: number): boolean {
  return epoch - chain.pqEpoch >= PQ_EVERY_RECONNECTS || nowMs - chain.pqAtMs >= PQ_EVERY_MS;
}

export function pqOverdue(chain: InboundChain, epoch: number): boolean {
  return epoch - chain.pqEpoch >= PQ_EVERY_RECONNECTS + PQ_GRACE_RECONNECTS;
}
