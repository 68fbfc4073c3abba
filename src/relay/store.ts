/**
 * The relay's storage port (docs/RELAY.md §5): what the protocol engine needs from a store,
 * whichever engine holds the bytes (SQLite in one file, NATS JetStream shared by several
 * relays, memory for tests). Every write resolves only once it is durable in that store: the
 * relay answers a command after its promise resolved, never before.
 *
 * Everything stored is what the relay saw: random ids, public per-queue keys, ciphertext,
 * the time it arrived. Nothing names a user.
 */

/** A mailbox (`kind` 'queue') or a KeyPackage box (`kind` 'kp'). */
export interface QueueRecord {
  readonly kind: 'queue' | 'kp';
  /** The id readers use (FETCH, ACK, SUBSCRIBE; KP_TAKE). */
  readonly recvId: Uint8Array;
  /** The id senders use (SEND); a box's publisher uses `recvId`. */
  readonly sendId: Uint8Array;
  /** Ed25519 public keys: reads (and deletes) are signed with `recvKey`, sends with `sendKey`. */
  readonly recvKey: Uint8Array;
  readonly sendKey: Uint8Array;
  readonly created: number;
}

export interface LogRecord {
  readonly logId: Uint8Array;
  readonly appendKey: Uint8Array;
  readonly readKey: Uint8Array;
  readonly created: number;
}

/** One stored message or log entry. `seq` grows within a queue or log (not necessarily by 1). */
export interface StoredItem {
  readonly seq: number;
  /** The sender's message id (zeros for log entries). */
  readonly msgId: Uint8Array;
  readonly data: Uint8Array;
}

export type AppendOutcome = 'stored' | 'duplicate' | 'full';

export type LogAppendOutcome = { readonly ok: true; readonly position: number } | { readonly ok: false; readonly last: number };

export interface RelayStore {
  /** 'sqlite' or 'nats' or 'memory', for messages. */
  readonly kind: string;
  createQueue(q: QueueRecord): Promise<void>;
  queueByRecv(recvId: Uint8Array): Promise<QueueRecord | undefined>;
  queueBySend(sendId: Uint8Array): Promise<QueueRecord | undefined>;
  /** Deletes the queue and what it holds. */
  deleteQueue(q: QueueRecord): Promise<void>;
  /**
   * Stores a message unless this queue already received `msgId` within the retention period
   * ('duplicate': nothing is stored twice) or holds `maxMessages` ('full').
   */
  append(q: QueueRecord, msgId: Uint8Array, data: Uint8Array, now: number, maxMessages: number): Promise<AppendOutcome>;
  /** Up to `max` messages with seq > `after`, oldest first. */
  fetch(q: QueueRecord, after: number, max: number): Promise<StoredItem[]>;
  /** Deletes message `seq` of this queue; false if it holds none with that seq. */
  ack(q: QueueRecord, seq: number): Promise<boolean>;
  /** Removes and returns the oldest message (exactly one taker gets each). */
  take(q: QueueRecord): Promise<StoredItem | undefined>;
  createLog(l: LogRecord): Promise<void>;
  logById(logId: Uint8Array): Promise<LogRecord | undefined>;
  /**
   * Appends iff the log's last position is `expectAfter` (0: empty), atomically; rejects with
   * RELAY_QUOTA when the log holds `maxEntries` already.
   */
  logAppend(l: LogRecord, expectAfter: number, data: Uint8Array, now: number, maxEntries: number): Promise<LogAppendOutcome>;
  logRead(l: LogRecord, after: number, max: number): Promise<StoredItem[]>;
  /** Deletes messages, log entries and remembered message ids that arrived before `before`. */
  expire(before: number): Promise<number>;
  /** Calls `onMessage` when a message arrives in the queue (from any relay sharing the store). */
  watch(q: QueueRecord, onMessage: () => void): () => void;
  close(): Promise<void>;
}
