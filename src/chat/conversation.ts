/**
 * A conversation with one peer over an established `SecureConnection`: text messages with
 * ids, delivery receipts sent only after the receiver's `message` handler resolved (so a
 * receipt means "durably logged and shown"), and an authenticated close.
 *
 * Handlers registered synchronously after `connect()` resolves, or inside `onConversation`,
 * see every message: delivery starts on the next turn of the event loop.
 *
 * Receive-side backpressure (issue 10, finding 4): received messages wait in an inbox until
 * the handler (which logs them durably) is done with them. Past `MAX_INBOX_MESSAGES` or
 * `MAX_INBOX_BYTES` in this inbox, or past the listener-wide `InboxBudget`, the socket is
 * paused; it resumes when the inbox is back under half its limits (and the budget relieved).
 * Memory per conversation is therefore bounded whatever the peer sends.
 *
 * Pipelined receive (issue 13): each message's handlers start when it arrives, without waiting
 * for the previous message's, so that what arrives together is logged by one group commit;
 * receipts still leave in order, each after its own handlers resolved. After a handler fails
 * (or a shutdown abandons the queue), no later message gets a receipt either, although its
 * handlers may already have run: a message without a receipt may still have been logged.
 */
import { AppKind, decodeAppMessage, encodeAppMessage, MAX_ID_TEXT_BYTES, MAX_TEXT_BYTES, type FileAppMessage, type GroupAppMessage } from './message.js';
import type { MailboxOffer } from '../relay/mailbox-offer.js';
import { toHex, utf8 } from '../crypto/bytes.js';
import { isSecureChatError, localError, remoteError, type SecureChatError } from '../errors.js';
import type { SecureConnection } from '../transport/secure-connection.js';
import type { CloseReason, ConversationEvents, ConversationInfo, IncomingMessage, PeerKeyState } from './types.js';
import { InboxBudget } from './inbox-budget.js';
import { MAX_INBOX_BYTES, MAX_INBOX_MESSAGES, SHUTDOWN_GRACE_MS } from '../limits.js';

export interface ConversationOptions {
  /** Shared by every conversation of one listener; default: a budget of this conversation alone. */
  readonly budget?: InboxBudget;
  readonly maxInboxMessages?: number;
  readonly maxInboxBytes?: number;
}

/** What waits in the inbox, for tests and the listener's accounting. */
export interface InboxStats {
  readonly queuedMessages: number;
  readonly queuedBytes: number;
  readonly paused: boolean;
  /** Highest number of queued messages seen. */
  readonly peakMessages: number;
  readonly peakBytes: number;
  readonly pauses: number;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type Handlers = { [K in keyof ConversationEvents]: ConversationEvents[K][] };

export class Conversation {
  readonly info: ConversationInfo;
  readonly #conn: SecureConnection;
  readonly #now: () => number;
  readonly #handlers: Handlers = { message: [], receipt: [], group: [], mailbox: [], file: [], rekey: [], closed: [] };
  #nextId = 1;
  readonly #awaiting = new Map<number, { resolve: () => void; reject: (e: SecureChatError) => void }>();
  readonly #receipted = new Set<number>();
  #inbox: Promise<void> = Promise.resolve();
  /** File traffic (docs/FILES.md §4) is handled in its own order, so a slow disk never holds back a text's receipt. */
  #files: Promise<void> = Promise.resolve();
  #closed: { reason: CloseReason; error?: SecureChatError } | null = null;
  readonly #budget: InboxBudget;
  readonly #maxMessages: number;
  readonly #maxBytes: number;
  #queuedMessages = 0;
  #queuedBytes = 0;
  #peakMessages = 0;
  #peakBytes = 0;
  #paused = false;
  #pauses = 0;
  #abandoned = false;
  readonly #onRelieved = (): void => this.#maybeResume();

