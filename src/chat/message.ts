/**
 * Application messages carried in APP records (docs/PROTOCOL.md §7):
 *
 *   kind:u8 || body
 *   0x01 TEXT     id:u64 || sent_at_ms:u64 || text (UTF-8, 1..65 519 bytes)
 *   0x02 RECEIPT  id:u64
 *   0x10 GROUP    id:u64 || op:u8 || body      (docs/PROTOCOL.md §12: group traffic, receipted like TEXT)
 *
 * Invalid UTF-8, an unknown kind, a zero id or a wrong length is `DECODE_ERROR`.
 */
import { concat, u8, u64be, utf8 } from '../crypto/bytes.js';
import { localError, remoteError } from '../errors.js';
import { Reader } from '../wire/codec.js';
import { GROUP_KIND, GroupOp, decodeGroupBody, encodeGroupBody, type GroupAppMessage } from './group-message.js';
export { GroupOp, type GroupAppMessage };

/** Strict, and keeps a leading U+FEFF so that decode-then-encode gives back the same bytes. */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export const AppKind = {
  TEXT: 0x01,
  RECEIPT: 0x02,
  GROUP: GROUP_KIND,
} as const;
export type AppKind = (typeof AppKind)[keyof typeof AppKind];

import { MAX_TEXT_BYTES } from '../limits.js';
export { MAX_TEXT_BYTES };

export type AppMessage =
  | { readonly kind: typeof AppKind.TEXT; readonly id: number; readonly sentAtMs: number; readonly text: string }
  | { readonly kind: typeof AppKind.RECEIPT; readonly id: number }
  | GroupAppMessage;


export function encodeAppMessage(m: AppMessage): Uint8Array {
  if (!Number.isSafeInteger(m.id) || m.id < 1) throw localError('INTERNAL', 'message id must be a positive safe integer');
  switch (m.kind) {
    case AppKind.TEXT: {
      const text = utf8(m.text);
      if (text.length < 1 || text.length > MAX_TEXT_BYTES) throw localError('INTERNAL', `text must be 1..${MAX_TEXT_BYTES} UTF-8 bytes`);
      if (!Number.isSafeInteger(m.sentAtMs) || m.sentAtMs < 0) throw localError('INTERNAL', 'sent_at_ms out of range');
      return concat(u8(m.kind), u64be(m.id), u64be(m.sentAtMs), text);
    }
    case AppKind.RECEIPT:
      return concat(u8(m.kind), u64be(m.id));
    case AppKind.GROUP:
      return concat(u8(m.kind), u64be(m.id), encodeGroupBody(m));
  }
}

export function decodeAppMessage(b: Uint8Array): AppMessage {
  const r = new Reader(b, 'application message');
  const kind = r.u8();
  switch (kind) {
    case AppKind.TEXT: {
      const id = positiveId(r.u64());
      const sentAtMs = r.u64();
      const bytes = r.restView(); // only decoded into a string below, never kept
      if (bytes.length < 1 || bytes.length > MAX_TEXT_BYTES) throw remoteError('DECODE_ERROR', `text of ${bytes.length} bytes`);
      let text: string;
      try {
        text = UTF8.decode(bytes);
      } catch (e) {
        throw remoteError('DECODE_ERROR', 'text is not valid UTF-8', e);
      }
      return { kind, id, sentAtMs, text };
    }
    case AppKind.RECEIPT: {
      const id = positiveId(r.u64());
      r.finish();
      return { kind, id };
    }
    case AppKind.GROUP:
      return decodeGroupBody(positiveId(r.u64()), r.restView());
    default:
      throw remoteError('DECODE_ERROR', `unknown application message kind ${kind}`);
  }
}

function positiveId(id: number): number {
  if (id < 1) throw remoteError('DECODE_ERROR', 'message id 0 (ids start at 1)');
  return id;
}
