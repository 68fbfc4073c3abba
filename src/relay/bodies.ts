/**
 * The bodies of relay commands and replies (docs/RELAY.md §3.2), and the bytes a command's
 * signature covers (§4). Pure.
 */
import { concat, u32be, u64be, u8, utf8 } from '../crypto/bytes.js';
import { Ed25519VerifyCache } from '../crypto/ed25519-key-cache.js';
import { remoteError, type ErrorCode } from '../errors.js';
import { MAX_RECORD_PLAINTEXT, MAX_RELAY_FETCH, MAX_RELAY_MESSAGE_BYTES, RELAY_KEY_CACHE_ENTRIES } from '../limits.js';
import { Reader, opaque8 } from '../wire/codec.js';
import { ENTITY_ID_BYTES, KEY_BYTES, MESSAGE_ID_BYTES, type Command } from './wire.js';
import type { StoredItem } from './store.js';

const SIGN_LABEL = utf8('sc1 relay cmd');

/**
 * What a command's Ed25519 signature covers: a label, the channel's session id (so a command
 * cannot be replayed on another connection), then every field of the command but the signature.
 */
export function signedBytes(sessionId: Uint8Array, c: Omit<Command, 'sig'>): Uint8Array {
  return concat(SIGN_LABEL, sessionId, u32be(c.corr), u8(c.op), opaque8(c.entity), c.body);
}

/** Public keys of the queues in use, parsed once (the relay verifies one signature per command). */
const keys = new Ed25519VerifyCache(RELAY_KEY_CACHE_ENTRIES);

/** Checks a command's signature against `key`; every failure is the same `AUTH_FAILED`. */
export function verifyCommand(sessionId: Uint8Array, c: Command, key: Uint8Array): void {
  if (!keys.verify(key, signedBytes(sessionId, c), c.sig)) throw remoteError('AUTH_FAILED', 'the command is not signed by the key of that queue, log or box');
}

/** Two public keys (QUEUE_NEW: recv, send; LOG_NEW: append, read; KP_NEW: publish, fetch). */
export function decodeKeys(body: Uint8Array): { a: Uint8Array; b: Uint8Array } {
  const r = new Reader(body, 'relay create');
  const a = r.fixed(KEY_BYTES);
  const b = r.fixed(KEY_BYTES);
  r.finish();
  return { a, b };
}

/** SEND and KP_PUBLISH: msgId || data (1 .. MAX_RELAY_MESSAGE_BYTES). */
export function decodeSend(body: Uint8Array): { msgId: Uint8Array; data: Uint8Array } {
  const r = new Reader(body, 'relay send');
  const msgId = r.fixed(MESSAGE_ID_BYTES);
  const data = r.rest();
  if (data.length === 0) throw remoteError('DECODE_ERROR', 'relay send: empty message');
  if (data.length > MAX_RELAY_MESSAGE_BYTES) throw remoteError('RELAY_QUOTA', `a message of ${data.length} bytes exceeds the relay's ${MAX_RELAY_MESSAGE_BYTES}`);
  return { msgId, data };
}

/** FETCH and LOG_READ: after (u64) || max (u8, 1 .. MAX_RELAY_FETCH). */
export function decodeRange(body: Uint8Array): { after: number; max: number } {
  const r = new Reader(body, 'relay read');
  const after = r.u64();
  const max = r.u8();
  r.finish();
  if (max < 1 || max > MAX_RELAY_FETCH) throw remoteError('DECODE_ERROR', `relay read: max ${max} outside 1..${MAX_RELAY_FETCH}`);
  return { after, max };
}

/** ACK: seq (u64). */
export function decodeSeq(body: Uint8Array): number {
  const r = new Reader(body, 'relay ack');
  const seq = r.u64();
  r.finish();
  return seq;
}

/** LOG_APPEND: expectAfter (u64) || data. */
export function decodeAppend(body: Uint8Array): { expectAfter: number; data: Uint8Array } {
  const r = new Reader(body, 'relay log append');
  const expectAfter = r.u64();
  const data = r.rest();
  if (data.length === 0) throw remoteError('DECODE_ERROR', 'relay log append: empty entry');
  if (data.length > MAX_RELAY_MESSAGE_BYTES) throw remoteError('RELAY_QUOTA', `an entry of ${data.length} bytes exceeds the relay's ${MAX_RELAY_MESSAGE_BYTES}`);
  return { expectAfter, data };
}

