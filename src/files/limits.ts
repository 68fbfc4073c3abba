/**
 * The limits of file transfer (docs/FILES.md §7). "Specification" limits are part of the
 * format (both sides must agree); the others are this program's choices.
 */

// ---- specification ----

/** Format version of a manifest (docs/FILES.md §2). */
export const MANIFEST_VERSION = 1;
/** Smallest and largest plaintext chunk (docs/FILES.md §3): 256 KiB .. 1 MiB, a multiple of 4 KiB. */
export const MIN_CHUNK_BYTES = 256 * 1024;
export const MAX_CHUNK_BYTES = 1024 * 1024;
export const CHUNK_ALIGN_BYTES = 4096;
/** AES-256-GCM tag added to every chunk. */
export const CHUNK_TAG_BYTES = 16;
/** Bytes of a file key (AES-256). */
export const FILE_KEY_BYTES = 32;
/** Bytes of a transfer id (random). */
export const TRANSFER_ID_BYTES = 16;
/** Most entries one manifest may list (it must also fit one application message). */
export const MAX_MANIFEST_ENTRIES = 1000;
/** Longest relative path, in UTF-8 bytes, and longest path component. */
export const MAX_PATH_BYTES = 1024;
export const MAX_COMPONENT_BYTES = 255;
/** Most components (folders + name) one path may have. */
export const MAX_PATH_DEPTH = 32;
/** Largest file one entry may describe (1 TiB), and largest transfer in total (4 TiB). */
export const MAX_FILE_BYTES = 2 ** 40;
export const MAX_TRANSFER_BYTES = 2 ** 42;
/** Largest CHUNK message data: one chunk travels as fragments of at most this many bytes. */
export const MAX_FRAGMENT_BYTES = 60 * 1024;

// ---- implementation ----

/** Chunk size this implementation sends with. */
export const DEFAULT_CHUNK_BYTES = 256 * 1024;
/** Sealed chunks a sender has in flight (sent, not yet acknowledged). */
export const SEND_WINDOW_CHUNKS = 4;
/** Transfers one local user keeps listed (finished ones beyond this are forgotten, oldest first). */
export const MAX_KEPT_TRANSFERS = 200;
/** Largest transfer record read back from the home (a manifest of 64 KiB, hex, and its state). */
export const MAX_TRANSFER_RECORD_BYTES = 4 * 1024 * 1024;
/** Offers from one peer waiting for an answer at once; more are declined. */
export const MAX_PENDING_OFFERS_PER_PEER = 16;
/** A sender whose transfer was interrupted offers it again after this long, doubling each time... */
export const RETRY_FIRST_MS = 1_000;
/** ...up to this. */
export const RETRY_MAX_MS = 30_000;
