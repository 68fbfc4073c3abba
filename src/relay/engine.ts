/**
 * The relay's protocol engine (docs/RELAY.md §3–§6): one command payload in, one reply
 * payload out, against the storage port. No sockets, timers or OS randomness: the store, the
 * clock and the RandomSource are parameters, so tests drive it with a memory store and a fake
 * clock, and the same engine runs over SQLite or NATS.
 *
 * Per source (an IPv4 address or IPv6 /64, src/transport/source.ts): one token bucket of
 * commands shared by all of its connections, charged when a command arrives (`admit`), before
 * it is decoded or its signature checked. Per connection (`RelayConnection`): a cap on
 * creates, a cap on subscriptions. Authorisation is per command: the signature over the session id and the
 * command must verify with the queue's (log's, box's) key. An unknown id and a wrong key get
 * the same `AUTH_FAILED`, so nobody learns whether an id exists without its key.
 */
import { toHex, u64be, u8 } from '../crypto/bytes.js';
import type { RandomSource } from '../crypto/random.js';
import { isSecureChatError, localError, remoteError, type ErrorCode, type SecureChatError } from '../errors.js';
import { MAX_RELAY_CONNECTIONS, MAX_RELAY_CREATES_PER_CONNECTION, MAX_RELAY_LOG_ENTRIES, MAX_RELAY_QUEUE_MESSAGES, MAX_RELAY_SUBSCRIPTIONS, RELAY_COMMAND_BURST, RELAY_COMMANDS_PER_SECOND, RELAY_RETENTION_MS } from '../limits.js';
import { decodeAppend, decodeKeys, decodeRange, decodeSend, decodeSeq, emptyBody, encodeError, encodeIds, encodeItems, fitItems, verifyCommand } from './bodies.js';
import { TokenBucket } from './bucket.js';
import type { LogRecord, QueueRecord, RelayStore, StoredItem } from './store.js';
import { corrOf, decodeCommand, encodeReply, ENTITY_ID_BYTES, Op, Status, type Command } from './wire.js';

export interface RelayLimits {
  readonly maxQueueMessages: number;
  readonly maxLogEntries: number;
  readonly maxCreatesPerConnection: number;
  readonly maxSubscriptions: number;
  readonly commandBurst: number;
  readonly commandsPerSecond: number;
  readonly retentionMs: number;
}

export const DEFAULT_RELAY_LIMITS: RelayLimits = {
  maxQueueMessages: MAX_RELAY_QUEUE_MESSAGES,
  maxLogEntries: MAX_RELAY_LOG_ENTRIES,
  maxCreatesPerConnection: MAX_RELAY_CREATES_PER_CONNECTION,
  maxSubscriptions: MAX_RELAY_SUBSCRIPTIONS,
  commandBurst: RELAY_COMMAND_BURST,
  commandsPerSecond: RELAY_COMMANDS_PER_SECOND,
  retentionMs: RELAY_RETENTION_MS,
};

export interface EngineOptions {
  readonly store: RelayStore;
  readonly random: RandomSource;
  readonly now: () => number;
  readonly limits?: Partial<RelayLimits>;
}

/** What the engine keeps per connection. */
export class RelayConnection {
  readonly sessionId: Uint8Array;
  /** The source's bucket (shared by its connections), or this connection's own. */
  readonly bucket: TokenBucket;
  /** Commands already charged to the bucket on arrival (`RelayEngine.admit`), not yet handled. */
  prepaid = 0;
  creates = 0;
  #release: (() => void) | null;
  readonly subscriptions = new Map<string, () => void>();
  /** Where notifications go (the adapter writes them to the connection). */
  readonly notify: (payload: Uint8Array) => void;

  constructor(sessionId: Uint8Array, bucket: TokenBucket, notify: (payload: Uint8Array) => void, release?: () => void) {
    this.sessionId = sessionId;
    this.bucket = bucket;
    this.notify = notify;
    this.#release = release ?? null;
  }

  /** Drops every subscription (the connection ended). */
  close(): void {
    this.#release?.();
    this.#release = null;
    for (const off of this.subscriptions.values()) off();
    this.subscriptions.clear();
  }
}

const ok = (corr: number, body: Uint8Array = new Uint8Array(0)): Uint8Array => encodeReply({ corr, status: Status.OK, body });
const fail = (corr: number, code: ErrorCode, extra?: Uint8Array): Uint8Array => encodeReply({ corr, status: Status.ERROR, body: encodeError(code, extra) });

/** As many items as fit one record (RELAY.md §3.2: `more` tells the client to ask for the rest). */
const page = (items: readonly StoredItem[]): Uint8Array => {
  const p = fitItems(items);
  return encodeItems(p.items, p.more);
};

/** Codes a reply may carry; anything else (a store failure, a bug) is sent as RELAY_UNAVAILABLE. */
const WIRE_CODES: ReadonlySet<string> = new Set(['DECODE_ERROR', 'AUTH_FAILED', 'RATE_LIMITED', 'RELAY_QUOTA', 'RELAY_CONFLICT', 'RELAY_UNAVAILABLE']);

