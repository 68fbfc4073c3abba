/**
 * The relay client library (docs/RELAY.md §7): one authenticated, encrypted connection to a
 * relay whose static key the caller pinned, and a small API over the relay's commands. The
 * keys that authorise a queue, log or box are Ed25519 seeds the caller keeps (and shares:
 * a queue's send credentials go to the contact who will send to it, over our 1:1 channel).
 *
 * Not safe for concurrent use from several event loops (there is one); commands may overlap,
 * the relay answers them in order.
 */
import { connect as netConnect } from 'node:net';
import { toHex, wipe } from '../crypto/bytes.js';
import { ed25519PublicFromSeed, ed25519Sign } from '../crypto/ecc.js';
import { systemRandom, type RandomSource } from '../crypto/random.js';
import { ErrorCode, isSecureChatError, localError, remoteError, SecureChatError } from '../errors.js';
import { decodeAlert } from '../handshake/alert.js';
import { RELAY_HELLO_TIMEOUT_MS, RELAY_REPLY_TIMEOUT_MS } from '../limits.js';
import { FramedSocket, netError } from '../transport/framed-socket.js';
import { SecureConnection } from '../transport/secure-connection.js';
import { encodeFrame, FrameType, type Frame } from '../wire/frame.js';
import { decodeError, decodeIds, decodeItems, decodeItemsPage, decodeU64, signedBytes } from './bodies.js';
import { clientFinish, clientHello, keyPairFrom } from './noise-nk.js';
import type { LogAppendOutcome, StoredItem } from './store.js';
import { decodeReply, encodeCommand, MESSAGE_ID_BYTES, Op, Status } from './wire.js';
import { concat, u64be, u8 } from '../crypto/bytes.js';
import { aesGcmOpen, aesGcmSeal } from '../crypto/aead.js';

const GCM_NONCE_BYTES = 12;

/** A queue's reader side: its id and the seed of the key that signs reads. Keep it secret. */
export interface QueueReader {
  readonly recvId: Uint8Array;
  readonly recvSeed: Uint8Array;
}
/** A queue's sender side: give it to whoever should be able to send to the queue. */
export interface QueueSender {
  readonly sendId: Uint8Array;
  readonly sendSeed: Uint8Array;
}
export interface Queue extends QueueReader, QueueSender {}

export interface GroupLog {
  readonly logId: Uint8Array;
  readonly appendSeed: Uint8Array;
  readonly readSeed: Uint8Array;
}

/**
 * A KeyPackage box: the owner publishes with `publishSeed`; whoever holds `fetchSeed` takes
 * one. A KeyPackage carries its owner's name and identity key in the clear (GROUPS.md §8), so
 * it is sealed under `sealKey` (AES-256-GCM, a random 96-bit nonce, the box id as AAD) before
 * it reaches the relay; the owner gives `boxId`, `fetchSeed` and `sealKey` to its contacts.
 */
export interface KeyPackageBox {
  readonly boxId: Uint8Array;
  readonly publishSeed: Uint8Array;
  readonly fetchSeed: Uint8Array;
  readonly sealKey: Uint8Array;
}

export type RelayMessage = StoredItem;

export interface RelayClientOptions {
  readonly host: string;
  readonly port: number;
  /** The relay's static X25519 public key (32 bytes), pinned. */
  readonly relayKey: Uint8Array;
  readonly random?: RandomSource;
  readonly timeoutMs?: number;
}

interface Pending {
  resolve(body: Uint8Array): void;
  reject(e: SecureChatError): void;
  timer: NodeJS.Timeout;
}

const CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

export class RelayClient {
  readonly #conn: SecureConnection;
  readonly #sessionId: Uint8Array;
  readonly #random: RandomSource;
  readonly #timeoutMs: number;
  readonly #pending = new Map<number, Pending>();
  readonly #subs = new Map<string, () => void>();
  #corr = 0;
  #closed: SecureChatError | null = null;

