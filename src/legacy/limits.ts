/**
 * Named limits of the SecureChat v0 bridge (docs/LEGACY.md).
 *
 * "Specification" limits come from the original program's behaviour; "implementation" limits
 * are this bridge's choices.
 */

// ---- specification (what the original can read) ----

/**
 * The original reads every protocol message with one `recv(1024)`, so no v0 message may be
 * longer than this. We refuse to buffer more than this for one message, and our sender refuses
 * to build a text message that would not fit.
 */
export const LEGACY_MAX_MESSAGE_BYTES = 1024;
/** Decimal digits of the largest 256-bit challenge (2^256 - 1 has 78 digits). */
export const LEGACY_MAX_CHALLENGE_DIGITS = 78;
/** Smallest DH prime we accept from a receiver, in bits (the original generates 1024). */
export const LEGACY_MIN_PRIME_BITS = 1024;
/** Largest DH prime we accept from a receiver, in bits (its PEM must still fit in 1024 bytes). */
export const LEGACY_MAX_PRIME_BITS = 2048;

// ---- implementation ----

/** A v0 connection (handshake and message) not finished within this time is dropped. */
export const LEGACY_DEADLINE_MS = 10_000;
/** After our last message, how long a socket may linger before it is destroyed. */
export const LEGACY_LINGER_MS = 1_000;
/** Connections waiting for their turn on a listener (the original serves one at a time). */
export const LEGACY_MAX_QUEUED = 8;
/** Pause between two protocol messages we send back to back (see docs/LEGACY.md, "framing"). */
export const LEGACY_SETTLE_MS = 25;
/** Deepest JSON nesting accepted in a v0 text message. */
export const LEGACY_MAX_JSON_DEPTH = 32;
/** Bound on the per-group caches of dh.ts (groups come from peers). */
export const MAX_CACHED_DH_GROUPS = 16;
