/**
 * Events of the v0 TCP adapter (`net.ts`): plain objects with a `type`, meant to be printed
 * as one human line each (or as JSON). No event carries a secret; `message` carries the
 * received plaintext, which is the point.
 */
import type { ErrorCode, ErrorSide } from '../errors.js';

export type LegacyEvent =
  /** The weakness warning; emitted first by every call. */
  | { readonly type: 'warning'; readonly text: string }
  /** The listener is bound (the real port when asked for port 0). */
  | { readonly type: 'listening'; readonly host: string; readonly port: number }
  /** A connection is being served (listener) or was established (sender). */
  | { readonly type: 'connection'; readonly peer: string }
  /** A handshake step, as a short human line. */
  | { readonly type: 'step'; readonly peer: string; readonly text: string }
  /** A text message received: `timestamp` is the sender's (seconds), `receivedAt` ours (ms). */
  | { readonly type: 'message'; readonly peer: string; readonly text: string; readonly timestamp: number; readonly receivedAt: number }
  /** The message was delivered and acknowledged (sender). */
  | { readonly type: 'delivered'; readonly peer: string; readonly timestamp: number }
  /** A log line was appended to `path`. */
  | { readonly type: 'logged'; readonly path: string }
  /** A session ended in order. */
  | { readonly type: 'closed'; readonly peer: string; readonly text: string }
  /** A failure; `reply` is the v0 answer we sent the peer, if any. The listener keeps serving. */
  | {
      readonly type: 'error';
      readonly peer?: string;
      readonly code: ErrorCode;
      readonly side: ErrorSide;
      readonly detail: string;
      readonly reply?: string;
    };
