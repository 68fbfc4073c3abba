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
/** Application messages queued together share one APP_BATCH record up to this content size (§6.3). */
export const COALESCE_RECORD_BYTES = 16 * 1024;
/** Largest message an APP_BATCH item can hold (its length is a u16, §6.3). */
export const MAX_BATCH_ITEM_BYTES = 0xffff;
/** Records in the first key batch of a chain (§6.2); each next batch doubles... */
export const RECORD_KEY_BATCH_FIRST = 4;
/** ...up to this many records per batch. */
export const RECORD_KEY_BATCH_MAX = 64;

/** Longest TEXT body in UTF-8 bytes: 65 536 − kind (1) − id (8) − sent_at_ms (8). */
export const MAX_TEXT_BYTES = 65_519;
/** Bytes of a TEXT_ID's message id (§7): 128 random bits, unique per sender. */
export const MESSAGE_ID_BYTES = 16;
/** Longest TEXT_ID body in UTF-8 bytes: 65 536 − kind (1) − id (8) − message id (16) − sent_at_ms (8). */
export const MAX_ID_TEXT_BYTES = 65_503;
/** Most versions or suites one ClientHello may list. */
export const MAX_LIST = 16;
/** Most versions or suites one RECONNECT_HELLO may list (§10.2). */
export const RECONNECT_MAX_LIST = 16;
/** Post-quantum step policy (§10.6): every this many reconnects... */
export const PQ_EVERY_RECONNECTS = 16;
/** ...or this long, the initiator adds ML-KEM... */
export const PQ_EVERY_MS = 24 * 60 * 60 * 1000;
/** ...and the responder refuses a reconnect without ML-KEM this many epochs past due. */
export const PQ_GRACE_RECONNECTS = 4;
/** Largest OPAQUE KE1/KE2/KE3 field a handshake message may carry. */
export const MAX_KE_BYTES = 1024;
/** Largest sealed IdentityBlock a Finish message may carry. */
export const MAX_SEALED_BYTES = 1024;

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
/** A connection whose first whole frame (ClientHello) has not arrived by then is dropped. */
export const FIRST_FRAME_TIMEOUT_MS = 5_000;
/** At most this many connections may be in the handshake on one listener at once (MaxStartups "full"). */
export const MAX_PENDING_HANDSHAKES = 256;
/** From this many unfinished handshakes on, new ones are dropped at random (MaxStartups "start")... */
export const EARLY_DROP_START = 128;
/** ...with this probability at the start, rising linearly to 1 at the cap (MaxStartups "rate"). */
export const EARLY_DROP_RATE = 0.3;
/** When every handshake slot is taken and some connection's first frame has not arrived after this long, a silent connection gives its slot to a newcomer, picked by source (issue 10, F3, and its review). */
export const SILENT_EVICT_AFTER_MS = 2_000;
/** Unfinished handshakes per source: an IPv4 address or an IPv6 /64 (PerSourceMaxStartups). */
export const MAX_PENDING_PER_SOURCE = 8;
/** Penalty added to a source whose handshake hit a deadline (PerSourcePenalties grace-exceeded)... */
export const PENALTY_TIMEOUT_MS = 10_000;
/** ...or that sent bytes breaking the framing or the handshake's encoding. */
export const PENALTY_GARBAGE_MS = 5_000;
/** ...or that left before its handshake completed (PerSourcePenalties noauth): 8 such in a row pass the minimum. */
export const PENALTY_ABANDONED_MS = 2_000;
/** A source is refused at accept while its accumulated penalty exceeds this... */
export const PENALTY_MIN_MS = 15_000;
/** ...and a penalty never runs longer than this. */
export const PENALTY_MAX_MS = 10 * 60 * 1_000;
/** Sources remembered by the penalty table and the guessing budget (least recently used forgotten). */
export const MAX_TRACKED_SOURCES = 10_000;
/** At most this many established conversations on one listener. */
export const MAX_SESSIONS = 20_000;
/** At most this many of them from one source (IPv4 address or IPv6 /64): ~16 MiB of session state at most. */
export const MAX_SESSIONS_PER_SOURCE = 256;
/** Failed or in-flight password attempts per source before it is refused... */
export const MAX_FAILURES_PER_ADDRESS = 10;
/** ...within this sliding window. */
export const FAILURE_WINDOW_MS = 15 * 60 * 1_000;
/** Password guesses per account from sources that never logged in: a bucket of this many... */
export const ACCOUNT_GUESS_BURST = 100;
/** ...refilled by one every this long (100 + 288 = 388 guesses per account per day at most). */
export const ACCOUNT_GUESS_REFILL_MS = 5 * 60 * 1_000;
/** A source that logged in has its own bucket of this many guesses... */
export const KNOWN_SOURCE_GUESS_BURST = 10;
/** ...refilled by one every this long (10 + 96 = 106 per known source per day at most)... */
export const KNOWN_SOURCE_GUESS_REFILL_MS = 15 * 60 * 1_000;
/** ...and stays known this long after its last successful login. */
export const KNOWN_SOURCE_TTL_MS = 30 * 24 * 60 * 60 * 1_000;
/** Received messages waiting to be handled (logged) per conversation before its socket is paused... */
export const MAX_INBOX_MESSAGES = 256;
/** ...or bytes of their text. */
export const MAX_INBOX_BYTES = 1024 * 1024;
/** Bytes of received, unhandled messages across the whole listener before every socket pauses. */
export const LISTENER_INBOX_BUDGET = 64 * 1024 * 1024;
/** On shutdown, queued messages still unhandled after this long are abandoned (never receipted). */
export const SHUTDOWN_GRACE_MS = 3_000;
/** Bytes queued for one socket before we stop reading from the application (backpressure). */
export const MAX_WRITE_BUFFER = 4 * 1024 * 1024;
/** A bulk sender awaiting `drained()` may queue this much before it waits (docs/PERFORMANCE.md). */
export const WRITE_BUFFER_TARGET = 1024 * 1024;
/** Largest Argon2id memory (KiB) a connecting client agrees to spend for a listener. */
export const MAX_KSF_MEMORY_KIB = 1024 * 1024;
/** Largest Argon2id iteration count a connecting client agrees to. */
export const MAX_KSF_ITERATIONS = 16;