  private constructor(conn: SecureConnection, sessionId: Uint8Array, random: RandomSource, timeoutMs: number) {
    this.#conn = conn;
    this.#sessionId = sessionId;
    this.#random = random;
    this.#timeoutMs = timeoutMs;
    conn.start({
      onApp: (data) => this.#onReply(data),
      onClose: (error) => this.#onClose(error ?? localError('CONNECTION_LOST', 'the relay connection closed')),
    });
  }

  /** Connects and runs the handshake; rejects with the handshake's or the network's error. */
  static connect(o: RelayClientOptions): Promise<RelayClient> {
    const random = o.random ?? systemRandom;
    const timeoutMs = o.timeoutMs ?? RELAY_REPLY_TIMEOUT_MS;
    if (o.relayKey.length !== 32) return Promise.reject(localError('USAGE', 'a relay key is 32 bytes'));
    return new Promise((resolve, reject) => {
      const e = keyPairFrom(random(32));
      const hello = clientHello(o.relayKey, e);
      let settled = false;
      const settle = (err: SecureChatError | null, c?: RelayClient): void => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        if (err !== null) reject(err);
        else if (c !== undefined) resolve(c);
      };
      let conn: SecureConnection | null = null;
      const socket = netConnect({ host: o.host, port: o.port });
      const fs = new FramedSocket(socket, {
        onFrame(frame: Frame): void {
          if (conn !== null) {
            conn.onFrame(frame);
            return;
          }
          try {
            if (frame.type === FrameType.ALERT) throw decodeAlert(frame.payload);
            if (frame.type !== FrameType.RELAY_REPLY) throw remoteError('UNEXPECTED_MESSAGE', `the relay answered with frame type ${frame.type}`);
            const result = clientFinish(hello.state, e, o.relayKey, frame.payload);
            wipe(e.priv);
            const sessionId = result.sessionId.slice();
            conn = new SecureConnection(fs, result, { random });
            settle(null, new RelayClient(conn, sessionId, random, timeoutMs));
          } catch (err) {
            const se = isSecureChatError(err) ? err : localError('INTERNAL', 'relay handshake failed', err);
            fs.fail(se);
            settle(se);
          }
        },
        onClose(error: SecureChatError | null): void {
          if (conn !== null) conn.onSocketClose(error);
          else settle(error ?? remoteError('CONNECTION_LOST', 'the relay closed the connection during the handshake'));
        },
      });
      socket.once('error', (err) => settle(netError(err)));
      socket.once('connect', () => fs.write(encodeFrame(FrameType.RELAY_HELLO, hello.message).raw));
      const deadline = setTimeout(() => {
        const err = localError('HANDSHAKE_TIMEOUT', 'the relay did not answer the handshake in time');
        fs.fail(err);
        settle(err);
      }, Math.min(timeoutMs, RELAY_HELLO_TIMEOUT_MS * 2));
      deadline.unref();
    });
  }

  get open(): boolean {
    return this.#closed === null;
  }

  /** The relay channel's session id (what command signatures cover). */
  get sessionId(): Uint8Array {
    return this.#sessionId.slice();
  }

  #onReply(data: Uint8Array): void {
    let r;
    try {
      r = decodeReply(data);
    } catch (e) {
      this.#conn.destroy(isSecureChatError(e) ? e : localError('INTERNAL', 'bad relay reply', e));
      return;
    }
    if (r.status === Status.NOTIFY) {
      this.#subs.get(toHex(r.body))?.();
      return;
    }
    const p = this.#pending.get(r.corr);
    if (p === undefined) return;
    this.#pending.delete(r.corr);
    clearTimeout(p.timer);
    if (r.status === Status.OK) {
      p.resolve(r.body);
      return;
    }
    try {
      const { code } = decodeError(r.body);
      const c = CODES.has(code) ? (code as ErrorCode) : 'DECODE_ERROR';
      const err = new SecureChatError(c, 'remote', `the relay refused the command (${code})`);
      if (c === 'RELAY_CONFLICT') (err as SecureChatError & { body?: Uint8Array }).body = r.body;
      p.reject(err);
    } catch (e) {
      p.reject(isSecureChatError(e) ? e : localError('INTERNAL', 'bad relay error', e));
    }
  }

  #onClose(error: SecureChatError): void {
    this.#closed = error;
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.reject(error);
    }
    this.#pending.clear();
  }

  /** Sends one command signed with `seed` (every command is signed, §4). */
  #command(op: Op, entity: Uint8Array, seed: Uint8Array, body: Uint8Array): Promise<Uint8Array> {
    if (this.#closed !== null) return Promise.reject(this.#closed);
    this.#corr = this.#corr >= 0xffff_fffe ? 1 : this.#corr + 1;
    const corr = this.#corr;
    const sig = ed25519Sign(seed, signedBytes(this.#sessionId, { corr, op, entity, body }));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(corr);
        reject(localError('RELAY_UNAVAILABLE', 'the relay did not answer in time'));
      }, this.#timeoutMs);
      timer.unref();
      this.#pending.set(corr, { resolve, reject, timer });
      try {
        this.#conn.sendApp(encodeCommand({ corr, op, entity, sig, body }));
      } catch (e) {
        clearTimeout(timer);
        this.#pending.delete(corr);
        reject(isSecureChatError(e) ? e : localError('INTERNAL', 'could not send to the relay', e));
      }
    });
  }

  /** A new queue: its reader credentials (keep) and sender credentials (give to the sender). */
  async createQueue(): Promise<Queue> {
    const recvSeed = this.#random(32);
    const sendSeed = this.#random(32);
    const body = concat(ed25519PublicFromSeed(recvSeed), ed25519PublicFromSeed(sendSeed));
    const [recvId, sendId] = decodeIds(await this.#command(Op.QUEUE_NEW, new Uint8Array(0), recvSeed, body), 2) as [Uint8Array, Uint8Array];
    return { recvId, sendId, recvSeed, sendSeed };
  }

  /**
   * Sends one message (ciphertext: the relay stores what it is given). `msgId` makes retries
   * safe: the same id is stored once. Resolves 'stored' or 'duplicate' once the relay has it on disk.
   */
  async send(to: QueueSender, data: Uint8Array, msgId: Uint8Array = this.#random(MESSAGE_ID_BYTES)): Promise<'stored' | 'duplicate'> {
    const r = await this.#command(Op.SEND, to.sendId, to.sendSeed, concat(msgId, data));
    return r[0] === 1 ? 'stored' : 'duplicate';
  }

  /** Up to `max` messages after `after` (a seq; 0 from the start), oldest first. */
  async receive(q: QueueReader, after = 0, max = 32): Promise<RelayMessage[]> {
    return this.#readAll((a, m) => this.#command(Op.FETCH, q.recvId, q.recvSeed, concat(u64be(a), u8(m))), after, max);
  }

  /**
   * Up to `max` items after `after`: a reply holds what fits one record and says whether more
   * follow (RELAY.md §3.2); this asks again after the last one until `max` or no more.
   */
  async #readAll(read: (after: number, max: number) => Promise<Uint8Array>, after: number, max: number): Promise<StoredItem[]> {
    const out: StoredItem[] = [];
    for (;;) {
      const p = decodeItemsPage(await read(after, max - out.length));
      out.push(...p.items);
      const last = p.items[p.items.length - 1];
      if (!p.more || last === undefined || out.length >= max) return out;
      if (last.seq <= after) throw remoteError('DECODE_ERROR', 'relay items: a reply did not move past the position asked for');
      after = last.seq;
    }
  }

  /** Deletes a received message from the relay. */
  async ack(q: QueueReader, seq: number): Promise<boolean> {
    const r = await this.#command(Op.ACK, q.recvId, q.recvSeed, u64be(seq));
    return r[0] === 1;
  }

  /** Asks the relay to notify this connection when a message arrives in `q`. */
  async subscribe(q: QueueReader, onMessage: () => void): Promise<void> {
    this.#subs.set(toHex(q.recvId), onMessage);
    await this.#command(Op.SUBSCRIBE, q.recvId, q.recvSeed, new Uint8Array(0));
  }

  async deleteQueue(q: QueueReader): Promise<void> {
    this.#subs.delete(toHex(q.recvId));
    await this.#command(Op.QUEUE_DELETE, q.recvId, q.recvSeed, new Uint8Array(0));
  }

  /** A new group log (the Delivery Service's ordering point): share its seeds with the members. */
  async createLog(): Promise<GroupLog> {
    const appendSeed = this.#random(32);
    const readSeed = this.#random(32);
    const body = concat(ed25519PublicFromSeed(appendSeed), ed25519PublicFromSeed(readSeed));
    const [logId] = decodeIds(await this.#command(Op.LOG_NEW, new Uint8Array(0), appendSeed, body), 1) as [Uint8Array];
    return { logId, appendSeed, readSeed };
  }

  /** Appends iff the log's last position is `expectAfter` (0: empty): exactly one append per position wins. */
  async appendLog(log: GroupLog, expectAfter: number, data: Uint8Array): Promise<LogAppendOutcome> {
    try {
      return { ok: true, position: decodeU64(await this.#command(Op.LOG_APPEND, log.logId, log.appendSeed, concat(u64be(expectAfter), data)), 'relay position') };
    } catch (e) {
      const body = (e as { body?: Uint8Array }).body;
      if (isSecureChatError(e) && e.code === 'RELAY_CONFLICT' && body !== undefined) return { ok: false, last: decodeU64(decodeError(body).extra, 'relay conflict') };
      throw e;
    }
  }

  async readLog(log: GroupLog, after = 0, max = 32): Promise<StoredItem[]> {
    return this.#readAll((a, m) => this.#command(Op.LOG_READ, log.logId, log.readSeed, concat(u64be(a), u8(m))), after, max);
  }

  async createKeyPackageBox(): Promise<KeyPackageBox> {
    const publishSeed = this.#random(32);
    const fetchSeed = this.#random(32);
    const body = concat(ed25519PublicFromSeed(publishSeed), ed25519PublicFromSeed(fetchSeed));
    const [boxId] = decodeIds(await this.#command(Op.KP_NEW, new Uint8Array(0), publishSeed, body), 1) as [Uint8Array];
    return { boxId, publishSeed, fetchSeed, sealKey: this.#random(32) };
  }

  async publishKeyPackage(box: Pick<KeyPackageBox, 'boxId' | 'publishSeed' | 'sealKey'>, keyPackage: Uint8Array): Promise<void> {
    const nonce = this.#random(GCM_NONCE_BYTES);
    const sealed = concat(nonce, aesGcmSeal(box.sealKey, nonce, box.boxId, keyPackage));
    await this.#command(Op.KP_PUBLISH, box.boxId, box.publishSeed, concat(this.#random(MESSAGE_ID_BYTES), sealed));
  }

  /**
   * Takes one KeyPackage out of the box (nobody else gets it), or undefined if it is empty.
   * One that does not open under `sealKey` is `AUTH_FAILED` (and is gone from the box).
   */
  async takeKeyPackage(box: Pick<KeyPackageBox, 'boxId' | 'fetchSeed' | 'sealKey'>): Promise<Uint8Array | undefined> {
    const [it] = decodeItems(await this.#command(Op.KP_TAKE, box.boxId, box.fetchSeed, new Uint8Array(0)));
    if (it === undefined) return undefined;
    const kp = it.data.length > GCM_NONCE_BYTES ? aesGcmOpen(box.sealKey, it.data.subarray(0, GCM_NONCE_BYTES), box.boxId, it.data.subarray(GCM_NONCE_BYTES)) : null;
    if (kp === null) throw remoteError('AUTH_FAILED', 'a KeyPackage from the relay does not open under the box key');
    return kp;
  }

  /** Authenticated close. */
  async close(): Promise<void> {
    await this.#conn.close();
  }
}
