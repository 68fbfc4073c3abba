/**
 * The distributed store: NATS JetStream (docs/RELAY.md §5.2), through `@nats-io/transport-node`
 * and `@nats-io/jetstream` 3.4.0, the only importers of those packages. Several relay
 * processes may share one NATS server or cluster: every state lives in JetStream, none in the
 * relay, so relays are interchangeable.
 *
 * Three streams (file storage; replicas as the cluster allows):
 * - `SCRELAY_MSGS`, subjects `screlay.q.<recv id hex>`: one message per stored message, its
 *   `Nats-Msg-Id` = `<recv id>.<message id>` so JetStream itself drops a replayed send within
 *   the duplicate window (= the retention limit); at most N messages per subject, new ones
 *   refused (`discard_new_per_subject`); `max_age` = the retention limit.
 * - `SCRELAY_LOGS`, subjects `screlay.g.<log id hex>`: group log entries, appended with
 *   `Nats-Expected-Last-Subject-Sequence`, JetStream's optimistic concurrency, so exactly one
 *   append per position wins across every relay. A position is the entry's stream sequence.
 * - `SCRELAY_META`, subjects `screlay.m.<r|s|g>.<id hex>`: the queue and log records (public
 *   keys, ids), one message per subject, created with an expected last sequence of 0.
 */
import { connect, headers, nanos, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, JetStreamApiError, type JetStreamClient, type JetStreamManager, type StoredMsg } from '@nats-io/jetstream';
import { fromHex, toHex } from '../crypto/bytes.js';
import { localError, remoteError } from '../errors.js';
import { MAX_RELAY_LOG_ENTRIES, MAX_RELAY_MESSAGE_BYTES } from '../limits.js';
import type { AppendOutcome, LogAppendOutcome, LogRecord, QueueRecord, RelayStore, StoredItem } from './store.js';

const MSGS = 'SCRELAY_MSGS';
const LOGS = 'SCRELAY_LOGS';
const META = 'SCRELAY_META';
const qSubject = (recvId: Uint8Array): string => `screlay.q.${toHex(recvId)}`;
const gSubject = (logId: Uint8Array): string => `screlay.g.${toHex(logId)}`;
const ZERO_ID = new Uint8Array(16);

export interface NatsStoreOptions {
  readonly servers: string;
  readonly retentionMs: number;
  readonly maxQueueMessages: number;
  /** Entries per group log (the LOGS stream's per-subject maximum, discard new). */
  readonly maxLogEntries?: number;
  /** Stream replicas (1 for one server, 3 for a 3-node cluster). */
  readonly replicas?: number;
}

const isApi = (e: unknown, code: number): boolean => e instanceof JetStreamApiError && e.code === code;
const NO_MESSAGE = 10037;
/** A message that is not (or no longer) there: a get past the end, a delete that lost a race. */
const noMessage = (e: unknown): boolean => isApi(e, NO_MESSAGE) || (e instanceof JetStreamApiError && /no message found|not found/i.test(e.message));
const WRONG_LAST_SEQUENCE = 10071;
const STREAM_IN_USE = 10058;

interface MetaQueue {
  kind: 'queue' | 'kp';
  recvId: string;
  sendId: string;
  recvKey: string;
  sendKey: string;
  created: number;
}

export class NatsStore implements RelayStore {
  readonly kind = 'nats';
  readonly #nc: NatsConnection;
  readonly #js: JetStreamClient;
  readonly #jsm: JetStreamManager;

  private constructor(nc: NatsConnection, js: JetStreamClient, jsm: JetStreamManager) {
    this.#nc = nc;
    this.#js = js;
    this.#jsm = jsm;
  }

