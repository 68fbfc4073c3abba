/**
 * The inner plaintext of a RECORD (docs/PROTOCOL.md §6.3): `content_type:u8 || content`.
 * Unknown content types and contents of the wrong length are `DECODE_ERROR`.
 *
 * APP_BATCH (content format 2, §6.3) carries several application messages queued together:
 * `(length:u16 || data)` for each, at least two (a lone message is an APP record, so each
 * list of messages has one encoding).
 */
import { concat, readU16, u8, u64be } from '../crypto/bytes.js';
import { MLKEM768_CT_BYTES, MLKEM768_EK_BYTES } from '../crypto/mlkem.js';
import { remoteError } from '../errors.js';
import { MAX_BATCH_ITEM_BYTES, MAX_RECORD_PLAINTEXT } from '../limits.js';
import { Reader } from '../wire/codec.js';
import { isCloseReason, type CloseReason } from './close.js';

export const ContentType = {
  APP: 0x01,
  REKEY_INIT: 0x02,
  REKEY_REPLY: 0x03,
  REKEY_DONE: 0x04,
  CLOSE: 0x05,
  APP_BATCH: 0x06,
} as const;
export type ContentType = (typeof ContentType)[keyof typeof ContentType];

const X25519_PUB_BYTES = 32;

export type Content =
  | { readonly type: typeof ContentType.APP; readonly data: Uint8Array }
  | { readonly type: typeof ContentType.APP_BATCH; readonly items: readonly Uint8Array[] }
  | { readonly type: typeof ContentType.REKEY_INIT; readonly x25519Pub: Uint8Array; readonly mlkemEk: Uint8Array }
  | { readonly type: typeof ContentType.REKEY_REPLY; readonly x25519Pub: Uint8Array; readonly mlkemCt: Uint8Array }
  | { readonly type: typeof ContentType.REKEY_DONE }
  | { readonly type: typeof ContentType.CLOSE; readonly appRecords: number; readonly reason: CloseReason };

/**
 * `encodeContent` as parts whose concatenation is the encoding: APP data is not copied behind
 * its type byte (the record layer seals the parts in turn, `sealInto`).
 */
export function encodeContentParts(c: Content): readonly Uint8Array[] {
  if (c.type !== ContentType.APP) return [encodeContent(c)];
  if (c.data.length > MAX_RECORD_PLAINTEXT) throw new RangeError('application data exceeds 65536 bytes');
  return [APP_TYPE, c.data];
}

const APP_TYPE = u8(ContentType.APP);

/** Encodes `content_type || content`. Refuses (locally) values the peer would refuse. */
export function encodeContent(c: Content): Uint8Array {
  switch (c.type) {
    case ContentType.APP:
      if (c.data.length > MAX_RECORD_PLAINTEXT) throw new RangeError('application data exceeds 65536 bytes');
      return concat(u8(c.type), c.data);
    case ContentType.APP_BATCH:
      return encodeBatch(c.items);
    case ContentType.REKEY_INIT:
      if (c.x25519Pub.length !== X25519_PUB_BYTES || c.mlkemEk.length !== MLKEM768_EK_BYTES) throw new RangeError('bad REKEY_INIT field');
      return concat(u8(c.type), c.x25519Pub, c.mlkemEk);
    case ContentType.REKEY_REPLY:
      if (c.x25519Pub.length !== X25519_PUB_BYTES || c.mlkemCt.length !== MLKEM768_CT_BYTES) throw new RangeError('bad REKEY_REPLY field');
      return concat(u8(c.type), c.x25519Pub, c.mlkemCt);
    case ContentType.REKEY_DONE:
      return u8(c.type);
    case ContentType.CLOSE:
      return concat(u8(c.type), u64be(c.appRecords), u8(c.reason));
  }
}

/** Decodes `content_type || content` exactly (§2: nothing missing, nothing left over). */
export function decodeContent(inner: Uint8Array): Content {
  const r = new Reader(inner, 'record content');
  const type = r.u8();
  let c: Content;
  switch (type) {
    case ContentType.APP: {
      // `inner` is the freshly decrypted plaintext, owned by this record: no need to copy.
      const data = r.restView();
      if (data.length > MAX_RECORD_PLAINTEXT) throw remoteError('DECODE_ERROR', 'application data exceeds 65536 bytes');
      c = { type, data };
      break;
    }
    case ContentType.APP_BATCH:
      c = { type, items: decodeBatch(r.restView()) };
      break;
    case ContentType.REKEY_INIT:
      c = { type, x25519Pub: r.fixed(X25519_PUB_BYTES), mlkemEk: r.fixed(MLKEM768_EK_BYTES) };
      break;
    case ContentType.REKEY_REPLY:
      c = { type, x25519Pub: r.fixed(X25519_PUB_BYTES), mlkemCt: r.fixed(MLKEM768_CT_BYTES) };
      break;
    case ContentType.REKEY_DONE:
      c = { type };
      break;
    case ContentType.CLOSE: {
      const appRecords = r.u64();
      const reason = r.u8();
      if (!isCloseReason(reason)) throw remoteError('DECODE_ERROR', `unknown close reason ${reason}`);
      c = { type, appRecords, reason };
      break;
    }
    default:
      throw remoteError('DECODE_ERROR', `unknown record content type ${type}`);
  }
  r.finish();
  return c;
}


/** Bytes of an APP_BATCH inner plaintext for `items` (content type included). */
export function batchInnerBytes(items: readonly Uint8Array[]): number {
  let n = 1;
  for (const d of items) n += 2 + d.length;
  return n;
}

function encodeBatch(items: readonly Uint8Array[]): Uint8Array {
  if (items.length < 2) throw new RangeError('APP_BATCH needs at least two messages');
  const total = batchInnerBytes(items);
  if (total - 1 > MAX_RECORD_PLAINTEXT) throw new RangeError('APP_BATCH exceeds 65536 bytes');
  const out = new Uint8Array(total);
  out[0] = ContentType.APP_BATCH;
  let o = 1;
  for (const d of items) {
    if (d.length > MAX_BATCH_ITEM_BYTES) throw new RangeError('APP_BATCH item exceeds 65535 bytes');
    out[o] = d.length >>> 8;
    out[o + 1] = d.length & 0xff;
    out.set(d, o + 2);
    o += 2 + d.length;
  }
  return out;
}

/** The items of an APP_BATCH content, as views of the plaintext (owned by this record, like APP). */
function decodeBatch(b: Uint8Array): Uint8Array[] {
  if (b.length > MAX_RECORD_PLAINTEXT) throw remoteError('DECODE_ERROR', 'APP_BATCH exceeds 65536 bytes');
  const items: Uint8Array[] = [];
  let o = 0;
  while (o < b.length) {
    if (o + 2 > b.length) throw remoteError('DECODE_ERROR', 'APP_BATCH: truncated item length');
    const n = readU16(b, o);
    if (o + 2 + n > b.length) throw remoteError('DECODE_ERROR', 'APP_BATCH: item longer than the record');
    items.push(b.subarray(o + 2, o + 2 + n));
    o += 2 + n;
  }
  if (items.length < 2) throw remoteError('DECODE_ERROR', 'APP_BATCH with fewer than two messages');
  return items;
}