export class RelayEngine {
  readonly #store: RelayStore;
  readonly #random: RandomSource;
  readonly #now: () => number;
  readonly limits: RelayLimits;
  /** Buckets per source; one without connections is kept until it is full again (reconnecting does not refill it). */
  readonly #sources = new Map<string, { readonly bucket: TokenBucket; conns: number }>();

  constructor(o: EngineOptions) {
    this.#store = o.store;
    this.#random = o.random;
    this.#now = o.now;
    this.limits = { ...DEFAULT_RELAY_LIMITS, ...o.limits };
  }

  /**
   * A new connection's state, once its handshake gave `sessionId`. `source` (sourceOf the
   * remote address): the command budget is that source's, shared by its connections; without
   * one the connection has a budget of its own.
   */
  connection(sessionId: Uint8Array, notify: (payload: Uint8Array) => void, source?: string): RelayConnection {
    const now = this.#now();
    if (source === undefined) return new RelayConnection(sessionId, new TokenBucket(this.limits.commandBurst, this.limits.commandsPerSecond, now), notify);
    let s = this.#sources.get(source);
    if (s === undefined) {
      this.#pruneSources(now);
      s = { bucket: new TokenBucket(this.limits.commandBurst, this.limits.commandsPerSecond, now), conns: 0 };
      this.#sources.set(source, s);
    }
    const entry = s;
    entry.conns++;
    return new RelayConnection(sessionId, entry.bucket, notify, () => {
      entry.conns--;
    });
  }

  /** Sources remembered at most (those with connections are bounded by MAX_RELAY_CONNECTIONS). */
  static readonly MAX_SOURCES = 2 * MAX_RELAY_CONNECTIONS;

