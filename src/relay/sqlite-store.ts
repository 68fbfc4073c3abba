/**
 * The embedded store: one SQLite file through `better-sqlite3` (an optional dependency,
 * loaded on first use: docs/RELAY.md §5.1). WAL journal with `synchronous = FULL`, so every
 * committed transaction is on disk before the call returns, and the relay replies only after.
 * One relay process per file (SQLite's locking keeps a second one correct but slow).
 */
import { chmod, mkdir, open as fsOpen } from 'node:fs/promises';
import { dirname } from 'node:path';
import { EventEmitter } from 'node:events';
import { toHex } from '../crypto/bytes.js';
import { localError, remoteError } from '../errors.js';
import type { AppendOutcome, LogAppendOutcome, LogRecord, QueueRecord, RelayStore, StoredItem } from './store.js';

/** The part of better-sqlite3's API this file uses (its own types are not a dependency). */
interface Statement {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}
interface Database {
  pragma(sql: string): unknown;
  exec(sql: string): void;
  prepare(sql: string): Statement;
  transaction<A extends unknown[], R>(fn: (...a: A) => R): { immediate: (...a: A) => R };
  close(): void;
}
type DatabaseCtor = new (path: string) => Database;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS queues (recv_id BLOB PRIMARY KEY, send_id BLOB NOT NULL UNIQUE, kind TEXT NOT NULL, recv_key BLOB NOT NULL, send_key BLOB NOT NULL, created INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS messages (seq INTEGER PRIMARY KEY AUTOINCREMENT, recv_id BLOB NOT NULL, msg_id BLOB NOT NULL, data BLOB NOT NULL, at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS messages_queue ON messages (recv_id, seq);
CREATE INDEX IF NOT EXISTS messages_at ON messages (at);
CREATE TABLE IF NOT EXISTS seen (recv_id BLOB NOT NULL, msg_id BLOB NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (recv_id, msg_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS seen_at ON seen (at);
CREATE TABLE IF NOT EXISTS logs (log_id BLOB PRIMARY KEY, append_key BLOB NOT NULL, read_key BLOB NOT NULL, created INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS entries (seq INTEGER PRIMARY KEY AUTOINCREMENT, log_id BLOB NOT NULL, data BLOB NOT NULL, at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS entries_log ON entries (log_id, seq);
CREATE INDEX IF NOT EXISTS entries_at ON entries (at);
`;

function statements(db: Database) {
  const p = (sql: string): Statement => db.prepare(sql);
  return {
    insQueue: p('INSERT INTO queues (recv_id, send_id, kind, recv_key, send_key, created) VALUES (?, ?, ?, ?, ?, ?)'),
    byRecv: p('SELECT * FROM queues WHERE recv_id = ?'),
    bySend: p('SELECT * FROM queues WHERE send_id = ?'),
    delQueue: p('DELETE FROM queues WHERE recv_id = ?'),
    delQueueMsgs: p('DELETE FROM messages WHERE recv_id = ?'),
    delQueueSeen: p('DELETE FROM seen WHERE recv_id = ?'),
    seen: p('INSERT INTO seen (recv_id, msg_id, at) VALUES (?, ?, ?)'),
    isSeen: p('SELECT 1 AS x FROM seen WHERE recv_id = ? AND msg_id = ?'),
    count: p('SELECT count(*) AS n FROM messages WHERE recv_id = ?'),
    insMsg: p('INSERT INTO messages (recv_id, msg_id, data, at) VALUES (?, ?, ?, ?)'),
    fetch: p('SELECT seq, msg_id, data FROM messages WHERE recv_id = ? AND seq > ? ORDER BY seq LIMIT ?'),
    ack: p('DELETE FROM messages WHERE recv_id = ? AND seq = ?'),
    first: p('SELECT seq, msg_id, data FROM messages WHERE recv_id = ? ORDER BY seq LIMIT 1'),
    insLog: p('INSERT INTO logs (log_id, append_key, read_key, created) VALUES (?, ?, ?, ?)'),
    logById: p('SELECT * FROM logs WHERE log_id = ?'),
    lastEntry: p('SELECT max(seq) AS last FROM entries WHERE log_id = ?'),
    countEntries: p('SELECT count(*) AS n FROM entries WHERE log_id = ?'),
    insEntry: p('INSERT INTO entries (log_id, data, at) VALUES (?, ?, ?)'),
    readLog: p('SELECT seq, data FROM entries WHERE log_id = ? AND seq > ? ORDER BY seq LIMIT ?'),
    expMsgs: p('DELETE FROM messages WHERE at < ?'),
    expEntries: p('DELETE FROM entries WHERE at < ?'),
    expSeen: p('DELETE FROM seen WHERE at < ?'),
  };
}
type Statements = ReturnType<typeof statements>;


const ZERO_ID = new Uint8Array(16);

interface QueueRow {
  recv_id: Uint8Array;
  send_id: Uint8Array;
  kind: string;
  recv_key: Uint8Array;
  send_key: Uint8Array;
  created: number;
}

/** better-sqlite3 binds Buffers (not plain Uint8Arrays) as BLOBs. */
const B = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
const u8 = (b: Uint8Array): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

function queueOf(r: unknown): QueueRecord | undefined {
  if (r === undefined) return undefined;
  const q = r as QueueRow;
  return { kind: q.kind === 'kp' ? 'kp' : 'queue', recvId: u8(q.recv_id), sendId: u8(q.send_id), recvKey: u8(q.recv_key), sendKey: u8(q.send_key), created: q.created };
}

function itemsOf(rows: unknown[]): StoredItem[] {
  return rows.map((r) => {
    const x = r as { seq: number; msg_id?: Uint8Array; data: Uint8Array };
    return { seq: x.seq, msgId: x.msg_id === undefined ? ZERO_ID.slice() : u8(x.msg_id), data: u8(x.data) };
  });
}

const DRIVER: string = 'better-sqlite3';

/** Loads better-sqlite3, or says in one sentence how to get it. */
async function loadDriver(): Promise<DatabaseCtor> {
  try {
    // A variable specifier: the package is optional, so neither tsc nor a bundler may require it.
    const m = (await import(DRIVER)) as { default: DatabaseCtor };
    return m.default;
  } catch (e) {
    throw localError('RELAY_UNAVAILABLE', 'the SQLite store needs the optional package better-sqlite3 12.11.1, which is not installed: run `npm install better-sqlite3@12.11.1` (it compiles from source, a few minutes), or use --store nats://HOST:PORT', e);
  }
}

export class SqliteStore implements RelayStore {
  readonly kind = 'sqlite';
  readonly #db: Database;
  readonly #events = new EventEmitter();
  readonly #s: Statements;
  readonly #appendOne: (a: PendingAppend) => AppendOutcome;
  readonly #runBatch: (ops: readonly Op[]) => unknown[];
  #batch: Op[] = [];
  readonly #logAppend: (log: Uint8Array, expect: number, data: Uint8Array, now: number, max: number) => LogAppendOutcome | 'full';
  readonly #take: (recv: Uint8Array) => StoredItem | undefined;
  readonly #expire: (before: number) => number;

  private constructor(db: Database) {
    this.#db = db;
    this.#events.setMaxListeners(0);
    const s = statements(db);
    this.#s = s;
    const appendOne = (a: PendingAppend): AppendOutcome => {
      if (s.isSeen.get(a.recv, a.msgId) !== undefined) return 'duplicate';
      if ((s.count.get(a.recv) as { n: number }).n >= a.max) return 'full';
      s.seen.run(a.recv, a.msgId, a.now);
      s.insMsg.run(a.recv, a.msgId, a.data, a.now);
      return 'stored';
    };
    this.#appendOne = appendOne;
    this.#runBatch = db.transaction((ops: readonly Op[]): unknown[] => ops.map((o) => o.run())).immediate;
    this.#logAppend = db.transaction((log: Uint8Array, expect: number, data: Uint8Array, now: number, max: number): LogAppendOutcome | 'full' => {
      const last = (s.lastEntry.get(log) as { last: number | null }).last ?? 0;
      if (last !== expect) return { ok: false, last };
      if ((s.countEntries.get(log) as { n: number }).n >= max) return 'full';
      return { ok: true, position: Number(s.insEntry.run(log, data, now).lastInsertRowid) };
    }).immediate;
    this.#take = db.transaction((recv: Uint8Array): StoredItem | undefined => {
      const [it] = itemsOf([s.first.get(recv)].filter((r) => r !== undefined));
      if (it !== undefined) s.ack.run(recv, it.seq);
      return it;
    }).immediate;
    this.#expire = db.transaction((before: number): number => {
      const n = s.expMsgs.run(before).changes + s.expEntries.run(before).changes;
      s.expSeen.run(before);
      return n;
    }).immediate;
  }

  /**
   * Opens (creating if needed) the database file at `path`. It holds every id, the link of
   * each reader id to its sender id and the ciphertexts: a new directory is made 0700, the
   * file is created 0600 (SQLite gives its -wal and -shm the file's mode), and an existing
   * file and its -wal/-shm are set to 0600 (attack finding R4: it was the umask's 0644).
   */
  static async open(path: string): Promise<SqliteStore> {
    const Driver = await loadDriver();
    let db: Database;
    try {
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      await (await fsOpen(path, 'a', 0o600)).close();
      for (const f of [path, `${path}-wal`, `${path}-shm`]) await chmod(f, 0o600).catch((e: unknown) => {
        if ((e as { code?: string }).code !== 'ENOENT') throw e;
      });
      db = new Driver(path);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = OFF');
      db.exec(SCHEMA);
    } catch (e) {
      throw localError('STORAGE_ERROR', `cannot open the relay database ${path}`, e);
    }
    return new SqliteStore(db);
  }

  createQueue(q: QueueRecord): Promise<void> {
    this.#s.insQueue.run(B(q.recvId), B(q.sendId), q.kind, B(q.recvKey), B(q.sendKey), q.created);
    return Promise.resolve();
  }

  queueByRecv(recvId: Uint8Array): Promise<QueueRecord | undefined> {
    return Promise.resolve(queueOf(this.#s.byRecv.get(B(recvId))));
  }

  queueBySend(sendId: Uint8Array): Promise<QueueRecord | undefined> {
    return Promise.resolve(queueOf(this.#s.bySend.get(B(sendId))));
  }

  deleteQueue(q: QueueRecord): Promise<void> {
    this.#db.transaction(() => {
      this.#s.delQueue.run(B(q.recvId));
      this.#s.delQueueMsgs.run(B(q.recvId));
      this.#s.delQueueSeen.run(B(q.recvId));
    }).immediate();
    return Promise.resolve();
  }

  /**
   * Writes that arrive in one turn of the event loop (appends, acks) commit in one transaction:
   * one fsync (group commit). Each promise resolves after that commit, so every reply still
   * waits for its write to be on disk; if the transaction fails, every write in it fails.
   */
  #enqueue<T>(run: () => T, after?: (r: T) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.#batch.length === 0) setImmediate(() => this.#flush());
      this.#batch.push({ run, resolve: (v) => { after?.(v as T); resolve(v as T); }, reject });
    });
  }

  #flush(): void {
    const ops = this.#batch;
    this.#batch = [];
    if (ops.length === 0) return;
    let out: unknown[];
    try {
      out = this.#runBatch(ops);
    } catch (e) {
      for (const o of ops) o.reject(e);
      return;
    }
    ops.forEach((o, i) => o.resolve(out[i]));
  }

  append(q: QueueRecord, msgId: Uint8Array, data: Uint8Array, now: number, maxMessages: number): Promise<AppendOutcome> {
    const a: PendingAppend = { recv: B(q.recvId), msgId: B(msgId), data: B(data), now, max: maxMessages };
    return this.#enqueue(
      () => this.#appendOne(a),
      (r) => {
        if (r === 'stored') this.#events.emit(toHex(a.recv));
      },
    );
  }

  fetch(q: QueueRecord, after: number, max: number): Promise<StoredItem[]> {
    return Promise.resolve(itemsOf(this.#s.fetch.all(B(q.recvId), after, max)));
  }

  ack(q: QueueRecord, seq: number): Promise<boolean> {
    const recv = B(q.recvId);
    return this.#enqueue(() => this.#s.ack.run(recv, seq).changes > 0);
  }

  take(q: QueueRecord): Promise<StoredItem | undefined> {
    return Promise.resolve(this.#take(B(q.recvId)));
  }

  createLog(l: LogRecord): Promise<void> {
    this.#s.insLog.run(B(l.logId), B(l.appendKey), B(l.readKey), l.created);
    return Promise.resolve();
  }

  logById(logId: Uint8Array): Promise<LogRecord | undefined> {
    const r = this.#s.logById.get(B(logId)) as { log_id: Uint8Array; append_key: Uint8Array; read_key: Uint8Array; created: number } | undefined;
    return Promise.resolve(r === undefined ? undefined : { logId: u8(r.log_id), appendKey: u8(r.append_key), readKey: u8(r.read_key), created: r.created });
  }

  logAppend(l: LogRecord, expectAfter: number, data: Uint8Array, now: number, maxEntries: number): Promise<LogAppendOutcome> {
    const r = this.#logAppend(B(l.logId), expectAfter, B(data), now, maxEntries);
    return r === 'full' ? Promise.reject(remoteError('RELAY_QUOTA', 'the group log is full')) : Promise.resolve(r);
  }

  logRead(l: LogRecord, after: number, max: number): Promise<StoredItem[]> {
    return Promise.resolve(itemsOf(this.#s.readLog.all(B(l.logId), after, max)));
  }

  expire(before: number): Promise<number> {
    return Promise.resolve(this.#expire(before));
  }

  watch(q: QueueRecord, onMessage: () => void): () => void {
    const k = toHex(B(q.recvId));
    this.#events.on(k, onMessage);
    return () => this.#events.off(k, onMessage);
  }

  close(): Promise<void> {
    if (this.#batch.length > 0) this.#flush();
    this.#db.close();
    return Promise.resolve();
  }
}

interface Op {
  run(): unknown;
  resolve(v: unknown): void;
  reject(e: unknown): void;
}

interface PendingAppend {
  readonly recv: Buffer;
  readonly msgId: Buffer;
  readonly data: Buffer;
  readonly now: number;
  readonly max: number;
}
