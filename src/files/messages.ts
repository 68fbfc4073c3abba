/**
 * The FILE application message (docs/FILES.md §4, docs/PROTOCOL.md §7): file transfer carried
 * over a 1:1 conversation, beside texts. Not receipted: ACK is the transfer's own receipt.
 *
 *   0x20 FILE  transfer:[16] || op:u8 || body
 *     op 0x01 OFFER   manifest                                   sender → receiver
 *     op 0x02 ACCEPT  file:u32 || chunk:u64                      receiver → sender: send from here
 *     op 0x03 CANCEL  reason:u8                                  either way: the transfer ends
 *     op 0x04 CHUNK   file:u32 || chunk:u64 || offset:u32 || data (1..61 440 bytes)
 *     op 0x05 ACK     file:u32 || chunk:u64                      receiver → sender: all before this is stored
 *
 * A sealed chunk (stream.ts) travels as CHUNK fragments at increasing offsets. An unknown op or
 * reason, a wrong length or an all-zero transfer id is DECODE_ERROR.
 */
import { concat, u32be, u64be, u8 } from '../crypto/bytes.js';
import { localError, remoteError } from '../errors.js';
import type { Reader } from '../wire/codec.js';
import { MAX_FRAGMENT_BYTES, MAX_MANIFEST_ENTRIES, TRANSFER_ID_BYTES } from './limits.js';

export const FILE_KIND = 0x20;

export const FileOp = { OFFER: 0x01, ACCEPT: 0x02, CANCEL: 0x03, CHUNK: 0x04, ACK: 0x05 } as const;
export type FileOp = (typeof FileOp)[keyof typeof FileOp];

export const CancelReason = { DECLINED: 1, CANCELLED: 2, INVALID: 3, CHANGED: 4, STORAGE: 5, UNKNOWN: 6 } as const;
export type CancelReason = (typeof CancelReason)[keyof typeof CancelReason];
const REASONS: ReadonlySet<number> = new Set(Object.values(CancelReason));

/** A position in a transfer: chunk `chunk` of file `file` (file = count: the end). */
export interface Position {
  readonly file: number;
  readonly chunk: number;
}

export type FileAppMessage =
  | { readonly kind: typeof FILE_KIND; readonly transfer: Uint8Array; readonly op: typeof FileOp.OFFER; readonly manifest: Uint8Array }
  | { readonly kind: typeof FILE_KIND; readonly transfer: Uint8Array; readonly op: typeof FileOp.ACCEPT | typeof FileOp.ACK; readonly at: Position }
  | { readonly kind: typeof FILE_KIND; readonly transfer: Uint8Array; readonly op: typeof FileOp.CANCEL; readonly reason: CancelReason }
  | { readonly kind: typeof FILE_KIND; readonly transfer: Uint8Array; readonly op: typeof FileOp.CHUNK; readonly at: Position; readonly offset: number; readonly data: Uint8Array };

function position(p: Position): Uint8Array {
  if (!Number.isSafeInteger(p.file) || p.file < 0 || p.file > MAX_MANIFEST_ENTRIES || !Number.isSafeInteger(p.chunk) || p.chunk < 0) throw localError('INTERNAL', 'bad transfer position');
  return concat(u32be(p.file), u64be(p.chunk));
}

export function encodeFileMessage(m: FileAppMessage): Uint8Array {
  if (m.transfer.length !== TRANSFER_ID_BYTES || m.transfer.every((x) => x === 0)) throw localError('INTERNAL', 'bad transfer id');
  const head = concat(u8(FILE_KIND), m.transfer, u8(m.op));
  switch (m.op) {
    case FileOp.OFFER:
      return concat(head, m.manifest);
    case FileOp.ACCEPT:
    case FileOp.ACK:
      return concat(head, position(m.at));
    case FileOp.CANCEL:
      return concat(head, u8(m.reason));
    case FileOp.CHUNK:
      if (m.data.length < 1 || m.data.length > MAX_FRAGMENT_BYTES || !Number.isSafeInteger(m.offset) || m.offset < 0 || m.offset > 0xffffffff) throw localError('INTERNAL', 'bad chunk fragment');
      return concat(head, position(m.at), u32be(m.offset), m.data);
  }
}

/** Decodes what follows the kind byte (the caller read it). */
export function decodeFileBody(r: Reader): FileAppMessage {
  const transfer = r.fixed(TRANSFER_ID_BYTES);
  if (transfer.every((x) => x === 0)) throw remoteError('DECODE_ERROR', 'transfer id is all zero');
  const op = r.u8();
  const kind = FILE_KIND;
  switch (op) {
    case FileOp.OFFER: {
      const manifest = r.rest();
      if (manifest.length === 0) throw remoteError('DECODE_ERROR', 'an empty manifest');
      return { kind, transfer, op, manifest };
    }
    case FileOp.ACCEPT:
    case FileOp.ACK: {
      const at = { file: r.u32(), chunk: r.u64() };
      r.finish();
      return { kind, transfer, op, at };
    }
    case FileOp.CANCEL: {
      const reason = r.u8();
      r.finish();
      if (!REASONS.has(reason)) throw remoteError('DECODE_ERROR', `unknown cancel reason ${reason}`);
      return { kind, transfer, op, reason: reason as CancelReason };
    }
    case FileOp.CHUNK: {
      const at = { file: r.u32(), chunk: r.u64() };
      const offset = r.u32();
      const data = r.rest();
      if (data.length < 1 || data.length > MAX_FRAGMENT_BYTES) throw remoteError('DECODE_ERROR', `a chunk fragment of ${data.length} bytes`);
      return { kind, transfer, op, at, offset, data };
    }
    default:
      throw remoteError('DECODE_ERROR', `unknown file op ${op}`);
  }
}