  #pruneSources(now: number): void {
    if (this.#sources.size < RelayEngine.MAX_SOURCES) return;
    for (const [k, v] of this.#sources) if (v.conns <= 0 && v.bucket.full(now)) this.#sources.delete(k);
    if (this.#sources.size < RelayEngine.MAX_SOURCES) return;
    for (const [k, v] of this.#sources) if (v.conns <= 0) this.#sources.delete(k);
  }

  /**
   * Charges one command to the connection's (source's) bucket when it arrives, before it is
   * queued, decoded or verified: null when admitted (`handle` will not charge it again), else
   * the RATE_LIMITED reply to send at once.
   */
  admit(conn: RelayConnection, payload: Uint8Array, onError?: (e: SecureChatError) => void): Uint8Array | null {
    if (!conn.bucket.take(this.#now())) {
      onError?.(remoteError('RATE_LIMITED', 'command rate exceeded'));
      return fail(corrOf(payload), 'RATE_LIMITED');
    }
    conn.prepaid++;
    return null;
  }

  /**
   * Handles one command payload; resolves to the reply payload (never rejects). `onError`
   * hears every refusal with its code and side, for the adapter's log.
   */
  async handle(conn: RelayConnection, payload: Uint8Array, onError?: (e: SecureChatError) => void): Promise<Uint8Array> {
    const corr = corrOf(payload);
    if (conn.prepaid > 0) conn.prepaid--;
    else if (!conn.bucket.take(this.#now())) {
      onError?.(remoteError('RATE_LIMITED', 'command rate exceeded'));
      return fail(corr, 'RATE_LIMITED');
    }
    try {
      const c = decodeCommand(payload);
      return await this.#run(conn, c);
    } catch (e) {
      if (e instanceof ConflictError) return fail(corr, 'RELAY_CONFLICT', u64be(e.last));
      const err = isSecureChatError(e) ? e : localError('INTERNAL', 'relay command failed', e);
      onError?.(err);
      return fail(corr, WIRE_CODES.has(err.code) ? err.code : 'RELAY_UNAVAILABLE');
    }
  }

  /** Deletes everything older than the retention limit. */
  sweep(): Promise<number> {
    return this.#store.expire(this.#now() - this.limits.retentionMs);
  }

  async #run(conn: RelayConnection, c: Command): Promise<Uint8Array> {
    switch (c.op) {
      case Op.QUEUE_NEW:
      case Op.KP_NEW: {
        const { a, b } = decodeKeys(c.body);
        // QUEUE_NEW: a = recvKey, b = sendKey, signed by recvKey. KP_NEW: a = publishKey, b = fetchKey, signed by publishKey.
        verifyCommand(conn.sessionId, c, a);
        this.#countCreate(conn);
        const recvId = this.#random(ENTITY_ID_BYTES);
        const sendId = this.#random(ENTITY_ID_BYTES);
        const kp = c.op === Op.KP_NEW;
        await this.#store.createQueue({ kind: kp ? 'kp' : 'queue', recvId, sendId, recvKey: kp ? b : a, sendKey: kp ? a : b, created: this.#now() });
        return ok(c.corr, kp ? encodeIds(recvId) : encodeIds(recvId, sendId));
      }
      case Op.SEND: {
        const q = await this.#store.queueBySend(c.entity);
        const m = decodeSend(c.body);
        const sq = this.#authorise(conn, c, q?.kind === 'queue' ? q : undefined, 'send');
        return ok(c.corr, await this.#append(sq, m.msgId, m.data));
      }
      case Op.KP_PUBLISH: {
        const q = await this.#store.queueByRecv(c.entity);
        const m = decodeSend(c.body);
        const bq = this.#authorise(conn, c, q?.kind === 'kp' ? q : undefined, 'send');
        return ok(c.corr, await this.#append(bq, m.msgId, m.data));
      }
      case Op.FETCH: {
        const q = this.#authorise(conn, c, await this.#queue(c.entity, 'queue'), 'recv');
        const { after, max } = decodeRange(c.body);
        return ok(c.corr, page(await this.#store.fetch(q, after, max)));
      }
      case Op.ACK: {
        const q = this.#authorise(conn, c, await this.#queue(c.entity, 'queue'), 'recv');
        return ok(c.corr, u8((await this.#store.ack(q, decodeSeq(c.body))) ? 1 : 0));
      }
      case Op.SUBSCRIBE: {
        const q = this.#authorise(conn, c, await this.#queue(c.entity, 'queue'), 'recv');
        emptyBody(c.body, 'relay subscribe');
        const key = toHex(q.recvId);
        if (!conn.subscriptions.has(key)) {
          if (conn.subscriptions.size >= this.limits.maxSubscriptions) throw remoteError('RELAY_QUOTA', 'too many subscriptions on one connection');
          const id = q.recvId.slice();
          conn.subscriptions.set(key, this.#store.watch(q, () => conn.notify(encodeReply({ corr: 0, status: Status.NOTIFY, body: id }))));
        }
        return ok(c.corr);
      }
      case Op.QUEUE_DELETE: {
        const q = this.#authorise(conn, c, await this.#queue(c.entity, 'queue'), 'recv');
        emptyBody(c.body, 'relay delete');
        conn.subscriptions.get(toHex(q.recvId))?.();
        conn.subscriptions.delete(toHex(q.recvId));
        await this.#store.deleteQueue(q);
        return ok(c.corr);
      }
      case Op.KP_TAKE: {
        const q = this.#authorise(conn, c, await this.#queue(c.entity, 'kp'), 'recv');
        emptyBody(c.body, 'relay keypackage take');
        const it = await this.#store.take(q);
        return ok(c.corr, encodeItems(it === undefined ? [] : [it]));
      }
      case Op.LOG_NEW: {
        const { a, b } = decodeKeys(c.body);
        verifyCommand(conn.sessionId, c, a);
        this.#countCreate(conn);
        const logId = this.#random(ENTITY_ID_BYTES);
        await this.#store.createLog({ logId, appendKey: a, readKey: b, created: this.#now() });
        return ok(c.corr, encodeIds(logId));
      }
      case Op.LOG_APPEND: {
        const l = this.#authoriseLog(conn, c, await this.#store.logById(c.entity), 'append');
        const { expectAfter, data } = decodeAppend(c.body);
        const r = await this.#store.logAppend(l, expectAfter, data, this.#now(), this.limits.maxLogEntries);
        if (!r.ok) throw new ConflictError(r.last);
        return ok(c.corr, u64be(r.position));
      }
      case Op.LOG_READ: {
        const l = this.#authoriseLog(conn, c, await this.#store.logById(c.entity), 'read');
        const { after, max } = decodeRange(c.body);
        return ok(c.corr, page(await this.#store.logRead(l, after, max)));
      }
    }
  }

  async #queue(id: Uint8Array, kind: QueueRecord['kind']): Promise<QueueRecord | undefined> {
    const q = await this.#store.queueByRecv(id);
    return q?.kind === kind ? q : undefined;
  }

  #countCreate(conn: RelayConnection): void {
    if (conn.creates >= this.limits.maxCreatesPerConnection) throw remoteError('RELAY_QUOTA', 'too many queues, logs or boxes created on one connection');
    conn.creates++;
  }

  /** The same AUTH_FAILED for an unknown id and a wrong signature. */
  #authorise(conn: RelayConnection, c: Command, q: QueueRecord | undefined, role: 'recv' | 'send'): QueueRecord {
    if (q === undefined) throw remoteError('AUTH_FAILED', 'no such queue (or not this key)');
    verifyCommand(conn.sessionId, c, role === 'recv' ? q.recvKey : q.sendKey);
    return q;
  }

  #authoriseLog(conn: RelayConnection, c: Command, l: LogRecord | undefined, role: 'append' | 'read'): LogRecord {
    if (l === undefined) throw remoteError('AUTH_FAILED', 'no such log (or not this key)');
    verifyCommand(conn.sessionId, c, role === 'append' ? l.appendKey : l.readKey);
    return l;
  }

  async #append(q: QueueRecord, msgId: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
    const r = await this.#store.append(q, msgId, data, this.#now(), this.limits.maxQueueMessages);
    if (r === 'full') throw remoteError('RELAY_QUOTA', 'the queue is full');
    return u8(r === 'stored' ? 1 : 0);
  }
}

/** A LOG_APPEND that lost: `last` is the log's position now. */
class ConflictError extends Error {
  readonly last: number;
  constructor(last: number) {
    super('RELAY_CONFLICT: the log moved past the expected position');
    this.last = last;
  }
}