  /** Connects and makes sure the three streams exist (creating them is idempotent across relays). */
  static async open(o: NatsStoreOptions): Promise<NatsStore> {
    let nc: NatsConnection;
    try {
      nc = await connect({ servers: o.servers, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
    } catch (e) {
      throw localError('RELAY_UNAVAILABLE', `cannot reach NATS at ${o.servers}`, e);
    }
    try {
      const jsm = await jetstreamManager(nc);
      const age = nanos(o.retentionMs);
      const common = { storage: 'file', num_replicas: o.replicas ?? 1, max_age: age, max_msg_size: MAX_RELAY_MESSAGE_BYTES + 1024 } as const;
      await ensureStream(jsm, { ...common, name: MSGS, subjects: ['screlay.q.>'], duplicate_window: age, max_msgs_per_subject: o.maxQueueMessages, discard: 'new', discard_new_per_subject: true });
      await ensureStream(jsm, { ...common, name: LOGS, subjects: ['screlay.g.>'], max_msgs_per_subject: o.maxLogEntries ?? MAX_RELAY_LOG_ENTRIES, discard: 'new', discard_new_per_subject: true });
      await ensureStream(jsm, { ...common, name: META, subjects: ['screlay.m.>'], max_msgs_per_subject: 1, max_age: 0 });
      return new NatsStore(nc, jetstream(nc), jsm);
    } catch (e) {
      await nc.close().catch(() => undefined);
      throw localError('RELAY_UNAVAILABLE', `NATS at ${o.servers} has no usable JetStream`, e);
    }
  }

  async createQueue(q: QueueRecord): Promise<void> {
    const rec: MetaQueue = { kind: q.kind, recvId: toHex(q.recvId), sendId: toHex(q.sendId), recvKey: toHex(q.recvKey), sendKey: toHex(q.sendKey), created: q.created };
    await this.#js.publish(`screlay.m.r.${rec.recvId}`, JSON.stringify(rec), { expect: { lastSubjectSequence: 0 } });
    await this.#js.publish(`screlay.m.s.${rec.sendId}`, rec.recvId, { expect: { lastSubjectSequence: 0 } });
  }

  async #last(stream: string, subject: string): Promise<StoredMsg | null> {
    try {
      return await this.#jsm.streams.getMessage(stream, { last_by_subj: subject });
    } catch (e) {
      if (noMessage(e)) return null;
      throw e;
    }
  }

  async queueByRecv(recvId: Uint8Array): Promise<QueueRecord | undefined> {
    const m = await this.#last(META, `screlay.m.r.${toHex(recvId)}`);
    return m === null ? undefined : queueOf(m.string());
  }

  async queueBySend(sendId: Uint8Array): Promise<QueueRecord | undefined> {
    const m = await this.#last(META, `screlay.m.s.${toHex(sendId)}`);
    return m === null ? undefined : this.queueByRecv(fromHex(m.string()));
  }

  async deleteQueue(q: QueueRecord): Promise<void> {
    await this.#jsm.streams.purge(MSGS, { filter: qSubject(q.recvId) });
    await this.#jsm.streams.purge(META, { filter: `screlay.m.s.${toHex(q.sendId)}` });
    await this.#jsm.streams.purge(META, { filter: `screlay.m.r.${toHex(q.recvId)}` });
  }

  async append(q: QueueRecord, msgId: Uint8Array, data: Uint8Array): Promise<AppendOutcome> {
    const h = headers();
    h.set('Sc-Msg-Id', toHex(msgId));
    try {
      const ack = await this.#js.publish(qSubject(q.recvId), data, { msgID: `${toHex(q.recvId)}.${toHex(msgId)}`, headers: h });
      return ack.duplicate ? 'duplicate' : 'stored';
    } catch (e) {
      // discard_new_per_subject: the subject holds max_msgs_per_subject already.
      if (e instanceof JetStreamApiError && /maximum messages/i.test(e.message)) return 'full';
      throw e;
    }
  }

  async #range(stream: string, subject: string, after: number, max: number): Promise<StoredItem[]> {
    const out: StoredItem[] = [];
    let seq = after + 1;
    while (out.length < max) {
      let m: StoredMsg | null;
      try {
        // STREAM.MSG.GET with next_by_subj (nats-server ≥ 2.9): the first message on `subject` at or after `seq`.
        m = await this.#jsm.streams.getMessage(stream, { seq, next_by_subj: subject } as unknown as { seq: number });
      } catch (e) {
        if (noMessage(e)) break;
        throw e;
      }
      if (m === null || m.subject !== subject) break;
      const id = m.header.get('Sc-Msg-Id');
      out.push({ seq: m.seq, msgId: id === '' ? ZERO_ID.slice() : fromHex(id), data: m.data.slice() });
      seq = m.seq + 1;
    }
    return out;
  }