  constructor(conn: SecureConnection, peerState: PeerKeyState, now: () => number = Date.now, opts: ConversationOptions = {}) {
    this.#conn = conn;
    this.#now = now;
    this.#budget = opts.budget ?? new InboxBudget();
    this.#maxMessages = opts.maxInboxMessages ?? MAX_INBOX_MESSAGES;
    this.#maxBytes = opts.maxInboxBytes ?? MAX_INBOX_BYTES;
    this.info = {
      peer: conn.peer,
      peerState,
      suite: conn.suite,
      sessionId: conn.sessionId,
      remoteAddress: conn.remoteAddress,
      remotePort: conn.remotePort,
    };
    setImmediate(() =>
      conn.start({
        onApp: (data) => this.#onApp(data),
        onClose: (error, by) => this.#onClose(error, by),
        onRekey: () => this.#emit('rekey'),
      }),
    );
  }

  on<K extends keyof ConversationEvents>(event: K, fn: ConversationEvents[K]): this {
    this.#handlers[event].push(fn);
    return this;
  }

  get isOpen(): boolean {
    return this.#closed === null && this.#conn.open;
  }

  /** How this conversation ended, or null while it is open. */
  get closedWith(): { reason: CloseReason; error?: SecureChatError } | null {
    return this.#closed;
  }