/** How long an invitation stays valid (src/identity/invitations.ts). */
export const INVITATION_TTL_MS = 10 * 60 * 1000;
/** The contacts file's lock is taken over when it is older than this (its holder died)... */
export const CONTACTS_LOCK_STALE_MS = 10_000;
/** ...and a writer gives up after this many tries to take it. */
export const CONTACTS_LOCK_TRIES = 200;
/** The interactive command asks for a password this many times on a terminal (once otherwise). */
export const PASSWORD_TRIES = 3;

/** The home remembers at most this many one-time notices it has shown (src/app/notices.ts; the oldest are forgotten). */
export const MAX_NOTICE_KEYS = 256;
/** `init` warns when a new password is shorter than this many bytes (it is still accepted). */
export const SHORT_PASSWORD_BYTES = 10;

/** A listener tells refused connections from one source at most once in this window (the rest are counted)... */
export const REFUSAL_NOTICE_WINDOW_MS = 10_000;
/** ...remembering at most this many sources. */
export const REFUSAL_NOTICE_SOURCES = 1_024;

// ---- the agent (src/agent, docs/AGENT-API.md) ----

/** Longest request, response or event line on the agent socket, in bytes (a 65 519-byte text escaped as JSON fits). */
export const AGENT_MAX_LINE_BYTES = 1024 * 1024;
/** Unread responses and events queued for one agent client before it is disconnected. */
export const AGENT_CLIENT_MAX_QUEUED_BYTES = 4 * 1024 * 1024;
/** At most this many clients connected to one agent at once. */
export const AGENT_MAX_CLIENTS = 256;
/** An agent with no client, conversation or listener for this long exits. */
export const AGENT_IDLE_EXIT_MS = 5 * 60 * 1_000;
/** How long a command waits for the agent to start (its own, or the one another command is starting): a safety net for a loaded machine, not a pace. */
export const AGENT_START_TIMEOUT_MS = 60_000;

// ---- gathered from the modules that use them (issue 10, finding 9) ----

