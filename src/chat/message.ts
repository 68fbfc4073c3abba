/**
 * Application messages carried in APP records (docs/PROTOCOL.md §7):
 *
 *   kind:u8 || body
 *   0x01 TEXT     id:u64 || sent_at_ms:u64 || text (UTF-8, 1..65 519 bytes)
 *   0x02 RECEIPT  id:u64
 *   0x10 GROUP    id:u64 || op:u8 || body      (docs/PROTOCOL.md §12: group traffic, receipted like TEXT)
 *   0x03 TEXT_ID  id:u64 || message_id:[16] || sent_at_ms:u64 || text (UTF-8, 1..65 503 bytes)
 *   0x04 MAILBOX  id:u64 || offer                (docs/PROTOCOL.md §13: where to leave offline messages; not receipted)
 *   0x20 FILE     transfer:[16] || op:u8 || body   (docs/FILES.md §4: file transfer, not receipted)
 *
 * TEXT_ID (content format 2) carries a message id unique per sender (128 random bits) that
 * stays the same when the message is retried on another connection, so the receiver can
 * recognise a retry. Invalid UTF-8, an unknown kind, a zero id, an all-zero message id or a
 * wrong length is `DECODE_ERROR`.
 */
import { concat, u8, u64be, utf8 } from '../crypto/bytes.js';
import { localError, remoteError } from '../errors.js';
import { Reader } from '../wire/codec.js';
import { GROUP_KIND, GroupOp, decodeGroupBody, encodeGroupBody, type GroupAppMessage } from './group-message.js';
import { MAILBOX_KIND, decodeMailboxBody, encodeMailboxBody, type MailboxAppMessage } from '../relay/mailbox-offer.js';
import { FILE_KIND, decodeFileBody, encodeFileMessage, type FileAppMessage } from '../files/messages.js';
export { GroupOp, type GroupAppMessage, type MailboxAppMessage, type FileAppMessage };

/** Strict, and keeps a leading U+FEFF so that decode-then-encode gives back the same bytes. */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export const AppKind = {
  TEXT: 0x01,
  RECEIPT: 0x02,
  GROUP: GROUP_KIND,
  TEXT_ID: 0x03,
  MAILBOX: MAILBOX_KIND,
  FILE: FILE_KIND,
} as const;
export type AppKind = (typeof AppKind)[keyof typeof AppKind];

import { MAX_ID_TEXT_BYTES, MAX_TEXT_BYTES, MESSAGE_ID_BYTES } from '../limits.js';
export { MAX_ID_TEXT_BYTES, MAX_TEXT_BYTES, MESSAGE_ID_BYTES };

/** The content format this implementation sends (§7): 2 = TEXT_ID for retriable messages. */
export const CONTENT_FORMAT = 2;

export type AppMessage =
  | { readonly kind: typeof AppKind.TEXT; readonly id: number; readonly sentAtMs: number; readonly text: string }
  | { readonly kind: typeof AppKind.RECEIPT; readonly id: number }
  | { readonly kind: typeof AppKind.TEXT_ID; readonly id: number; readonly messageId: Uint8Array; readonly sentAtMs: number; readonly text: string }
  | GroupAppMessage
  | MailboxAppMessage
  | FileAppMessage;


export function encodeAppMessage(m: AppMessage): Uint8Array {
  if (m.kind === AppKind.FILE) return encodeFileMessage(m);
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
    case AppKind.MAILBOX:
      return concat(u8(m.kind), u64be(m.id), encodeMailboxBody(m));
    case AppKind.TEXT_ID: {
      const text = utf8(m.text);
      if (text.length < 1 || text.length > MAX_ID_TEXT_BYTES) throw localError('INTERNAL', `text must be 1..${MAX_ID_TEXT_BYTES} UTF-8 bytes`);
      if (!Number.isSafeInteger(m.sentAtMs) || m.sentAtMs < 0) throw localError('INTERNAL', 'sent_at_ms out of range');
      if (m.messageId.length !== MESSAGE_ID_BYTES || m.messageId.every((x) => x === 0)) throw localError('INTERNAL', `message id must be ${MESSAGE_ID_BYTES} bytes, not all zero`);
      return concat(u8(m.kind), u64be(m.id), m.messageId, u64be(m.sentAtMs), text);
    }
  }
}

export function decodeAppMessage(b: Uint8Array): AppMessage {
  const r = new Reader(b, 'application message');
  const kind = r.u8();
  switch (kind) {
    case AppKind.TEXT: {
      const id = positiveId(r.u64());
      const sentAtMs = r.u64();
      return { kind, id, sentAtMs, text: textOf(r, MAX_TEXT_BYTES) };
    }
    case AppKind.TEXT_ID: {
      const id = positiveId(r.u64());
      const messageId = r.fixed(MESSAGE_ID_BYTES);
      if (messageId.every((x) => x === 0)) throw remoteError('DECODE_ERROR', 'message id is all zero');
      const sentAtMs = r.u64();
      return { kind, id, messageId, sentAtMs, text: textOf(r, MAX_ID_TEXT_BYTES) };
    }
    case AppKind.RECEIPT: {
      const id = positiveId(r.u64());
      r.finish();
      return { kind, id };
    }
    case AppKind.GROUP:
      return decodeGroupBody(positiveId(r.u64()), r.restView());
    case AppKind.MAILBOX:
      return decodeMailboxBody(positiveId(r.u64()), r.rest());
    case AppKind.FILE:
      return decodeFileBody(r);
    default:
      throw remoteError('DECODE_ERROR', `unknown application message kind ${kind}`);
  }
}

/** The rest of the body as text of 1..`max` bytes of strict UTF-8. */
function textOf(r: Reader, max: number): string {
  const bytes = r.restView(); // only decoded into a string here, never kept
  if (bytes.length < 1 || bytes.length > max) throw remoteError('DECODE_ERROR', `text of ${bytes.length} bytes`);
  try {
    return UTF8.decode(bytes);
  } catch (e) {
    throw remoteError('DECODE_ERROR', 'text is not valid UTF-8', e);
  }
}

function positiveId(id: number): number {
  if (id < 1) throw remoteError('DECODE_ERROR', 'message id 0 (ids start at 1)');
  return id;
}
