/**
 * Every named limit of SecureChat, in one place.
 *
 * "Specification" limits are part of the protocol (docs/PROTOCOL.md): both sides must agree.
 * "Implementation" limits are this program's choices and may change without a version bump.
 */

// ---- specification ----

/** Protocol version spoken by this implementation. */
export const PROTOCOL_VERSION = 1;
/** Frame header: version (1) | type (1) | payload length (4, big-endian). */
export const FRAME_HEADER_BYTES = 6;
/** Frame trailer: CRC-32 (4, big-endian) over header and payload. */
export const FRAME_TRAILER_BYTES = 4;
/** Largest application payload one record carries (bytes of plaintext). */
export const MAX_RECORD_PLAINTEXT = 65_536;
/** Largest frame payload a receiver accepts; checked before any allocation. */
export const MAX_FRAME_PAYLOAD = MAX_RECORD_PLAINTEXT + 1_024;
/** Longest username, in UTF-8 bytes. */
export const MAX_USERNAME_BYTES = 64;
/** A record sequence number never exceeds this; a sender refuses to go past it. */
export const MAX_SEQUENCE = Number.MAX_SAFE_INTEGER;
/** Records in the first key batch of a chain (§6.2); each next batch doubles... */
export const RECORD_KEY_BATCH_FIRST = 4;
/** ...up to this many records per batch. */
export const RECORD_KEY_BATCH_MAX = 64;

// ---- implementation ----

/** Start an in-band rekey after this many records sent under one root key. */
export const REKEY_AFTER_RECORDS = 10_000;
/** Start an in-band rekey after this much time under one root key. */
export const REKEY_AFTER_MS = 10 * 60 * 1_000;
/** Refuse to send more records under one root key past this count (rekey never completed). */
export const REJECT_AFTER_RECORDS = 20_000;
/** A handshake not finished within this time is abandoned. */
export const HANDSHAKE_TIMEOUT_MS = 10_000;
/** An established conversation silent for this long is closed. */
export const IDLE_TIMEOUT_MS = 30 * 60 * 1_000;
/** At most this many connections may be in the handshake on one listener at once. */
export const MAX_PENDING_HANDSHAKES = 64;
/** At most this many established conversations on one listener. */
export const MAX_SESSIONS = 20_000;
/** Failed authentication attempts per source address before the limiter refuses it... */
export const MAX_FAILURES_PER_ADDRESS = 10;
/** ...and per account. */
export const MAX_FAILURES_PER_ACCOUNT = 30;
/** ...within this sliding window. */
export const FAILURE_WINDOW_MS = 15 * 60 * 1_000;
/** Bytes queued for one socket before we stop reading from the application (backpressure). */
export const MAX_WRITE_BUFFER = 4 * 1024 * 1024;
/** Largest Argon2id memory (KiB) a connecting client agrees to spend for a listener. */
export const MAX_KSF_MEMORY_KIB = 1024 * 1024;
/** Largest Argon2id iteration count a connecting client agrees to. */
export const MAX_KSF_ITERATIONS = 16;

// ---- the agent (src/agent, docs/AGENT-API.md) ----

/** Longest request, response or event line on the agent socket, in bytes (a 65 519-byte text escaped as JSON fits). */
export const AGENT_MAX_LINE_BYTES = 1024 * 1024;
/** At most this many clients connected to one agent at once. */
export const AGENT_MAX_CLIENTS = 256;
/** An agent with no client, conversation or listener for this long exits. */
export const AGENT_IDLE_EXIT_MS = 5 * 60 * 1_000;
/** How long a command waits for the agent it started to say it is ready. */
export const AGENT_START_TIMEOUT_MS = 20_000;
/** An outbound conversation with nothing in flight stays open this long for the next message. */
export const AGENT_LINGER_MS = 10_000;