/** Largest state or users file we read (checked before reading): 16 MiB. */
export const MAX_STATE_FILE_BYTES = 16 * 1024 * 1024;
/** Largest log file `verify` and `open` read into memory (they read the whole file). */
export const MAX_LOG_FILE_BYTES = 1024 * 1024 * 1024;
/** Largest JSON body the local UI accepts (a message is at most 65,519 bytes; JSON escaping can grow it). */
export const MAX_BODY_BYTES = 512 * 1024;
/** Largest message a page may send on the UI WebSocket (it sends none; anything big is abuse). */
export const MAX_WS_PAYLOAD = 4096;
/** Longest line accepted on standard input (a message is at most 64 KiB anyway). */
export const MAX_INPUT_LINE_BYTES = 256 * 1024;
/** At the end of piped input, how long to wait for outstanding receipts before closing. */
export const DRAIN_TIMEOUT_MS = 30_000;
/** A password file larger than this is refused (it is meant to hold one line). */
export const MAX_PASSWORD_FILE_BYTES = 64 * 1024;
/** How long `send` waits for the delivery receipt. */
export const RECEIPT_TIMEOUT_MS = 30_000;
/** Largest original-format log read for `log verify --legacy`. */
export const MAX_LEGACY_LOG_BYTES = 256 * 1024 * 1024;
/** After sending our CLOSE, how long we wait for the peer's before dropping the connection. */
export const CLOSE_WAIT_MS = 5_000;
/** How often an established connection asks its session whether a time-based rekey is due. */
export const REKEY_TICK_MS = 30_000;
/** After sending a last ALERT, how long the socket may linger before it is destroyed. */
export const ALERT_LINGER_MS = 1_000;
/** The connecting side's linger after its own ALERT (it is leaving anyway). */
export const CLIENT_ALERT_LINGER_MS = 200;
/** Kernel accept queue of a listener (connections not yet accepted). */
export const LISTEN_BACKLOG = 1_024;
/** UI web server: headers must arrive within this... */
export const UI_HEADERS_TIMEOUT_MS = 10_000;
/** ...and a whole request within this. */
export const UI_REQUEST_TIMEOUT_MS = 120_000;
/** Largest plaintext of one log entry (a 64 KiB message fits even with JSON escaping of most text). */
export const MAX_ENTRY_PLAINTEXT = 512 * 1024;
/** A connecting side retries this many times when the listener answers "busy"... */
export const CONNECT_BUSY_RETRIES = 8;
/** ...waiting a random time in [b/2, b] first, b starting here and doubling... */
export const CONNECT_BUSY_BACKOFF_MS = 200;
/** ...up to this. */
export const CONNECT_BUSY_BACKOFF_MAX_MS = 5_000;
/** Noise §5.1: the nonce 2^64-1 is reserved; a CipherState refuses to go past this one. */
export const NOISE_MAX_NONCE = Number.MAX_SAFE_INTEGER;
/** Remembered reconnect replay markers per contact, at most. */
export const RECONNECT_MAX_SEEN = 16;
/** At most this many earlier messages are shown when a conversation opens (`--history N`). */
export const MAX_HISTORY_MESSAGES = 1_000;
/** The agent's answer to `history` stays under this many bytes of JSON (oldest items dropped; well under AGENT_MAX_LINE_BYTES). */
export const MAX_HISTORY_BYTES = 512 * 1024;

// ---- the outbox and retries (issue 11; src/app/outbox*.ts, PROTOCOL §7) ----

/** Messages waiting in one local user's outbox for one contact, at most; `send` refuses more. */
export const MAX_OUTBOX_PER_CONTACT = 1_000;
/** Messages waiting in one local user's outbox in all, at most. */
export const MAX_OUTBOX_MESSAGES = 10_000;
/** Largest outbox file read (checked before reading): 10 000 messages of 64 KiB fit with JSON escaping. */
export const MAX_OUTBOX_FILE_BYTES = 1024 * 1024 * 1024;
/** A queued message not delivered this long after it was queued expires (it is dropped, and the user told). */
export const OUTBOX_EXPIRY_MS = 7 * 24 * 60 * 60 * 1_000;
/** The first retry of an undelivered message waits this long... */
export const OUTBOX_RETRY_FIRST_MS = 2_000;
/** ...each next one twice as long, up to this. */
export const OUTBOX_RETRY_MAX_MS = 5 * 60 * 1_000;
/** A receiver remembers the message ids of this many of each peer's last messages (derived from its log). */
export const DEDUPE_IDS_PER_PEER = 1_024;
/** ...for at most this many peers at once (the least recently used are forgotten, and re-read from the log when needed). */
export const DEDUPE_PEERS = 256;
/** Static-static X25519 results a reconnect responder or initiator keeps (src/handshake/reconnect/static-dh.ts). */
export const MAX_STATIC_DH_CACHE = 1024;

// ---- groups over direct sessions (docs/PROTOCOL.md §12, docs/GROUPS.md §11) ----
/** Largest group body (op + frame) in one GROUP application message: one record (65 536) less kind and id. */
export const MAX_GROUP_BODY_BYTES = MAX_RECORD_PLAINTEXT - 9;
/** Longest group name (UTF-8 bytes; the names are local labels, sent with a Welcome). */
export const MAX_GROUP_NAME_BYTES = 64;
/** Groups one local user may hold. */
export const MAX_GROUPS_PER_USER = 256;
/** How long `group add` waits for an invitee's KeyPackage over the direct session. */
export const GROUP_KEY_PACKAGE_TIMEOUT_MS = 30_000;
/** Longest text in a group message over direct sessions: one record less the MLS framing (header, signature, tag, padding: well under 1 KiB). */
export const MAX_GROUP_TEXT_BYTES = MAX_GROUP_BODY_BYTES - 1024;