export function emptyBody(body: Uint8Array, what: string): void {
  if (body.length !== 0) throw remoteError('DECODE_ERROR', `${what}: unexpected body`);
}

/**
 * Items (FETCH, LOG_READ, KP_TAKE): count (u8) || more (u8: 1 iff the relay left out items
 * after the last one to keep the reply within one record) || (seq u64 || msgId 16 || len u32 || data)*.
 */
export function encodeItems(items: readonly StoredItem[], more = false): Uint8Array {
  const parts: Uint8Array[] = [u8(items.length), u8(more ? 1 : 0)];
  for (const it of items) parts.push(u64be(it.seq), it.msgId, u32be(it.data.length), it.data);
  return concat(...parts);
}

/** Reply header (corr u32, status u8) plus Items' count and more bytes. */
const ITEMS_REPLY_OVERHEAD = 4 + 1 + 2;
/** seq, msgId and len before each item's data. */
const ITEM_OVERHEAD = 8 + MESSAGE_ID_BYTES + 4;

/**
 * The longest prefix of `items` whose reply fits one record (MAX_RECORD_PLAINTEXT), at least
 * one item (a single item of MAX_RELAY_MESSAGE_BYTES always fits); `more` when some were left out.
 */
export function fitItems(items: readonly StoredItem[]): { items: StoredItem[]; more: boolean } {
  let bytes = ITEMS_REPLY_OVERHEAD;
  let n = 0;
  for (const it of items) {
    bytes += ITEM_OVERHEAD + it.data.length;
    if (n > 0 && bytes > MAX_RECORD_PLAINTEXT) break;
    n++;
  }
  return { items: items.slice(0, n), more: n < items.length };
}

export function decodeItemsPage(body: Uint8Array): { items: StoredItem[]; more: boolean } {
  const r = new Reader(body, 'relay items');
  const n = r.u8();
  if (n > MAX_RELAY_FETCH) throw remoteError('DECODE_ERROR', `relay items: ${n} items`);
  const more = r.u8();
  if (more > 1) throw remoteError('DECODE_ERROR', `relay items: more flag ${more}`);
  const items: StoredItem[] = [];
  for (let i = 0; i < n; i++) {
    const seq = r.u64();
    const msgId = r.fixed(MESSAGE_ID_BYTES);
    const len = r.u32();
    if (len < 1 || len > MAX_RELAY_MESSAGE_BYTES) throw remoteError('DECODE_ERROR', `relay items: item of ${len} bytes`);
    items.push({ seq, msgId, data: r.fixed(len) });
  }
  r.finish();
  if (more === 1 && n === 0) throw remoteError('DECODE_ERROR', 'relay items: more follow an empty reply');
  return { items, more: more === 1 };
}

export function decodeItems(body: Uint8Array): StoredItem[] {
  return decodeItemsPage(body).items;
}

/** An error reply's body: code (opaque8, ASCII) || extra (LOG_APPEND's conflict: the last position, u64). */
export function encodeError(code: ErrorCode, extra: Uint8Array = new Uint8Array(0)): Uint8Array {
  return concat(opaque8(utf8(code)), extra);
}

export function decodeError(body: Uint8Array): { code: string; extra: Uint8Array } {
  const r = new Reader(body, 'relay error');
  const code = new TextDecoder().decode(r.opaque8(1, 64));
  if (!/^[A-Z_]+$/.test(code)) throw remoteError('DECODE_ERROR', 'relay error: malformed code');
  return { code, extra: r.rest() };
}

export function encodeIds(a: Uint8Array, b?: Uint8Array): Uint8Array {
  return b === undefined ? a.slice() : concat(a, b);
}

export function decodeIds(body: Uint8Array, n: 1 | 2): Uint8Array[] {
  const r = new Reader(body, 'relay ids');
  const out = [r.fixed(ENTITY_ID_BYTES)];
  if (n === 2) out.push(r.fixed(ENTITY_ID_BYTES));
  r.finish();
  return out;
}

/** A u64 body (LOG_APPEND's position, a conflict's last position). */
export function decodeU64(body: Uint8Array, what: string): number {
  const r = new Reader(body, what);
  const v = r.u64();
  r.finish();
  return v;
}
