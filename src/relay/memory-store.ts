/**
 * An in-memory `RelayStore` (tests, and `--store memory` for a throwaway relay): the reference
 * behaviour the SQLite and NATS stores are checked against. Nothing survives the process.
 */
import { remoteError } from '../errors.js';
import { toHex } from '../crypto/bytes.js';
import type { AppendOutcome, LogAppendOutcome, LogRecord, QueueRecord, RelayStore, StoredItem } from './store.js';

interface Item extends StoredItem {
  readonly at: number;
}

export class MemoryStore implements RelayStore {
  readonly kind = 'memory';
  readonly #queues = new Map<string, QueueRecord>();
  readonly #bySend = new Map<string, string>();
  readonly #messages = new Map<string, Item[]>();
  readonly #seen = new Map<string, Map<string, number>>();
  readonly #logs = new Map<string, LogRecord>();
  readonly #entries = new Map<string, Item[]>();
  readonly #watchers = new Map<string, Set<() => void>>();
  #seq = 0;

  createQueue(q: QueueRecord): Promise<void> {
    this.#queues.set(toHex(q.recvId), q);
    this.#bySend.set(toHex(q.sendId), toHex(q.recvId));
    return Promise.resolve();
  }

  queueByRecv(recvId: Uint8Array): Promise<QueueRecord | undefined> {
    return Promise.resolve(this.#queues.get(toHex(recvId)));
  }

  queueBySend(sendId: Uint8Array): Promise<QueueRecord | undefined> {
    const r = this.#bySend.get(toHex(sendId));
    return Promise.resolve(r === undefined ? undefined : this.#queues.get(r));
  }

  deleteQueue(q: QueueRecord): Promise<void> {
    const k = toHex(q.recvId);
    this.#queues.delete(k);
    this.#bySend.delete(toHex(q.sendId));
    this.#messages.delete(k);
    this.#seen.delete(k);
    return Promise.resolve();
  }

  append(q: QueueRecord, msgId: Uint8Array, data: Uint8Array, now: number, maxMessages: number): Promise<AppendOutcome> {
    const k = toHex(q.recvId);
    const seen = this.#seen.get(k) ?? new Map<string, number>();
    this.#seen.set(k, seen);
    if (seen.has(toHex(msgId))) return Promise.resolve('duplicate');
    const list = this.#messages.get(k) ?? [];
    if (list.length >= maxMessages) return Promise.resolve('full');
    seen.set(toHex(msgId), now);
    list.push({ seq: ++this.#seq, msgId: msgId.slice(), data: data.slice(), at: now });
    this.#messages.set(k, list);
    for (const w of this.#watchers.get(k) ?? []) w();
    return Promise.resolve('stored');
  }

  fetch(q: QueueRecord, after: number, max: number): Promise<StoredItem[]> {
    return Promise.resolve((this.#messages.get(toHex(q.recvId)) ?? []).filter((m) => m.seq > after).slice(0, max));
  }

  ack(q: QueueRecord, seq: number): Promise<boolean> {
    const list = this.#messages.get(toHex(q.recvId)) ?? [];
    const i = list.findIndex((m) => m.seq === seq);
    if (i >= 0) list.splice(i, 1);
    return Promise.resolve(i >= 0);
  }

  take(q: QueueRecord): Promise<StoredItem | undefined> {
    return Promise.resolve((this.#messages.get(toHex(q.recvId)) ?? []).shift());
  }

  createLog(l: LogRecord): Promise<void> {
    this.#logs.set(toHex(l.logId), l);
    return Promise.resolve();
  }

  logById(logId: Uint8Array): Promise<LogRecord | undefined> {
    return Promise.resolve(this.#logs.get(toHex(logId)));
  }

  logAppend(l: LogRecord, expectAfter: number, data: Uint8Array, now: number, maxEntries: number): Promise<LogAppendOutcome> {
    const k = toHex(l.logId);
    const list = this.#entries.get(k) ?? [];
    const last = list[list.length - 1]?.seq ?? 0;
    if (last !== expectAfter) return Promise.resolve({ ok: false, last });
    if (list.length >= maxEntries) return Promise.reject(remoteError('RELAY_QUOTA', 'the group log is full'));
    const seq = ++this.#seq;
    list.push({ seq, msgId: new Uint8Array(16), data: data.slice(), at: now });
    this.#entries.set(k, list);
    return Promise.resolve({ ok: true, position: seq });
  }

  logRead(l: LogRecord, after: number, max: number): Promise<StoredItem[]> {
    return Promise.resolve((this.#entries.get(toHex(l.logId)) ?? []).filter((m) => m.seq > after).slice(0, max));
  }

  expire(before: number): Promise<number> {
    let n = 0;
    for (const m of [this.#messages, this.#entries]) {
      for (const [k, list] of m) {
        const keep = list.filter((x) => x.at >= before);
        n += list.length - keep.length;
        m.set(k, keep);
      }
    }
    for (const seen of this.#seen.values()) for (const [id, at] of seen) if (at < before) seen.delete(id);
    return Promise.resolve(n);
  }

  watch(q: QueueRecord, onMessage: () => void): () => void {
    const k = toHex(q.recvId);
    const set = this.#watchers.get(k) ?? new Set();
    set.add(onMessage);
    this.#watchers.set(k, set);
    return () => set.delete(onMessage);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** Test helper: every byte this store holds, for the plaintext grep. */
  dump(): Uint8Array[] {
    return [...this.#messages.values(), ...this.#entries.values()].flat().map((m) => m.data);
  }
}