/** The page server keeps at most this many unused one-time links (`securechat ui` mints one each run); the oldest is dropped. */
export const UI_MAX_PENDING_LINKS = 8;
/** ...and at most this many browser sessions (one per browser that opened a link); the oldest is dropped. */
export const UI_MAX_SESSIONS = 16;
/** A page's WebSocket is dropped once this many bytes of events wait unsent (a page that stopped reading); the page reconnects and reloads its state. */
export const UI_WS_MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** After a connection stopped at a changed key, the page keeps the password this long for "trust new key" to reconnect with (then wipes it). */
export const UI_KEYCHANGE_RETRY_TIMEOUT_MS = 2 * 60_000;

// ---- relay (issue 14, docs/RELAY.md) ----
/** Largest message (ciphertext) a relay queue, group log entry or KeyPackage box accepts. */
export const MAX_RELAY_MESSAGE_BYTES = 60_000;
/** Messages a queue (or KeyPackage box) holds at most; a send past it is RELAY_QUOTA. */
export const MAX_RELAY_QUEUE_MESSAGES = 1_000;
/** Entries a group log holds at most (until retention deletes old ones); an append past it is RELAY_QUOTA. */
export const MAX_RELAY_LOG_ENTRIES = 1_000;
/** Entries one fetch or log read returns at most (also bounded by one record's size). */
export const MAX_RELAY_FETCH = 32;
/** Queues, logs and boxes one connection may create. */
export const MAX_RELAY_CREATES_PER_CONNECTION = 64;
/** Subscriptions one connection may hold. */
export const MAX_RELAY_SUBSCRIPTIONS = 256;
/** Commands a connection may have waiting for the store; past it: RATE_LIMITED and closed. */
export const MAX_RELAY_PENDING_COMMANDS = 64;
/** Per source (IPv4 address or IPv6 /64, shared by its connections): a token bucket of commands (burst) ... */
export const RELAY_COMMAND_BURST = 400;
/** ... refilled at this many commands per second. */
export const RELAY_COMMANDS_PER_SECOND = 200;
/** Connections a relay serves at once, and from one source (IPv4 address or IPv6 /64). */
export const MAX_RELAY_CONNECTIONS = 4_096;
export const MAX_RELAY_CONNECTIONS_PER_SOURCE = 64;
/** The client's Noise hello must arrive within this after accept. */
export const RELAY_HELLO_TIMEOUT_MS = 5_000;
/** A relay connection with no record for this long is closed. */
export const RELAY_IDLE_TIMEOUT_MS = 10 * 60 * 1_000;
/**
 * A frame must be complete this long after its first byte (and within the idle timeout) on an
 * established relay connection, so a trickle of bytes that never finishes a frame cannot hold
 * the connection and its frame buffer (attack finding R3). 66 kB in 30 s is 2.2 kB/s.
 */
export const RELAY_FRAME_TIMEOUT_MS = 30_000;
/** What a relay holds longer than this (messages, log entries, KeyPackages, send ids seen) is deleted. */
export const RELAY_RETENTION_MS = 7 * 24 * 60 * 60 * 1_000;
/** How often the relay sweeps for expired data. */
export const RELAY_SWEEP_INTERVAL_MS = 60_000;
/** The client waits this long for a relay's answer to one command. */
export const RELAY_REPLY_TIMEOUT_MS = 30_000;
/** A running agent fetches its relay queues this often besides the relay's notifications (docs/RELAY.md §10.4). */
export const RELAY_POLL_MS = 30_000;
/** Relay ids a receiver remembers per queue, telling a replay (RELAY_REPLAY) from a reordering (docs/RELAY.md §10.3). */
export const RELAY_RECENT_IDS = 256;
/** Largest relay-use.json or relay-mailbox.json read (docs/RELAY.md §10.5). */
export const MAX_RELAY_MAILBOX_FILE_BYTES = 4 * 1024 * 1024;
/** Largest relay key file read. */
export const MAX_RELAY_KEY_FILE_BYTES = 4_096;
/** Queue public keys whose parsed form the relay keeps (a cache: evicting one only costs time). */
export const RELAY_KEY_CACHE_ENTRIES = 4_096;

// ---- the conversation log's head file (docs/LOG-FORMAT.md §4.1) ----
/** Group commits whose heads may be written (page cache) before the head file is fdatasync'd. */
export const HEAD_SYNC_EVERY = 8;
/** After this long without a commit, a head write not yet fdatasync'd is (ms). */
export const HEAD_SYNC_IDLE_MS = 10;