  /** Sends one text; returns its id. Throws USAGE for an empty or oversize text, SESSION_CLOSED after the end. */
  send(text: string): number {
    const bytes = utf8(text).length;
    if (bytes === 0) throw localError('USAGE', 'an empty message cannot be sent');
    if (bytes > MAX_TEXT_BYTES) throw localError('USAGE', `a message can be at most ${MAX_TEXT_BYTES} bytes`);
    if (this.#closed !== null) throw localError('SESSION_CLOSED', 'the conversation has ended');
    const id = this.#nextId++;
    this.#conn.sendApp(encodeAppMessage({ kind: AppKind.TEXT, id, sentAtMs: this.#now(), text }));
    return id;
  }

  /** Sends group traffic (docs/PROTOCOL.md §12) with the next message id, receipted like a text; returns the id. */
  sendGroup(m: DistributiveOmit<GroupAppMessage, 'kind' | 'id'>): number {
    if (this.#closed !== null) throw localError('SESSION_CLOSED', 'the conversation has ended');
    const bytes = encodeAppMessage({ ...m, kind: AppKind.GROUP, id: this.#nextId });
    const id = this.#nextId++;
    this.#conn.sendApp(bytes);
    return id;
  }

  /** Tells the peer where to leave messages while we are offline (PROTOCOL §13); not receipted. */
  sendMailbox(offer: MailboxOffer): void {
    if (this.#closed !== null) throw localError('SESSION_CLOSED', 'the conversation has ended');
    const bytes = encodeAppMessage({ ...offer, kind: AppKind.MAILBOX, id: this.#nextId });
    this.#nextId++;
    this.#receipted.add(this.#nextId - 1); // never receipted: a receipt for it is refused as for a receipted id
    this.#conn.sendApp(bytes);
  }

  /**
   * Sends one text as TEXT_ID (§7) with `messageId`, the id that stays the same when the
   * message is retried on another connection (the outbox); returns the conversation's id.
   */
  sendWithId(text: string, messageId: Uint8Array): number {
    const bytes = utf8(text).length;
    if (bytes === 0) throw localError('USAGE', 'an empty message cannot be sent');
    if (bytes > MAX_ID_TEXT_BYTES) throw localError('USAGE', `a message can be at most ${MAX_ID_TEXT_BYTES} bytes`);
    if (this.#closed !== null) throw localError('SESSION_CLOSED', 'the conversation has ended');
    const id = this.#nextId++;
    this.#conn.sendApp(encodeAppMessage({ kind: AppKind.TEXT_ID, id, messageId, sentAtMs: this.#now(), text }));
    return id;
  }

  /** Sends file transfer traffic (docs/FILES.md §4): no id, no receipt. */
  sendFile(m: DistributiveOmit<FileAppMessage, 'kind'>): void {
    if (this.#closed !== null) throw localError('SESSION_CLOSED', 'the conversation has ended');
    this.#conn.sendApp(encodeAppMessage({ ...m, kind: AppKind.FILE }));
  }

  /** Resolves when the peer's receipt for `id` arrived; rejects when the conversation ends first. */
  waitReceipt(id: number, timeoutMs?: number): Promise<void> {
    if (this.#receipted.has(id)) return Promise.resolve();
    if (this.#closed !== null) return Promise.reject(this.#closed.error ?? localError('SESSION_CLOSED', 'the conversation ended before the receipt arrived'));
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = { resolve: () => { clearTimeout(timer); resolve(); }, reject: (e: SecureChatError) => { clearTimeout(timer); reject(e); } };
      this.#awaiting.set(id, done);
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.#awaiting.delete(id);
          reject(localError('NETWORK_ERROR', 'no delivery receipt arrived in time'));
        }, timeoutMs);
        timer.unref();
      }
    });
  }

  /** Resolves when the socket buffer drained (for bulk senders). */
  drained(): Promise<void> {
    return this.#conn.drained();
  }

  get inboxStats(): InboxStats {
    return { queuedMessages: this.#queuedMessages, queuedBytes: this.#queuedBytes, paused: this.#paused, peakMessages: this.#peakMessages, peakBytes: this.#peakBytes, pauses: this.#pauses };
  }

  /**
   * Authenticated close; waits until messages already received have been handled (at most
   * MAX_INBOX_MESSAGES, so this ends). With `graceMs` (a shutdown: SHUTDOWN_GRACE_MS), what is
   * still queued after it is abandoned: never handled, never receipted, so the sender knows it
   * was not delivered.
   */
  async close(graceMs?: number): Promise<void> {
    if (graceMs === undefined) {
      await this.#inbox;
    } else {
      let t: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => {
        t = setTimeout(resolve, graceMs);
        t.unref();
      });
      await Promise.race([this.#inbox, grace]);
      clearTimeout(t);
      if (this.#queuedMessages > 0) this.#abandoned = true;
    }
    await this.#conn.close();
  }

  /** A shutdown: close, abandoning what is still queued after SHUTDOWN_GRACE_MS. */
  shutdown(): Promise<void> {
    return this.close(SHUTDOWN_GRACE_MS);
  }

  /** Drops the connection at once (for tests of abrupt ends). */
  destroy(): void {
    this.#conn.destroy(localError('CONNECTION_LOST', 'closed abruptly'));
  }

  #onApp(data: Uint8Array): void {
    let m;
    try {
      m = decodeAppMessage(data);
    } catch (e) {
      this.#conn.destroy(isSecureChatError(e) ? e : remoteError('DECODE_ERROR', 'bad application message', e));
      return;
    }
    if (m.kind === AppKind.RECEIPT) {
      if (m.id >= this.#nextId || this.#receipted.has(m.id)) {
        this.#conn.destroy(remoteError('UNEXPECTED_MESSAGE', 'a receipt for a message we did not send'));
        return;
      }
      this.#receipted.add(m.id);
      const w = this.#awaiting.get(m.id);
      this.#awaiting.delete(m.id);
      w?.resolve();
      this.#emit('receipt', m.id);
      return;
    }
    if (m.kind === AppKind.GROUP) {
      this.#onGroup(m, data.length);
      return;
    }
    if (m.kind === AppKind.MAILBOX) {
      this.#emit('mailbox', m);
      return;
    }
    if (m.kind === AppKind.FILE) {
      this.#onFile(m, data.length);
      return;
    }
    const msg: IncomingMessage = { id: m.id, text: m.text, sentAt: m.sentAtMs, receivedAt: this.#now(), ...(m.kind === AppKind.TEXT_ID ? { messageId: toHex(m.messageId) } : {}) };
    const size = data.length;
    this.#enqueued(size);
    // Pipelined (issue 13): the handlers of a message start as soon as it arrives (in arrival
    // order, so the log appends in that order), without waiting for the previous message's
    // handlers: messages received together are logged by one group commit. Receipts still go
    // out one at a time, in order, each only after its own message's handlers resolved.
    const handled = this.#abandoned ? Promise.resolve<unknown>(null) : Promise.resolve().then(() => this.#handle(msg));
    this.#inbox = this.#inbox.then(async () => {
      try {
        if (this.#abandoned) return; // a shutdown does not wait for handlers still running
        const failure = await handled;
        if (this.#abandoned) return;
        if (failure !== undefined) {
          // The handler could not store the message: no receipt, and the conversation ends.
          this.#conn.destroy(isSecureChatError(failure) ? failure : localError('STORAGE_ERROR', 'the message could not be stored', failure));
          return;
        }
        if (this.#conn.open) this.#conn.sendApp(encodeAppMessage({ kind: AppKind.RECEIPT, id: m.id }));
      } finally {
        this.#dequeued(size);
      }
    });
  }

  /** Group traffic waits in the same inbox as texts, and is receipted the same way. */
  #onGroup(m: GroupAppMessage, size: number): void {
    this.#enqueued(size);
    this.#inbox = this.#inbox.then(async () => {
      try {
        if (this.#abandoned) return;
        try {
          for (const h of this.#handlers.group) await h(m);
        } catch (e) {
          this.#conn.destroy(isSecureChatError(e) ? e : localError('STORAGE_ERROR', 'the group message could not be handled', e));
          return;
        }
        if (this.#conn.open) this.#conn.sendApp(encodeAppMessage({ kind: AppKind.RECEIPT, id: m.id }));
      } finally {
        this.#dequeued(size);
      }
    });
  }

  /** File traffic counts toward the inbox's limits (the socket pauses behind a slow disk); a handler's failure ends only its transfer (the handler's business). */
  #onFile(m: FileAppMessage, size: number): void {
    this.#enqueued(size);
    this.#files = this.#files.then(async () => {
      try {
        if (this.#abandoned || this.#closed !== null) return;
        for (const h of this.#handlers.file) await h(m);
      } catch {
        // a file handler reports its own failures (docs/FILES.md §5)
      } finally {
        this.#dequeued(size);
      }
    });
  }

  /** Runs the message handlers in order; resolves with what one threw, or undefined. */
  async #handle(msg: IncomingMessage): Promise<unknown> {
    if (this.#abandoned) return null;
    try {
      for (const h of this.#handlers.message) await h(msg);
      return undefined;
    } catch (e) {
      return e ?? new Error('a message handler threw');
    }
  }

  #enqueued(bytes: number): void {
    this.#queuedMessages++;
    this.#queuedBytes += bytes;
    this.#budget.take(bytes);
    if (this.#queuedMessages > this.#peakMessages) this.#peakMessages = this.#queuedMessages;
    if (this.#queuedBytes > this.#peakBytes) this.#peakBytes = this.#queuedBytes;
    if (!this.#paused && (this.#queuedMessages >= this.#maxMessages || this.#queuedBytes >= this.#maxBytes || this.#budget.over)) {
      this.#paused = true;
      this.#pauses++;
      this.#conn.pauseReading();
    }
  }

  #dequeued(bytes: number): void {
    this.#queuedMessages--;
    this.#queuedBytes -= bytes;
    this.#budget.give(bytes);
    this.#maybeResume();
  }

  #maybeResume(): void {
    if (!this.#paused || this.#closed !== null) return;
    if (this.#queuedMessages > this.#maxMessages / 2 || this.#queuedBytes > this.#maxBytes / 2) return;
    if (!this.#budget.relieved) {
      this.#budget.whenRelieved(this.#onRelieved);
      return;
    }
    this.#paused = false;
    this.#conn.resumeReading();
  }

  #onClose(error: SecureChatError | null, by: 'local' | 'peer'): void {
    this.#budget.forget(this.#onRelieved);
    const reason: CloseReason = error !== null ? 'error' : by;
    this.#closed = error !== null ? { reason, error } : { reason };
    const e = error ?? localError('SESSION_CLOSED', 'the conversation ended before the receipt arrived');
    for (const w of this.#awaiting.values()) w.reject(e);
    this.#awaiting.clear();
    void this.#inbox.then(() => this.#emit('closed', reason, ...(error !== null ? [error] : [])));
  }

  #emit<K extends keyof ConversationEvents>(event: K, ...args: Parameters<ConversationEvents[K]>): void {
    for (const h of this.#handlers[event]) {
      try {
        (h as (...a: Parameters<ConversationEvents[K]>) => unknown)(...args);
      } catch {
        // A throwing event handler must not break the protocol machinery.
      }
    }
  }
}
