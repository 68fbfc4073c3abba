/**
 * What the receiver does with one message it fetched from one of its relay queues (docs/RELAY.md
 * §10.3), as a pure function of the queue's state: the highest counter accepted so far and the
 * relay message ids of the last RELAY_RECENT_IDS items handled.
 *
 * - a counter above the last: new (a text is logged and shown, then receipted; a receipt
 *   settles the outbox entry). Gaps are allowed: the sender may have cancelled a message or let
 *   it expire after sealing it.
 * - a counter at or below the last, relay id among the recent ones: `RELAY_REPLAY` (the same
 *   stored message again: a text is receipted again, never shown twice).
 * - a counter at or below the last, relay id not recent: `RELAY_REORDERED` for a text (the relay
 *   gave an older message after a newer one, or replays one we no longer remember): refused,
 *   deleted from the relay, reported. A receipt is idempotent and authenticated by HPKE, so
 *   an out-of-order receipt still settles its message.
 */
import { RELAY_RECENT_IDS } from '../limits.js';
export { RELAY_RECENT_IDS };

export interface InboundState {
  readonly last: number;
  /** Relay message ids (hex) of the last items handled, oldest first. */
  readonly recent: readonly string[];
}

export const FRESH_INBOUND: InboundState = { last: 0, recent: [] };

export type InboundDecision =
  | { readonly action: 'accept'; readonly next: InboundState }
  | { readonly action: 'replay'; readonly code: 'RELAY_REPLAY' }
  | { readonly action: 'refuse'; readonly code: 'RELAY_REORDERED' };

export function decideInbound(s: InboundState, kind: 'text' | 'receipt', counter: number, relayIdHex: string): InboundDecision {
  if (s.recent.includes(relayIdHex)) return { action: 'replay', code: 'RELAY_REPLAY' };
  if (counter <= s.last && kind === 'text') return { action: 'refuse', code: 'RELAY_REORDERED' };
  const recent = [...s.recent, relayIdHex].slice(-RELAY_RECENT_IDS);
  return { action: 'accept', next: { last: Math.max(s.last, counter), recent } };
}