  fetch(q: QueueRecord, after: number, max: number): Promise<StoredItem[]> {
    return this.#range(MSGS, qSubject(q.recvId), after, max);
  }

  async ack(q: QueueRecord, seq: number): Promise<boolean> {
    // Only a message of this queue: a reader must not delete another queue's message by its sequence.
    const [m] = await this.#range(MSGS, qSubject(q.recvId), seq - 1, 1);
    if (m?.seq !== seq) return false;
    try {
      return await this.#jsm.streams.deleteMessage(MSGS, seq, true);
    } catch (e) {
      if (noMessage(e)) return false;
      throw e;
    }
  }

  async take(q: QueueRecord): Promise<StoredItem | undefined> {
    for (;;) {
      const [m] = await this.#range(MSGS, qSubject(q.recvId), 0, 1);
      if (m === undefined) return undefined;
      // Two relays taking at once: the delete succeeds for exactly one of them; the other tries the next.
      if (await this.ack(q, m.seq)) return m;
    }
  }

  async createLog(l: LogRecord): Promise<void> {
    const rec = { logId: toHex(l.logId), appendKey: toHex(l.appendKey), readKey: toHex(l.readKey), created: l.created };
    await this.#js.publish(`screlay.m.g.${rec.logId}`, JSON.stringify(rec), { expect: { lastSubjectSequence: 0 } });
  }

  async logById(logId: Uint8Array): Promise<LogRecord | undefined> {
    const m = await this.#last(META, `screlay.m.g.${toHex(logId)}`);
    if (m === null) return undefined;
    const r = m.json<{ logId: string; appendKey: string; readKey: string; created: number }>();
    return { logId: fromHex(r.logId), appendKey: fromHex(r.appendKey), readKey: fromHex(r.readKey), created: r.created };
  }

  async logAppend(l: LogRecord, expectAfter: number, data: Uint8Array): Promise<LogAppendOutcome> {
    try {
      const ack = await this.#js.publish(gSubject(l.logId), data, { expect: { lastSubjectSequence: expectAfter } });
      return { ok: true, position: ack.seq };
    } catch (e) {
      if (e instanceof JetStreamApiError && /maximum messages/i.test(e.message)) throw remoteError('RELAY_QUOTA', 'the group log is full');
      if (!isApi(e, WRONG_LAST_SEQUENCE) && !(e instanceof JetStreamApiError && /wrong last sequence/i.test(e.message))) throw e;
      const last = await this.#last(LOGS, gSubject(l.logId));
      return { ok: false, last: last?.seq ?? 0 };
    }
  }

  logRead(l: LogRecord, after: number, max: number): Promise<StoredItem[]> {
    return this.#range(LOGS, gSubject(l.logId), after, max);
  }

  /** JetStream expires by itself (`max_age`); the deduplication window ends with it. */
  expire(): Promise<number> {
    return Promise.resolve(0);
  }

  watch(q: QueueRecord, onMessage: () => void): () => void {
    // A core subscription sees every message JetStream stores on the subject, from any relay.
    const sub: Subscription = this.#nc.subscribe(qSubject(q.recvId), { callback: () => onMessage() });
    return () => sub.unsubscribe();
  }

  async close(): Promise<void> {
    await this.#nc.drain().catch(() => undefined);
  }
}

function queueOf(json: string): QueueRecord | undefined {
  let r: MetaQueue;
  try {
    r = JSON.parse(json) as MetaQueue;
  } catch (e) {
    throw remoteError('STORAGE_ERROR', 'a queue record in NATS is not JSON', e);
  }
  return { kind: r.kind, recvId: fromHex(r.recvId), sendId: fromHex(r.sendId), recvKey: fromHex(r.recvKey), sendKey: fromHex(r.sendKey), created: r.created };
}

type StreamSpec = Parameters<JetStreamManager['streams']['add']>[0] & { name: string };

async function ensureStream(jsm: JetStreamManager, cfg: StreamSpec): Promise<void> {
  try {
    await jsm.streams.add(cfg);
  } catch (e) {
    // Another relay created it first (same config: fine; a different one: updated to ours).
    if (!isApi(e, STREAM_IN_USE) && !(e instanceof JetStreamApiError && /already in use/i.test(e.message))) throw e;
    await jsm.streams.update(cfg.name, cfg);
  }
}
