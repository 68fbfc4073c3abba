/**
 * What the pure v0 state machines hand back for every input: bytes to write (each element in
 * its own socket write, in order) and events. Events are plain objects with a `type`.
 */
import type { SecureChatError } from '../errors.js';

export type LegacyCoreEvent =
  /** A handshake step, as a short human line. */
  | { readonly type: 'step'; readonly text: string }
  /** A text message received and opened (receiver). `timestamp`: the sender's, in seconds. */
  | { readonly type: 'message'; readonly text: string; readonly timestamp: number }
  /** The session ended in order. */
  | { readonly type: 'closed'; readonly text: string };

export interface LegacyStep {
  /** Messages to send, each in a single write, in this order. */
  readonly out: readonly Uint8Array[];
  readonly events: readonly LegacyCoreEvent[];
  /** True once the connection should be closed (after writing `out`). */
  readonly done: boolean;
  /** Set when the session failed; `out` then holds the v0 answer the original would send, if any. */
  readonly error?: SecureChatError;
  /** With `error`: the v0 answer to it, already the last element of `out`. */
  readonly reply?: string;
}
